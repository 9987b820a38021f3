"""The register export: the reports of a period as a table (``hotspots export signalements``,
``GET /api/exports/signalements``), with their status and closing date, for the commune's register, a partner or
a spreadsheet of one's own.

The same :class:`~service.export.sheet.Sheet` and writers as the site list (CSV for a Belgian Excel, XLSX with
real dates, GeoJSON for a GIS); oldest report first. No personal data: neither the reporter (private schema) nor
the description (it may name people). A list longer than :data:`MAX_REPORTS` is refused, never cut: a register
missing rows without saying so would be worse than none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely
from shapely.geometry.base import BaseGeometry

from service.db.queries import Queries
from service.db.vocabulary import Labels, load_labels
from service.errors import InvalidValueError
from service.export import check_format, render
from service.export.register_pdf import MAX_PRINTED, render_register_pdf
from service.export.sheet import Sheet
from service.export.values import local_time
from service.geo import geometry_to_lambert, lonlat_arrays
from service.geocode.sections import section_of_postcode, service_sections
from service.numbers import SPACE, french_number
from service.plan.candidates import checked_places
from service.plan.filters import resolve_codes, resolve_places
from service.settings import Settings
from service.text import counted

CRS = "EPSG:31370"
#: Most reports in one export (a year of a large zone); more is refused with what to narrow.
MAX_REPORTS = 20_000
#: The formats a table of reports is written in (a GPS track or a printed sheet per report would make no sense).
REPORT_FORMATS = ("csv", "xlsx", "geojson", "pdf")
COLUMNS = [
    "Signalement",
    "Source",
    "N° à la source",
    "Signalé le",
    "Catégorie",
    "Statut",
    "Clos le",
    "Jours jusqu'à la clôture",
    "Adresse",
    "Code postal",
    "Commune",
    "Section",
    "Placement",
    "Points sensibles",
    "Doublon de",
    "Renvoyé",
    "Latitude",
    "Longitude",
    "Lien carte",
    "Forme dessinée (WKT, WGS84)",
]
#: The longest text a spreadsheet cell holds (Excel's limit): a drawn shape longer than this is said, not cut.
MAX_CELL_CHARS = 32_767
#: How each report was placed, in words (``reports.geocode_status``).
PLACEMENT = {
    "fourni": "coordonnées du fichier",
    "geocode": "adresse trouvée",
    "manuel": "placé à la main",
    "a_verifier": "à vérifier (point provisoire)",
    "echec": "adresse introuvable",
    "a_geocoder": "pas encore géocodé",
}

_q = Queries("service.export", "reports.sql")


@dataclass(frozen=True)
class ReportFilter:
    """Which reports: a period on their date [since, until), codes of categories and statuses, a source, places
    (communes, sections or postcodes as the register names them: a report is in one when its commune is one of
    them, accents and capitals ignored, or its postcode one of ``postcodes``, those typed and those of the
    sections named); empty = all."""

    since: pd.Timestamp | None = None
    until: pd.Timestamp | None = None
    categories: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    source: str | None = None
    places: tuple[str, ...] = ()
    postcodes: tuple[str, ...] = ()

    def params(self, limit: int) -> dict[str, Any]:
        """The query's parameters."""
        return {
            "since": self.since,
            "until": self.until,
            "categories": list(self.categories) or None,
            "statuses": list(self.statuses) or None,
            "source": self.source,
            "places": list(self.places) or None,
            "postcodes": list(self.postcodes),
            "limit": limit,
        }

    def describe(self, labels: Labels, zone: str) -> str:
        """The filters in words (« du 01/07/2026 au 30/09/2026 ; Dépôt clandestin ; statut Clos »)."""
        parts = []
        if self.since is not None or self.until is not None:
            first = f"du {self.since.tz_convert(zone):%d/%m/%Y}" if self.since is not None else ""
            last = self.until.tz_convert(zone) - pd.Timedelta(microseconds=1) if self.until is not None else None
            parts.append(" ".join(p for p in (first, f"au {last:%d/%m/%Y}" if last is not None else "") if p))
        if self.categories:
            parts.append(", ".join(labels.categories.get(c, c) for c in self.categories))
        if self.statuses:
            parts.append("statut " + ", ".join(labels.statuses.get(s, s) for s in self.statuses))
        if self.source:
            parts.append(f"source {self.source}")
        if self.places:
            parts.append("lieu " + " ou ".join(self.places))
        return " ; ".join(parts) or "tous les signalements"


