"""Validate a chunk of rows at once: every problem of every row is found, without a loop over the rows.

Each check yields a boolean mask and a reason; rows with at least one reason are rejected with all of them,
the others come out as canonical, typed columns ready for loading.
"""

from __future__ import annotations

import pandas as pd

from service.ingest.checks import (
    Context,
    Problems,
    Validated,
    _address,
    _check_date,
    _check_text,
    _clean,
    _col,
    _commune,
    _extra,
    _finish,
    _location,
    _map_vocab,
    _shape,
    _source,
)
from service.ingest.columns import ColumnMap
from service.ingest.dates import ACCEPTED_FORMS, parse_dates
from service.ingest.read import STR


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
            "commune": _commune(chunk, cmap, ctx, x, y),
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


def _not_done_stops(problems: Problems, stop_ref: pd.Series, outcome: pd.Series, visited: pd.Series) -> None:
    """A plan sheet's row with neither a result nor a date is a stop not made: one plain reason (not the two
    "missing" ones), and its site stays a candidate for the next shift."""
    not_done = (stop_ref.notna() & outcome.isna() & visited.isna()).to_numpy(dtype=bool)
    if not not_done.any():
        return
    problems.items[:] = [(mask & ~not_done, *rest) for mask, *rest in problems.items]
    problems.items[:] = [item for item in problems.items if item[0].any()]
    problems.add(
        not_done,
        "arrêt de tournée",
        stop_ref,
        "arrêt non fait (ni résultat ni date de visite) : rien n'est enregistré, le site reste à planifier ; "
        "remplissez le résultat et la date pour l'encoder",
    )


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
    stop_ref = _clean(_col(chunk, cmap, "stop_ref"), index)
    _not_done_stops(problems, stop_ref, raw_outcome, _clean(_col(chunk, cmap, "visited_at"), index))
    address = _address(chunk, cmap)
    reference = report_ref.fillna(stop_ref)
    x, y, crs, geostatus = _location(chunk, cmap, ctx, problems, address, allow_reference=reference)
    geostatus = geostatus.where(~(geostatus.eq("a_geocoder") & address.isna() & report_ref.notna()), "signalement")
    geostatus = geostatus.where(~(geostatus.eq("a_geocoder") & address.isna() & stop_ref.notna()), "tournee")
    good = pd.DataFrame(
        {
            "row_number": chunk["_row"].astype("int64"),
            "source": _source(chunk, cmap, ctx),
            # a plan's stop is visited once: its reference keys the visit, so a corrected sheet updates it
            "external_id": _clean(_col(chunk, cmap, "external_id"), index).fillna(stop_ref),
            "visited_at": visited,
            "outcome": outcome,
            "category": category,
            "officer": _clean(_col(chunk, cmap, "officer"), index),
            "notes": _clean(_col(chunk, cmap, "notes"), index),
            "report_ref": report_ref,
            "stop_ref": stop_ref,
            "address": address,
            "postcode": _clean(_col(chunk, cmap, "postcode"), index),
            "commune": _commune(chunk, cmap, ctx, x, y),
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
            "commune": _commune(chunk, cmap, ctx, x, y),
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
