"""The demonstration job as one function: start the database, load the address register, generate, ingest,
geocode and analyse the demo set, and plan a first shift whose field pack lands in the data directory.

``hotspots demo`` prints what it did; the notebooks call :func:`ensure_demo` so that they run on a fresh
database as on one already loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from service.db import connect, ensure_database
from service.demo import DEMO_INGESTION
from service.demo.generate import DemoFiles, generate_demo
from service.errors import InputFileError
from service.ingest.pipeline import BatchSummary, IngestOptions, ingest_file
from service.settings import Settings

#: The demo's files, in the order a service would receive them, with their source names; the planted bad rows last.
DEMO_SOURCES: tuple[tuple[str, str, str], ...] = (
    *DEMO_INGESTION,
    ("errors_csv", "reports", "commune_proprete_erreurs"),
)
SEED = 20261126
N_REPORTS = 4000
#: The first shift the demo plans: half a day for two teams, from the default station.
FIRST_SHIFT_DURATION = "4h"
FIRST_SHIFT_TEAMS = 2

#: Ingests one file (the CLI passes its own, with a progress bar); same signature as ``ingest_file`` minus conn.
Ingest = Callable[[Path, IngestOptions, Any], BatchSummary]


@dataclass
class DemoLoad:
    """What the demonstration did."""

    files: DemoFiles
    summaries: list[BatchSummary]
    refused: list[tuple[str, str]] = field(default_factory=list)
    analysis: dict[str, Any] = field(default_factory=dict)


def demo_dir(settings: Settings) -> Path:
    """Where the demo's files go: ``<data dir>/demo``."""
    return settings.data_dir / "demo"


def load_demo(
    settings: Settings,
    *,
    seed: int = SEED,
    n_reports: int = N_REPORTS,
    end: date | None = None,
    ingest: Ingest | None = None,
    now: datetime | None = None,
) -> DemoLoad:
    """Start the database, load the zone's address register when missing, write and ingest the demo files
    (every row without coordinates geocoded on the way), then find the sensitive points and axes."""
    from service.geocode.apply import batch_geocoder, geocode_rows
    from service.geocode.gazetteer import load_gazetteer

    ensure_database(settings)
    register = settings.geodata_dir / "icar_seraing_neupre.csv"
    with connect(settings) as conn:
        if batch_geocoder(conn) is None:
            load_gazetteer(conn, [register])
            conn.commit()
        geocoder = batch_geocoder(conn)
    files = generate_demo(demo_dir(settings), addresses=register, seed=seed, n_reports=n_reports, end=end)
    summaries: list[BatchSummary] = []
    refused: list[tuple[str, str]] = []
    for attr, kind, source in DEMO_SOURCES:
        path: Path = getattr(files, attr)
        options = IngestOptions(kind=kind, source=source)  # type: ignore[arg-type]
        try:
            if ingest is not None:
                summaries.append(ingest(path, options, geocoder))
            else:
                with connect(settings) as conn:
                    summaries.append(ingest_file(conn, path, options, settings, geocoder=geocoder, now=now))
        except InputFileError as exc:
            refused.append((path.name, exc.message))
    if geocoder is not None:
        # rows stored before the register was loaded (an earlier run) are placed now
        with connect(settings) as conn, conn.transaction():
            for target in ("reports", "visits", "permits"):
                geocode_rows(conn, geocoder.geocoder, target)
    with connect(settings) as conn:  # the demo's green neighbourhood information networks (service/prevention)
        from service.demo.prevention import register_networks

        register_networks(conn, settings, files.networks_json)
    return DemoLoad(files, summaries, refused, analyse_demo(settings, now=now))


def analyse_demo(settings: Settings, *, now: datetime | None = None) -> dict[str, Any]:
    """The analysis of the stored reports with the settings' defaults (as ``hotspots analyse``)."""
    from service.analyse.store import run_analysis

    stamp = pd.Timestamp(now) if now is not None else pd.Timestamp.now(tz="UTC")
    with connect(settings) as conn:
        return run_analysis(conn, settings, now=stamp)


def first_shift(settings: Settings, *, out: Path | None = None, solver_seconds: float = 1.0) -> tuple[Any, list[Path]]:
    """Plan the demo's first shift (two teams, four hours from the default station) and write its field pack
    in ``out`` (default ``<data dir>/demo/tournee``): the files the next steps point at."""
    from service.export import load_sheet_background, write_pack
    from service.export.sheet import sheet_from_plan
    from service.geocode.apply import batch_geocoder
    from service.plan import Filters, ShiftRequest, parse_duration, plan_and_save
    from service.plan.candidates import load_labels
    from service.plan.model import parse_start_time

    folder = out or demo_dir(settings) / "tournee"
    request = ShiftRequest(
        starts_at=parse_start_time(None, settings.timezone),
        budget_minutes=parse_duration(FIRST_SHIFT_DURATION),
        start=None,
        end=None,
        mode="voiture",
        teams=FIRST_SHIFT_TEAMS,
        filters=Filters(),
        seed=1,
        time_limit_s=solver_seconds,
        created_by="demo",
    )
    with connect(settings) as conn:
        found = batch_geocoder(conn)
        stored = plan_and_save(conn, settings, request, geocoder=found.geocoder if found is not None else None)
        sheet = sheet_from_plan(stored, load_labels(conn), base_url=settings.export_base_url)
        background = load_sheet_background(conn, settings, sheet)
        paths = write_pack(sheet, folder, ["pdf", "xlsx", "csv", "gpx", "geojson"], background=background)
    return stored, paths


def ensure_demo(settings: Settings, *, n_reports: int = N_REPORTS) -> DemoLoad | None:
    """Start the database; when it holds no report yet, load the demonstration set (None when it had some)."""
    ensure_database(settings)
    with connect(settings) as conn:
        row = conn.execute("SELECT EXISTS (SELECT 1 FROM reports)").fetchone()
    if row is not None and row[0]:
        return None
    return load_demo(settings, n_reports=n_reports)
