-- Map data: reports aggregated on the server so that a map page never carries one marker per report.
-- Every extent is in Lambert 72 (EPSG:31370) and aligned on the grid by the caller, so that each report of the
-- extent falls in exactly one cell (half-open intervals: xmin <= x < xmax). Near-duplicates (duplicate_of set)
-- are the same event reported twice: they are not counted; referred reports (sent to the Mediation service or a
-- partner, service/referrals) are not street nuisance: the referral layer shows them instead. A place filter (a
-- commune, a section, a postcode) keeps the reports the register puts there (in_places, migration 0067), as the
-- register export does.

-- name: report_cells
-- Square cells of %(size)s m (clusters: count and mean position of their reports) and of %(size)s / 2 m (heat
-- map), in one pass over the reports of the extent.
WITH f AS (
    SELECT ST_X(r.geom) AS x, ST_Y(r.geom) AS y
    FROM reports r
    WHERE r.geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 31370)
      AND r.duplicate_of IS NULL AND r.referral_id IS NULL
      AND (%(categories)s::text[] IS NULL OR r.category = ANY(%(categories)s))
      AND (%(since)s::timestamptz IS NULL OR r.observed_at >= %(since)s)
      AND (%(until)s::timestamptz IS NULL OR r.observed_at < %(until)s)
      AND (%(places)s::text[] IS NULL OR in_places(r.commune, r.postcode, r.geom, %(places)s, %(postcodes)s))
), fine AS (
    SELECT floor(x / (%(size)s / 2.0))::int AS i, floor(y / (%(size)s / 2.0))::int AS j,
           count(*) AS n, sum(x) AS sx, sum(y) AS sy
    FROM f
    WHERE x >= %(xmin)s AND x < %(xmax)s AND y >= %(ymin)s AND y < %(ymax)s
    GROUP BY 1, 2
), coarse AS (
    SELECT i >> 1 AS i, j >> 1 AS j, sum(n) AS n, sum(sx) / sum(n) AS x, sum(sy) / sum(n) AS y
    FROM fine GROUP BY 1, 2
), heat AS (
    SELECT ST_Transform(ST_SetSRID(ST_MakePoint(sx / n, sy / n), 31370), 4326) AS p, n FROM fine
), bubbles AS (
    SELECT ST_Transform(ST_SetSRID(ST_MakePoint(x, y), 31370), 4326) AS p, n, i, j FROM coarse
)
SELECT
    coalesce((SELECT jsonb_agg(jsonb_build_object(
        'type', 'Feature',
        'geometry', ST_AsGeoJSON(p, 5)::jsonb,
        'properties', jsonb_build_object('n', n, 'maille', i || '_' || j)) ORDER BY n DESC) FROM bubbles),
        '[]'::jsonb),
    coalesce((SELECT jsonb_agg(jsonb_build_array(round(ST_Y(p)::numeric, 5), round(ST_X(p)::numeric, 5), n))
        FROM heat), '[]'::jsonb),
    coalesce((SELECT sum(n) FROM fine), 0)::bigint;

-- name: report_points
-- Individual reports of a small extent (high zoom), capped by the caller (it asks for one more than it shows to
-- know when to fall back to cells). No description, no personal data: category, date, status, address, the
-- commune and postcode the address register gives it (official_place: the place filters' rule), and whether it was
-- drawn as a shape (its popup then draws it: GET /api/signalements/{id}, « forme »).
SELECT ST_AsGeoJSON(ST_Transform(r.geom, 4326), 6)::jsonb, r.id, r.category, r.observed_at, r.status, r.address,
       o.commune, o.postcode, coalesce(r.extra ? 'géométrie d''origine (WKT)', false)
FROM reports r
CROSS JOIN LATERAL official_place(r.commune, r.postcode, r.geom) AS o
WHERE r.geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 31370)
  AND ST_X(r.geom) >= %(xmin)s AND ST_X(r.geom) < %(xmax)s
  AND ST_Y(r.geom) >= %(ymin)s AND ST_Y(r.geom) < %(ymax)s
  AND r.duplicate_of IS NULL AND r.referral_id IS NULL
  AND (%(categories)s::text[] IS NULL OR r.category = ANY(%(categories)s))
  AND (%(since)s::timestamptz IS NULL OR r.observed_at >= %(since)s)
  AND (%(until)s::timestamptz IS NULL OR r.observed_at < %(until)s)
  -- in_places on the place already looked up for the popup, not a second nearest-address probe per report
  AND (%(places)s::text[] IS NULL OR place_matches(o.commune, o.postcode, %(places)s, %(postcodes)s))
ORDER BY r.observed_at DESC, r.id DESC
LIMIT %(limit)s;

