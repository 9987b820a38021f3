-- name: services
SELECT code,
       CASE %(lang)s WHEN 'nl' THEN label_nl WHEN 'de' THEN label_de WHEN 'en' THEN label_en ELSE label_fr END,
       label_fr || ' / ' || label_nl,
       synonyms
FROM categories WHERE active ORDER BY code;

-- name: requests
-- Open311 "open" is every status but "clos"; newest first, one page. Unless %(exact)s, a public answer gives the
-- street (of the nearest official address within 150 m; else only the postcode and commune the register gives the
-- report, official_place: « 4102 Seraing », not « OUGREE » as typed) and a point on the 100 m grid
-- of Lambert 72, never the house number nor the report's own position; and no point at all where that 100 m
-- square holds fewer than %(min_count)s reports (as the public map hides its small counts): a lone report in a
-- quiet street would point at the house it came from. A closed request's last update is its closing, when known
-- (the register's date, not the day it reached this service): what a GeoReport client counts its delay to, and
-- what this service reads back as the closing date of a feed's closed request.
SELECT r.id, CASE WHEN r.status = 'clos' THEN 'closed' ELSE 'open' END, r.category, c.label_fr,
       r.observed_at, CASE WHEN r.status = 'clos' AND r.closed_at IS NOT NULL THEN r.closed_at ELSE r.updated_at END,
       CASE WHEN %(exact)s THEN r.address
            ELSE coalesce(s.label, (SELECT nullif(concat_ws(' ', o.postcode, o.commune), '')
                                    FROM official_place(r.commune, r.postcode, r.geom) AS o)) END,
       round(ST_X(ST_Transform(p.geom, 4326))::numeric, 6)::float8,
       round(ST_Y(ST_Transform(p.geom, 4326))::numeric, 6)::float8
FROM reports r
JOIN categories c ON c.code = r.category
CROSS JOIN LATERAL (SELECT ST_SnapToGrid(r.geom, 100) AS cell) sq
CROSS JOIN LATERAL (
    SELECT CASE WHEN %(exact)s THEN r.geom
                WHEN (SELECT count(*) FROM reports n
                      WHERE n.geom && ST_Expand(sq.cell, 50) AND ST_SnapToGrid(n.geom, 100) = sq.cell
                        AND n.duplicate_of IS NULL) >= %(min_count)s
                THEN sq.cell END AS geom
) p
LEFT JOIN LATERAL (
    SELECT g.street || ', ' || g.postcode || ' ' || g.municipality AS label
    FROM gazetteer_addresses g
    WHERE NOT %(exact)s AND r.geom IS NOT NULL AND ST_DWithin(g.geom, r.geom, 150)
    ORDER BY g.geom <-> r.geom
    LIMIT 1
) s ON true
WHERE (%(ids)s::bigint[] IS NULL OR r.id = ANY(%(ids)s))
  AND (%(codes)s::text[] IS NULL OR r.category = ANY(%(codes)s))
  AND (%(since)s::timestamptz IS NULL OR r.observed_at >= %(since)s)
  AND (%(until)s::timestamptz IS NULL OR r.observed_at < %(until)s)
  AND (%(statuses)s::text[] IS NULL
       OR (CASE WHEN r.status = 'clos' THEN 'closed' ELSE 'open' END) = ANY(%(statuses)s))
ORDER BY r.observed_at DESC, r.id DESC
LIMIT %(limit)s OFFSET %(offset)s;
