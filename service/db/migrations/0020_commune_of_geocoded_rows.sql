-- Rows placed by the geocoder (or by hand from the review queue) before the matched address's commune and postcode
-- were kept have them empty, and the commune filter misses them. Take them from the official address at the row's
-- point (the geocoder puts a row on an address, between two neighbours, or on a street's representative address),
-- within 30 m. Values the row was given are kept.
UPDATE reports r SET (commune, postcode) = (
    SELECT coalesce(r.commune, a.municipality), coalesce(r.postcode, a.postcode)
    FROM gazetteer_addresses a WHERE ST_DWithin(a.geom, r.geom, 30) ORDER BY a.geom <-> r.geom LIMIT 1)
WHERE r.geocode_status IN ('geocode', 'manuel') AND r.geom IS NOT NULL AND (r.commune IS NULL OR r.postcode IS NULL)
  AND EXISTS (SELECT 1 FROM gazetteer_addresses a WHERE ST_DWithin(a.geom, r.geom, 30));

UPDATE visits r SET (commune, postcode) = (
    SELECT coalesce(r.commune, a.municipality), coalesce(r.postcode, a.postcode)
    FROM gazetteer_addresses a WHERE ST_DWithin(a.geom, r.geom, 30) ORDER BY a.geom <-> r.geom LIMIT 1)
WHERE r.geocode_status IN ('geocode', 'manuel') AND r.geom IS NOT NULL AND (r.commune IS NULL OR r.postcode IS NULL)
  AND EXISTS (SELECT 1 FROM gazetteer_addresses a WHERE ST_DWithin(a.geom, r.geom, 30));

UPDATE permits r SET (commune, postcode) = (
    SELECT coalesce(r.commune, a.municipality), coalesce(r.postcode, a.postcode)
    FROM gazetteer_addresses a WHERE ST_DWithin(a.geom, r.geom, 30) ORDER BY a.geom <-> r.geom LIMIT 1)
WHERE r.geocode_status IN ('geocode', 'manuel') AND r.geom IS NOT NULL AND (r.commune IS NULL OR r.postcode IS NULL)
  AND EXISTS (SELECT 1 FROM gazetteer_addresses a WHERE ST_DWithin(a.geom, r.geom, 30));
