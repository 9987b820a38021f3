-- name: sensitive_points
-- Built as json, not jsonb: the text goes out as it is (kept ready, gzipped once), and json is made two to three
-- times faster (no binary form, no key sorting); the list is made again after every recorded visit.
-- The braces are filled by service/api/geojson.py with the fragments below (never with a value).
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce(json_agg(json_build_object(
        'type', 'Feature', 'id', p.id,
        'geometry', ST_AsGeoJSON(ST_Transform(p.geom, 4326), 7)::json,
        'properties', json_build_object({properties},
            'derniere_visite', v.visited_at, 'suite_visite', v.outcome,
            'point', ST_AsGeoJSON(ST_Transform(p.point, 4326), 7)::json)
    ) ORDER BY p.priority DESC NULLS LAST, p.id), '[]'::json))
FROM sensitive_points p
{last_visit}
WHERE p.category_scope = %(scope)s  -- 'toutes', or one category when the analysis ran per category
  AND (%(states)s::text[] IS NULL OR p.state = ANY(%(states)s))
  AND (%(min_priority)s::float8 IS NULL OR p.priority >= %(min_priority)s)
  AND (%(category)s::text IS NULL OR p.categories ? %(category)s)
  AND (%(trends)s::text[] IS NULL OR p.trend = ANY(%(trends)s))
  -- a place: the commune and postcode of the official address nearest its centre, whatever the distance (a point
  -- in a wood is still in its commune), as the site list (plan/sql/candidates.sql) places it
  AND (%(places)s::text[] IS NULL OR EXISTS (
       SELECT 1 FROM (SELECT g.municipality, g.postcode FROM gazetteer_addresses g
                      ORDER BY g.geom <-> p.point LIMIT 1) AS near
       WHERE place_matches(near.municipality, near.postcode, %(places)s, %(postcodes)s)));

-- name: sensitive_point
SELECT jsonb_build_object(
    'type', 'Feature', 'id', p.id,
    'geometry', ST_AsGeoJSON(ST_Transform(p.geom, 4326), 7)::jsonb,
    'properties', jsonb_build_object({properties}, 'q_min', p.q_min,
        'point', ST_AsGeoJSON(ST_Transform(p.point, 4326), 7)::jsonb,
        'historique', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                'analyse', h.run_id, 'date', r.started_at, 'etat', h.state, 'signalements', h.n_reports,
                'priorite', h.priority, 'tendance', h.trend) ORDER BY h.run_id), '[]'::jsonb)
            FROM sensitive_point_history h JOIN analysis_runs r ON r.id = h.run_id WHERE h.point_id = p.id),
        'liste_signalements', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                'id', s.id, 'date', s.observed_at, 'categorie', s.category, 'statut', s.status,
                'adresse', s.address, 'source', s.source) ORDER BY s.observed_at DESC), '[]'::jsonb)
            FROM reports s WHERE s.id = ANY(p.report_ids)),
        'visites', {visits})
)
FROM sensitive_points p WHERE p.id = %(id)s;

-- name: point_properties
-- What the list and the page of a sensitive point both say of it.
'id', p.id, 'etat', p.state, 'adresse', p.address_label, 'signalements', p.n_reports,
'categorie_principale', p.main_category, 'categories', p.categories, 'premier', p.first_report,
'dernier', p.last_report, 'semaines_actives', p.recurrence_weeks, 'tendance', p.trend,
'priorite', p.priority, 'composantes_priorite', p.priority_components

-- name: point_visit
-- A visit of a sensitive point (the rule: migration 0053_visit_rules.sql).
visit_counts_for(v, p)

-- name: axes
-- json, not jsonb, as the sensitive points' list.
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce(json_agg(json_build_object(
        'type', 'Feature', 'id', a.id,
        'geometry', ST_AsGeoJSON(ST_Transform(a.geom, 4326), 7)::json,
        'properties', json_build_object({properties},
            'derniere_visite', v.visited_at, 'suite_visite', v.outcome)
    ) ORDER BY a.reports DESC, a.id), '[]'::json))
