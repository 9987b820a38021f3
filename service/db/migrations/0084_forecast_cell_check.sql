-- The forecast layer's check, cell by cell: the same forecast made three months before the analysis, the count of
-- the reports before then, and the reports each cell received since. A place chosen on the map is checked on its
-- own cells (service/api/forecast_layer.py), as the zone is on all of them. Empty without enough history.
ALTER TABLE forecast_cells
    ADD COLUMN check_forecast double precision,
    ADD COLUMN check_count double precision,
    ADD COLUMN check_received double precision;
COMMENT ON COLUMN forecast_cells.check_forecast IS 'Signalements que la même prévision, faite trois mois avant l''analyse, attendait dans la maille.';
COMMENT ON COLUMN forecast_cells.check_count IS 'Signalements de la maille avant ces trois mois (le simple comptage).';
COMMENT ON COLUMN forecast_cells.check_received IS 'Signalements reçus par la maille pendant ces trois mois.';
