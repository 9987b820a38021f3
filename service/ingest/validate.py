"""Validate a chunk of rows at once: every problem of every row is found, without a loop over the rows.

Each check yields a boolean mask and a reason; rows with at least one reason are rejected with all of them,
the others come out as canonical, typed columns ready for loading.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from service.hours import OpeningHours, read_opening_hours
from service.ingest.checks import (
    Context,
    Problems,
    Validated,
    check_date,
    field_text,
    first_checks,
    locate_rows,
    raw_column,
    shared_columns,
    validated,
)
from service.ingest.columns import ColumnMap
from service.ingest.dates import ACCEPTED_FORMS, needs_day, on_shift, parse_dates, spreadsheet_days
from service.ingest.source import STR
from service.ingest.vocabulary_checks import NOT_A_NUISANCE, map_vocabulary


def validate_reports(chunk: pd.DataFrame, cmap: ColumnMap, ctx: Context) -> Validated:
    """Reports: a date, a known category, and a place (coordinates in the zone, or an address to geocode)."""
    problems = first_checks(chunk, cmap, "reports")
    observed = check_date(chunk, cmap, "observed_at", ctx, problems, "date", time_name="observed_time")
    raw_cat = field_text(chunk, cmap, "category")
    alt = raw_column(chunk, cmap, "category_alt")
    category = map_vocabulary(
        raw_cat,
        ctx.vocab.categories,
        cmap,
        "category",
        problems,
        "catégorie",
        header=cmap.fields.get("category") or cmap.fields.get("category_alt"),
        required=True,
        feminine=True,
        alt=field_text(chunk, cmap, "category_alt") if alt is not None else None,
    )
    raw_status = field_text(chunk, cmap, "status")
    status = map_vocabulary(
        raw_status, ctx.vocab.statuses, cmap, "status", problems, "statut", required=False, not_counted=NOT_A_NUISANCE
    )
    closed = _closing_dates(chunk, cmap, ctx, problems, observed, status)
    place = locate_rows(chunk, cmap, ctx, problems)
    good = pd.DataFrame(
        {
            **shared_columns(chunk, cmap, ctx, place, problems),
            "external_id": field_text(chunk, cmap, "external_id"),
            "category": category,
            "category_raw": raw_cat.fillna(field_text(chunk, cmap, "category_alt")) if alt is not None else raw_cat,
            "observed_at": observed,
            "status": status.fillna(closed.notna().map({True: "clos", False: "nouveau"})),
            "closed_at": closed,
            "description": field_text(chunk, cmap, "description"),
            "contact_name": field_text(chunk, cmap, "reporter_name"),
            "contact_phone": field_text(chunk, cmap, "reporter_phone"),
            "contact_email": field_text(chunk, cmap, "reporter_email"),
        },
        index=chunk.index,
    )
    return validated(chunk, cmap, good, problems)


def _closing_dates(
    chunk: pd.DataFrame, cmap: ColumnMap, ctx: Context, problems: Problems, observed: pd.Series, status: pd.Series
) -> pd.Series:
    """The date a report was closed, when the file gives one: what the retention of the reporter's personal data
    counts from (else the day the closed report was stored). A closing date makes a report without a status
    « clos »; one before the report's own date, or given for a report whose status says it is still open, is a
    problem to fix at the source. A register that writes the day alone (« 16/05/2025 ») closes a report made at
    11:20 that day at midnight before it: that report was closed the same day, and is stored closed when made."""
    closed = check_date(chunk, cmap, "closed_at", ctx, problems, "date de clôture", required=False)
    header = cmap.fields.get("closed_at")
    if header is None or not closed.notna().any():
        return closed
    closed = closed.mask(_same_day_by_date(closed, observed, ctx.timezone), observed)
    shown = raw_column(chunk, cmap, "closed_at")
    assert shown is not None
    before = (closed < observed).fillna(False).to_numpy(dtype=bool)
    problems.add(
        before,
        "date de clôture",
        shown,
        "date de clôture avant la date du signalement : corrigez l'une ou l'autre",
        column=header,
    )
    still_open = (closed.notna() & status.notna() & (status != "clos")).to_numpy(dtype=bool)
    problems.add(
        still_open,
        "date de clôture",
        shown,
        "date de clôture donnée pour un signalement qui n'est pas clos : videz la date ou mettez le statut « clos »",
        column=header,
    )
    return closed


def _same_day_by_date(closed: pd.Series, observed: pd.Series, zone: str) -> pd.Series:
    """The closing dates given as a day alone (midnight in ``zone``) on the day of a report made later that day."""
    day = closed.dt.tz_convert(zone)
    made = observed.dt.tz_convert(zone)
    return ((day == day.dt.normalize()) & (day == made.dt.normalize()) & (closed < observed)).fillna(False)


_STOP_REF = r"^\s*[tT]\s*(\d+)\s*[-_/. ]?\s*[eE]\s*(\d+)\s*[-_/. ]?\s*(\d+)\s*$"


#: A site as the lists, the map and the shift sheets name it, however typed (« ps 1 », « PS0001 », « sig-1254 »).
_SITE_REF = r"^(PS|AX|SIG|PER|SUIVI)-?0*(\d+)$"
#: What a site reference looks like, for a person who typed something else.
SITE_FORMS = "PS-0001 (point sensible), AX-0005 (axe), SIG-1254 (signalement), PER-7 (permis) ou SUIVI-253 (suivi)"


def canonical_site_refs(refs: pd.Series, problems: Problems, header: str | None) -> pd.Series:
    """Site references as the lists print them (``PS-0001``, ``AX-0005``, ``SIG-1254``, ``PER-7``, ``SUIVI-253``),
    whatever the case, spaces or leading zeros; another text is a problem naming the forms."""
    parts = refs.str.upper().str.replace(r"\s+", "", regex=True).str.extract(_SITE_REF)
    read = parts[0].notna()
    number = parts[1].where(read, "0").astype("int64")
    padded = parts[0].isin(["PS", "AX"])
    canonical = parts[0] + "-" + number.map("{:04d}".format).where(padded, number.astype(str))
    unread = (refs.notna() & ~read).to_numpy(dtype=bool)
    problems.add(unread, "site", refs, f"site illisible : écrivez {SITE_FORMS}", column=header)
    return canonical.where(read).astype(refs.dtype)


def canonical_stop_refs(refs: pd.Series) -> pd.Series:
    """Stop references as the plan prints them (``T12-E1-03``, :func:`service.plan.store.stop_ref`), whatever the
    case, spaces, separators or leading zeros a person typed (``t12 e1 3``); other text is left as given, so an
    unknown reference is reported as typed."""
    parts = refs.str.extract(_STOP_REF)
    typed = parts.notna().all(axis=1)
    if not typed.any():
        return refs
    numbers = parts[typed].astype(int)
    canonical = "T" + numbers[0].astype(str) + "-E" + numbers[1].astype(str) + "-" + numbers[2].map("{:02d}".format)
    return refs.where(~typed, canonical).astype(refs.dtype)


#: Why a plan sheet's untouched row is not stored; the summary counts these apart from the rows to correct.
NOT_DONE_REASON = (
    "arrêt non fait (ni résultat ni date de visite) : rien n'est enregistré, le site reste à planifier ; "
    "remplissez le résultat et la date pour l'encoder"
)


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
        NOT_DONE_REASON,
    )


#: A plan sheet's row half filled in: the generic "résultat manquant" / "date de visite manquante" said what was
#: missing, not what to do with a stop.
STOP_WITHOUT_OUTCOME = (
    "résultat manquant : la date de visite est remplie mais pas le résultat ; choisissez-le dans la liste de la "
    "colonne « Résultat », ou videz la date si l'arrêt n'a pas été fait"
)
STOP_WITHOUT_DATE = (
    "date de visite manquante : le résultat est rempli mais pas la date ; indiquez le jour et l'heure de la "
    "visite (par exemple 30/11/2026 14h30)"
)


def _replace_reason(problems: Problems, rows: Any, generic: str, label: str, values: pd.Series, why: str) -> None:
    """Rows of ``rows`` get ``why`` instead of the ``generic`` message (same field, same column)."""
    rows = pd.Series(rows).fillna(False).to_numpy(dtype=bool)
    if not rows.any():
        return
    column = next((item[2] for item in problems.items if isinstance(item[4], str) and item[4] == generic), None)
    problems.items[:] = [
        (mask & ~rows, *rest) if isinstance(rest[-1], str) and rest[-1] == generic else (mask, *rest)
        for mask, *rest in problems.items
    ]
    problems.items[:] = [item for item in problems.items if item[0].any()]
    problems.add(rows, label, values, why, column=column)


#: An hour alone (or a day without its year) where no shift gives the day: said so, not « illisible ».
HOUR_WITHOUT_STOP = (
    "l'heure seule (ou le jour sans l'année) ne se lit que sur la ligne d'un arrêt de tournée (colonne « Arrêt », "
    "T12-E1-03), au jour de la tournée ; écrivez le jour et l'heure (par exemple 30/11/2026 14h30)"
)
HOUR_OF_UNKNOWN_STOP = (
    "l'heure seule (ou le jour sans l'année) se lit au jour de la tournée de l'arrêt, mais cet arrêt n'est d'aucune "
    "tournée enregistrée : vérifiez la colonne « Arrêt », ou écrivez le jour et l'heure (par exemple 30/11/2026 "
    "14h30)"
)


def _hours_without_shift(problems: Problems, stop_ref: pd.Series, visited: pd.Series, ctx: Context) -> None:
    """A date written with the hour alone where no known shift gives the day gets a reason saying why."""
    shift = _shift_numbers(stop_ref)
    known = shift.isin(list(ctx.shift_starts)).to_numpy(dtype=bool)
    short = needs_day(visited).to_numpy(dtype=bool) & ~known
    generic = f"date de visite illisible (formats acceptés : {ACCEPTED_FORMS})"
    on_stop = stop_ref.notna().to_numpy(dtype=bool)
    _replace_reason(problems, short & ~on_stop, generic, "date de visite", visited, HOUR_WITHOUT_STOP)
    _replace_reason(problems, short & on_stop, generic, "date de visite", visited, HOUR_OF_UNKNOWN_STOP)


def _half_filled_stops(problems: Problems, stop_ref: pd.Series, outcome: pd.Series, visited: pd.Series) -> None:
    """A plan sheet's row with a result but no date, or a date but no result, gets a reason saying what to do."""
    on_plan = stop_ref.notna()
    dated_only = on_plan & outcome.isna() & visited.notna()
    _replace_reason(problems, dated_only, "résultat manquant", "résultat", outcome, STOP_WITHOUT_OUTCOME)
    outcome_only = on_plan & outcome.notna() & visited.isna()
    why = STOP_WITHOUT_DATE
    _replace_reason(problems, outcome_only, "date de visite manquante", "date de visite", visited, why)