def report_filter(
    labels: Labels,
    *,
    since: pd.Timestamp | None = None,
    until: pd.Timestamp | None = None,
    categories: Iterable[str] = (),
    statuses: Iterable[str] = (),
    source: str | None = None,
    places: Iterable[str] = (),
) -> ReportFilter:
    """The filters checked: categories and statuses as codes or French labels (a French error naming an unknown
    one and the valid ones), a period that ends after it starts, places as plain text (their check against the
    register needs the database: :func:`service.plan.candidates.checked_places`)."""
    if since is not None and until is not None and until <= since:
        raise InvalidValueError(
            f"période vide : la fin ({until:%d/%m/%Y}) ne vient pas après le début ({since:%d/%m/%Y})",
            hint="Donnez une fin après le début.",
        )
    return ReportFilter(
        since=since,
        until=until,
        categories=resolve_codes(categories, labels.categories, "catégorie inconnue"),
        statuses=resolve_codes(statuses, labels.statuses, "statut inconnu"),
        source=_plain(source, "source"),
        places=resolve_places([_plain(p, "lieu") or "" for p in places], ()),
    )


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _plain(value: str | None, label: str) -> str | None:
    """A typed name, trimmed (None when empty); a French error for an invisible control character, which no
    source or commune has and no spreadsheet can show."""
    text = (value or "").strip()
    found = _CONTROL.search(text)
    if found:
        raise InvalidValueError(
            f"{label} illisible : caractère de contrôle invisible (U+{ord(found.group()):04X})", hint="Retirez-le."
        )
    return text or None


def day_bounds(first: date | None, last: date | None, zone: str) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The instants (UTC) that start ``first`` and end ``last``, days of ``zone`` both included; a French error
    for a day no report can have (outside 1900–2200: a typing slip, and beyond what a timestamp holds)."""
    for day in (first, last):
        if day is not None and not 1900 <= day.year <= 2200:
            shown = f"{day.day:02d}/{day.month:02d}/{day.year:04d}"
            raise InvalidValueError(f"jour hors des dates possibles : {shown}", hint="Vérifiez l'année.")
    since = pd.Timestamp(first, tz=zone).tz_convert("UTC") if first is not None else None
    until = (pd.Timestamp(last, tz=zone) + pd.DateOffset(days=1)).tz_convert("UTC") if last is not None else None
    return since, until


@dataclass(frozen=True)
class ReportRequest:
    """A register export as a person asks for it, the same from the API's query and the command's options: a
    period (the bounds of ``2026-T3``, :meth:`service.prevention.period.Period.bounds`) or days (both included),
    codes or French labels, ``None`` for a filter not given; ``options`` names the period and the days as the
    caller calls them, for the refusal of both at once."""

    period: tuple[pd.Timestamp, pd.Timestamp] | None = None
    first: date | None = None
    last: date | None = None
    categories: Sequence[str] | None = None
    statuses: Sequence[str] | None = None
    source: str | None = None
    places: Sequence[str] | None = None
    options: tuple[str, str] = ("periode", "depuis/jusqu_a")

    def filters(self, labels: Labels, zone: str) -> ReportFilter:
        """The checked filters (:func:`report_filter`) on days of ``zone``; a French error for a period given with
        days, or for a value no report can have."""
        if self.period and (self.first or self.last):
            raise InvalidValueError(
                f"{self.options[0]} et {self.options[1]} ensemble",
                hint="Donnez une période ou des jours, pas les deux.",
            )
        since, until = self.period or day_bounds(self.first, self.last, zone)
        return report_filter(
            labels,
            since=since,
            until=until,
            categories=self.categories or (),
            statuses=self.statuses or (),
            source=self.source,
            places=self.places or (),
        )


def read_reports(conn: psycopg.Connection[Any], filters: ReportFilter, *, limit: int = MAX_REPORTS) -> pd.DataFrame:
    """The reports matching ``filters``, oldest first; a French error when there are more than ``limit``."""
    frame = _q.frame(conn, "report_list", filters.params(limit))
    if len(frame) > limit:
        raise InvalidValueError(
            f"plus de {french_number(limit, group=SPACE)} signalements pour ces filtres : l'export ne les coupe pas",
            hint="Resserrez la période ou filtrez par catégorie, statut ou commune.",
        )
    return frame


def report_sheet(
    frame: pd.DataFrame,
    labels: Labels,
    *,
    zone: str,
    described: str,
    sections: Mapping[str, str] | None = None,
    base_url: str | None = None,
    now: pd.Timestamp | None = None,
) -> Sheet:
    """One row per report of ``frame`` (as :func:`read_reports` returns it), dated in ``zone`` (the service's
    time zone); ``described`` says the filters in words; ``sections`` names the section of a postcode that only
    one section uses (:func:`service.geocode.sections.section_of_postcode`; 4100 is Seraing's and Boncelles')."""
    sections = sections or {}
    x = pd.to_numeric(frame["x"], errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(frame["y"], errors="coerce").to_numpy(dtype=float)
    lon, lat = lonlat_arrays(x, y, decimals=None)
    placed = np.isfinite(lon) & np.isfinite(lat)
    rows, points, shapes = [], [], []
    for i, r in enumerate(frame.to_dict("records")):
        made, closed = local_time(r["observed_at"], zone), local_time(r["closed_at"], zone)
        days = r["close_days"] if pd.notna(r["close_days"]) else None  # whole days for a day alone (migration 0068)
        rows.append(
            {
                "Signalement": f"SIG-{int(r['id'])}",
                "Source": r["source"],
                "N° à la source": r["external_id"],
                "Signalé le": made,
                "Catégorie": labels.category(r["category"]),
                "Statut": labels.statuses.get(str(r["status"]), r["status"]) if r["status"] is not None else None,
                "Clos le": closed,
                "Jours jusqu'à la clôture": round(float(days), 1) if days is not None else None,
                "Adresse": r["address"],
                "Code postal": r["postcode"],
                "Commune": r["commune"],
                "Section": sections.get(str(r["postcode"])) if r["postcode"] is not None else None,
                "Placement": PLACEMENT.get(str(r["geocode_status"]), r["geocode_status"]),
                "Points sensibles": r["points"],
                "Doublon de": f"SIG-{int(r['duplicate_of'])}" if pd.notna(r["duplicate_of"]) else None,
                "Renvoyé": "oui" if r["referred"] else None,
                "Latitude": round(float(lat[i]), 6) if placed[i] else None,
                "Longitude": round(float(lon[i]), 6) if placed[i] else None,
                "Lien carte": f"{base_url.rstrip('/')}/carte#site=SIG-{int(r['id'])}" if base_url else None,
                "Forme dessinée (WKT, WGS84)": _shape_cell(r.get("shape")),
            }
        )
        points.append(shapely.Point(x[i], y[i]) if placed[i] else None)
        shapes.append(_drawn(r.get("shape")))
    table = pd.DataFrame(rows, columns=COLUMNS)
    places = gpd.GeoDataFrame(
        {"line": [None] * len(rows), "exit": points, "shape": shapes},
        geometry=gpd.GeoSeries(points, crs=CRS),
        crs=CRS,
    )
    today = (now if now is not None else pd.Timestamp.now(tz="UTC")).tz_convert(zone)
    closed_rows = table["Clos le"].notna().sum()
    closed_status = int((frame["status"] == "clos").sum()) if len(frame) else 0
    facts = {
        "Signalements": str(len(rows)),
        "Filtres": described,
        "Clos": str(closed_status),
        "Clos à une date connue": str(int(closed_rows)),
        "Date": f"{today:%d/%m/%Y}",
    }
    notes = [
        "Sans données personnelles : ni le déclarant ni la description du signalement.",
        "Un signalement clos sans date de clôture vient d'un fichier sans cette colonne ou d'une demande Open311 "
        "sans date de mise à jour (updated_datetime).",
    ]
    if not rows:
        notes.append(f"Aucun signalement pour ces filtres : {described}.")
    return Sheet(
        title="Registre des signalements",
        subtitle=(
            f"{counted(len(rows), 'signalement')}, du plus ancien au plus récent — {described} — {today:%d/%m/%Y}"
        ),
        rows=table,
        places=places,
        ordered=False,
        outcome_labels=[],
        timezone=zone,
        facts=facts,
        notes=notes,
        name="signalements",
    )


def _drawn(shape: Any) -> BaseGeometry | None:
    """A report's drawn shape (WKT, WGS84, as read) in the metric system the sheet's places are in."""
    if not isinstance(shape, str) or not shape:
        return None
    return geometry_to_lambert(shapely.from_wkt(shape))


def _shape_cell(shape: Any) -> str | None:
    """A report's drawn shape as a cell holds it (a shape too detailed for a cell is said so: the API gives it)."""
    if not isinstance(shape, str) or not shape:
        return None
    if len(shape) > MAX_CELL_CHARS:
        return "forme trop détaillée pour une cellule (l'API la donne : « forme » du signalement)"
    return shape