-- name: public_cells
-- Flat-top hexagons of circumradius %(size)s m (axial coordinates q, r by cube rounding, so that each report falls
-- in exactly one hexagon), counted per category group; the hexagons whose centre lies in the extent. Hexagons
-- holding fewer than %(k)s reports are left out;
-- how many reports they held is returned (a total, never per place).
WITH f AS (
    SELECT ST_X(r.geom) AS x, ST_Y(r.geom) AS y, coalesce(g.grp, 'autres') AS grp
    FROM reports r
    LEFT JOIN unnest(%(codes)s::text[], %(groups)s::text[]) AS g(code, grp) ON g.code = r.category
    WHERE r.geom && ST_Expand(ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 31370), 2 * %(size)s)
      AND r.duplicate_of IS NULL AND r.referral_id IS NULL
      AND r.geocode_status <> 'a_verifier'  -- a provisional point, maybe in another hexagon: not published
      AND (%(since)s::timestamptz IS NULL OR r.observed_at >= %(since)s)
      AND (%(until)s::timestamptz IS NULL OR r.observed_at < %(until)s)
), frac AS (
    SELECT grp, (2.0 / 3.0 * x) / %(size)s AS cq, (-x / 3.0 + sqrt(3.0) / 3.0 * y) / %(size)s AS cr FROM f
), rnd AS (
    SELECT grp, cq, cr, round(cq) AS rq, round(cr) AS rr, round(-cq - cr) AS rs FROM frac
), axial AS (
    SELECT grp,
        CASE WHEN abs(rq - cq) > abs(rr - cr) AND abs(rq - cq) > abs(rs + cq + cr) THEN -rr - rs ELSE rq END AS q,
        CASE WHEN NOT (abs(rq - cq) > abs(rr - cr) AND abs(rq - cq) > abs(rs + cq + cr))
                  AND abs(rr - cr) > abs(rs + cq + cr) THEN -rq - rs ELSE rr END AS r
    FROM rnd
), cells AS (
    -- whole hexagons (reports read with a margin), kept when their centre is in the extent
    -- a group's count is published only when it reaches k too (null: fewer than k)
    SELECT q, r, sum(cnt) AS n, jsonb_object_agg(grp, CASE WHEN cnt >= %(k)s THEN cnt END) AS groups
    FROM (SELECT q, r, grp, count(*) AS cnt FROM axial GROUP BY 1, 2, 3) per_group
    WHERE 1.5 * %(size)s * q >= %(xmin)s AND 1.5 * %(size)s * q < %(xmax)s
      AND sqrt(3.0) * %(size)s * (r + q / 2.0) >= %(ymin)s AND sqrt(3.0) * %(size)s * (r + q / 2.0) < %(ymax)s
    GROUP BY q, r
), corners AS (
    SELECT q, r, n, groups, ARRAY(
        SELECT ST_MakePoint(1.5 * %(size)s * q + %(size)s * cos(radians(60 * a)),
                            sqrt(3.0) * %(size)s * (r + q / 2.0) + %(size)s * sin(radians(60 * a)))
        FROM generate_series(0, 5) AS a ORDER BY a) AS pts
    FROM cells WHERE n >= %(k)s
), shapes AS (
    SELECT n, groups, ST_Transform(ST_SetSRID(ST_MakePolygon(ST_MakeLine(pts || pts[1])), 31370), 4326) AS shape
    FROM corners
)
SELECT
    coalesce((SELECT jsonb_agg(jsonb_build_object(
        'type', 'Feature',
        'geometry', ST_AsGeoJSON(shape, 5)::jsonb,
        'properties', jsonb_build_object('n', n, 'groupes', groups)) ORDER BY n DESC) FROM shapes), '[]'::jsonb),
    coalesce((SELECT sum(n) FROM cells WHERE n < %(k)s), 0)::bigint,
    coalesce((SELECT count(*) FROM cells WHERE n < %(k)s), 0)::bigint;

-- name: report_tile
-- A Mapbox vector tile (for GIS clients): reports one by one from zoom 16, else square cells with their count.
WITH bounds AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env3857,
           ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 0.02), 31370) AS env
), f AS (
    SELECT r.id, r.category, r.observed_at, r.geom
    FROM reports r, bounds b
    WHERE r.geom && b.env AND r.duplicate_of IS NULL AND r.referral_id IS NULL
      AND (%(categories)s::text[] IS NULL OR r.category = ANY(%(categories)s))
      AND (%(since)s::timestamptz IS NULL OR r.observed_at >= %(since)s)
      AND (%(until)s::timestamptz IS NULL OR r.observed_at < %(until)s)
      AND (%(places)s::text[] IS NULL OR in_places(r.commune, r.postcode, r.geom, %(places)s, %(postcodes)s))
), items AS (
    SELECT id::text AS id, category AS categorie, 1::bigint AS n, geom FROM f WHERE %(z)s >= 16
    UNION ALL
    SELECT NULL, NULL, count(*),
           ST_SetSRID(ST_MakePoint(avg(ST_X(geom)), avg(ST_Y(geom))), 31370)
    FROM f WHERE %(z)s < 16
    GROUP BY floor(ST_X(geom) / %(size)s), floor(ST_Y(geom) / %(size)s)
), mvt AS (
    SELECT i.id, i.categorie, i.n,
           ST_AsMVTGeom(ST_Transform(i.geom, 3857), b.env3857, 4096, 64, true) AS geom
    FROM items i, bounds b
)
SELECT ST_AsMVT(mvt.*, 'signalements', 4096, 'geom') FROM mvt;
