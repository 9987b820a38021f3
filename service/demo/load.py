"""The demonstration job as one function: start the database, load the address register, generate, ingest,
geocode and analyse the demo set, and plan a first shift whose field pack lands in the data directory.

``hotspots demo`` calls :func:`run_demo` and prints what it did (and :func:`demo_account` before serving); the
notebooks call :func:`ensure_demo` so that they run on a fresh database as on one already loaded.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pandas as pd

from service.db import connect, ensure_database
from service.demo import DEMO_INGESTION
from service.demo.generate import DemoFiles, generate_demo
from service.errors import ConfigError, InputFileError, InvalidValueError
from service.geocode.register import ICAR_EXTRACT
from service.ingest.pipeline import BatchSummary, IngestOptions, ingest_file
from service.settings import Settings

if TYPE_CHECKING:
    import psycopg

    from service.geocode.match import Geocoder

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


#: The communes the demonstration's addresses are in.
DEMO_COMMUNES = ("Seraing", "Neupré")


def check_demo_zone(settings: Settings) -> None:
    """Refuse, before anything is written, a demonstration that the service's zone would reject row by row: its
    reports are at addresses of Seraing and Neupré."""
    missing = [c for c in DEMO_COMMUNES if c not in settings.zone_communes]
    if missing:
        raise ConfigError(
            f"La démonstration se passe à Seraing et Neupré ; ce service est réglé pour "
            f"{', '.join(settings.zone_communes)} (HOTSPOTS_ZONE_COMMUNES) : chacun de ses signalements serait "
            "refusé hors de la zone.",
            hint="Lancez-la avec les réglages par défaut sur une base à part (HOTSPOTS_DATA_DIR ou DATABASE_URL "
            "d'une base d'essai), pas sur celle du service.",
        )


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
    from service.geocode.sections import service_sections

    check_demo_zone(settings)
    ensure_database(settings)
    register = settings.geodata_dir / ICAR_EXTRACT
    with connect(settings) as conn:
        if batch_geocoder(conn) is None:
            load_gazetteer(conn, [register], sections=service_sections(settings))
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
        if geocoder is not None:
            note_planted_interventions(conn, files.truth, geocoder.geocoder, settings.timezone)
    return DemoLoad(files, summaries, refused, analyse_demo(settings, now=now))


def note_planted_interventions(conn: psycopg.Connection[Any], truth: Path, geocoder: Geocoder, zone: str) -> int:
    """The camera the service put up at the corner whose dumping it ended (the ground truth's ``action``, a day
    read at 9:30 in ``zone`` like the demo's dates), noted in the register of interventions at the corner's
    address, its radius around it — once, however often the demo runs. Returns how many were noted now."""
    import json

    from service.activity import interventions
    from service.activity.sites import find_site
    from service.demo.extras import ACTION_NOTE

    noted = 0
    for spot in json.loads(truth.read_text(encoding="utf-8"))["sensitive_points"]:
        if not spot.get("action"):
            continue
        place, radius = spot["centre"]["label"], float(spot["radius_m"])
        start = pd.Timestamp(spot["action"] + " 09:30", tz=zone).tz_convert("UTC")
        try:
            site = find_site(conn, place, geocoder=geocoder, radius_m=radius)
        except InvalidValueError:  # a register without that number: the demo goes on without its camera
            continue
        if any(i["debut"] == start and i["type"] == "camera" for i in interventions.listed(conn, site)):
            continue
        new = interventions.NewIntervention(place, "camera", start, note=ACTION_NOTE)
        interventions.record(conn, new, actor="demo", zone=zone, geocoder=geocoder, radius_m=radius)
        noted += 1
    return noted


def analyse_demo(settings: Settings, *, now: datetime | None = None) -> dict[str, Any]:
    """The analysis of the stored reports with the settings' defaults (as ``hotspots analyse``)."""
    from service.analyse.store import run_analysis

    stamp = pd.Timestamp(now) if now is not None else pd.Timestamp.now(tz="UTC")
    with connect(settings) as conn:
        return run_analysis(conn, settings, now=stamp)


def first_shift_start(timezone: str, now: datetime | None = None) -> datetime:
    """When the demo's first shift starts: the next quarter hour during the service's day (7:00 to 15:00), else
    8:00 the next morning — a demo run at night plans the shift the service would go out on."""
    from service.plan.model import parse_start_time

    local = (now or datetime.now(ZoneInfo(timezone))).astimezone(ZoneInfo(timezone))
    return parse_start_time(None if 7 <= local.hour < 15 else "8h", timezone, now=local)


def first_shift(settings: Settings, *, out: Path | None = None, solver_seconds: float = 1.0) -> tuple[Any, list[Path]]:
    """Plan the demo's first shift (two teams, four hours from the default station) and write its field pack
    in ``out`` (default ``<data dir>/demo/tournee``): the files the next steps point at."""
    from service.db.vocabulary import load_labels
    from service.export import load_sheet_background, write_pack
    from service.export.sheet import sheet_from_plan
    from service.geocode.apply import batch_geocoder
    from service.plan import Filters, ShiftRequest, parse_duration, plan_shift, store_plan

    folder = out or demo_dir(settings) / "tournee"
    starts_at = first_shift_start(settings.timezone)
    with connect(settings) as conn:
        request = ShiftRequest(
            starts_at=starts_at,
            appointments=_permit_meeting(conn, settings, starts_at),
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
        found = batch_geocoder(conn)
        geocoder = found.geocoder if found is not None else None
        stored = store_plan(conn, plan_shift(conn, settings, request, geocoder=geocoder))
        sheet = sheet_from_plan(stored, load_labels(conn), zone=settings.timezone, base_url=settings.export_base_url)
        background = load_sheet_background(conn, settings, sheet)
        paths = write_pack(sheet, folder, ["pdf", "xlsx", "csv", "gpx", "geojson"], background=background)
    return stored, paths


def _permit_meeting(conn: Any, settings: Settings, starts_at: datetime) -> tuple[Any, ...]:
    """The demo's first shift meets the company of the permit most worth a check during its second hour (as an
    officer books it with the manager); none when the demo has no permit to check."""
    from service.db.vocabulary import load_labels
    from service.plan.candidates import CandidateContext, load_candidates
    from service.plan.model import Appointment, Filters

    context = CandidateContext(
        settings=settings, filters=Filters(kinds=("permis",)), now=pd.Timestamp.now(tz="UTC"), labels=load_labels(conn)
    )
    permits, _ = load_candidates(conn, context)
    if permits.empty:
        return ()
    return (
        Appointment(str(permits["site_id"].iloc[0]), starts_at + timedelta(hours=1), starts_at + timedelta(hours=2)),
    )


@dataclass
class DemoRun:
    """The whole demonstration: what was loaded, the ten first active sensitive points with the categories' French
    names, and the first shift with its field pack (None and empty with ``shift=False``)."""

    load: DemoLoad
    points: pd.DataFrame
    categories: dict[str, str]
    shift: Any = None
    pack: list[Path] = field(default_factory=list)


def run_demo(
    settings: Settings,
    *,
    seed: int = SEED,
    n_reports: int = N_REPORTS,
    shift: bool = True,
    ingest: Ingest | None = None,
    step: Callable[[str], AbstractContextManager[Any]] = lambda _message: nullcontext(),
) -> DemoRun:
    """:func:`load_demo`, the points to show first, and (with ``shift``) :func:`first_shift`. ``step(message)``
    wraps each long step (the CLI shows a spinner)."""
    from service.analyse.listing import ACTIVE_STATES, stored_points
    from service.db.vocabulary import load_labels

    done = load_demo(settings, seed=seed, n_reports=n_reports, ingest=ingest)
    with connect(settings) as conn:
        points = stored_points(conn, states=ACTIVE_STATES, limit=10)
        categories = load_labels(conn).categories
    run = DemoRun(done, points, categories)
    if shift:
        with step("Planification d'une première tournée…"):
            run.shift, run.pack = first_shift(settings)
    return run


def demo_account(settings: Settings) -> str:
    """The demonstration account ``demo`` (planner), created when missing, with a new random password: returned
    to be shown once."""
    from service import accounts

    password = secrets.token_urlsafe(12)
    with connect(settings) as conn:
        if not accounts.user_exists(conn, "demo"):
            accounts.add_user(conn, "demo", password, "planificateur", full_name="Compte de démonstration")
        else:
            accounts.set_password(conn, "demo", password)
    return password


def ensure_demo(settings: Settings, *, n_reports: int = N_REPORTS) -> DemoLoad | None:
    """Start the database; when it holds no report yet, load the demonstration set (None when it had some)."""
    ensure_database(settings)
    with connect(settings) as conn:
        row = conn.execute("SELECT EXISTS (SELECT 1 FROM reports)").fetchone()
    if row is not None and row[0]:
        return None
    return load_demo(settings, n_reports=n_reports)
