-- official_place (migration 0066) gives a row without a usable point the postcode of the locality typed when that
-- locality has only one (« OUGREE » → 4102, « Plainevaux » → 4122; « Seraing », three postcodes, none): such a row
-- then falls in its postal sector, on the map's place filter, the activity report's sectors and the register
-- export's « Code postal » and « Section ». A postcode typed still comes first.
CREATE OR REPLACE FUNCTION official_place(typed_commune text, typed_postcode text, at geometry)
RETURNS TABLE (commune text, postcode text)
LANGUAGE sql STABLE PARALLEL SAFE ROWS 1 AS $$
    SELECT coalesce(n.municipality, l.municipality, nullif(btrim(typed_commune), '')),
           coalesce(n.postcode, nullif(btrim(typed_postcode), ''),
                    CASE WHEN cardinality(l.postcodes) = 1 THEN l.postcodes[1] END)
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL (
        SELECT g.municipality, g.postcode FROM gazetteer_addresses g
        WHERE at IS NOT NULL AND ST_DWithin(g.geom, at, 250)
        ORDER BY g.geom <-> at
        LIMIT 1
    ) n ON true
    LEFT JOIN LATERAL (
        SELECT l.municipality, l.postcodes FROM gazetteer_localities l
        WHERE n.municipality IS NULL AND l.kind <> 'code_postal'
          AND lower(unaccent(l.name)) = lower(unaccent(btrim(typed_commune)))
        ORDER BY l.kind = 'commune' DESC, l.municipality
        LIMIT 1
    ) l ON true
$$;
COMMENT ON FUNCTION official_place(text, text, geometry) IS 'La commune et le code postal du registre : ceux de l''adresse officielle la plus proche (250 m), sinon la commune de la localité tapée et le code tapé (ou le seul code de cette localité).';

-- Whether a row (a report, a visit, a permit) is in one of the places a filter names: its commune and postcode as
-- the address register gives them (official_place, migration 0066) against the communes named (without accents or
-- capitals) and the postcodes that stand for the places (a section is known by its postcodes; the caller reads
-- them from gazetteer_localities). The map, the API's lists and the register export filter by place alike, so that
-- a map filtered on « 4102 Ougrée » and its export link give the same reports.
CREATE FUNCTION place_matches(commune text, postcode text, places text[], postcodes text[]) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(lower(unaccent(commune)) = ANY(SELECT lower(unaccent(p)) FROM unnest(places) AS p), false)
           OR coalesce(postcode = ANY(postcodes), false)
$$;
COMMENT ON FUNCTION place_matches(text, text, text[], text[]) IS 'Vrai si la commune est l''un des lieux nommés (sans accents ni majuscules) ou si le code postal est l''un des codes de ces lieux.';

CREATE FUNCTION in_places(typed_commune text, typed_postcode text, at geometry, places text[], postcodes text[])
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT place_matches(o.commune, o.postcode, places, postcodes)
    FROM official_place(typed_commune, typed_postcode, at) AS o
$$;
COMMENT ON FUNCTION in_places(text, text, geometry, text[], text[]) IS 'Vrai si la commune ou le code postal du registre (official_place) est celui de l''un des lieux nommés.';