def check_report_format(name: str) -> str:
    """``name`` as a format a table of reports is written in, or a French error listing them."""
    fmt = check_format(name)
    if fmt not in REPORT_FORMATS:
        raise InvalidValueError(
            f"la liste des signalements ne s'écrit pas en « {fmt} »",
            hint=f"Formats : {', '.join(REPORT_FORMATS)} (le GPX est pour les sites à contrôler).",
        )
    return fmt


def export_reports(
    conn: psycopg.Connection[Any],
    settings: Settings,
    fmt: str,
    asked: ReportRequest,
    *,
    base_url: str | None = None,
) -> tuple[bytes, Sheet]:
    """The reports asked for (:meth:`ReportRequest.filters`) written in ``fmt``, and the sheet they were written
    from (its ``Filtres`` fact says the filters in words). Reads only; the caller writes the export to the access
    log."""
    chosen = check_report_format(fmt)
    labels = load_labels(conn)
    filters = asked.filters(labels, settings.timezone)
    places, postcodes = checked_places(conn, filters.places)
    filters = replace(filters, places=places, postcodes=postcodes)
    frame = read_reports(conn, filters)
    sheet = report_sheet(
        frame,
        labels,
        zone=settings.timezone,
        described=filters.describe(labels, settings.timezone),
        sections=section_of_postcode(service_sections(settings)),
        base_url=base_url,
    )
    if chosen != "pdf":
        return render(sheet, chosen), sheet
    if len(sheet.rows) > MAX_PRINTED:
        raise InvalidValueError(
            f"{french_number(len(sheet.rows), group=SPACE)} signalements : trop pour un registre imprimé "
            f"(au plus {french_number(MAX_PRINTED, group=SPACE)})",
            hint="Resserrez la période, le lieu ou la catégorie, ou prenez le classeur (XLSX).",
        )
    return render_register_pdf(sheet, issuer=settings.service_name), sheet
