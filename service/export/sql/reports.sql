-- The register export: the reports of a period, filtered like the API's list (their date, categories, statuses,
-- source) and by places like the site list, oldest first. A report's commune and postcode are the register's
-- (official_place, migration 0066: those of the nearest official address within 250 m, so that « JEMEPPE »,
-- « Plainevaux » or a neighbouring commune typed by mistake become the commune the point is in); a place filter
-- matches a commune without accents or capitals, a section by its postcodes (place_matches, migration 0067, as the
-- map and the API's lists). The days to the closing are counted by days_to_close (migration 0068: whole days for
-- a closing date given as the day alone). No personal data: the contacts live in the private schema and the
-- description, which may name people, is left out. One row more than the limit tells the caller that the list
-- would be cut.

-- name: report_list
WITH member AS MATERIALIZED (
    SELECT m.report_id, string_agg(p.id, ', ' ORDER BY p.id) AS points
    FROM sensitive_points p CROSS JOIN LATERAL unnest(p.report_ids) AS m(report_id)
    GROUP BY m.report_id
), chosen AS MATERIALIZED (
    SELECT r.id, o.commune, o.postcode
    FROM reports r
    CROSS JOIN LATERAL official_place(r.commune, r.postcode, r.geom) AS o
    WHERE (%(since)s::timestamptz IS NULL OR r.observed_at >= %(since)s)
      AND (%(until)s::timestamptz IS NULL OR r.observed_at < %(until)s)
      AND (%(categories)s::text[] IS NULL OR r.category = ANY(%(categories)s))
      AND (%(statuses)s::text[] IS NULL OR r.status = ANY(%(statuses)s))
      AND (%(source)s::text IS NULL OR r.source = %(source)s)
)
SELECT r.id, r.source, r.external_id, r.observed_at, r.category, r.status, r.closed_at,
       days_to_close(r.observed_at, r.closed_at) AS close_days, r.address, c.commune,
       c.postcode, r.geocode_status, r.duplicate_of, r.referral_id IS NOT NULL AS referred, g.points,
       ST_X(r.geom) AS x, ST_Y(r.geom) AS y,
       -- the shape it was drawn as in a GIS file (migration 0082), WGS84 as the latitude and longitude; to 10 cm
       ST_AsText(ST_Transform(ST_SimplifyPreserveTopology(drawn_shape(r.extra, r.input_crs), 0.1), 4326), 7) AS shape
FROM chosen c
JOIN reports r ON r.id = c.id
LEFT JOIN member g ON g.report_id = r.id
WHERE %(places)s::text[] IS NULL OR place_matches(c.commune, c.postcode, %(places)s, %(postcodes)s)
ORDER BY r.observed_at, r.id
LIMIT %(limit)s + 1;

-- name: drawn_shapes
-- The shapes reports were drawn as in a GIS file (migration 0082), in Lambert 72, for those of ``ids`` that have one:
-- a list of sites draws a building's footprint beside its report's point.
SELECT r.id, ST_AsBinary(drawn_shape(r.extra, r.input_crs)) AS shape
FROM reports r
WHERE r.id = ANY(%(ids)s) AND drawn_shape(r.extra, r.input_crs) IS NOT NULL;
