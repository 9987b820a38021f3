"""Ingest stage: read files and feeds, map their columns, validate, dedupe and store them as one batch."""

from service.ingest.pipeline import BatchSummary, IngestOptions, ingest_file

__all__ = ["BatchSummary", "IngestOptions", "ingest_file"]
