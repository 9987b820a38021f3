-- The cells of the zone where the last analysis expects the most reports in the next three months (the first 10 %
-- of its 100 m cells by the forecast the back-test measures), for the planning map's « Prévision » layer. Each
-- analysis replaces them.
CREATE TABLE forecast_cells (
    run_id    bigint NOT NULL REFERENCES analysis_runs (id) ON DELETE CASCADE,
    rank      integer NOT NULL CHECK (rank >= 1),
    share     text NOT NULL CHECK (share IN ('1 %', '5 %', '10 %')),
    expected  double precision NOT NULL CHECK (expected >= 0),
    cell      geometry(Polygon, 31370) NOT NULL,
    PRIMARY KEY (run_id, rank)
);
COMMENT ON TABLE forecast_cells IS 'Mailles de 100 m où la dernière analyse attend le plus de signalements au trimestre suivant (les 10 % premières de la zone).';
COMMENT ON COLUMN forecast_cells.share IS 'La première part de la zone (1 %, 5 % ou 10 % de ses mailles) où tombe la maille.';
COMMENT ON COLUMN forecast_cells.expected IS 'Signalements attendus dans la maille aux trois mois qui suivent l''analyse.';
-- The map keeps the layer ready to send until the analysis data change (service/api/watch.py).
CREATE TRIGGER forecast_cells_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON forecast_cells
    FOR EACH STATEMENT EXECUTE FUNCTION notify_data_change('analyse', 'analysis_data_version');
