"""Hotspots: suivi des points sensibles et axes problématiques du service Environnement.

The package is split by pipeline stage (ingest, geocode, db, ...); see README.md.
"""

__version__ = "0.1.0"
