-- name: batch_for_withdrawal
-- The batch to withdraw, held until the end of the transaction (two withdrawals of one batch wait for each other).
SELECT id, kind, file_name, status, inserted, updated, details, withdrawn_at, withdrawn_by
FROM ingestion_batches WHERE id = %(batch)s FOR UPDATE;

-- name: batch_rows
-- The rows the batch still holds in its table (a row a later batch updated carries that batch's number).
SELECT coalesce(array_agg(id ORDER BY id), '{{}}') FROM {table} WHERE batch_id = %(batch)s;

-- name: reports_held
-- What holds a batch's reports: visits that follow them, shifts (not cancelled) that planned them, referrals, hand
-- placements.
SELECT (SELECT count(*) FROM visits WHERE report_id = ANY(%(ids)s) OR site_ref = ANY(%(sites)s)) AS visites,
       (SELECT count(*) FROM plan_stops s JOIN plans p ON p.id = s.plan_id
        WHERE p.cancelled_at IS NULL AND s.site_kind = 'signalement' AND s.site_id = ANY(%(sites)s)) AS arrets,
       (SELECT count(*) FROM reports WHERE id = ANY(%(ids)s) AND referral_id IS NOT NULL)
       + (SELECT count(*) FROM referrals WHERE target_kind = 'signalement' AND target_id = ANY(%(ids)s::text[]))
         AS renvois,
       (SELECT count(*) FROM reports WHERE id = ANY(%(ids)s) AND geocode_status = 'manuel') AS places_a_la_main;

-- name: visits_held
-- What holds a batch's visits: follow-ups (SUIVI-…) planned by a shift not cancelled or visited again, hand
-- placements.
SELECT (SELECT count(*) FROM visits WHERE site_ref = ANY(%(sites)s) AND NOT id = ANY(%(ids)s)) AS visites,
       (SELECT count(*) FROM plan_stops s JOIN plans p ON p.id = s.plan_id
        WHERE p.cancelled_at IS NULL AND s.site_kind = 'suivi' AND s.site_id = ANY(%(sites)s)) AS arrets,
       0 AS renvois,
       (SELECT count(*) FROM visits WHERE id = ANY(%(ids)s) AND geocode_status = 'manuel') AS places_a_la_main;

-- name: permits_held
-- What holds a batch's permits: checks planned by a shift not cancelled or visits made on them (PER-…), hand
-- placements.
SELECT (SELECT count(*) FROM visits WHERE site_ref = ANY(%(sites)s)) AS visites,
       (SELECT count(*) FROM plan_stops s JOIN plans p ON p.id = s.plan_id
        WHERE p.cancelled_at IS NULL AND s.site_kind = 'permis' AND s.site_id = ANY(%(sites)s)) AS arrets,
       0 AS renvois,
       (SELECT count(*) FROM permits WHERE id = ANY(%(ids)s) AND geocode_status = 'manuel') AS places_a_la_main;

-- name: near_duplicates_among
-- The batch's reports that were stored as another report's near-duplicate (counted as duplicates by its account).
SELECT count(*) FROM reports WHERE id = ANY(%(ids)s) AND duplicate_of IS NOT NULL;

-- name: unlink_near_duplicates
-- The reports linked as near-duplicates of the batch's: no longer the same fact seen twice once these are gone.
UPDATE reports SET duplicate_of = NULL WHERE duplicate_of = ANY(%(ids)s) RETURNING id, batch_id;

-- name: points_of_visits
-- The sensitive points the batch's visits were on: their priority follows their latest visit left.
SELECT coalesce(array_agg(DISTINCT point_id), '{}') FROM visits WHERE batch_id = %(batch)s AND point_id IS NOT NULL;

-- name: forget_reviews
DELETE FROM geocode_reviews WHERE target = %(table)s AND target_id = ANY(%(ids)s);

-- name: take_out_rows
DELETE FROM {table} WHERE batch_id = %(batch)s;

-- name: mark_withdrawn
UPDATE ingestion_batches
SET status = 'annule', withdrawn_at = now(), withdrawn_by = %(by)s, withdrawn_reason = %(reason)s,
    withdrawn_rows = %(rows)s
WHERE id = %(batch)s;