FROM problem_axes a
{last_visit}
WHERE (%(street)s::text IS NULL OR a.street ILIKE '%%' || %(street)s || '%%')
  AND (%(min_rate)s::float8 IS NULL OR a.rate_per_100m >= %(min_rate)s)
  AND (%(states)s::text[] IS NULL OR a.state = ANY(%(states)s))
  -- a place: its commune, and every postal sector it runs through (axis_postcodes, migration 0069), as the site list
  AND (%(places)s::text[] IS NULL
       OR place_matches(a.municipality, NULL, %(places)s, %(postcodes)s)
       OR axis_postcodes(a.street, a.municipality, a.geom) && %(postcodes)s::text[]);

-- name: axis
SELECT jsonb_build_object(
    'type', 'Feature', 'id', a.id,
    'geometry', ST_AsGeoJSON(ST_Transform(a.geom, 4326), 7)::jsonb,
    'properties', jsonb_build_object({properties},
        'historique', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                'analyse', h.run_id, 'date', r.started_at, 'etat', h.state, 'signalements', h.reports,
                'longueur_m', round(h.length_m::numeric, 1), 'origine', h.origin) ORDER BY h.run_id), '[]'::jsonb)
            FROM problem_axis_history h JOIN analysis_runs r ON r.id = h.run_id WHERE h.axis_id = a.id),
        'liste_signalements', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                'id', s.id, 'date', s.observed_at, 'categorie', s.category, 'statut', s.status,
                'adresse', s.address) ORDER BY s.observed_at DESC), '[]'::jsonb)
            FROM (SELECT * FROM reports s WHERE s.geom IS NOT NULL AND ST_DWithin(s.geom, a.geom, 15)
                  ORDER BY s.observed_at DESC LIMIT 500) s),
        'visites', {visits})
)
FROM problem_axes a WHERE a.id = %(id)s;

-- name: axis_properties
-- What the list and the page of a problem axis both say of it.
'id', a.id, 'rue', a.street, 'commune', a.municipality, 'troncons', a.segments,
'longueur_m', round(a.length_m::numeric, 1), 'signalements', a.reports,
'taux_100m', round(a.rate_per_100m::numeric, 2), 'attendu', round(a.expected::numeric, 2),
'rapport', round(a.ratio::numeric, 2), 'q_max', a.q_max, 'etat', a.state, 'origine', a.origin,
'premier', a.first_report, 'dernier', a.last_report,
'priorite', round(a.priority::numeric, 3), 'composantes_priorite', a.priority_components

-- name: axis_visit
-- A visit of a problem axis (the rule: migration 0053_visit_rules.sql).
visit_counts_for(v, a)

-- name: report_visit
-- A visit that follows a report.
v.report_id = r.id

-- name: last_visit
-- The last visit of the place (its condition: point_visit, axis_visit).
LEFT JOIN LATERAL (
    SELECT visited_at, outcome FROM visits v
    WHERE {visit}
    ORDER BY visited_at DESC LIMIT 1
) v ON true

-- name: visit_list
-- The visits of a record or a place (its condition), the newest first.
(SELECT coalesce(jsonb_agg(jsonb_build_object(
        'id', v.id, 'date', v.visited_at, 'resultat', v.outcome, 'agent', v.officer, 'notes', v.notes)
        ORDER BY v.visited_at DESC), '[]'::jsonb)
    FROM visits v WHERE {visit})

