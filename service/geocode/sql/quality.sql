-- name: results
-- Every stored row the geocoder placed or tried to place (coordinates given by the file are left out), with the
-- reason of its open review if any.
SELECT t.type, t.id, t.source, t.address, t.commune, t.geocode_status AS statut, t.geocode_level AS niveau,
       t.geocode_score AS score, t.geocode_label AS libelle, g.reason AS motif, g.id AS verification,
       ST_X(t.geom) AS x, ST_Y(t.geom) AS y
FROM (
    SELECT 'reports' AS target, 'signalements' AS type, id, source, address, commune, geocode_status, geocode_level,
           geocode_score, geocode_label, geom FROM reports
    UNION ALL
    SELECT 'visits', 'visites', id, source, address, commune, geocode_status, geocode_level, geocode_score,
           geocode_label, geom FROM visits
    UNION ALL
    SELECT 'permits', 'permis', id, source, address, commune, geocode_status, geocode_level, geocode_score,
           geocode_label, geom FROM permits
) t
LEFT JOIN geocode_reviews g ON g.target = t.target AND g.target_id = t.id AND g.resolved_at IS NULL
WHERE t.geocode_status IN ('geocode', 'a_verifier', 'echec', 'manuel', 'a_geocoder')
ORDER BY t.type, t.id;
