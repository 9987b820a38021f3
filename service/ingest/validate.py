"""Validate a chunk of rows at once: every problem of every row is found, without a loop over the rows.

Each check yields a boolean mask and a reason; rows with at least one reason are rejected with all of them,
the others come out as canonical, typed columns ready for loading.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from shapely.geometry.base import BaseGeometry

from service.ingest.columns import FIELD_LABELS_FR, PERSONAL_FIELDS, ColumnMap, Kind
from service.ingest.coords import locate
from service.ingest.dates import ACCEPTED_FORMS, parse_dates, parse_datetimes
from service.ingest.read import STR
from service.ingest.vocabulary import Vocabularies, Vocabulary

MAX_TEXT = 10_000
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_TEXT_FIELDS: dict[Kind, list[str]] = {
    "reports": [
        "external_id",
        "description",
        "address",
        "street",
        "house_number",
        "postcode",
        "commune",
        "source",
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
        "address",
        "street",
        "house_number",
        "postcode",
        "commune",
        "source",
        "outcome",
        "category",
    ],
    "permits": [
        "reference",
        "operator",
        "activity",
        "address",
        "street",
        "house_number",
        "postcode",
        "commune",
        "conditions",
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
    timezone: str = "Europe/Brussels"


@dataclass
class Problems:
    """Reasons collected per row: (mask, field, shown values, message)."""

    index: pd.Index
    items: list[tuple[np.ndarray, str, str | None, pd.Series, pd.Series | str]] = field(default_factory=list)

    def add(
        self,
        mask: np.ndarray,
        field_name: str,
        values: pd.Series,
        message: pd.Series | str,
        column: str | None = None,
    ) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self.items.append((mask, field_name, column, values, message))

    @property
    def mask(self) -> np.ndarray:
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
        return found


@dataclass
class Validated:
    """The outcome for one chunk: rows to load and rows to reject."""

    good: pd.DataFrame
    rejected: pd.DataFrame  # row_number, raw (JSON), personal (JSON or NA), reasons (JSON)


def _col(chunk: pd.DataFrame, cmap: ColumnMap, name: str) -> pd.Series | None:
    header = cmap.fields.get(name)
    if header is not None:
        return chunk[header].astype(STR)
    if name in cmap.defaults:
        return pd.Series(cmap.defaults[name], index=chunk.index, dtype=STR)
    return None


def _clean(series: pd.Series | None, index: pd.Index) -> pd.Series:
    if series is None:
        return pd.Series(pd.NA, index=index, dtype=STR)
    stripped = series.str.strip()
    return stripped.where(stripped != "", pd.NA)


_SUSPECT = r"^\s*=|" + _CONTROL


def _check_text(chunk: pd.DataFrame, cmap: ColumnMap, kind: Kind, problems: Problems) -> None:
    """Control characters, spreadsheet formulas and oversized texts in any mapped text field.

    One Arrow pass per column finds the suspect rows; the precise checks then run on those rows only.
    """
    for name in _TEXT_FIELDS[kind]:
        series = _col(chunk, cmap, name)
        header = cmap.fields.get(name)
        if series is None or header is None:
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
        formula = series.str.lstrip().str.startswith("=").fillna(False).to_numpy(dtype=bool)
        problems.add(
            formula,
            label,
            series,
            "le texte commence par « = » (formule de tableur) : retirez le « = » ou mettez le texte entre guillemets",
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


def _check_date(
    values: pd.Series | None,
    index: pd.Index,
    ctx: Context,
    problems: Problems,
    label: str,
    header: str | None,
    *,
    allow_future: bool = False,
    required: bool = True,
) -> pd.Series:
    if values is None:
        values = pd.Series(pd.NA, index=index, dtype=STR)
    stamps, reasons = parse_datetimes(values, tz=ctx.timezone)
    shown = values.astype(object)
    if not required:
        reasons = reasons.where(reasons != "date manquante", None)
    for reason, message in (
        ("date manquante", f"{label} manquante"),
        ("date illisible", f"{label} illisible (formats acceptés : {ACCEPTED_FORMS})"),
        ("date impossible", f"{label} impossible (ce jour n'existe pas)"),
    ):
        problems.add((reasons == reason).to_numpy(dtype=bool), label, shown, message, column=header)
    ok = stamps.notna().to_numpy(dtype=bool)
    if not allow_future:
        limit = pd.Timestamp(ctx.now + ctx.future_tolerance)
        future = ok & (stamps > limit).fillna(False).to_numpy(dtype=bool)
        problems.add(future, label, shown, f"{label} dans le futur", column=header)
    old = ok & (stamps < ctx.min_date).fillna(False).to_numpy(dtype=bool)
    problems.add(old, label, shown, f"{label} trop ancienne (avant le {ctx.min_date:%d/%m/%Y})", column=header)
    return stamps


def _map_vocab(
    values: pd.Series,
    vocab: Vocabulary,
    cmap: ColumnMap,
    name: str,
    problems: Problems,
    label: str,
    header: str | None,
    *,
    required: bool,
    alt: pd.Series | None = None,
    feminine: bool = False,
) -> pd.Series:
    codes = vocab.map(values, cmap.value_maps.get(name))
    if alt is not None:
        alt_codes = vocab.map(alt, cmap.value_maps.get(name))
        codes = codes.fillna(alt_codes)
        values = values.fillna(alt)
    unknown = (values.notna() & codes.isna()).to_numpy(dtype=bool)
    problems.add(
        unknown,
        label,
        values.astype(object),
        f"{label} {'inconnue' if feminine else 'inconnu'} ; codes valides : {vocab.describe()}",
        column=header,
    )
    if required:
        problems.add(
            values.isna().to_numpy(dtype=bool),
            label,
            values.astype(object),
            f"{label} {'manquante' if feminine else 'manquant'}",
            column=header,
        )
    return codes


def _address(chunk: pd.DataFrame, cmap: ColumnMap) -> pd.Series:
    """The address as typed, or street + number when the file splits them."""
    index = chunk.index
    address = _clean(_col(chunk, cmap, "address"), index)
    street = _clean(_col(chunk, cmap, "street"), index)
    number = _clean(_col(chunk, cmap, "house_number"), index)
    if street.notna().any():
        composed = (street + " " + number.fillna("")).str.strip()
        address = address.fillna(composed)
    return address


def _location(
    chunk: pd.DataFrame,
    cmap: ColumnMap,
    ctx: Context,
    problems: Problems,
    address: pd.Series,
    *,
    allow_reference: pd.Series | None = None,
) -> tuple[np.ndarray, np.ndarray, pd.Series, pd.Series]:
    cols = {}
    for name in ("lat", "lon", "x", "y"):
        series = _col(chunk, cmap, name)
        if series is not None:
            cols[name] = series
    for name in ("_geom_x", "_geom_y"):
        if name in chunk.columns:
            cols[name] = chunk[name].astype(STR)
    if "_geom_error" in chunk.columns:
        err = chunk["_geom_error"].astype(STR)
        problems.add(err.notna().to_numpy(dtype=bool), "géométrie", err.astype(object), err.astype(object))
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
    problems.add(
        nowhere, "localisation", address.astype(object), "ni coordonnées ni adresse : impossible de situer la ligne"
    )
    status = pd.Series(np.where(has, "fourni", "a_geocoder"), index=chunk.index, dtype=STR)
    return x, y, crs.astype(STR), status


def _extra(chunk: pd.DataFrame, cmap: ColumnMap) -> pd.Series:
    """Unmapped columns kept as a JSON object per row, so nothing in the file is lost."""
    if not cmap.ignored:
        return pd.Series(pd.NA, index=chunk.index, dtype=STR)
    part = chunk[cmap.ignored]
    lines = part.to_json(orient="records", lines=True, force_ascii=False).splitlines()
    return pd.Series(lines, index=chunk.index, dtype=STR)


def _rejected_frame(chunk: pd.DataFrame, cmap: ColumnMap, problems: Problems) -> pd.DataFrame:
    reasons = problems.reasons()
    positions = sorted(reasons)
    personal_headers = {cmap.fields[f] for f in PERSONAL_FIELDS if f in cmap.fields}
    headers = [c for c in chunk.columns if not c.startswith("_")]
    rows = []
    for pos in positions:
        record = chunk.iloc[pos]
        public = {h: (None if pd.isna(record[h]) else str(record[h])) for h in headers if h not in personal_headers}
        personal = {h: (None if pd.isna(record[h]) else str(record[h])) for h in headers if h in personal_headers}
        rows.append(
            {
                "row_number": int(record["_row"]),
                "raw": json.dumps(public, ensure_ascii=False),
                "personal": json.dumps(personal, ensure_ascii=False) if any(personal.values()) else None,
                "reasons": json.dumps(reasons[pos], ensure_ascii=False),
            }
        )
    return pd.DataFrame(rows, columns=["row_number", "raw", "personal", "reasons"])


def _shape(chunk: pd.DataFrame, problems: Problems) -> None:
    if "_shape_error" in chunk.columns:
        err = chunk["_shape_error"].astype(STR)
        problems.add(
            err.notna().to_numpy(dtype=bool),
            "ligne",
            err.astype(object),
            "nombre de champs incorrect (" + err.astype(object).fillna("") + ") : séparateur ou "
            "guillemets mal placés dans cette ligne",
        )


def _finish(chunk: pd.DataFrame, cmap: ColumnMap, good: pd.DataFrame, problems: Problems) -> Validated:
    bad = problems.mask
    rejected = _rejected_frame(chunk, cmap, problems) if bad.any() else _rejected_frame(chunk.iloc[0:0], cmap, problems)
    return Validated(good=good.loc[~bad].reset_index(drop=True), rejected=rejected)


def _source(chunk: pd.DataFrame, cmap: ColumnMap, ctx: Context) -> pd.Series:
    return _clean(_col(chunk, cmap, "source"), chunk.index).fillna(ctx.default_source)


def validate_reports(chunk: pd.DataFrame, cmap: ColumnMap, ctx: Context) -> Validated:
    """Reports: a date, a known category, and a place (coordinates in the zone, or an address to geocode)."""
    index = chunk.index
    problems = Problems(index)
    _shape(chunk, problems)
    _check_text(chunk, cmap, "reports", problems)
    observed = _check_date(
        _col(chunk, cmap, "observed_at"), index, ctx, problems, "date", cmap.fields.get("observed_at")
    )
    raw_cat = _clean(_col(chunk, cmap, "category"), index)
    alt = _col(chunk, cmap, "category_alt")
    category = _map_vocab(
        raw_cat,
        ctx.vocab.categories,
        cmap,
        "category",
        problems,
        "catégorie",
        cmap.fields.get("category") or cmap.fields.get("category_alt"),
        required=True,
        feminine=True,
        alt=_clean(alt, index) if alt is not None else None,
    )
    raw_status = _clean(_col(chunk, cmap, "status"), index)
    status = _map_vocab(
        raw_status, ctx.vocab.statuses, cmap, "status", problems, "statut", cmap.fields.get("status"), required=False
    ).fillna("nouveau")
    address = _address(chunk, cmap)
    x, y, crs, geostatus = _location(chunk, cmap, ctx, problems, address)
    good = pd.DataFrame(
        {
            "row_number": chunk["_row"].astype("int64"),
            "source": _source(chunk, cmap, ctx),
            "external_id": _clean(_col(chunk, cmap, "external_id"), index),
            "category": category,
            "category_raw": raw_cat.fillna(_clean(alt, index)) if alt is not None else raw_cat,
            "observed_at": observed,
            "status": status,
            "description": _clean(_col(chunk, cmap, "description"), index),
            "address": address,
            "postcode": _clean(_col(chunk, cmap, "postcode"), index),
            "commune": _clean(_col(chunk, cmap, "commune"), index),
            "x": x,
            "y": y,
            "input_crs": crs,
            "geocode_status": geostatus,
            "extra": _extra(chunk, cmap),
            "contact_name": _clean(_col(chunk, cmap, "reporter_name"), index),
            "contact_phone": _clean(_col(chunk, cmap, "reporter_phone"), index),
            "contact_email": _clean(_col(chunk, cmap, "reporter_email"), index),
        },
        index=index,
    )
    return _finish(chunk, cmap, good, problems)


def validate_visits(chunk: pd.DataFrame, cmap: ColumnMap, ctx: Context) -> Validated:
    """Visits: a date, an outcome, and a place or the report they follow."""
    index = chunk.index
    problems = Problems(index)
    _shape(chunk, problems)
    _check_text(chunk, cmap, "visits", problems)
    visited = _check_date(
        _col(chunk, cmap, "visited_at"), index, ctx, problems, "date de visite", cmap.fields.get("visited_at")
    )
    raw_outcome = _clean(_col(chunk, cmap, "outcome"), index)
    outcome = _map_vocab(
        raw_outcome,
        ctx.vocab.outcomes,
        cmap,
        "outcome",
        problems,
        "résultat",
        cmap.fields.get("outcome"),
        required=True,
    )
    raw_cat = _clean(_col(chunk, cmap, "category"), index)
    category = _map_vocab(
        raw_cat,
        ctx.vocab.categories,
        cmap,
        "category",
        problems,
        "catégorie",
        cmap.fields.get("category"),
        required=False,
        feminine=True,
    )
    report_ref = _clean(_col(chunk, cmap, "report_ref"), index)
    address = _address(chunk, cmap)
    x, y, crs, geostatus = _location(chunk, cmap, ctx, problems, address, allow_reference=report_ref)
    geostatus = geostatus.where(~(geostatus.eq("a_geocoder") & address.isna() & report_ref.notna()), "signalement")
    good = pd.DataFrame(
        {
            "row_number": chunk["_row"].astype("int64"),
            "source": _source(chunk, cmap, ctx),
            "external_id": _clean(_col(chunk, cmap, "external_id"), index),
            "visited_at": visited,
            "outcome": outcome,
            "category": category,
            "officer": _clean(_col(chunk, cmap, "officer"), index),
            "notes": _clean(_col(chunk, cmap, "notes"), index),
            "report_ref": report_ref,
            "address": address,
            "postcode": _clean(_col(chunk, cmap, "postcode"), index),
            "commune": _clean(_col(chunk, cmap, "commune"), index),
            "x": x,
            "y": y,
            "input_crs": crs,
            "geocode_status": geostatus,
            "extra": _extra(chunk, cmap),
        },
        index=index,
    )
    return _finish(chunk, cmap, good, problems)


_PERMIT_TYPES = (
    (r"environ|milieu|\bpe\b|env", "environnement"),
    (r"urban|stedenbouw|bouw|\bpu\b", "urbanisme"),
    (r"unique|omgeving|integr|\bpun?\b", "unique"),
)


def _permit_type(values: pd.Series) -> pd.Series:
    lowered = values.str.lower().str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
    out = pd.Series(pd.NA, index=values.index, dtype=STR)
    for pattern, code in reversed(_PERMIT_TYPES):
        hit = lowered.str.contains(pattern, regex=True).fillna(False)
        out = out.mask(hit, code)
    return out


def _env_class(values: pd.Series) -> pd.Series:
    text = values.str.lower()
    digit = text.str.extract(r"\b([123])\b", expand=False)
    declaration = text.str.contains("declar|déclar|melding", regex=True).fillna(False)
    return digit.mask(digit.isna() & declaration, "3").astype("Int16")


def validate_permits(chunk: pd.DataFrame, cmap: ColumnMap, ctx: Context) -> Validated:
    """Permits: a reference, a type (and a class for environmental permits), coherent dates, a place."""
    index = chunk.index
    problems = Problems(index)
    _shape(chunk, problems)
    _check_text(chunk, cmap, "permits", problems)
    reference = _clean(_col(chunk, cmap, "reference"), index)
    problems.add(
        reference.isna().to_numpy(dtype=bool),
        "référence",
        reference.astype(object),
        "référence du permis manquante",
        column=cmap.fields.get("reference"),
    )
    raw_type = _clean(_col(chunk, cmap, "permit_type"), index)
    ptype = _permit_type(raw_type)
    problems.add(
        (raw_type.notna() & ptype.isna()).to_numpy(dtype=bool),
        "type de permis",
        raw_type.astype(object),
        "type de permis inconnu ; attendu : permis d'environnement, d'urbanisme ou unique",
        column=cmap.fields.get("permit_type"),
    )
    problems.add(
        raw_type.isna().to_numpy(dtype=bool),
        "type de permis",
        raw_type.astype(object),
        "type de permis manquant",
        column=cmap.fields.get("permit_type"),
    )
    raw_class = _clean(_col(chunk, cmap, "env_class"), index)
    env_class = _env_class(raw_class)
    problems.add(
        (raw_class.notna() & env_class.isna()).to_numpy(dtype=bool),
        "classe",
        raw_class.astype(object),
        "classe illisible ; attendu 1, 2 ou 3 (3 = déclaration)",
        column=cmap.fields.get("env_class"),
    )
    problems.add(
        (ptype.eq("environnement") & env_class.isna() & raw_class.isna()).fillna(False).to_numpy(bool),
        "classe",
        raw_class.astype(object),
        "classe manquante pour un permis d'environnement (1, 2 ou 3)",
        column=cmap.fields.get("env_class"),
    )
    decided, dreason = parse_dates(_clean(_col(chunk, cmap, "decision_date"), index))
    until, ureason = parse_dates(_clean(_col(chunk, cmap, "valid_until"), index))
    for reasons, values, label, name in (
        (dreason, _col(chunk, cmap, "decision_date"), "date de décision", "decision_date"),
        (ureason, _col(chunk, cmap, "valid_until"), "fin de validité", "valid_until"),
    ):
        shown = (values if values is not None else pd.Series(pd.NA, index=index)).astype(object)
        problems.add(
            (reasons == "date illisible").to_numpy(bool),
            label,
            shown,
            f"{label} illisible (formats acceptés : {ACCEPTED_FORMS})",
            column=cmap.fields.get(name),
        )
        problems.add(
            (reasons == "date impossible").to_numpy(bool),
            label,
            shown,
            f"{label} impossible (ce jour n'existe pas)",
            column=cmap.fields.get(name),
        )
    today = pd.Timestamp(ctx.now).tz_convert(ctx.timezone).tz_localize(None).normalize()
    raw_decision = _col(chunk, cmap, "decision_date")
    problems.add(
        (decided > today).fillna(False).to_numpy(bool),
        "date de décision",
        raw_decision.astype(object) if raw_decision is not None else decided,
        "date de décision dans le futur",
        column=cmap.fields.get("decision_date"),
    )
    problems.add(
        (until < decided).fillna(False).to_numpy(bool),
        "fin de validité",
        until.dt.strftime("%d/%m/%Y").astype(object),
        "fin de validité antérieure à la décision",
        column=cmap.fields.get("valid_until"),
    )
    address = _address(chunk, cmap)
    x, y, crs, geostatus = _location(chunk, cmap, ctx, problems, address)
    good = pd.DataFrame(
        {
            "row_number": chunk["_row"].astype("int64"),
            "source": _source(chunk, cmap, ctx),
            "reference": reference,
            "permit_type": ptype,
            "env_class": env_class,
            "operator": _clean(_col(chunk, cmap, "operator"), index),
            "activity": _clean(_col(chunk, cmap, "activity"), index),
            "address": address,
            "postcode": _clean(_col(chunk, cmap, "postcode"), index),
            "commune": _clean(_col(chunk, cmap, "commune"), index),
            "decision_date": decided.dt.date,
            "valid_until": until.dt.date,
            "conditions": _clean(_col(chunk, cmap, "conditions"), index),
            "x": x,
            "y": y,
            "input_crs": crs,
            "geocode_status": geostatus,
            "extra": _extra(chunk, cmap),
        },
        index=index,
    )
    return _finish(chunk, cmap, good, problems)


VALIDATORS = {"reports": validate_reports, "visits": validate_visits, "permits": validate_permits}
