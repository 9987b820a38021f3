-- A visit file can name the site visited as the lists and the map name it (PS-0001, AX-0005, SIG-1254, PER-7,
-- SUIVI-253) instead of an address: officers visit the sensitive points outside any shift, and wrote its number
-- in a « Site » column that was ignored (the row was refused for having no place). The visit takes the site's
-- place, and a point or an axis takes its outcome.
ALTER TABLE visits ADD COLUMN site_ref text;
COMMENT ON COLUMN visits.site_ref IS 'Le site visité tel que les listes le nomment (PS-0001, AX-0005, SIG-1254, PER-7, SUIVI-253), quand le fichier le donne.';
ALTER TABLE visits DROP CONSTRAINT visits_geocode_status_check;
ALTER TABLE visits ADD CONSTRAINT visits_geocode_status_check CHECK (geocode_status IN
    ('fourni', 'a_geocoder', 'geocode', 'a_verifier', 'echec', 'manuel', 'signalement', 'tournee', 'site'));
