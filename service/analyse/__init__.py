"""Analyse stage: sensitive points (clusters that chance does not explain), their trend, forecast and priority,
problem axes, and the back-test that judges them.

Pure functions, GeoDataFrame in, GeoDataFrame out, in metres (EPSG:31370 for the database; any projected CRS in
metres for another city's file), shared by the CLI, the API and notebooks.
"""
