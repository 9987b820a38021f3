"""Checks shared by the validators of every kind of row: each yields a boolean mask and a reason.

Problems are gathered per row without a loop over the rows; :func:`validated` splits a chunk into the rows to
load and the rows to reject with all their reasons. The public functions are the building blocks of the
validators (:mod:`service.ingest.validate`); the underscored ones are this module's own plumbing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from shapely.geometry.base import BaseGeometry

from service.geocode.communes import AddressCommunes, communes_of_points
from service.ingest.columns import FIELD_LABELS_FR, PERSONAL_FIELDS, ColumnMap, Kind, names_the_facts
from service.ingest.coords import labels, locate, split_pair, to_number, words_instead
from service.ingest.dates import ACCEPTED_FORMS, TIME_FORMS, at_time, parse_datetimes, spreadsheet_days
from service.ingest.row_kinds import EMPTY_ROW, STANDALONE, TOTAL_ROW, total_rows
from service.ingest.shapes import SHAPE_KEY
from service.ingest.source import STR
from service.ingest.source_names import respelled
from service.ingest.vocabulary import Vocabularies
from service.settings import DEFAULT_TIMEZONE

MAX_TEXT = 10_000
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_PLACE_TEXTS = ["address", "street", "house_number", "postcode", "commune", "source"]
#: The text fields of each kind whose control characters and length are checked (:func:`check_texts`).
_TEXT_FIELDS: dict[Kind, list[str]] = {
    "reports": [
        "external_id",
        "description",
        *_PLACE_TEXTS,
        "reporter_name",
        "reporter_phone",
        "reporter_email",
        "category",
        "category_alt",
        "status",
    ],
    "visits": [
        "external_id",
        "officer",
        "notes",
        "report_ref",
        "stop_ref",
        "site_ref",
        *_PLACE_TEXTS,
        "outcome",
        "category",
    ],
    "permits": [
        "reference",
        "operator",
        "activity",
        *_PLACE_TEXTS[:-1],
        "conditions",
        "opening_hours",
        "source",
        "permit_type",
        "env_class",
    ],
}


@dataclass(frozen=True)
class Context:
    """What validation needs besides the rows: vocabularies, zone, clock and options."""

    vocab: Vocabularies
    zone: BaseGeometry
    now: datetime
    min_date: pd.Timestamp
    future_tolerance: timedelta
    default_source: str
    forced_crs: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    #: (name, outline) of the communes, for the commune of rows given with coordinates but no commune where no
    #: official address is near them
    communes: tuple[tuple[str, BaseGeometry], ...] = ()
    #: the official addresses with their commune, for the commune of rows given with coordinates but no commune
    addresses: AddressCommunes | None = None
    #: the start of each planned shift (its number → local date and time): a visit of a shift's stop written
    #: with the hour alone (as the printed sheet asks for it) falls on the shift's day
    shift_starts: Mapping[int, datetime] = field(default_factory=dict)
    #: the sources the tables already hold, under their key (:func:`service.ingest.source_names.source_key`), and
    #: those the batch reads first, as it reads them (the file's other spellings go under them)
    known_sources: dict[str, str] = field(default_factory=dict)
    #: the sources a file's source column names that the service did not know, as first read (filled in as the
    #: chunks are read): the account points out those a letter or two from a known one
    new_sources: list[str] = field(default_factory=list)


@dataclass
class Problems:
    """Reasons collected per row: (mask, field, shown values, message)."""

    index: pd.Index
    items: list[tuple[np.ndarray, str, str | None, pd.Series, pd.Series | str]] = field(default_factory=list)
    #: what was done to rows that are kept, counted for the batch's account (« heures_des_faits »: a date with the
    #: reception's time, dated by the facts' time beside it)
    noted: dict[str, np.ndarray] = field(default_factory=dict)

    def add(
        self,
        mask: np.ndarray,
        field_name: str,
        values: pd.Series,
        message: pd.Series | str,
        column: str | None = None,
    ) -> None:
        """One reason for the rows of ``mask`` (nothing when no row has it)."""
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self.items.append((mask, field_name, column, values, message))

    @property
    def mask(self) -> np.ndarray:
        """The rows with at least one reason."""
        out = np.zeros(len(self.index), dtype=bool)
        for mask, *_ in self.items:
            out |= mask
        return out

    def reasons(self) -> dict[int, list[dict[str, str | None]]]:
        """Position → reasons, for the rejected rows only."""
        found: dict[int, list[dict[str, str | None]]] = {}
        for mask, field_name, column, values, message in self.items:
            for pos in np.flatnonzero(mask):
                value = values.iloc[pos]
                msg = message if isinstance(message, str) else message.iloc[pos]
                found.setdefault(int(pos), []).append(
                    {
                        "champ": field_name,
                        "colonne": column,
                        "valeur": None if value is None or value is pd.NA else str(value)[:200],
                        "motif": str(msg),
                    }
                )
        # an empty row's or a total line's reason stands alone: its other reasons (a date missing…) would say the
        # same at length
        return {
            row: [r for r in said if r["motif"] in STANDALONE] if any(r["motif"] in STANDALONE for r in said) else said
            for row, said in found.items()
        }


@dataclass
class Validated:
    """The outcome for one chunk: rows to load and rows to reject."""

    good: pd.DataFrame
    rejected: pd.DataFrame  # row_number, raw (JSON), personal (JSON or NA), reasons (JSON)
    noted: dict[str, int] = field(default_factory=dict)  # see Problems.noted


def raw_column(chunk: pd.DataFrame, cmap: ColumnMap, name: str) -> pd.Series | None:
    """The column of field ``name`` as read (or its mapping's default value), None when the file has neither."""
    header = cmap.fields.get(name)
    if header is not None:
        return chunk[header].astype(STR)
    if name in cmap.defaults:
        return pd.Series(cmap.defaults[name], index=chunk.index, dtype=STR)
    return None


def cleaned(series: pd.Series | None, index: pd.Index) -> pd.Series:
    """Values stripped of surrounding blanks (``str.strip``); empty (or absent) → NA.

    Straight on the Arrow array: an order of magnitude faster than the pandas methods, on one row as on a million.
    """
    if series is None:
        return pd.Series(pd.NA, index=index, dtype=STR)
    stripped = pc.utf8_trim_whitespace(pa.array(series.astype(STR).array))
    kept = pc.if_else(pc.equal(stripped, ""), pa.scalar(None, stripped.type), stripped)
    return pd.Series(pd.arrays.ArrowStringArray(kept), index=series.index, copy=False)


def field_text(chunk: pd.DataFrame, cmap: ColumnMap, name: str) -> pd.Series:
    """The cleaned text of field ``name`` (all NA when the file does not have it)."""
    return cleaned(raw_column(chunk, cmap, name), chunk.index)


def first_checks(chunk: pd.DataFrame, cmap: ColumnMap, kind: Kind) -> Problems:
    """The problems every row is checked for, whatever its kind: its shape, then its texts."""
    problems = Problems(chunk.index)
    check_shape(chunk, problems)
    check_texts(chunk, cmap, kind, problems)
    return problems


_SUSPECT = _CONTROL


def check_texts(chunk: pd.DataFrame, cmap: ColumnMap, kind: Kind, problems: Problems) -> None:
    """Control characters and oversized texts in any mapped text field.

    A text that starts like a spreadsheet formula ("=> dépôt devant le n°5") is stored as given: every CSV or
    XLSX writer neutralises it on the way out (:func:`service.cells.neutralise_formula`).

    One Arrow pass over all the text fields joined finds whether anything is suspect; the precise checks then
    run on the suspect columns only.
    """
    _check_nul_in_kept_columns(chunk, cmap, problems)
    mapped = [(name, cmap.fields[name]) for name in _TEXT_FIELDS[kind] if name in cmap.fields]
    if not mapped or not _anything_suspect([chunk[header] for _name, header in mapped]):
        return
    for name, header in mapped:
        series = raw_column(chunk, cmap, name)
        if series is None:
            continue
        arr = pa.array(series.array)
        suspect = pc.fill_null(pc.match_substring_regex(arr, _SUSPECT), False)
        too_long = pc.fill_null(pc.greater(pc.binary_length(arr), MAX_TEXT), False)
        if not (pc.any(suspect).as_py() or pc.any(too_long).as_py()):
            continue
        label = FIELD_LABELS_FR.get(name, name)
        control = series.str.contains(_CONTROL, regex=True).fillna(False).to_numpy(dtype=bool)
        if control.any():
            codes = series.str.extract(f"({_CONTROL})", expand=False).map(
                lambda c: f"U+{ord(c):04X}" if isinstance(c, str) else "", na_action="ignore"
            )
            problems.add(
                control,
                label,
                series.str.replace(_CONTROL, "�", regex=True),
                "caractère de contrôle invisible (" + codes.astype(str) + ") : retirez-le",
                column=header,
            )
        lengths = series.str.len().fillna(0).to_numpy()
        problems.add(
            lengths > MAX_TEXT,
            label,
            series.str.slice(0, 60) + "…",
            f"texte trop long (plus de {MAX_TEXT} caractères)",
            column=header,
        )


def _check_nul_in_kept_columns(chunk: pd.DataFrame, cmap: ColumnMap, problems: Problems) -> None:
    """Columns the service does not know are kept as they are (``extra``), but a NUL byte cannot be stored in
    PostgreSQL text: the row is rejected, naming the column (rather than the whole batch failing in the
    database)."""
    for header in cmap.ignored:
        arr = pa.array(chunk[header].astype(STR).array)
        if not pc.any(pc.fill_null(pc.match_substring(arr, "\x00"), False)).as_py():
            continue
        series = chunk[header].astype(STR)
        problems.add(
            series.str.contains("\x00", regex=False).fillna(False).to_numpy(dtype=bool),
            header,
            series.str.replace("\x00", "�", regex=False),
            "caractère nul (octet 0) dans le texte : retirez-le",
            column=header,
        )


_CONTROL_BYTES = np.zeros(256, dtype=bool)
_CONTROL_BYTES[[*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]] = True  # the bytes of _CONTROL


def _anything_suspect(columns: list[pd.Series]) -> bool:
    """Whether any field may hold a control character or be too long.

    Looks at Arrow's buffers directly: UTF-8 control characters are single bytes, and a text is at least as
    long in bytes as in characters.
    """
    for series in columns:
        array = pa.array(series.astype(STR).array)
        for chunk in array.chunks if isinstance(array, pa.ChunkedArray) else [array]:
            if len(chunk) == 0 or chunk.null_count == len(chunk):
                continue
            wide = pa.types.is_large_string(chunk.type)
            offsets = np.frombuffer(
                chunk.buffers()[1],
                dtype=np.int64 if wide else np.int32,
                count=len(chunk) + 1,
                offset=chunk.offset * (8 if wide else 4),
            )
            data = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
            if _CONTROL_BYTES[data].any() or np.diff(offsets).max() > MAX_TEXT:
                return True
    return False


def check_date(
    chunk: pd.DataFrame,
    cmap: ColumnMap,
    name: str,
    ctx: Context,
    problems: Problems,
    label: str,
    *,
    allow_future: bool = False,
    required: bool = True,
    time_name: str | None = None,
) -> pd.Series:
    """Date and time of field ``name`` (aware, in the zone's time zone), with the time of day of field
    ``time_name`` where the file gives it in a column of its own; missing, unreadable, impossible, future (beyond
    the tolerance) and too old dates, and unreadable times, are problems named ``label``."""
    values = raw_column(chunk, cmap, name)
    header = cmap.fields.get(name)
    if values is None:
        values = pd.Series(pd.NA, index=chunk.index, dtype=STR)
    stamps, reasons = parse_datetimes(values, tz=ctx.timezone)
    times = raw_column(chunk, cmap, time_name) if time_name else None
    if times is not None and time_name is not None:
        time_header = cmap.fields.get(time_name)
        facts = names_the_facts(time_header) and not names_the_facts(header)
        stamps, unread = at_time(stamps, times, tz=ctx.timezone, facts=facts)
        problems.noted["heures_des_faits"] = (unread == "heure des faits").to_numpy(dtype=bool)
        said = FIELD_LABELS_FR[time_name]
        problems.add(
            (unread == "heure illisible").to_numpy(dtype=bool),
            said,
            times,
            f"{said} illisible (formats acceptés : {TIME_FORMS})",
            column=cmap.fields.get(time_name),
        )
        other = (unread == "heure différente").to_numpy(dtype=bool)
        if other.any():
            own = stamps.dt.tz_convert(ctx.timezone).dt.strftime("%H:%M")
            problems.add(
                other,
                said,
                times,
                f"la {label} porte déjà une heure, " + own.fillna("") + f", autre que celle de la colonne « "
                f"{cmap.fields.get(time_name)} » : gardez la bonne heure dans une seule des deux colonnes",
                column=cmap.fields.get(time_name),
            )
    shown = values  # shown only for the rejected rows (Problems.reasons)
    if not required:
        reasons = reasons.where(reasons != "date manquante", None)
    for reason, message in (
        ("date manquante", f"{label} manquante"),
        ("date illisible", f"{label} illisible (formats acceptés : {ACCEPTED_FORMS})"),
        ("date impossible", f"{label} impossible (ce jour n'existe pas)"),
    ):
        problems.add((reasons == reason).to_numpy(dtype=bool), label, shown, message, column=header)
    counts = (reasons == "date tableur").to_numpy(dtype=bool)
    if counts.any():
        problems.add(counts, label, shown, spreadsheet_days(label, values), column=header)
    ok = stamps.notna().to_numpy(dtype=bool)
    if not allow_future:
        limit = pd.Timestamp(ctx.now + ctx.future_tolerance)
        future = ok & (stamps > limit).fillna(False).to_numpy(dtype=bool)
        problems.add(future, label, shown, f"{label} dans le futur", column=header)
    old = ok & (stamps < ctx.min_date).fillna(False).to_numpy(dtype=bool)
    problems.add(old, label, shown, f"{label} trop ancienne (avant le {ctx.min_date:%d/%m/%Y})", column=header)
    return stamps


def address_of(chunk: pd.DataFrame, cmap: ColumnMap) -> pd.Series:
    """The address as typed, or street + number when the file splits them; an « Adresse » that holds the street
    alone takes the number of its « N° » column (it was left out, and the row placed in the middle of its street)."""
    address = field_text(chunk, cmap, "address")
    street = field_text(chunk, cmap, "street")
    number = field_text(chunk, cmap, "house_number")
    if street.notna().any():
        composed = (street + " " + number.fillna("")).str.strip()
        address = address.fillna(composed)
    elif number.notna().any():
        bare = (address.notna() & number.notna() & ~address.str.contains(r"\d", na=False)).to_numpy(dtype=bool)
        address = address.mask(bare, address + " " + number)
    return address


def commune_of(chunk: pd.DataFrame, cmap: ColumnMap, ctx: Context, x: np.ndarray, y: np.ndarray) -> pd.Series:
    """The commune given, else that of the row's point (coordinates-only rows: the nearest official address's,
    else the outline containing it; see :mod:`service.geocode.communes`): the commune filter then finds them. Rows
    placed by the geocoder get theirs from the matched address."""
    given = field_text(chunk, cmap, "commune")
    missing = given.isna().to_numpy(dtype=bool) & np.isfinite(np.asarray(x, dtype=float))
    if not (ctx.communes or ctx.addresses) or not missing.any():
        return given
    addresses = ctx.addresses or AddressCommunes(None, np.array([], dtype=object))
    x_missing, y_missing = np.asarray(x, dtype=float)[missing], np.asarray(y, dtype=float)[missing]
    found = communes_of_points(addresses, ctx.communes, x_missing, y_missing)
    filled = given.copy()
    filled.iloc[np.flatnonzero(missing)] = found
    return filled.astype(STR)


@dataclass
class Place:
    """Where the rows of a chunk are: the address as typed, the point in the metric CRS (NaN where none), the CRS
    the coordinates came in, and the geocoding status (``fourni`` with a point, ``a_geocoder`` without)."""

    address: pd.Series
    x: np.ndarray
    y: np.ndarray
    crs: pd.Series
    status: pd.Series
    #: coordinates cells of words set aside for the address (header → its texts, NA elsewhere): kept in ``extra``
    set_aside: dict[str, pd.Series] = field(default_factory=dict)


def _pair_columns(pair: pd.Series, problems: Problems, header: str | None) -> dict[str, pd.Series]:
    """Coordinates written in one cell as the lat/lon columns (degrees) or the x/y ones (metres), by their
    values; a cell that is not two numbers is a problem naming it."""
    first, second, unreadable = split_pair(pair)
    problems.add(
        unreadable.to_numpy(dtype=bool),
        "coordonnées",
        pair.astype(object),
        "coordonnées illisibles : deux nombres attendus, comme « 50.6098, 5.5120 » (latitude puis longitude), "
        "« 50°36'35\"N 5°30'43\"E » ou « 230917 146520 » (Lambert)",
        column=header,
    )
    degrees = pd.Series(np.abs(to_number(first)[0]) <= 90, index=pair.index)
    missing = pd.Series(pd.NA, index=pair.index, dtype=STR)
    return {
        "lat": first.where(degrees, missing),
        "lon": second.where(degrees, missing),
        "x": first.where(~degrees, missing),
        "y": second.where(~degrees, missing),
    }


def locate_rows(
    chunk: pd.DataFrame,
    cmap: ColumnMap,
    ctx: Context,
    problems: Problems,
    *,
    allow_reference: pd.Series | None = None,
) -> Place:
    """The place of each row: its coordinates (any accepted CRS, checked against the zone) or its address.
    A row with neither is a problem, unless ``allow_reference`` names what places it (a report, a plan's stop)."""
    address = address_of(chunk, cmap)
    addressed = address.notna().to_numpy(dtype=bool)
    cols, set_aside = {}, {}
    for name in ("lat", "lon", "x", "y", "coordinates"):
        series = raw_column(chunk, cmap, name)
        if series is None:
            continue
        words = words_instead(series, addressed)
        if words.any():  # « pas de GPS » beside an address: no coordinates, the row is placed by its address
            set_aside[cmap.fields[name]] = series.where(words, pd.NA)
            series = series.where(~words, pd.NA)
            problems.noted["coordonnees_en_mots"] = problems.noted.get("coordonnees_en_mots", False) | words
        cols[name] = series
    pair = cols.pop("coordinates", None)
    if pair is not None and not cols:  # both in one cell; separate columns, when a file has both, come first
        cols = _pair_columns(pair, problems, cmap.fields.get("coordinates"))
    for name in ("_geom_x", "_geom_y"):
        if name in chunk.columns:
            cols[name] = chunk[name].astype(STR)
    if "_geom_error" in chunk.columns:  # a feature refused: what it was (its kind), and why
        err = chunk["_geom_error"].astype(STR)
        shown = chunk["_geom_value"].astype(STR) if "_geom_value" in chunk.columns else err.where(err.isna())
        problems.add(err.notna().to_numpy(dtype=bool), "géométrie", shown.astype(object), err.astype(object))
        reduced = (shown.notna() & err.isna()).to_numpy(dtype=bool)  # a small surface or line, read at a point
        if reduced.any():
            problems.noted["formes_ramenees"] = reduced
            if "_geom_shape" in chunk.columns:  # the shape drawn, kept with the report (``extra``)
                set_aside[SHAPE_KEY] = chunk["_geom_shape"].astype(STR).where(reduced, pd.NA)
    if cols:
        located = locate(cols, zone=ctx.zone, forced_crs=ctx.forced_crs)
        x, y, crs, has = located.x, located.y, located.crs, located.has_coords
        for mask, label, values, message in located.problems:
            problems.add(mask, label, values, message)
    else:
        n = len(chunk)
        x, y, has = np.full(n, np.nan), np.full(n, np.nan), np.zeros(n, dtype=bool)
        crs = pd.Series(pd.NA, index=chunk.index, dtype=STR)
    tried_coords = np.zeros(len(chunk), dtype=bool)
    for mask, _label, *_ in problems.items:
        tried_coords |= mask
    nowhere = ~has & address.isna().to_numpy(dtype=bool)
    if allow_reference is not None:
        nowhere &= allow_reference.isna().to_numpy(dtype=bool)
    nowhere &= ~tried_coords  # rows with bad coordinates already say why
    problems.add(nowhere, "localisation", address, "ni coordonnées ni adresse : impossible de situer la ligne")
    status = labels(has.astype(np.int8), ["a_geocoder", "fourni"], chunk.index)
    return Place(address, x, y, crs.astype(STR), status, set_aside)


def shared_columns(
    chunk: pd.DataFrame, cmap: ColumnMap, ctx: Context, place: Place, problems: Problems
) -> dict[str, Any]:
    """The validated columns every kind of row has: row number, source, place, and the unmapped columns."""
    return {
        "row_number": chunk["_row"].astype("int64"),
        "source": source_of(chunk, cmap, ctx, problems),
        "address": place.address,
        "postcode": field_text(chunk, cmap, "postcode"),
        "commune": commune_of(chunk, cmap, ctx, place.x, place.y),
        "x": place.x,
        "y": place.y,
        "input_crs": place.crs,
        "geocode_status": place.status,
        "extra": _with_words(extra_of(chunk, cmap), place.set_aside),
    }


def _with_words(extra: pd.Series, set_aside: dict[str, pd.Series]) -> pd.Series:
    """``extra`` with what the row's place replaced — the coordinates cells of words that the address replaced,
    the shape drawn that a point stands for —, so that nothing is lost."""
    if not set_aside:
        return extra
    out = extra.astype(object)
    for header, texts in set_aside.items():
        for i in np.flatnonzero(texts.notna().to_numpy(dtype=bool)):
            kept = json.loads(out.iloc[i]) if isinstance(out.iloc[i], str) else {}
            out.iloc[i] = json.dumps({**kept, header: texts.iloc[i]}, ensure_ascii=False)
    return out.astype(STR)


def extra_of(chunk: pd.DataFrame, cmap: ColumnMap) -> pd.Series:
    """Unmapped columns kept as a JSON object per row, so nothing in the file is lost."""
    if not cmap.ignored:
        return pd.Series(pd.NA, index=chunk.index, dtype=STR)
    part = chunk[cmap.ignored]
    lines = part.to_json(orient="records", lines=True, force_ascii=False).splitlines()
    return pd.Series(lines, index=chunk.index, dtype=STR)


def _storable(value: Any) -> str | None:
    """A raw value as it can be kept with its rejected row: PostgreSQL cannot store a NUL byte (shown as �)."""
    return None if pd.isna(value) else str(value).replace("\x00", "\ufffd")


def rejected_frame(chunk: pd.DataFrame, cmap: ColumnMap, reasons: dict[int, list[dict[str, Any]]]) -> pd.DataFrame:
    """Rejects for the rows of ``chunk`` at the positions of ``reasons``: raw values (personal ones apart)."""
    positions = sorted(reasons)
    personal_headers = {cmap.fields[f] for f in PERSONAL_FIELDS if f in cmap.fields}
    headers = [c for c in chunk.columns if not c.startswith("_")]
    rows = []
    for pos in positions:
        record = chunk.iloc[pos]
        public = {h: _storable(record[h]) for h in headers if h not in personal_headers}
        personal = {h: _storable(record[h]) for h in headers if h in personal_headers}
        rows.append(
            {
                "row_number": int(record["_row"]),
                "raw": json.dumps(public, ensure_ascii=False),
                "personal": json.dumps(personal, ensure_ascii=False) if any(personal.values()) else None,
                "reasons": json.dumps(reasons[pos], ensure_ascii=False),
            }
        )
    return pd.DataFrame(rows, columns=["row_number", "raw", "personal", "reasons"])


def check_shape(chunk: pd.DataFrame, problems: Problems) -> None:
    """Rows with no filled cell (« ;;;;; » between blocks or at the end of an export), and rows read with the wrong
    number of fields (the exact CSV reader marks them)."""
    cells = [c for c in chunk.columns if not str(c).startswith("_")]
    if cells:
        filled = np.zeros(len(chunk), dtype=bool)
        for column in cells:
            text = chunk[column].astype(STR).str.strip()
            filled |= (text.notna() & (text != "")).to_numpy(dtype=bool)
        problems.add(~filled, "ligne", pd.Series(pd.NA, index=chunk.index, dtype=object), EMPTY_ROW)
    if "_shape_error" in chunk.columns:
        err = chunk["_shape_error"].astype(STR)
        problems.add(
            err.notna().to_numpy(dtype=bool),
            "ligne",
            err.astype(object),
            "nombre de champs incorrect (" + err.astype(object).fillna("") + ") : séparateur ou "
            "guillemets mal placés dans cette ligne",
        )


def validated(chunk: pd.DataFrame, cmap: ColumnMap, good: pd.DataFrame, problems: Problems) -> Validated:
    """Split the chunk: the rows of ``good`` without a problem, and the others as rejects with all their reasons
    (a refused row that reads as the table's total line, with that reason alone)."""
    bad = problems.mask
    refused = np.flatnonzero(bad)
    if len(refused):  # a total line is one of them: only they are read for it (every chunk of every file comes here)
        footers, first_cells = total_rows(chunk.iloc[refused])
        if footers.any():
            at = np.zeros(len(chunk), dtype=bool)
            at[refused[footers]] = True
            shown = pd.Series(pd.NA, index=chunk.index, dtype=object)
            shown.iloc[refused] = first_cells.astype(object).to_numpy()
            problems.add(at, "ligne", shown, TOTAL_ROW)
    rejected = rejected_frame(chunk, cmap, problems.reasons() if bad.any() else {})
    counts = {name: int((mask & ~bad).sum()) for name, mask in problems.noted.items()}  # the rows kept only
    noted = {name: n for name, n in counts.items() if n}
    return Validated(good=good.loc[~bad].reset_index(drop=True), rejected=rejected, noted=noted)


def source_of(chunk: pd.DataFrame, cmap: ColumnMap, ctx: Context, problems: Problems) -> pd.Series:
    """The source of each row: its own column (written as the service knows it), else the batch's default source."""
    sources, changed = respelled(field_text(chunk, cmap, "source"), ctx.known_sources, ctx.new_sources)
    if changed.any():
        problems.noted["sources_reecrites"] = changed
    return sources.fillna(ctx.default_source)
