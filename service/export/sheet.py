"""The one table every export format is written from: a plan's stops in visit order, or an unordered site list.

Columns carry the French headers a person reads (``Catégorie``, ``Dernière visite``…), values are labels, not
codes (``Dépôt clandestin``, ``À revoir``), dates are real timestamps (each writer formats them its own way) and
numbers are numbers. The geometry of each row (where to go; the street walked for an axis) travels beside the
table, in the same order, in EPSG:31370.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from service.db.vocabulary import Labels
from service.geo import lonlat_arrays
from service.plan.model import KIND_LABELS, MODE_LABELS, STATE_LABELS
from service.plan.store import StoredPlan
from service.plan.value import TREND_WORDS, formula_words
from service.text import plural

CRS = "EPSG:31370"

#: Columns of a plan's sheet, in order. The last five are for the officer to fill in (and are read back by
#: ``hotspots ingest visits``: ``Arrêt`` names the stop, ``Source`` keeps the visits of plans apart).
PLAN_COLUMNS = [
    "Ordre",
    "Équipe",
    "Arrivée",
    "Rendez-vous",
    "Arrêt",
    "Site",
    "Type",
    "Lieu",
    "Commune",
    "Catégorie",
    "État",
    "Priorité",
    "Pourquoi",
    "Calcul de la priorité",
    "Signalements",
    "Tendance",
    "Dernier signalement",
    "Dernière visite",
    "Suite de la dernière visite",
    "Trajet (min)",
    "Sur place (min)",
    "Latitude",
    "Longitude",
    "Lien carte",
    "Fait",
    "Résultat",
    "Date de visite",
    "Agent",
    "Remarques",
    "Tournée",
    "Source",
]
#: Columns of an unordered site list (``hotspots export sites``).
LIST_COLUMNS = [
    c
    for c in PLAN_COLUMNS
    if c not in {"Ordre", "Équipe", "Arrivée", "Rendez-vous", "Arrêt", "Trajet (min)", "Fait", "Tournée"}
]
#: Columns the officer fills in.
FILL_IN = ("Résultat", "Date de visite", "Agent", "Remarques")
#: Value of the ``Source`` column of plan sheets: visits read back from them are kept under this source.
PLAN_SOURCE = "tournee"
LIST_SOURCE = "liste_sites"
DATE_COLUMNS = (
    "Arrivée",
    "Dernier signalement",
    "Dernière visite",
    "Date de visite",
    # other lists written through the same writers (referrals, permits, reports)
    "Renvoyé le",
    "Signalé le",
    "Clos le",
    "Fin de validité",
)
#: Date columns of planned times: their hour is always shown, even midnight (a night shift's first stop). In the
#: other date columns a value at local midnight is a day written alone (« 05/02/2025 ») and is shown so.
CLOCK_COLUMNS = ("Arrivée",)
NUMBER_COLUMNS = ("Priorité", "Trajet (min)", "Sur place (min)", "Latitude", "Longitude", "Jours jusqu'à la clôture")


@dataclass
class Sheet:
    """What every writer draws from (the same rows in the same order)."""

    title: str
    subtitle: str
    rows: pd.DataFrame  # PLAN_COLUMNS or LIST_COLUMNS
    places: gpd.GeoDataFrame  # same order: geometry = where to go; ``line`` = street walked (axes); ``exit``
    ordered: bool
    outcome_labels: list[str]
    timezone: str  # the service's (Settings.timezone): every date and time of the sheet is shown in it
    routes: gpd.GeoDataFrame | None = None  # team, geometry (EPSG:31370)
    start: dict[str, Any] | None = None  # label, x, y (EPSG:31370)
    end: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)  # header lines of the sheet: {"Durée": "4 h"…}
    dropped: pd.DataFrame | None = None  # Site, Lieu, Priorité, Raison
    name: str | None = None  # file name without extension, for lists other than plans and sites
    block_columns: list[str] = field(default_factory=list)  # more facts in each PDF block (other lists)
    link: str | None = None  # the sheet on the map (a plan: /carte#tournee=N), printed as a QR code for the phone
    pauses: dict[str, str] = field(default_factory=dict)  # stop ref → the team's break after it, in words
    pauses_before: dict[str, str] = field(default_factory=dict)  # stop ref → the break on arrival there, in words

    @property
    def file_stem(self) -> str:
        """A file name without extension: ``tournee_12``, ``sites_a_controler`` or the sheet's own name."""
        if self.name:
            return self.name
        plan = self.facts.get("Tournée")
        return f"tournee_{plan}" if plan else "sites_a_controler"


