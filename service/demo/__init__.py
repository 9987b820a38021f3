"""Demonstration and benchmark data: realistic intake files for the zone Seraing-Neupré, with their truth.

``generate_demo`` writes the seven intake files and ``verite_terrain.json``; ``write_bulk_reports`` writes a large
pre-geocoded CSV for the ingestion benchmark. Both are deterministic for a given seed.
"""

from service.demo.bulk import write_bulk_reports
from service.demo.generate import DemoFiles, generate_demo

__all__ = ["DemoFiles", "generate_demo", "write_bulk_reports"]