def validate_visits(chunk: pd.DataFrame, cmap: ColumnMap, ctx: Context) -> Validated:
    """Visits: a date, an outcome, and a place or the report they follow."""
    problems = first_checks(chunk, cmap, "visits")
    stop_ref = canonical_stop_refs(field_text(chunk, cmap, "stop_ref"))
    dated = _on_shift_day(chunk, cmap, stop_ref, ctx)
    visited = check_date(dated, cmap, "visited_at", ctx, problems, "date de visite", time_name="visited_time")
    raw_outcome = field_text(chunk, cmap, "outcome")
    outcome = map_vocabulary(raw_outcome, ctx.vocab.outcomes, cmap, "outcome", problems, "résultat", required=True)
    category = map_vocabulary(
        field_text(chunk, cmap, "category"),
        ctx.vocab.categories,
        cmap,
        "category",
        problems,
        "catégorie",
        required=False,
        feminine=True,
    )
    report_ref = field_text(chunk, cmap, "report_ref")
    site_ref = canonical_site_refs(field_text(chunk, cmap, "site_ref"), problems, cmap.fields.get("site_ref"))
    raw_visited = field_text(chunk, cmap, "visited_at")
    _not_done_stops(problems, stop_ref, raw_outcome, raw_visited)
    _half_filled_stops(problems, stop_ref, raw_outcome, raw_visited)
    _hours_without_shift(problems, stop_ref, raw_visited, ctx)
    named = report_ref.fillna(stop_ref).fillna(site_ref)
    place = locate_rows(chunk, cmap, ctx, problems, allow_reference=named)
    # placed by what they follow
    for ref, placed_by in ((report_ref, "signalement"), (stop_ref, "tournee"), (site_ref, "site")):
        waiting = place.status.eq("a_geocoder") & place.address.isna() & ref.notna()
        place.status = place.status.where(~waiting, placed_by)
    good = pd.DataFrame(
        {
            **shared_columns(chunk, cmap, ctx, place, problems),
            # a plan's stop is visited once: its reference keys the visit, so a corrected sheet updates it
            "external_id": field_text(chunk, cmap, "external_id").fillna(stop_ref),
            "visited_at": visited,
            "outcome": outcome,
            "category": category,
            "officer": field_text(chunk, cmap, "officer"),
            "notes": field_text(chunk, cmap, "notes"),
            "report_ref": report_ref,
            "stop_ref": stop_ref,
            "site_ref": site_ref,
        },
        index=chunk.index,
    )
    return validated(chunk, cmap, good, problems)


