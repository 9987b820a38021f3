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
