"""Maps: the planning map (``/carte``, logged-in users), its login form, the public aggregated map
(``/carte/publique``, when published) and their data endpoints, with Leaflet served by the service itself.

``router`` holds every route; ``create_app`` includes it.
"""

from fastapi import APIRouter

from service.maps import routes_data, routes_pages

router = APIRouter()
router.include_router(routes_pages.router)
router.include_router(routes_data.router)

__all__ = ["router"]