def _shift_numbers(stop_ref: pd.Series) -> pd.Series:
    """The shift number of each canonical stop reference (``T12-E1-03`` → 12; NaN for none)."""
    return pd.to_numeric(stop_ref.str.extract(r"^T(\d+)-E\d+-\d+$")[0], errors="coerce")


def _on_shift_day(chunk: pd.DataFrame, cmap: ColumnMap, stop_ref: pd.Series, ctx: Context) -> pd.DataFrame:
    """The rows with the visit date of a shift's stop completed from the shift's start when written with the hour
    alone (« 17h30 », what the printed sheet asks for) or without the year (« 6/12 17:30 »); others as read."""
    header = cmap.fields.get("visited_at")
    if header is None or not ctx.shift_starts or stop_ref.isna().all():
        return chunk
    shift = _shift_numbers(stop_ref)
    starts = shift.map(lambda n: ctx.shift_starts.get(int(n)) if not pd.isna(n) else None)
    if starts.isna().all():
        return chunk
    completed = chunk.copy()
    completed[header] = on_shift(chunk[header].astype(STR), starts)
    return completed


_PERMIT_TYPES = (
    # a class 3 « déclaration » (« melding ») is an environmental one: it names its class, as a permit does
    (r"environ|milieu|\bpe\b|env|declar|melding|\bclasse\s*[123]\b|\bklasse\s*[123]\b", "environnement"),
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


def _refuse(
    problems: Problems, cmap: ColumnMap, name: str, mask: Any, label: str, values: pd.Series, why: str | pd.Series
) -> None:
    """A permit's problem on field ``name`` (NA in ``mask`` counts as no problem)."""
    flags = pd.Series(mask).fillna(False).to_numpy(dtype=bool)
    problems.add(flags, label, values.astype(object), why, column=cmap.fields.get(name))


#: How to write opening hours, as a refused row says it.
_HOURS_EXAMPLES = "« lun-ven 8h-17h », « lun-ven 8h-12h, 13h-17h ; sam 9h-12h » ou « 8h-17h » (tous les jours)"


def _read_hours(text: Any) -> OpeningHours | str | None:
    """A permit's opening hours read (``service.hours``), what cannot be read in them, or None when absent."""
    return read_opening_hours(text) if isinstance(text, str) and text.strip() else None


def _unreadable(read: OpeningHours | str | None) -> str | None:
    """The refusal's words for unreadable hours (« illisibles », « : deux plages se chevauchent … »), else None."""
    if not isinstance(read, str):
        return None
    return read if read == "illisibles" else f": {read}"


def validate_permits(chunk: pd.DataFrame, cmap: ColumnMap, ctx: Context) -> Validated:
    """Permits: a reference, a type (and a class for environmental permits), coherent dates, a place."""
    problems = first_checks(chunk, cmap, "permits")
    reference = field_text(chunk, cmap, "reference")
    _refuse(problems, cmap, "reference", reference.isna(), "référence", reference, "référence du permis manquante")
    raw_type = field_text(chunk, cmap, "permit_type")
    ptype = _permit_type(raw_type)
    unknown = "type de permis inconnu ; attendu : permis d'environnement, d'urbanisme ou unique"
    _refuse(problems, cmap, "permit_type", raw_type.notna() & ptype.isna(), "type de permis", raw_type, unknown)
    _refuse(problems, cmap, "permit_type", raw_type.isna(), "type de permis", raw_type, "type de permis manquant")
    raw_class = field_text(chunk, cmap, "env_class")
    env_class = _env_class(raw_class)
    # the class written in the type, when the class column is empty (« Déclaration de classe 3 », « Classe 2 »)
    env_class = env_class.fillna(_env_class(raw_type).where(raw_class.isna() & ptype.eq("environnement")))
    unreadable = "classe illisible ; attendu 1, 2 ou 3 (3 = déclaration)"
    _refuse(problems, cmap, "env_class", raw_class.notna() & env_class.isna(), "classe", raw_class, unreadable)
    missing = ptype.eq("environnement") & env_class.isna() & raw_class.isna()
    why = "classe manquante pour un permis d'environnement (1, 2 ou 3)"
    _refuse(problems, cmap, "env_class", missing, "classe", raw_class, why)
    decided, dreason = parse_dates(field_text(chunk, cmap, "decision_date"))
    until, ureason = parse_dates(field_text(chunk, cmap, "valid_until"))
    raw_decision = raw_column(chunk, cmap, "decision_date")
    for reasons, values, label, name in (
        (dreason, raw_decision, "date de décision", "decision_date"),
        (ureason, raw_column(chunk, cmap, "valid_until"), "fin de validité", "valid_until"),
    ):
        shown = values if values is not None else pd.Series(pd.NA, index=chunk.index)
        why = f"{label} illisible (formats acceptés : {ACCEPTED_FORMS})"
        _refuse(problems, cmap, name, reasons == "date illisible", label, shown, why)
        why = f"{label} impossible (ce jour n'existe pas)"
        _refuse(problems, cmap, name, reasons == "date impossible", label, shown, why)
        counts = reasons == "date tableur"
        if counts.any():
            _refuse(problems, cmap, name, counts, label, shown, spreadsheet_days(label, shown))
    today = pd.Timestamp(ctx.now).tz_convert(ctx.timezone).tz_localize(None).normalize()
    shown = raw_decision if raw_decision is not None else decided
    why = "date de décision dans le futur"
    _refuse(problems, cmap, "decision_date", decided > today, "date de décision", shown, why)
    why = "fin de validité antérieure à la décision"
    _refuse(problems, cmap, "valid_until", until < decided, "fin de validité", until.dt.strftime("%d/%m/%Y"), why)
    hours = field_text(chunk, cmap, "opening_hours")
    read_hours = hours.map(_read_hours)
    unreadable = read_hours.map(_unreadable)
    for problem in unreadable.dropna().unique():
        why = f"heures d'ouverture {problem} ; écrivez par exemple {_HOURS_EXAMPLES}"
        _refuse(problems, cmap, "opening_hours", unreadable == problem, "heures d'ouverture", hours, why)
    place = locate_rows(chunk, cmap, ctx, problems)
    good = pd.DataFrame(
        {
            **shared_columns(chunk, cmap, ctx, place, problems),
            "reference": reference,
            "permit_type": ptype,
            "env_class": env_class,
            "operator": field_text(chunk, cmap, "operator"),
            "activity": field_text(chunk, cmap, "activity"),
            "decision_date": decided.dt.date,
            "valid_until": until.dt.date,
            "conditions": field_text(chunk, cmap, "conditions"),
            "opening_hours": read_hours.map(lambda read: read.words() if isinstance(read, OpeningHours) else None),
        },
        index=chunk.index,
    )
    return validated(chunk, cmap, good, problems)


VALIDATORS = {"reports": validate_reports, "visits": validate_visits, "permits": validate_permits}
