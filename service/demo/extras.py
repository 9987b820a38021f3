"""Visits, permits and the file of bad rows: the files around the reports."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from service.demo import addresses as ad
from service.demo.scenario import Axis, Hotspot, Window
from service.demo.vocab import (
    ACTIVITY_HOURS,
    COMMUNE_SPELLINGS,
    COMPANY_PLACES,
    LAST_NAMES,
    OFFICERS,
    OUTCOME_SPELLINGS,
    PERMIT_ACTIVITIES,
    PERMIT_CONDITIONS,
    VISIT_NOTES,
)
from service.demo.writers import COMMUNE_HEADER, describe, pick

VISIT_HEADER = (
    "N° visite",
    "Date visite",
    "Agent",
    "N° signalement",
    "Adresse",
    "Latitude",
    "Longitude",
    "Résultat",
    "Remarques",
)
PERMIT_HEADER = (
    "Référence",
    "Type de permis",
    "Classe",
    "Exploitant",
    "Activité",
    "Adresse",
    "Code postal",
    "Commune",
    "Date décision",
    "Fin validité",
    "Conditions",
    "Heures d'ouverture",
    "Latitude",
    "Longitude",
)
ERROR_HEADER = (*COMMUNE_HEADER, "Latitude", "Longitude")
_PERMIT_TYPES = {
    "environnement": "Permis d'environnement",
    "urbanisme": "Permis d'urbanisme",
    "unique": "Permis unique",
}
#: Outcome code → weight, by what the officer finds.
_OUTCOMES = {
    "active_point": {
        "nettoye": 30,
        "rien_constate": 15,
        "a_revoir": 15,
        "pv": 10,
        "sac": 10,
        "transmis": 12,
        "avertissement": 8,
    },
    "after_end": {"rien_constate": 70, "a_revoir": 15, "nettoye": 15},
    "axis": {"avertissement": 30, "sac": 25, "rien_constate": 20, "a_revoir": 15, "pv": 5, "transmis": 5},
    "background": {"rien_constate": 30, "nettoye": 25, "transmis": 20, "avertissement": 10, "a_revoir": 10, "pv": 5},
}
N_PERMITS = 30
#: What the service did at the corner it ended (the historical one).
ACTION_NOTE = "Action coordonnée : dépôts enlevés, caméra de surveillance placée, riverains informés"


def _outcome(rng: np.random.Generator, context: str) -> str:
    weights = _OUTCOMES[context]
    codes = list(weights)
    p = np.array(list(weights.values()), dtype=float)
    return pick(rng, OUTCOME_SPELLINGS[codes[int(rng.choice(len(codes), p=p / p.sum()))]])


def _after(rng: np.random.Generator, ts: dt.datetime, end: dt.datetime) -> dt.datetime:
    """A visit during working hours, at least 1 h and at most about 3 weeks after ``ts``, before ``end``."""
    for _ in range(20):
        day = (ts + dt.timedelta(days=float(rng.uniform(0, 21)))).date()
        when = dt.datetime.combine(day, dt.time(int(rng.integers(8, 18)), int(rng.integers(0, 60))))
        if ts + dt.timedelta(hours=1) <= when < end:
            return when
    return (ts + (end - ts) / 2).replace(second=0, microsecond=0)


def _proactive(rng: np.random.Generator, start: dt.date, stop: dt.date) -> dt.datetime:
    day = start + dt.timedelta(days=int(rng.integers(0, max((stop - start).days, 1))))
    return dt.datetime.combine(day, dt.time(int(rng.integers(8, 18)), int(rng.integers(0, 60))))


def write_visits(
    path: Path,
    rng: np.random.Generator,
    reports: pd.DataFrame,
    hotspots: list[Hotspot],
    axes: list[Axis],
    book: ad.AddressBook,
    proj: ad.Projections,
    window: Window,
    n: int,
) -> dict[str, int]:
    """Site visits, mostly at the sensitive points; a visit that follows a report names it and comes after it."""
    end = dt.datetime.combine(window.end, dt.time())
    linkable = reports[
        reports["source"].isin(["commune", "open311"]) & (reports["ts"] < pd.Timestamp(end) - pd.Timedelta(hours=4))
    ]
    planted = reports["origin"].value_counts()
    weights = np.array([max(int(planted.get(h.id, 0)), 10) for h in hotspots], dtype=float)
    empty = linkable.iloc[:0]
    groups = {str(k): g for k, g in linkable.groupby("origin")}
    rows, kinds = [], {"sensitive_point": 0, "axis": 0, "follow_up": 0}
    acted = [(h.centre, h.action) for h in hotspots if h.action is not None]
    for centre, day in acted:  # the action that ended the corner: its first visit
        when = dt.datetime.combine(day, dt.time(9, 30))
        rows.append(_visit_row(rng, book, proj, when, "", centre, OUTCOME_SPELLINGS["pv"][0], ACTION_NOTE))
        kinds["sensitive_point"] += 1
    for _ in range(n - len(acted)):
        u = rng.random()
        ref, addr = "", -1
        if u < 0.55 or not len(groups.get("background", empty)):
            h = hotspots[int(rng.choice(len(hotspots), p=weights / weights.sum()))]
            own = groups.get(h.id, empty)
            stop = min(h.end + dt.timedelta(days=75), window.end)
            if h.action is not None:  # not visited before its action; checked on after it
                addr, when = h.centre, _proactive(rng, h.action + dt.timedelta(days=1), stop)
            elif len(own) and rng.random() < 0.5:
                r = own.iloc[int(rng.integers(len(own)))]
                ref, addr, when = r["id"], int(r["addr"]), _after(rng, r["ts"].to_pydatetime(), end)
            else:
                addr, when = h.centre, _proactive(rng, h.start, stop)
            context = "after_end" if when.date() >= h.end else "active_point"
            kinds["sensitive_point"] += 1
        elif u < 0.70:
            a = axes[int(rng.integers(len(axes)))]
            own = groups.get(a.id, empty)
            if len(own) and rng.random() < 0.5:
                r = own.iloc[int(rng.integers(len(own)))]
                ref, addr, when = r["id"], int(r["addr"]), _after(rng, r["ts"].to_pydatetime(), end)
            else:
                addr, when = int(rng.choice(a.members)), _proactive(rng, window.start, window.end)
            context = "axis"
            kinds["axis"] += 1
        else:
            own = groups["background"]
            r = own.iloc[int(rng.integers(len(own)))]
            ref, addr, when = r["id"], int(r["addr"]), _after(rng, r["ts"].to_pydatetime(), end)
            context = "background"
            kinds["follow_up"] += 1
        outcome = _outcome(rng, context)
        note = pick(rng, VISIT_NOTES) if rng.random() < 0.6 else ""
        rows.append(_visit_row(rng, book, proj, when, ref, addr, outcome, note))
    rows.sort(key=lambda row: row[0])
    seq: dict[int, int] = {}
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, delimiter=";", lineterminator="\n")
        out.writerow(VISIT_HEADER)
        for when, *rest in rows:
            seq[when.year] = seq.get(when.year, 0) + 1
            out.writerow([f"V{when.year % 100:02d}-{seq[when.year]:04d}", when.strftime("%d/%m/%Y %H:%M"), *rest])
    return kinds


def _visit_row(
    rng: np.random.Generator,
    book: ad.AddressBook,
    proj: ad.Projections,
    when: dt.datetime,
    ref: str,
    addr: int,
    outcome: str,
    note: str,
) -> tuple[Any, ...]:
    """A line of the visits file, at the address ``addr`` give or take a GPS fix, by one officer or two."""
    dx, dy = ad.jitter(rng, 1)
    lon, lat = proj.from_l72.transform(book.x[addr] + dx[0], book.y[addr] + dy[0])
    agent = pick(rng, OFFICERS)
    if rng.random() < 0.3:
        agent = f"{agent} / {pick(rng, [o for o in OFFICERS if o != agent])}"
    street = f"{book.street[addr]} {book.number[addr]}"
    return (when, agent, ref, street, f"{lat:.6f}", f"{lon:.6f}", outcome, note)


def permit_row(
    book: ad.AddressBook,
    i: int,
    *,
    ref: str,
    kind: str,
    klass: str,
    company: str,
    activity: str,
    decided: dt.date,
    until: dt.date | None,
    conditions: str,
) -> tuple[Any, ...]:
    """One row of the permits file at address ``i`` of the book, its decision date first (for sorting)."""
    return (
        decided,
        ref,
        kind,
        klass,
        company,
        activity,
        f"{book.street[i]} {book.number[i]}",
        book.postcode[i],
        book.municipality[i],
        decided.strftime("%d/%m/%Y"),
        until.strftime("%d/%m/%Y") if until is not None else "",
        conditions,
        ACTIVITY_HOURS.get(activity, ""),
        f"{book.lat[i]:.6f}",
        f"{book.lon[i]:.6f}",
    )


def write_permits(
    path: Path,
    rng: np.random.Generator,
    book: ad.AddressBook,
    window: Window,
    hotspots: list[Hotspot],
    n: int = N_PERMITS,
    extra: tuple[tuple[Any, ...], ...] = (),
) -> dict[str, str]:
    """Permits of invented companies at real addresses; a scrap-metal yard sits near one dumping corner; ``extra``
    rows (same layout, decision date first) are written with them (drawn elsewhere: see ``demo.prevention``).

    Returns the planted link (permit reference → sensitive point) for the truth file.
    """
    kinds = rng.choice(["environnement", "urbanisme", "unique"], size=n, p=[0.65, 0.2, 0.15])
    persistent = [h for h in hotspots if h.profile == "persistent"] or hotspots
    near_spot = persistent[int(rng.integers(len(persistent)))]
    rows, link = [], {}
    for k, kind in enumerate(kinds):
        options = [a for a in PERMIT_ACTIVITIES if a[1] == kind]
        activity, _, classes, patterns = options[int(rng.integers(len(options)))] if k else PERMIT_ACTIVITIES[0]
        company = pick(rng, patterns).format(nom=pick(rng, LAST_NAMES), lieu=pick(rng, COMPANY_PLACES))
        i = int(rng.integers(len(book)))
        if k == 0:
            d = book.distances(near_spot.centre)
            ring = np.flatnonzero((d > near_spot.radius_m + 40) & (d < 250))
            i = int(ring[int(rng.integers(len(ring)))]) if len(ring) else near_spot.centre
        decided = window.end - dt.timedelta(days=int(rng.integers(30, 24 * 365)))
        klass = str(classes[int(rng.integers(len(classes)))]) if classes else ""
        years = {"": 0, "1": 20, "2": 20, "3": 10}[klass]
        until = None
        if years:
            leap_safe = decided.replace(day=28) if (decided.month, decided.day) == (2, 29) else decided
            until = leap_safe.replace(year=decided.year + years) - dt.timedelta(days=1)
        kind_name = "environnement" if k == 0 else str(kind)
        cond = pick(rng, PERMIT_CONDITIONS[kind_name])
        if klass == "3":
            cond = f"Déclaration de classe 3 : {cond[0].lower()}{cond[1:]}"
        prefix = {"environnement": "PE", "urbanisme": "URB", "unique": "PUN"}[kind_name]
        ref = f"{prefix}/{decided.year}/{int(rng.integers(1, 900)):04d}"
        if k == 0:
            link = {"reference": ref, "sensitive_point": near_spot.id, "activity": activity}
        rows.append(
            permit_row(
                book,
                i,
                ref=ref,
                kind=_PERMIT_TYPES[kind_name],
                klass=klass,
                company=company,
                activity=activity,
                decided=decided,
                until=until,
                conditions=cond,
            )
        )
    rows += list(extra)
    rows.sort(key=lambda row: (row[0], row[1]))
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, delimiter=";", lineterminator="\n")
        out.writerow(PERMIT_HEADER)
        out.writerows(row[1:] for row in rows)
    return link


def _future_year(year: int) -> int:
    """A typo such as 2062 for 2026; ten years ahead when the swap does not land in the future."""
    swapped = int(str(year)[:2] + str(year)[3] + str(year)[2])
    return swapped if swapped > year + 1 else year + 10


def write_errors(
    path: Path, rng: np.random.Generator, book: ad.AddressBook, window: Window
) -> tuple[list[dict[str, Any]], int]:
    """Commune layout (UTF-8) with one row per kind of defect and a few good rows: (defects, data rows)."""
    year = window.end.year
    recent = window.end - dt.timedelta(days=10)

    def row(cat: str = "depot_clandestin", date: str | None = None, coords: bool = False) -> list[str]:
        i = int(rng.integers(len(book)))
        day = window.end - dt.timedelta(days=int(rng.integers(2, 200)))
        when = f"{day:%d/%m/%Y} {int(rng.integers(8, 17)):02d}:{int(rng.integers(60)):02d}"
        lat_lon = [f"{book.lat[i]:.6f}", f"{book.lon[i]:.6f}"] if coords else ["", ""]
        return [
            "",
            when if date is None else date,
            pick(rng, COMMUNE_SPELLINGS[cat]),
            f"{book.street[i]} {book.number[i]}",
            str(book.postcode[i]),
            str(book.municipality[i]),
            describe(rng, cat),
            "Nouveau",
            "",
            "",
            "",
            *lat_lon,
        ]

    cats = rng.choice(["depot_clandestin", "sacs_hors_jour", "graffiti"], size=6)
    good = [row(cat=str(c), coords=k < 2) for k, c in enumerate(cats)]
    bad: list[tuple[str, str, list[str]]] = []

    def add(kind: str, detail: str, values: list[str]) -> None:
        bad.append((kind, detail, values))

    r = row()
    r[2] = "Pokémon"
    add("unknown_category", "catégorie « Pokémon »", r)
    add("impossible_date", "31 février", row(date=f"31/02/{year} 10:15"))
    future = f"{min(recent.day, 28):02d}/{recent.month:02d}/{_future_year(year)} 09:30"
    add("future_date", f"date dans le futur ({future})", row(date=future))
    add("unreadable_date", "« hier soir »", row(date="hier soir"))
    add("missing_date", "date vide", row(date=""))
    r = row()
    r[2] = ""
    add("missing_category", "catégorie vide", r)
    r = row()
    r[3:6] = ["", "", ""]
    add("no_location", "ni adresse ni coordonnées", r)
    r = row()
    r[6] = "=> sacs et matelas devant le n° 5, encore"  # a citizen's text, not a formula: stored as given
    good.append(r)
    r = row()
    r[6] = "Sacs éventrés\x07 devant l'entrée"
    add("control_character", "caractère de contrôle (BEL, \\x07) dans la description", r)
    r = row(cat="bruit")
    add("duplicate_id", "même N° dossier qu'une ligne précédente, contenu différent", r)
    r = row()
    r[3:6] = ["Grand-Place 1", "1000", "Bruxelles"]
    r[11:13] = ["50.846700", "4.352500"]
    add("out_of_zone", "coordonnées à Bruxelles, hors de la zone", r)
    r = row(coords=True)
    r[11], r[12] = r[12], r[11]
    add("swapped_lat_lon", "latitude et longitude inversées", r)

    entries: list[tuple[str | None, str, list[str]]] = [(None, "", g) for g in good] + list(bad)
    entries = [entries[k] for k in rng.permutation(len(entries))]
    numbers = rng.choice(np.arange(1, 9999), size=len(entries), replace=False)
    for (_, _, values), num in zip(entries, numbers, strict=True):
        values[0] = f"PROP/{year}/9{int(num):04d}"
    dup = next(k for k, e in enumerate(entries) if e[0] == "duplicate_id")
    first = next(k for k, e in enumerate(entries) if e[0] is None)
    if first > dup:
        entries[first], entries[dup] = entries[dup], entries[first]
        first, dup = dup, first
    entries[dup][2][0] = entries[first][2][0]
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, delimiter=";", lineterminator="\n")
        out.writerow(ERROR_HEADER)
        out.writerows(values for _, _, values in entries)
    defects: list[dict[str, Any]] = []
    for k, (kind, detail, _) in enumerate(entries):
        if kind is not None:
            item: dict[str, Any] = {"row": k + 2, "kind": kind, "detail": detail}
            if kind == "duplicate_id":
                item["original_row"] = first + 2
            defects.append(item)
    return defects, len(entries)