-- name: page
-- One page of a list of reports, visits or permits as a FeatureCollection, built by service/api/geojson.py from
-- the fragments below (the braces are filled there, never with a value: values stay bound parameters). ``total``
-- counts every match, the features are one page; the order is a whitelisted column (the route lists the sort
-- keys), ties broken by the newest id. No personal data: contacts live in the private schema.
WITH f AS (
    SELECT * FROM ({filter}) r
    WHERE %(bbox)s::float8[] IS NULL OR r.geom && ST_Transform(
          ST_MakeEnvelope(%(bbox)s[1], %(bbox)s[2], %(bbox)s[3], %(bbox)s[4], 4326), 31370)
), page AS (
    SELECT f.*, row_number() OVER () AS ord FROM (
        SELECT * FROM f ORDER BY {order}, id DESC LIMIT %(limit)s OFFSET %(offset)s
    ) f
)
SELECT jsonb_build_object(
    'type', 'FeatureCollection',
    'features', coalesce((SELECT jsonb_agg({feature} ORDER BY r.ord) FROM page r), '[]'::jsonb),
    'total', (SELECT count(*) FROM f), 'limite', %(limit)s::int, 'decalage', %(offset)s::int);

-- name: one
SELECT {feature} FROM {table} r WHERE r.id = %(id)s;

-- name: feature
jsonb_build_object(
    'type', 'Feature', 'id', r.id,
    'geometry', ST_AsGeoJSON(ST_Transform(r.geom, 4326), 7)::jsonb,
    'properties', {properties})

-- name: listed_filter
-- The filters every list takes: the source; the places (communes, sections, postcodes): those the register gives
-- the row (in_places, migration 0067: a report written « Plainevaux » is in Neupré, one written « Seraing » at a
-- point of Ougrée is in Ougrée), as the map and the register export filter them.
(%(source)s::text IS NULL OR r.source = %(source)s)
  AND (%(places)s::text[] IS NULL OR in_places(r.commune, r.postcode, r.geom, %(places)s, %(postcodes)s))

-- name: dated_filter
-- The period of the dated lists, on the record's date column.
(%(since)s::timestamptz IS NULL OR r.{date} >= %(since)s)
  AND (%(until)s::timestamptz IS NULL OR r.{date} < %(until)s)

-- name: reports_filter
SELECT * FROM reports r
WHERE {listed} AND {dated}
  AND (%(category)s::text[] IS NULL OR r.category = ANY(%(category)s))
  AND (%(status)s::text[] IS NULL OR r.status = ANY(%(status)s))
  AND (%(geocode)s::text IS NULL OR r.geocode_status = %(geocode)s)

-- name: reports_properties
jsonb_build_object(
    'id', r.id, 'source', r.source, 'identifiant', r.external_id, 'categorie', r.category,
    'date', r.observed_at, 'statut', r.status, 'adresse', r.address, 'commune', r.commune,
    'geocodage', r.geocode_status, 'doublon_de', r.duplicate_of)

