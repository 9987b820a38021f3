-- name: delete_municipalities
DELETE FROM gazetteer_addresses WHERE municipality = ANY(%(municipalities)s);

-- name: rebuild_streets
-- One row per street id; its point is the official address nearest the mean of the street's addresses, so
-- that a street-level match lands on the street, not in a garden behind it.
TRUNCATE gazetteer_streets;
INSERT INTO gazetteer_streets (street_id, street, street_nl, street_de, municipality, postcodes, sections,
                               n_addresses, geom)
SELECT s.street_id, s.street, s.street_nl, s.street_de, s.municipality, s.postcodes, s.sections, s.n,
       (SELECT b.geom FROM gazetteer_addresses b WHERE b.street_id = s.street_id ORDER BY b.geom <-> s.centre LIMIT 1)
FROM (
    SELECT street_id, min(street) AS street, min(street_nl) AS street_nl, min(street_de) AS street_de,
           min(municipality) AS municipality, array_agg(DISTINCT postcode ORDER BY postcode) AS postcodes,
           coalesce(array_agg(DISTINCT section) FILTER (WHERE section IS NOT NULL), '{}') AS sections,
           count(*)::integer AS n, ST_Centroid(ST_Collect(geom)) AS centre
    FROM gazetteer_addresses GROUP BY street_id
) s;

-- name: rebuild_localities
TRUNCATE gazetteer_localities;
INSERT INTO gazetteer_localities (kind, name, municipality, postcodes, geom)
SELECT 'commune', municipality, municipality, array_agg(DISTINCT postcode ORDER BY postcode), ST_Centroid(ST_Collect(geom))
FROM gazetteer_addresses GROUP BY municipality;
INSERT INTO gazetteer_localities (kind, name, municipality, postcodes, geom)
SELECT 'code_postal', postcode, municipality, ARRAY[postcode], ST_Centroid(ST_Collect(geom))
FROM gazetteer_addresses GROUP BY postcode, municipality;
INSERT INTO gazetteer_localities (kind, name, municipality, postcodes, geom)
SELECT 'section', section, municipality, array_agg(DISTINCT postcode ORDER BY postcode), ST_Centroid(ST_Collect(geom))
FROM gazetteer_addresses WHERE section IS NOT NULL GROUP BY section, municipality;

-- name: add_section
INSERT INTO gazetteer_localities (kind, name, municipality, postcodes, geom)
SELECT 'section', %(name)s, %(municipality)s, %(postcodes)s, q.centre
FROM (SELECT ST_Centroid(ST_Collect(geom)) AS centre FROM gazetteer_addresses
      WHERE municipality = %(municipality)s AND postcode = ANY(%(postcodes)s)) q
WHERE q.centre IS NOT NULL
ON CONFLICT DO NOTHING;

-- name: counts
SELECT (SELECT count(*) FROM gazetteer_addresses), (SELECT count(*) FROM gazetteer_streets),
       (SELECT count(*) FROM gazetteer_localities);

-- name: streets
SELECT street_id, street, street_nl, street_de, municipality, postcodes, sections, ST_X(geom), ST_Y(geom)
FROM gazetteer_streets ORDER BY street_id;

-- name: addresses
SELECT street_id, number, suffix, house_number, postcode, ST_X(geom), ST_Y(geom)
FROM gazetteer_addresses WHERE number IS NOT NULL ORDER BY street_id, number, suffix;

-- name: localities
SELECT kind, name, municipality, postcodes, ST_X(geom), ST_Y(geom) FROM gazetteer_localities;

-- name: address_points
-- The official addresses drawn by the maps' backgrounds (one centre line per street, the postcode areas), within
-- a box (Lambert 72) when one is given.
SELECT street, municipality, postcode, ST_X(geom) AS x, ST_Y(geom) AS y
FROM gazetteer_addresses
WHERE %(xmin)s::float8 IS NULL OR geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 31370);

-- name: has_addresses
-- Whether an address register is loaded at all.
SELECT EXISTS (SELECT 1 FROM gazetteer_addresses);

-- name: address_communes
-- Each official address's point and commune (Lambert 72): the commune of a point given by coordinates.
SELECT ST_X(geom) AS x, ST_Y(geom) AS y, municipality FROM gazetteer_addresses;

-- name: address_fingerprint
-- What changes when the register is loaded again (a commune's rows are replaced: new ids); read from the index.
SELECT coalesce(min(id), 0), coalesce(max(id), 0) FROM gazetteer_addresses;

-- name: commune_near
-- The commune of the official address nearest to one point (Lambert 72), within %(radius)s metres.
SELECT municipality FROM gazetteer_addresses
WHERE ST_DWithin(geom, ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 31370), %(radius)s)
ORDER BY geom <-> ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 31370) LIMIT 1;
