"""Maps: the pages (the planning map, its login form, the public aggregated map), rendered from the settings and
vocabularies with Leaflet served by the service itself, the data their layers ask for (report aggregates per view,
vector tiles, the vector background) and the notebooks' folium maps. No route lives here: the web doors are in
:mod:`service.api` (``routes_pages``, ``routes_map``), which call these functions.
"""
