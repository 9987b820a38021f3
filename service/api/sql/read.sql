-- name: sensitive_points
SELECT jsonb_build_object(
    'type', 'FeatureCollection',
    'features', coalesce(jsonb_agg(jsonb_build_object(
        'type', 'Feature', 'id', id,
        'geometry', ST_AsGeoJSON(ST_Transform(geom, 4326), 7)::jsonb,
        'properties', jsonb_build_object(
            'id', id, 'etat', state, 'adresse', address_label, 'signalements', n_reports,
            'categorie_principale', main_category, 'categories', categories, 'premier', first_report,
            'dernier', last_report, 'semaines_actives', recurrence_weeks, 'tendance', trend,
            'priorite', priority, 'composantes_priorite', priority_components,
            'point', ST_AsGeoJSON(ST_Transform(point, 4326), 7)::jsonb)
    ) ORDER BY priority DESC), '[]'::jsonb))
FROM sensitive_points
WHERE category_scope = 'toutes'  -- points found across all categories (per-category ones are an analysis option)
  AND (%(states)s::text[] IS NULL OR state = ANY(%(states)s))
  AND (%(min_priority)s::float8 IS NULL OR priority >= %(min_priority)s);

-- name: axes
SELECT jsonb_build_object(
    'type', 'FeatureCollection',
    'features', coalesce(jsonb_agg(jsonb_build_object(
        'type', 'Feature', 'id', id,
        'geometry', ST_AsGeoJSON(ST_Transform(geom, 4326), 7)::jsonb,
        'properties', jsonb_build_object(
            'id', id, 'rue', street, 'commune', municipality, 'troncons', segments, 'longueur_m', length_m,
            'signalements', reports, 'taux_100m', rate_per_100m, 'attendu', expected, 'rapport', ratio,
            'etat', state, 'origine', origin)
    ) ORDER BY reports DESC), '[]'::jsonb))
FROM problem_axes;

-- name: reports
-- Reports as GeoJSON, without any personal data (contacts live in the private schema).
SELECT jsonb_build_object(
    'type', 'FeatureCollection',
    'features', coalesce(jsonb_agg(jsonb_build_object(
        'type', 'Feature', 'id', r.id,
        'geometry', ST_AsGeoJSON(ST_Transform(r.geom, 4326), 7)::jsonb,
        'properties', jsonb_build_object(
            'id', r.id, 'source', r.source, 'identifiant', r.external_id, 'categorie', r.category,
            'date', r.observed_at, 'statut', r.status, 'adresse', r.address, 'geocodage', r.geocode_status,
            'doublon_de', r.duplicate_of)
    )), '[]'::jsonb))
FROM (
    SELECT * FROM reports r
    WHERE r.geom IS NOT NULL
      AND (%(category)s::text IS NULL OR r.category = %(category)s)
      AND (%(since)s::timestamptz IS NULL OR r.observed_at >= %(since)s)
      AND (%(until)s::timestamptz IS NULL OR r.observed_at < %(until)s)
      AND (%(bbox)s::float8[] IS NULL OR r.geom && ST_Transform(
            ST_MakeEnvelope(%(bbox)s[1], %(bbox)s[2], %(bbox)s[3], %(bbox)s[4], 4326), 31370))
    ORDER BY r.observed_at DESC, r.id
    LIMIT %(limit)s OFFSET %(offset)s
) r;
