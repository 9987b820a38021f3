"""Demonstration and benchmark data: realistic intake files for the zone Seraing-Neupré, with their truth.

``generate_demo`` writes the seven intake files and ``verite_terrain.json``; ``write_bulk_reports`` writes a large
pre-geocoded CSV for the ingestion benchmark. Both are deterministic for a given seed.
"""

from service.demo.bulk import write_bulk_reports
from service.demo.generate import DemoFiles, generate_demo

#: How the demo files are ingested: (attribute of :class:`DemoFiles`, kind of data, source name); the planted bad
#: rows (``errors_csv``) come apart.
DEMO_INGESTION: tuple[tuple[str, str, str], ...] = (
    ("commune_csv", "reports", "commune_proprete"),
    ("patrols_xlsx", "reports", "patrouilles"),
    ("open311_json", "reports", "app_citoyenne"),
    ("intercommunale_csv", "reports", "intercommunale"),
    ("visits_csv", "visits", "visites"),
    ("permits_csv", "permits", "permis"),
    ("service_csv", "reports", "service_environnement"),
)

__all__ = ["DEMO_INGESTION", "DemoFiles", "generate_demo", "write_bulk_reports"]
