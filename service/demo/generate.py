"""Demonstration data for the zone Seraing-Neupré: realistic intake files plus the truth they were made from.

Why: the ingest, geocoding and analysis stages need files that look like the real ones (encodings, separators,
messy addresses, bad rows) and a known answer to be judged against. Everything is drawn from one
``numpy.random.default_rng(seed)`` handed down explicitly, so a (seed, end) pair always gives the same bytes.

Every report is anchored to a real ICAR address point (street, house number, postcode); its coordinates are that
point plus at most 12 m of jitter. Dates are strictly before ``end`` and no older than ``years``.

Patterns planted for the analysis stage (``verite_terrain.json`` lists them):

* **Sensitive points** (``PS01``...): 6-8 dumping corners on lanes, dead ends or street ends, 30-60 m radius,
  at least 900 m apart and in different postcodes (4100 may hold three), 400 m or more from the problem
  streets. Reports: dépôts clandestins plus some incinération and terrain malpropre. One is *emerging* (starts
  in the last 4 months and intensifies), one *historical* (stops about a year before ``end``), the rest
  *persistent*. About 32 % of reports.
* **Problem axes** (``AX01``...): 3-4 shopping or main streets (Seraing centre, Jemeppe, Ougrée, sometimes
  Boncelles) with ``sacs_hors_jour`` spread over all their address points. About 13 % of reports.
* **Background**: the rest (about 55 %), at addresses drawn uniformly from ICAR (so proportional to address
  density), with what is left of each category's target share (dépôt 30 %, sacs 15 %, déjections 10 %...).
* **Seasons**: bruit peaks in July, incinération in May, déjections in January (cosine, amplitude 0.5-0.7).
* **Weekdays**: dumping is found on Mondays (x1.9 versus mid-week, weekend x0.7); the commune and the
  intercommunale register weekend finds on the Monday.
* **Near-duplicates**: about 1 % of rows are intercommunale reports repeating an Open311 report (same category,
  5-40 m, 1-30 h later). Hotspots also produce chance pairs under the same rule (listed separately).
* **Bad rows** in ``signalements_erreurs.csv``: one per defect, row numbers counted with the header as row 1.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from service.demo import extras, prevention, scenario, truth, writers
from service.demo.addresses import AddressBook, Projections
from service.demo.reports import (
    SOURCES,
    add_coordinates,
    add_times,
    assign_ids,
    assign_sources,
    end_of,
    plant_duplicates,
)
from service.demo.scenario import Window

DEFAULT_SEED = 20261126


@dataclass(frozen=True)
class DemoFiles:
    """Where :func:`generate_demo` wrote each file."""

    commune_csv: Path
    patrols_xlsx: Path
    open311_json: Path
    intercommunale_csv: Path
    visits_csv: Path
    permits_csv: Path
    errors_csv: Path
    truth: Path
    service_csv: Path  # the environment service's own register (prevention side: permits, neighbours)
    networks_json: Path  # green neighbourhood information networks to register

    @classmethod
    def in_dir(cls, out_dir: Path) -> DemoFiles:
        """The file names the demo writes in ``out_dir``."""
        return cls(
            commune_csv=out_dir / "signalements_commune.csv",
            patrols_xlsx=out_dir / "signalements_patrouilles.xlsx",
            open311_json=out_dir / "signalements_citoyens_open311.json",
            intercommunale_csv=out_dir / "signalements_intercommunale.csv",
            visits_csv=out_dir / "visites.csv",
            permits_csv=out_dir / "permis.csv",
            errors_csv=out_dir / "signalements_erreurs.csv",
            truth=out_dir / "verite_terrain.json",
            service_csv=out_dir / "signalements_service_environnement.csv",
            networks_json=out_dir / "reseaux.json",
        )

    @property
    def report_files(self) -> tuple[Path, ...]:
        """The four report files, in the order an import would take them."""
        return (self.commune_csv, self.patrols_xlsx, self.open311_json, self.intercommunale_csv)


def generate_demo(
    out_dir: Path,
    *,
    addresses: Path,
    seed: int = DEFAULT_SEED,
    n_reports: int = 4000,
    end: dt.date | None = None,
    years: float = 2.0,
) -> DemoFiles:
    """Write the demonstration files into ``out_dir``; same (seed, end) → same bytes."""
    end = end or dt.date.today()
    if end > dt.date.today():
        raise ValueError(f"La date de fin {end} est dans le futur : les signalements doivent être passés.")
    if round(years * 365.25) < 180:
        raise ValueError("La période doit couvrir au moins six mois (years >= 0.5).")
    if n_reports < 200:
        raise ValueError("Au moins 200 signalements sont nécessaires pour planter les motifs.")
    out_dir.mkdir(parents=True, exist_ok=True)
    files = DemoFiles.in_dir(out_dir)
    rng = np.random.default_rng(seed)
    proj = Projections.create()
    book = AddressBook.load(addresses, proj)
    window = Window(end - dt.timedelta(days=round(years * 365.25)), end)

    axes = scenario.plan_axes(rng, book)
    hotspots = scenario.plan_hotspots(rng, book, window, axes)
    n_dup = max(5, round(n_reports / 100))
    frame = scenario.draw_incidents(rng, book, window, hotspots, axes, n_reports - n_dup)
    frame["source"] = assign_sources(rng, frame["cat"].to_numpy())
    add_times(rng, frame, window)
    add_coordinates(rng, frame, book, proj)
    frame = plant_duplicates(rng, frame, book, proj, window, n_dup)
    assign_ids(rng, frame)
    pairs = truth.duplicate_pairs(frame)
    frame = frame.sort_values(["ts", "id"], kind="stable").reset_index(drop=True)

    stop = end_of(window)
    by_source = {s: frame[frame["source"] == s] for s in SOURCES}
    closing = np.random.default_rng([seed, 17])  # the register's closing days: nothing else moves
    writers.write_commune(files.commune_csv, rng, by_source["commune"], book, stop, closing)
    writers.write_patrols(files.patrols_xlsx, rng, by_source["patrouilles"], book, stop)
    writers.write_open311(files.open311_json, rng, by_source["open311"], book, stop)
    writers.write_intercommunale(files.intercommunale_csv, rng, by_source["intercommunale"], book)
    n_visits = round(0.12 * n_reports)
    visit_targets = extras.write_visits(files.visits_csv, rng, frame, hotspots, axes, book, proj, window, n_visits)
    side = prevention.plan_prevention(seed, book, window, hotspots, axes)  # its own generator: nothing else moves
    permit_link = extras.write_permits(files.permits_csv, rng, book, window, hotspots, extra=tuple(side.permits))
    bad_rows, errors_rows = extras.write_errors(files.errors_csv, rng, book, window)
    service_rows = prevention.write_reports(files.service_csv, side)
    prevention.write_networks(files.networks_json, side)

    counts = {
        files.commune_csv.name: len(by_source["commune"]),
        files.patrols_xlsx.name: len(by_source["patrouilles"]),
        files.open311_json.name: len(by_source["open311"]),
        files.intercommunale_csv.name: len(by_source["intercommunale"]),
        files.visits_csv.name: n_visits,
        files.permits_csv.name: extras.N_PERMITS + len(side.permits),
        files.errors_csv.name: errors_rows,
        files.service_csv.name: service_rows,
    }
    file_of = {
        "commune": files.commune_csv.name,
        "patrouilles": files.patrols_xlsx.name,
        "open311": files.open311_json.name,
        "intercommunale": files.intercommunale_csv.name,
    }
    doc = truth.build(
        seed=seed,
        window=window,
        years=years,
        frame=frame,
        book=book,
        hotspots=hotspots,
        axes=axes,
        pairs=pairs,
        counts=counts,
        file_of=file_of,
        visit_targets=visit_targets,
        permit_link=permit_link,
        bad_rows=bad_rows,
        errors_file=files.errors_csv.name,
    )
    doc["prevention"] = side.truth
    truth.write(files.truth, doc)
    return files
