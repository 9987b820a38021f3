-- name: placed_row
SELECT id, address, postcode, commune, geocode_status, geocode_level, geocode_label,
       ST_X(geom) AS x, ST_Y(geom) AS y
FROM {table} WHERE id = %(id)s;

-- name: open_review_of
SELECT id FROM geocode_reviews WHERE target = %(target)s AND target_id = %(id)s AND resolved_at IS NULL;

-- name: mark_to_review
-- the point stays where it is (a provisional point, drawn on the map) but leaves the analysis until settled
UPDATE {table} SET geocode_status = 'a_verifier', updated_at = now() WHERE id = %(id)s;

-- name: queue_doubt
INSERT INTO geocode_reviews (target, target_id, address, level, score, reason, alternatives)
VALUES (%(target)s, %(id)s, %(address)s, %(level)s, 1, %(reason)s, %(alternatives)s)
ON CONFLICT (target, target_id) DO UPDATE SET
    address = EXCLUDED.address, level = EXCLUDED.level, score = EXCLUDED.score, reason = EXCLUDED.reason,
    alternatives = EXCLUDED.alternatives, created_at = now(), resolved_at = NULL, resolution = NULL
RETURNING id;

-- name: review_by_id
SELECT id, target, target_id, address, level, score, reason, alternatives, created_at
FROM geocode_reviews WHERE id = %(id)s;
