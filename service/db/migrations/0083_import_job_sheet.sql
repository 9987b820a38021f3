-- The sheet a map's import is reading when it imports every sheet of a register kept by month (« Toutes les
-- feuilles »): each sheet is read from its start, and the page says which one (« Feuille 2 sur 12 : « Février » »)
-- instead of a bar that starts again for no reason it can see.
ALTER TABLE import_jobs ADD COLUMN sheet jsonb;
COMMENT ON COLUMN import_jobs.sheet IS 'Feuille en cours d''un import de toutes les feuilles : nom, rang, nombre de feuilles.';