-- name: reports_details
jsonb_build_object(
    'categorie_brute', r.category_raw, 'description', r.description, 'code_postal', r.postcode,
    'niveau_geocodage', r.geocode_level, 'lot', r.batch_id, 'ligne', r.row_number, 'cree', r.created_at,
    'modifie', r.updated_at, 'cloture', r.closed_at, 'renvoi', r.referral_id,
    -- where the address register places it (the place filters' rule), beside the commune as written
    'lieu_registre', (SELECT jsonb_build_object('commune', o.commune, 'code_postal', o.postcode)
        FROM official_place(r.commune, r.postcode, r.geom) AS o),
    'visites', {visits},
    'points_sensibles', (SELECT coalesce(jsonb_agg(p.id ORDER BY p.id), '[]'::jsonb)
        FROM sensitive_points p WHERE r.id = ANY(p.report_ids)),
    -- the shape it was drawn as in a GIS file (a building's footprint), WGS84, none for a point
    'forme', (SELECT ST_AsGeoJSON(ST_Transform(s.shape, 4326), 7)::jsonb
        FROM drawn_shape(r.extra, r.input_crs) AS s(shape) WHERE s.shape IS NOT NULL))

-- name: visits_filter
SELECT * FROM visits r
WHERE {listed} AND {dated}
  AND (%(outcome)s::text[] IS NULL OR r.outcome = ANY(%(outcome)s))
  AND (%(category)s::text[] IS NULL OR r.category = ANY(%(category)s))
  AND (%(point)s::text IS NULL OR r.point_id = %(point)s)
  AND (%(axis)s::text IS NULL OR r.axis_id = %(axis)s)

-- name: visits_properties
jsonb_build_object(
    'id', r.id, 'source', r.source, 'identifiant', r.external_id, 'date', r.visited_at,
    'resultat', r.outcome, 'categorie', r.category, 'agent', r.officer, 'notes', r.notes,
    'adresse', r.address, 'commune', r.commune, 'signalement', r.report_id,
    'point_sensible', r.point_id, 'axe', r.axis_id)

-- name: visits_details
jsonb_build_object('lot', r.batch_id)

-- name: permits_filter
SELECT * FROM permits r
WHERE {listed}
  AND (%(permit_type)s::text[] IS NULL OR r.permit_type = ANY(%(permit_type)s))
  AND (%(valid_on)s::date IS NULL OR (r.decision_date <= %(valid_on)s
       AND (r.valid_until IS NULL OR r.valid_until >= %(valid_on)s)))

-- name: permits_properties
jsonb_build_object(
    'id', r.id, 'reference', r.reference, 'type', r.permit_type, 'classe', r.env_class,
    'exploitant', r.operator, 'activite', r.activity, 'adresse', r.address, 'commune', r.commune,
    'decision', r.decision_date, 'valide_jusqu_au', r.valid_until, 'conditions', r.conditions,
    'heures_ouverture', r.opening_hours)

-- name: permits_details
jsonb_build_object('lot', r.batch_id)

-- name: forecast_cells
-- The planning map's « Prévision » layer: the cells where the last analysis expects the most reports in the next
-- three months (service.analyse.forecast_map; the zone's first tenth, those with a share), most first, with what the
-- run says of the whole zone and its date.
SELECT json_build_object(
    'type', 'FeatureCollection',
    'prevision', (SELECT r.summary -> 'carte_prevision' || jsonb_build_object('analyse_du', r.started_at)
                  FROM analysis_runs r WHERE r.id = (SELECT max(run_id) FROM forecast_cells)),
    'features', coalesce(json_agg(json_build_object(
        'type', 'Feature', 'id', c.rank,
        'geometry', ST_AsGeoJSON(ST_Transform(c.cell, 4326), 7)::json,
        'properties', json_build_object('rang', c.rank, 'part', c.share, 'attendus', round(c.expected::numeric, 2))
    ) ORDER BY c.rank), '[]'::json))
FROM forecast_cells c
WHERE c.share IS NOT NULL;

-- name: forecast_cells_in_places
-- The cells of the places named (their centre's nearest official address is in one, as the sensitive points are
-- placed), in the zone's order, to be ranked and checked among themselves (service/api/forecast_layer.py).
SELECT c.rank, c.share, c.expected, c.check_forecast, c.check_count, c.check_received,
       ST_AsGeoJSON(ST_Transform(c.cell, 4326), 7)
FROM forecast_cells c
WHERE nearest_in_places(ST_Centroid(c.cell), %(places)s, %(postcodes)s)
ORDER BY c.rank;

-- name: forecast_layer_facts
-- What the last analysis's summary says of its forecast layer, and how many of its cells are kept.
SELECT (SELECT r.summary -> 'carte_prevision' || jsonb_build_object('analyse_du', r.started_at)
        FROM analysis_runs r WHERE r.id = (SELECT max(run_id) FROM forecast_cells)),
       (SELECT count(*) FROM forecast_cells);

-- name: cells_in_places
-- Which of the cell centres given (Lambert 72) lie in the places named: a category's forecast layer, made in
-- Python (service.analyse.forecast_category), filtered as the stored layer is.
SELECT (c.i - 1)::int
FROM unnest(%(xs)s::float8[], %(ys)s::float8[]) WITH ORDINALITY AS c(x, y, i)
WHERE nearest_in_places(ST_SetSRID(ST_MakePoint(c.x, c.y), 31370), %(places)s, %(postcodes)s)
ORDER BY c.i;
