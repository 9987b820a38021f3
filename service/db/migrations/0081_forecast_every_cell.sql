-- Every cell of the zone is kept with its forecast, not only the zone's first 10 %: a place chosen on the map (a
-- rural commune has few cells among the zone's first) ranks its own cells among themselves
-- (service/api/geojson.py). The share is that of the zone, and none beyond its first 10 %.
ALTER TABLE forecast_cells ALTER COLUMN share DROP NOT NULL;
COMMENT ON TABLE forecast_cells IS 'Mailles de 100 m de la zone et signalements que la dernière analyse y attend au trimestre suivant ; les 10 % premières de la zone portent leur part.';
COMMENT ON COLUMN forecast_cells.share IS 'La première part de la zone (1 %, 5 % ou 10 % de ses mailles) où tombe la maille ; vide au-delà des 10 % premières.';
