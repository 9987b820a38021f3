-- name: intake_by_month
-- Rows stored per kind, source and month of observation (reports: observed_at; visits: visited_at; permits: decision date
-- or, without one, the day they were stored), near-duplicates counted apart.
SELECT 'signalements' AS type, source, date_trunc('month', observed_at)::date AS mois, count(*) AS lignes,
       count(*) FILTER (WHERE duplicate_of IS NOT NULL) AS quasi_doublons
FROM reports GROUP BY 1, 2, 3
UNION ALL
SELECT 'visites', source, date_trunc('month', visited_at)::date, count(*), 0 FROM visits GROUP BY 1, 2, 3
UNION ALL
SELECT 'permis', source, date_trunc('month', coalesce(decision_date::timestamptz, created_at))::date, count(*), 0
FROM permits GROUP BY 1, 2, 3
ORDER BY 1, 2, 3;

-- name: batches
-- Every batch with its accounting (refused files included).
SELECT id AS lot, kind AS type, file_name AS fichier, status AS etat, rows_in AS lignes, inserted AS inserees,
       updated AS mises_a_jour, duplicates AS doublons, rejected AS rejetees, error AS motif_refus,
       started_at AS debut
FROM ingestion_batches ORDER BY id;

-- name: rejection_reasons
-- One row per (batch, field, reason) of the rejected rows; a row with three problems counts in three reasons.
SELECT b.id AS lot, b.file_name AS fichier, r.reason ->> 'champ' AS champ, r.reason ->> 'motif' AS motif,
       count(*) AS lignes, min(rr.row_number) AS premiere_ligne
FROM rejected_rows rr
JOIN ingestion_batches b ON b.id = rr.batch_id
CROSS JOIN LATERAL jsonb_array_elements(rr.reasons) AS r(reason)
GROUP BY 1, 2, 3, 4
ORDER BY 1, lignes DESC, 3, 4;
