-- name: pending
SELECT id, address, postcode, commune FROM {table}
WHERE geocode_status = 'a_geocoder' AND address IS NOT NULL AND (%(batch)s::bigint IS NULL OR batch_id = %(batch)s)
ORDER BY id;

-- name: create_results
CREATE TEMP TABLE geo_results (
    id bigint PRIMARY KEY, x double precision, y double precision, level text, score real, label text, status text,
    commune text, postcode text
);

-- name: update_target
UPDATE {table} t
SET geom = CASE WHEN g.x IS NOT NULL THEN ST_SetSRID(ST_MakePoint(g.x, g.y), 31370) END,
    geocode_status = g.status, geocode_level = g.level, geocode_score = g.score, geocode_label = g.label,
    -- the commune and postcode of the matched address fill those the row did not give (the commune filter)
    commune = coalesce(t.commune, g.commune), postcode = coalesce(t.postcode, g.postcode),
    updated_at = now()
FROM geo_results g
WHERE t.id = g.id;

-- name: queue_review
INSERT INTO geocode_reviews (target, target_id, address, level, score, reason, alternatives)
VALUES (%(target)s, %(target_id)s, %(address)s, %(level)s, %(score)s, %(reason)s, %(alternatives)s)
ON CONFLICT (target, target_id) DO UPDATE SET
    address = EXCLUDED.address, level = EXCLUDED.level, score = EXCLUDED.score, reason = EXCLUDED.reason,
    alternatives = EXCLUDED.alternatives, created_at = now(), resolved_at = NULL, resolution = NULL;

-- name: open_reviews
SELECT id, target, target_id, address, level, score, reason, alternatives, created_at
FROM geocode_reviews WHERE resolved_at IS NULL ORDER BY created_at, id LIMIT %(limit)s OFFSET %(offset)s;

-- name: count_open_reviews
SELECT count(*) FROM geocode_reviews WHERE resolved_at IS NULL;

-- name: review
SELECT target, target_id, alternatives FROM geocode_reviews WHERE id = %(id)s AND resolved_at IS NULL;

-- name: place_by_hand
UPDATE {table}
SET geom = ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 31370), geocode_status = 'manuel', geocode_level = %(level)s,
    geocode_score = 1, geocode_label = %(label)s,
    -- the chosen address (or the commune under a point placed by hand) is what the row's place now is
    commune = coalesce(%(commune)s, commune), postcode = coalesce(%(postcode)s, postcode), updated_at = now()
WHERE id = %(id)s;

-- name: close_review
UPDATE geocode_reviews SET resolved_at = now(), resolution = %(resolution)s WHERE id = %(id)s;