def _ts(value: Any, zone: str) -> pd.Timestamp | None:
    if value is None or (not isinstance(value, pd.Timestamp) and pd.isna(value)):
        return None
    stamp = pd.Timestamp(value)
    if stamp is pd.NaT:
        return None
    return stamp.tz_convert(zone) if stamp.tzinfo else stamp.tz_localize(zone)


def _state(code: Any, labels: Labels) -> str | None:
    """A site's state as words: lifecycle of points and axes, status of a report, or the outcome a follow-up
    waits on ("À revoir")."""
    if code is None or (isinstance(code, float) and np.isnan(code)):
        return None
    text = str(code)
    return STATE_LABELS.get(text) or labels.statuses.get(text) or labels.outcomes.get(text) or text


def _map_link(base_url: str | None, site_id: str) -> str | None:
    return f"{base_url.rstrip('/')}/carte#site={site_id}" if base_url else None


def _duration_words(minutes: float) -> str:
    hours, rest = divmod(round(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def _phone_reaches(base_url: str) -> bool:
    """Whether a phone could open ``base_url``: not this computer's own address (the command line's default,
    ``http://127.0.0.1:8000``), which a QR code on the sheet would send nowhere."""
    host = urlsplit(base_url).hostname or ""
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name: the service's own
        return True


def sheet_from_plan(stored: StoredPlan, labels: Labels, *, zone: str, base_url: str | None = None) -> Sheet:
    """The sheet of a stored plan: one row per stop in visit order (team, then order), its times in ``zone``
    (the service's time zone)."""
    facts = stored.facts
    stops = stored.stops
    lon, lat = lonlat_arrays(stops["x"].to_numpy(), stops["y"].to_numpy())
    rows = []
    for i, s in enumerate(stops.to_dict("records")):
        why = s["why"] or {}
        done = s["visit_id"] is not None and not pd.isna(s["visit_id"])
        rows.append(
            {
                "Ordre": int(s["ord"]),
                "Équipe": int(s["team"]),
                "Arrivée": _ts(s["arrival"], zone),
                "Rendez-vous": meeting_words(_ts(s["appointment_at"], zone), _ts(s["appointment_until"], zone)),
                "Arrêt": s["ref"],
                "Site": s["site_id"],
                "Type": KIND_LABELS.get(s["site_kind"], s["site_kind"]),
                "Lieu": s["label"],
                "Commune": why.get("commune"),
                "Catégorie": labels.category(s["category"]),
                "État": _state(s["state"], labels),
                "Priorité": round(float(s["value"]), 2),
                "Pourquoi": why.get("pourquoi"),
                "Calcul de la priorité": why.get("formule") or formula_words(why.get("composantes") or {}),
                "Signalements": int(why.get("signalements") or 0),
                "Tendance": TREND_WORDS.get(why.get("tendance") or "", None),
                "Dernier signalement": _ts(why.get("dernier_signalement"), zone),
                "Dernière visite": _ts(s["last_visit"], zone),
                "Suite de la dernière visite": labels.outcome(s["last_outcome"]),
                "Trajet (min)": round(float(s["travel_minutes"]), 1),
                "Sur place (min)": round(float(s["service_minutes"]), 1),
                "Latitude": float(lat[i]),
                "Longitude": float(lon[i]),
                "Lien carte": _map_link(base_url, s["site_id"]),
                "Fait": "oui" if done else "non",
                "Résultat": labels.outcome(s["done_outcome"]) if done else None,
                "Date de visite": _ts(s["done_at"], zone) if done else None,
                "Agent": s["done_officer"] if done else None,
                "Remarques": s["done_notes"] if done else None,
                "Tournée": int(facts["id"]),
                "Source": PLAN_SOURCE,
            }
        )
    places = gpd.GeoDataFrame(
        {
            "line": list(stops["line"]),
            "exit": [shapely.Point(x, y) for x, y in zip(stops["exit_x"], stops["exit_y"], strict=True)],
            "shape": list(stops["shape"]) if "shape" in stops else [None] * len(stops),  # a report's footprint
        },
        geometry=list(stops.geometry),
        crs=CRS,
    )
    start_at = _ts(facts["starts_at"], zone)
    assert start_at is not None
    end_at = start_at + pd.Timedelta(minutes=float(facts["budget_minutes"]))
    teams = int(facts["teams"])
    summary = facts.get("summary") or {}
    value, naive = float(facts["value"]), float(facts["naive_value"])
    gain = f" (+{(value / naive - 1) * 100:.0f} %)".replace(".", ",") if naive > 0 and value > naive else ""
    pause = float(facts["pause_minutes"])
    # a cancelled shift's sheet says so first, on paper and in every file: a team must not go out with it
    cancelled = _ts(facts.get("cancelled_at"), zone)
    fact_lines = {
        **({"Annulée": f"le {cancelled:%d/%m/%Y à %H:%M} : ne pas emporter"} if cancelled is not None else {}),
        "Tournée": str(facts["id"]),
        "Date": start_at.strftime("%d/%m/%Y"),
        "Horaire": f"{start_at:%H:%M} – {end_at:%H:%M}",
        "Durée": _duration_words(float(facts["budget_minutes"])),
        **({"Pause": _pause_fact(pause, _ts(facts.get("pause_at"), zone), stops, zone)} if pause > 0 else {}),
        **({"Rendez-vous": _appointments_fact(stops, zone)} if stops["appointment_at"].notna().any() else {}),
        "Équipes": str(teams),
        "Déplacement": MODE_LABELS.get(facts["mode"], facts["mode"]),
        "Départ": facts["start_label"],
        "Arrivée": facts["end_label"],
        "Sites": str(len(stops)),
        "Valeur collectée": f"{value:.1f}".replace(".", ",") + gain,
        "Plan naïf": f"{naive:.1f}".replace(".", ","),
    }
    dropped = stored.dropped.rename(
        columns={"site_id": "Site", "label": "Lieu", "value": "Priorité", "reason": "Raison"}
    )[["Site", "Lieu", "Priorité", "Raison"]]
    return Sheet(
        title=("ANNULÉE — " if cancelled is not None else "")
        + f"Tournée n° {facts['id']} — {start_at:%d/%m/%Y}, {start_at:%H:%M}–{end_at:%H:%M}",
        subtitle=(
            f"{teams} {plural(teams, 'équipe')} {MODE_LABELS.get(facts['mode'], facts['mode'])}, "
            f"départ {facts['start_label']}"
        ),
        rows=pd.DataFrame(rows, columns=PLAN_COLUMNS),
        places=places,
        ordered=True,
        outcome_labels=sorted(labels.outcomes.values()),
        timezone=zone,
        routes=stored.routes,
        start={"label": facts["start_label"], "x": float(facts["start_x"]), "y": float(facts["start_y"])},
        end={"label": facts["end_label"], "x": float(facts["end_x"]), "y": float(facts["end_y"])},
        notes=list(summary.get("notes", [])),
        facts=fact_lines,
        dropped=dropped,
        link=f"{base_url.rstrip('/')}/carte#tournee={facts['id']}" if base_url and _phone_reaches(base_url) else None,
        pauses=_pauses(stops, "pause_after_minutes", zone),
        pauses_before=_pauses(stops, "pause_before_minutes", zone, " à l'arrivée"),
    )


def break_span(stop: dict[str, Any], zone: str) -> tuple[pd.Timestamp, pd.Timestamp, float]:
    """When a team's break at ``stop`` starts and ends (in ``zone``), and its minutes: after the visit, or on
    arrival before it (a first stop whose window comes after the break: the team rests, then waits)."""
    after, before = float(stop["pause_after_minutes"]), float(stop.get("pause_before_minutes") or 0)
    if after > 0:
        starts = _ts(stop["departure"], zone)
        assert starts is not None
        return starts, starts + pd.Timedelta(minutes=after), after
    arrival = _ts(stop["arrival"], zone)
    assert arrival is not None
    ends = arrival - pd.Timedelta(minutes=float(stop.get("wait_minutes") or 0))
    return ends - pd.Timedelta(minutes=before), ends, before


def _pauses(stops: pd.DataFrame, column: str, zone: str, where: str = "") -> dict[str, str]:
    """The break of each team, in words, by the stop it follows (``pause_after_minutes``) or precedes
    (``pause_before_minutes``): « Pause de 30 min, de 12:05 à 12:35 »."""
    words = {}
    for stop in stops.to_dict("records"):
        if float(stop.get(column) or 0) > 0:
            starts, ends, minutes = break_span(stop, zone)
            words[str(stop["ref"])] = f"Pause de {_duration_words(minutes)}{where}, de {starts:%H:%M} à {ends:%H:%M}"
    return words


def _pause_fact(minutes: float, at: pd.Timestamp | None, stops: pd.DataFrame, zone: str) -> str:
    """The header line of a shift's break: its length, when it is due (mid-shift or the time asked), and after
    (or, for a team that rests on arrival at its first stop, before) which stop each team takes it."""
    taken = [
        f"équipe {int(s['team'])} {'après' if float(s['pause_after_minutes']) > 0 else 'avant'} l'arrêt "
        f"{int(s['ord'])} ({break_span(s, zone)[0]:%H:%M})"
        for s in stops.to_dict("records")
        if float(s["pause_after_minutes"]) > 0 or float(s.get("pause_before_minutes") or 0) > 0
    ]
    due = f"vers {at:%H:%M}" if at is not None else "à mi-tournée"
    return f"{_duration_words(minutes)} {due}" + (f" : {', '.join(taken)}" if taken else "")


def meeting_words(at: pd.Timestamp | None, until: pd.Timestamp | None) -> str | None:
    """An appointment as the sheet writes it: « 10:30 », or « 10:00–11:00 » for a range; None without one."""
    if at is None:
        return None
    return f"{at:%H:%M}–{until:%H:%M}" if until is not None else f"{at:%H:%M}"


def _appointments_fact(stops: pd.DataFrame, zone: str) -> str:
    """The header line of a shift's appointments, in time order: « 09:00 PS-0005 (équipe 1, arrêt 3), … »."""
    timed = stops[stops["appointment_at"].notna()].sort_values(["appointment_at", "team"])
    return ", ".join(
        f"{meeting_words(_ts(s['appointment_at'], zone), _ts(s['appointment_until'], zone))} {s['site_id']} "
        f"(équipe {int(s['team'])}, arrêt {int(s['ord'])})"
        for s in timed.to_dict("records")
    )


def sheet_from_candidates(
    candidates: gpd.GeoDataFrame,
    labels: Labels,
    *,
    zone: str,
    base_url: str | None = None,
    title: str = "Sites à contrôler",
) -> Sheet:
    """An unordered list of candidate sites, highest value first (``hotspots export sites``), dated in ``zone``."""
    lon, lat = lonlat_arrays([p.x for p in candidates.geometry], [p.y for p in candidates.geometry])
    rows = []
    for i, c in enumerate(candidates.to_dict("records")):
        rows.append(
            {
                "Site": c["site_id"],
                "Type": KIND_LABELS.get(c["kind"], c["kind"]),
                "Lieu": c["label"],
                "Commune": c["commune"],
                "Catégorie": labels.category(c["category"]),
                "État": _state(c["state"], labels),
                "Priorité": round(float(c["value"]), 2),
                "Pourquoi": c["reason"],
                "Calcul de la priorité": formula_words(c["components"] or {}),
                "Signalements": int(c["n_reports"] or 0),
                "Tendance": TREND_WORDS.get(c["trend"] or "", None),
                "Dernier signalement": _ts(c["last_report"], zone),
                "Dernière visite": _ts(c["last_visit"], zone),
                "Suite de la dernière visite": labels.outcome(c["last_outcome"]),
                "Sur place (min)": round(float(c["service_min"]), 1),
                "Latitude": float(lat[i]),
                "Longitude": float(lon[i]),
                "Lien carte": _map_link(base_url, c["site_id"]),
                "Résultat": None,
                "Date de visite": None,
                "Agent": None,
                "Remarques": None,
                "Source": LIST_SOURCE,
            }
        )
    places = gpd.GeoDataFrame(
        {"line": list(candidates["line"]), "exit": list(candidates["exit"])},
        geometry=list(candidates["entry"]),
        crs=CRS,
    )
    now = pd.Timestamp.now(tz=zone)
    return Sheet(
        title=title,
        subtitle=f"{len(rows)} {plural(len(rows), 'site')}, du plus prioritaire au moins prioritaire — {now:%d/%m/%Y}",
        rows=pd.DataFrame(rows, columns=LIST_COLUMNS),
        places=places,
        ordered=False,
        outcome_labels=sorted(labels.outcomes.values()),
        timezone=zone,
        facts={"Sites": str(len(rows)), "Date": f"{now:%d/%m/%Y}"},
    )
