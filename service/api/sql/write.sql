-- name: batch_reasons
SELECT jsonb_agg(reason) FROM rejected_rows r, jsonb_array_elements(r.reasons) AS reason WHERE r.batch_id = %(batch)s;

-- name: reports_id
SELECT id FROM reports WHERE source = %(source)s AND external_id = %(key)s;

-- name: visits_id
SELECT id FROM visits WHERE source = %(source)s AND external_id = %(key)s;

-- name: permits_id
SELECT id FROM permits WHERE source = %(source)s AND reference = %(key)s;
