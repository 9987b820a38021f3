"""Analyse stage: sensitive points (clusters that chance does not explain), their trend and priority.

Pure functions, GeoDataFrame in, GeoDataFrame out (metres, EPSG:31370), shared by the CLI, the API and notebooks.
"""
