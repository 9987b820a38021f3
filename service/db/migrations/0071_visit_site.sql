-- A visit file can name the site visited as the lists and the map name it (PS-0001, AX-0005, SIG-1254, PER-7,
-- SUIVI-253) instead of an address: officers visit the sensitive points outside any shift, and wrote its number
-- in a « Site » column that was ignored (the row was refused for having no place). The visit takes the site's
-- place, and a point or an axis takes its outcome.
ALTER TABLE visits ADD COLUMN site_ref text;
COMMENT ON COLUMN visits.site_ref IS 'Le site visité tel que les listes le nomment (PS-0001, AX-0005, SIG-1254, PER-7, SUIVI-253), quand le fichier le donne.';
ALTER TABLE visits DROP CONSTRAINT visits_geocode_status_check;
ALTER TABLE visits ADD CONSTRAINT visits_geocode_status_check CHECK (geocode_status IN
    ('fourni', 'a_geocoder', 'geocode', 'a_verifier', 'echec', 'manuel', 'signalement', 'tournee', 'site'));
-- The place of a site named as the lists name it, and its category when it has one: a point's centre, a point on
-- an axis, a report's point, a permit's facility, the place of the visit a follow-up continues; no row for a name
-- the database does not have. One definition for the import's two questions: does the site exist, where is it.
CREATE FUNCTION site_place(ref text, OUT geom geometry, OUT category text) RETURNS SETOF record
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT p.point, p.main_category FROM sensitive_points p WHERE p.id = ref
    UNION ALL SELECT ST_PointOnSurface(a.geom), NULL FROM problem_axes a WHERE a.id = ref
    UNION ALL SELECT r.geom, r.category FROM reports r WHERE ref ~ '^SIG-[0-9]{1,18}$' AND r.id = substr(ref, 5)::bigint
    UNION ALL SELECT p.geom, NULL FROM permits p WHERE ref ~ '^PER-[0-9]{1,18}$' AND p.id = substr(ref, 5)::bigint
    UNION ALL SELECT f.geom, f.category FROM visits f WHERE ref ~ '^SUIVI-[0-9]{1,18}$' AND f.id = substr(ref, 7)::bigint
    LIMIT 1
$$;
COMMENT ON FUNCTION site_place(text) IS 'Le lieu (et la catégorie) d''un site nommé comme les listes le nomment (PS-0001, AX-0005, SIG-1254, PER-7, SUIVI-253) ; aucune ligne pour un site inconnu.';
