"""Did an action at a place work? The reports of a sensitive point (or a problem axis) before and after the day of an
action — a first visit, a clean-up, a camera — beside the rest of the zone over the same days, and the ring around
the place, where a nuisance chased away would go.

The rest of the zone is the control by default: what touches the whole zone (a season, holidays, a campaign) is not
taken for an effect. The other sensitive points and axes can be the control instead (``control="points"``): places
chosen, like this one, for their many reports, so that a place picked after a peak and falling back by itself
(regression to the mean) is compared with places that may do the same. The change at the place relative to the control
is the ratio of the two changes, ``(A_after / A_before) / (C_after / C_before)`` (Farrington and Welsh's relative effect
size, inverted so that below 1 is a drop), with its 95 % interval (Woolf, on the logarithm) and the exact test of the
2 × 2 table (Fisher). Around the place, the weighted displacement quotient of Bowers and Johnson (2003) says whether the
nuisance moved next door (below 0; below −1 it moved more than it dropped) or the benefit spread to it (above 0). Pure
functions take the counts; :func:`read_effect` reads them from the database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import psycopg
import shapely
from scipy.stats import fisher_exact

from service.activity.figures import change_words
from service.activity.interventions import latest_at
from service.activity.sites import ADDRESS_RADIUS_M, AXIS_BAND_M, Site, find_site
from service.db.queries import Queries
from service.errors import InvalidValueError
from service.geocode.match import Geocoder
from service.numbers import french_number
from service.plan.filters import resolve_codes
from service.plan.model import parse_start_time
from service.text import plural

_q = Queries("service.activity", "effect.sql")

#: The ring around the place where a nuisance chased away would go (metres).
RING_M = 200.0
#: Fewer days after the action than this, and nothing can be said yet.
MIN_DAYS = 28
#: How far before and after the action the reports are counted, by default (months).
MONTHS = 6
#: Under this p-value a change is one that chance alone would rarely give.
ALPHA = 0.05
#: The controls — the rest of the zone, or the other sensitive points and axes (outside the place and its ring) —
#: as a sentence compares the place with them.
CONTROLS = {"zone": "au reste de la zone", "points": "aux autres points sensibles et axes"}
#: The control as the tables name it.
CONTROL_NAMES = {"zone": "Reste de la zone (témoin)", "points": "Autres points et axes (témoin)"}


@dataclass(frozen=True)
class Counts:
    """Reports of one area before and after the action."""

    before: int
    after: int

    @property
    def change(self) -> float | None:
        """After over before, minus one (None without reports before)."""
        return self.after / self.before - 1 if self.before else None


@dataclass(frozen=True)
class Measure:
    """The change at the place relative to the control, and what happened around it."""

    ratio: float | None  # (A_after / A_before) / (C_after / C_before); below 1: a drop beyond the zone's
    low: float | None
    high: float | None
    p_value: float | None
    wdq: float | None  # weighted displacement quotient (only when the place dropped relative to the control)
    ring_p: float | None = None  # exact p-value of the ring's change against the control's (with a wdq)

    @property
    def significant(self) -> bool:
        """A change that chance alone would rarely give (p below :data:`ALPHA`)."""
        return self.p_value is not None and self.p_value < ALPHA

    @property
    def ring_significant(self) -> bool:
        """The ring changed unlike the control beyond chance: only then is a displacement or a spread benefit said
        (1 report before and none after around a place gives a quotient, not a finding)."""
        return self.ring_p is not None and self.ring_p < ALPHA


@dataclass(frozen=True)
class Effect:
    """An action's effect: where, when, over which days, which reports, and the counts and measure."""

    site: Site
    action: pd.Timestamp
    action_source: str  # « première visite du point » or « date donnée »
    start: pd.Timestamp
    end: pd.Timestamp
    category: str | None
    ring_m: float
    place: Counts
    ring: Counts
    control: Counts
    measure: Measure
    zone: str  # the service's time zone: its days and months
    monthly: tuple[tuple[str, int, int], ...] = ()  # the place's reports per month: (YYYY-MM, before, after)
    control_kind: str = "zone"  # a key of CONTROLS

    def params(self) -> dict[str, Any]:
        """The parameters of ``sql/effect.sql``'s queries for this effect."""
        return {
            "site": shapely.to_wkb(self.site.geom),
            "ring": self.ring_m,
            "action": self.action.to_pydatetime(),
            "start": self.start.to_pydatetime(),
            "end": self.end.to_pydatetime(),
            "category": self.category,
            "control": self.control_kind,
            "axis_band": AXIS_BAND_M,
            "zone": self.zone,
        }


class NotMeasurableError(InvalidValueError):
    """Too few days on one side of the action to say anything: too soon after it (``soon``), or the reports do not
    go back far enough before it."""

    def __init__(self, message: str, *, hint: str, soon: bool) -> None:
        super().__init__(message, hint=hint)
        self.soon = soon


def action_day(text: str, timezone: str) -> pd.Timestamp:
    """The day (or the day and hour) of an action as a person types it: ``2026-05-12``, ``12/05/2026``,
    ``12/05/2026 14h``; a French error when unreadable."""
    try:
        return pd.Timestamp(parse_start_time(text, timezone, what="date de l'action", day_starts=0)).tz_convert("UTC")
    except InvalidValueError as error:
        raise InvalidValueError(error.message, hint="Écrivez par exemple 2026-05-12 ou 12/05/2026.") from None


def effect_windows(
    action: pd.Timestamp, *, months: int, now: pd.Timestamp, first_report: pd.Timestamp | None, zone: str
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The days counted: from ``action`` up to ``months`` later, and as many days before it, counted on the
    calendar of ``zone`` (a change of hour between them does not shift the start). Fewer when today or the first
    report is nearer: both sides always have the same days. A refusal in French when fewer than :data:`MIN_DAYS`
    are left."""
    day = _day(action, zone)
    if action > now:
        raise InvalidValueError(
            f"l'action du {day} n'a pas encore eu lieu", hint="Donnez le jour d'une action passée (--date)."
        )
    local = action.tz_convert(zone).tz_localize(None)  # wall-clock arithmetic, in the service's days
    after = min(local + pd.DateOffset(months=months), now.tz_convert(zone).tz_localize(None)) - local
    before = local - first_report.tz_convert(zone).tz_localize(None) if first_report is not None else after
    length = min(after, before)
    if length < pd.Timedelta(days=MIN_DAYS):
        span = max(length, pd.Timedelta(0)) / pd.Timedelta(days=1)
        days = french_number(span)
        if after <= before:
            raise NotMeasurableError(
                f"trop tôt pour mesurer l'effet de l'action du {day} : {days} {plural(span, 'jour')} depuis, "
                f"il en faut {MIN_DAYS}",
                hint="Attendez quelques semaines, ou donnez une action plus ancienne (--date).",
                soon=True,
            )
        raise NotMeasurableError(
            f"les signalements ne remontent qu'au {_day(first_report, zone)} : {days} {plural(span, 'jour')} avant "
            f"l'action du {day}, "
            f"il en faut {MIN_DAYS}",
            hint="Donnez une action plus récente (--date).",
            soon=False,
        )

    def instant(wall: pd.Timestamp) -> pd.Timestamp:
        return wall.tz_localize(zone, ambiguous=False, nonexistent="shift_forward").tz_convert("UTC")

    return instant(local - length), instant(local + length)


def measure(place: Counts, ring: Counts, control: Counts) -> Measure:
    """The ratio of the place's change to the control's, its 95 % interval and exact p-value, and the weighted
    displacement quotient of the ring (None where the counts cannot give one)."""
    if place.before + place.after == 0 or control.before == 0 or control.after == 0:
        return Measure(None, None, None, None, None)
    a_b, a_a, c_b, c_a = float(place.before), float(place.after), float(control.before), float(control.after)
    if 0 in (a_b, a_a):  # Haldane's half: a count of zero still gives a finite ratio and interval
        a_b, a_a, c_b, c_a = a_b + 0.5, a_a + 0.5, c_b + 0.5, c_a + 0.5
    ratio = (a_a / a_b) / (c_a / c_b)
    spread = 1.96 * math.sqrt(1 / a_a + 1 / a_b + 1 / c_a + 1 / c_b)
    p_value = float(fisher_exact([[place.after, place.before], [control.after, control.before]])[1])
    success = place.after / control.after - place.before / control.before
    wdq = ring_p = None
    if success < 0:  # the place dropped beyond the zone: did the nuisance move to the ring?
        wdq = (ring.after / control.after - ring.before / control.before) / success
        ring_p = float(fisher_exact([[ring.after, ring.before], [control.after, control.before]])[1])
    return Measure(ratio, ratio * math.exp(-spread), ratio * math.exp(spread), p_value, wdq, ring_p)


def effect_sentences(effect: Effect, category_label: str | None) -> list[str]:
    """The effect in a few sentences a chief reads: what was compared, the verdict, the ring, and the caution."""
    m, site = effect.measure, effect.site
    where = site.where
    days = round((effect.end - effect.action) / pd.Timedelta(days=1))
    last = effect.end - pd.Timedelta(seconds=1)  # the last day counted
    what = f"signalements « {category_label} »" if category_label else "signalements de toutes catégories"
    lines = [
        f"Action {where} ({site.label}) le {_day(effect.action, effect.zone)} ({effect.action_source}) ; {what} "
        f"des {days} jours avant (du {_day(effect.start, effect.zone)}) et après (jusqu'au "
        f"{_day(last, effect.zone)})."
    ]
    if effect.place.before == 0:
        lines.append(f"Aucun signalement {where} dans les {days} jours avant l'action : pas de baisse à mesurer.")
    elif m.ratio is not None:
        relative = change_words(m.ratio - 1)
        own = effect.place.after - effect.place.before  # the place's own change, whatever the zone did
        word = "baissé" if own < 0 else "augmenté" if own > 0 else "gardé le même nombre"
        interval = f"rapport {_decimal(m.ratio)}, IC 95 % {_decimal(m.low)}–{_decimal(m.high)} ; {p_words(m.p_value)}"
        verdict = (
            f"un écart que le hasard seul explique mal ({interval})."
            if m.significant
            else f"un écart que le hasard peut expliquer ({interval}) : pas de conclusion."
        )
        lines.append(
            f"{where[0].upper()}{where[1:]}, les signalements ont {word} ({change_words(effect.place.change)}) ; "
            f"par rapport {CONTROLS[effect.control_kind]} ({change_words(effect.control.change)}), c'est "
            f"{relative} : {verdict}"
        )
    lines.append(ring_sentence(m, effect.ring, effect.ring_m))
    lines.append(_caution(effect.control_kind))
    return lines


def _caution(control: str) -> str:
    """What the control takes away, and what a before/after cannot."""
    if control == "points":
        return (
            "Les autres points sensibles et axes servent de témoin (hors du lieu et de son anneau) : ce qui touche "
            "tous les lieux à problèmes (saison, vacances, campagne, retour à la normale après un pic) ne compte pas "
            "comme un effet. Un avant/après n'est pas une expérience : une autre action au même endroit peut aussi "
            "expliquer une baisse."
        )
    return (
        "Le reste de la zone sert de témoin : ce qui touche toute la zone (saison, vacances, campagne) ne compte pas "
        "comme un effet. Un avant/après n'est pas une expérience : une autre action au même endroit, ou un point "
        "retenu juste après un pic (qui serait retombé de lui-même), peut aussi expliquer une baisse."
    )


def ring_sentence(m: Measure, counts: Counts, ring_m: float) -> str:
    """What happened in the ring around the place, from the weighted displacement quotient, said as a displacement
    or a spread benefit only when the ring's change against the control is one chance explains badly."""
    ring = f"Autour ({french_number(ring_m)} m)"
    wdq = m.wdq
    if wdq is None:
        return f"{ring} : pas de baisse relative au lieu, la question d'un déplacement ne se pose pas."
    value = f"quotient de déplacement {_decimal(wdq, sign=True)}"
    if not m.ring_significant:
        before = f"{counts.before} signalement{'s' if counts.before > 1 else ''}"
        return (
            f"{ring} : {before} avant, {counts.after} après, un écart au témoin que le hasard peut expliquer "
            f"({p_words(m.ring_p)}) : ni report ni bienfait étendu établi ({value})."
        )
    if wdq <= -1:
        return f"{ring} : la hausse égale ou dépasse la baisse au lieu ({value}) : la nuisance s'est déplacée."
    if wdq < 0:
        return f"{ring} : un report partiel, moindre que la baisse au lieu ({value})."
    if wdq > 0:
        return f"{ring} : les alentours ont aussi baissé, le bienfait s'est étendu ({value})."
    return f"{ring} : ni report ni bienfait étendu ({value})."


def read_effect(
    conn: psycopg.Connection[Any],
    site_id: str | Site,
    *,
    zone: str,
    action: pd.Timestamp | None = None,
    months: int = MONTHS,
    category: str | None = None,
    ring_m: float = RING_M,
    radius_m: float = ADDRESS_RADIUS_M,
    geocoder: Geocoder | None = None,
    now: pd.Timestamp | None = None,
    control: str = "zone",
    until: pd.Timestamp | None = None,
) -> Effect:
    """The effect of the action at ``site_id`` on ``action``'s day, by default the latest intervention recorded at
    the place (a camera, a sign: :mod:`service.activity.interventions`), else its first visit; the reports of
    ``category``, by default those the point was found in. ``site_id`` is a sensitive point (``PS-…``), an axis
    (``AX-…``) or an address, placed by ``geocoder`` and taken with the ``radius_m`` around it (or a place already
    found). ``control`` is a key of :data:`CONTROLS`. After ``until`` (the day an intervention ended, read with
    it by default) nothing is counted, and as many days fewer before. Days and months are those of ``zone``, the
    service's time zone."""
    if control not in CONTROLS:
        raise InvalidValueError(f"témoin inconnu : « {control} »", hint="zone (le reste de la zone) ou points.")
    site = site_id if isinstance(site_id, Site) else find_site(conn, site_id, geocoder=geocoder, radius_m=radius_m)
    stamp = pd.Timestamp.now(tz="UTC") if now is None else now
    source = "date donnée"
    if action is None:
        latest = latest_at(conn, site, stamp, zone)
        if latest is not None:
            action, until, source = latest
        else:
            action, source = first_visit(conn, site)
    first = conn.execute(_q("first_report")).fetchone()
    first_report = pd.Timestamp(first[0]).tz_convert("UTC") if first and first[0] is not None else None
    last = stamp if until is None else min(stamp, until)  # a camera moved elsewhere: its days in place only
    try:
        start, end = effect_windows(action, months=months, now=last, first_report=first_report, zone=zone)
    except NotMeasurableError as refusal:
        if not refusal.soon or until is None or until > stamp:
            raise
        span = max((until - action) / pd.Timedelta(days=1), 0)
        days = french_number(span)
        raise NotMeasurableError(
            f"l'action du {_day(action, zone)} n'est restée en place que {days} {plural(span, 'jour')}, jusqu'au "
            f"{_day(until, zone)} : il en faut {MIN_DAYS} pour mesurer son effet",
            hint="Donnez une autre action (--date), ou notez la durée réelle de l'intervention.",
            soon=True,
        ) from None
    chosen = category or site.category
    none = Counts(0, 0)
    effect = Effect(
        site, action, source, start, end, chosen, ring_m, none, none, none, measure(none, none, none), zone, (), control
    )
    params = effect.params()
    found = {(area, bool(after)): int(n) for area, after, n in conn.execute(_q("counts"), params).fetchall()}
    place, ring, compared = (Counts(found.get((a, False), 0), found.get((a, True), 0)) for a in AREAS)
    if control == "points" and compared.before + compared.after == 0:
        raise InvalidValueError(
            f"aucun signalement dans les autres points sensibles et axes, hors de l'anneau {site.where}",
            hint="Prenez le reste de la zone comme témoin (--temoin zone, ou ?temoin=zone).",
        )
    per_month: dict[str, list[int]] = {}
    for month, after, n in conn.execute(_q("monthly"), params).fetchall():
        per_month.setdefault(str(month), [0, 0])[1 if after else 0] = int(n)
    monthly = tuple((m, b, a) for m, (b, a) in sorted(per_month.items()))
    return replace(
        effect, place=place, ring=ring, control=compared, measure=measure(place, ring, compared), monthly=monthly
    )


def first_visit(conn: psycopg.Connection[Any], site: Site) -> tuple[pd.Timestamp, str]:
    """The place's first visit (recorded on it or made beside it; for an address, made in its circle) and how to
    name it; a French refusal asking for the day when there is none."""
    if site.kind == "adresse":
        row = conn.execute(_q("first_visit_within"), {"site": shapely.to_wkb(site.geom)}).fetchone()
    else:
        row = conn.execute(_q("first_visit"), {"id": site.id}).fetchone()
    if row is None or row[0] is None:
        raise InvalidValueError(
            f"aucune visite ni intervention enregistrée {site.where} : de quelle action mesurer l'effet ?",
            hint="Donnez le jour de l'action (--date 2026-05-12, ou ?date= dans l'API), ou notez l'intervention "
            "(hotspots intervention ajouter).",
        )
    words = {"point": "première visite du point", "axe": "première visite de l'axe"}
    return pd.Timestamp(row[0]).tz_convert("UTC"), words.get(site.kind, "première visite dans le cercle")


def effect_points(conn: psycopg.Connection[Any], effect: Effect) -> list[tuple[shapely.Geometry, bool]]:
    """The reports of the place and its ring (their point, and whether after the action): the printed map's dots."""
    rows = conn.execute(_q("points"), effect.params()).fetchall()
    return [(shapely.from_wkb(bytes(wkb)), bool(after)) for wkb, after in rows]


#: The three areas of the count, in the order of the table.
AREAS = ("site", "tampon", "temoin")


def one_category(text: str | None, categories: dict[str, str]) -> str | None:
    """The category a person names (a code or its label), None when none is given; a French refusal for an
    unknown one or for several (the effect is measured on one category, or on all)."""
    if text is None or not text.strip():
        return None
    codes = resolve_codes([text], categories, "catégorie inconnue")
    if len(codes) != 1:
        raise InvalidValueError(
            f"une seule catégorie, ou aucune pour toutes : « {text.strip()} »",
            hint="Par exemple --categorie depot_clandestin (ou ?categorie=depot_clandestin).",
        )
    return codes[0]


def effect_json(effect: Effect, category_label: str | None) -> dict[str, Any]:
    """The effect as the API answers it (no NaN: none)."""
    m = effect.measure

    def counts(c: Counts) -> dict[str, Any]:
        return {"avant": c.before, "apres": c.after, "evolution": c.change}

    return {
        "lieu": {"type": effect.site.kind, "id": effect.site.id, "libelle": effect.site.label},
        "action": {"date": effect.action.isoformat(), "source": effect.action_source},
        "fenetres": {
            "debut": effect.start.isoformat(),
            "action": effect.action.isoformat(),
            "fin": effect.end.isoformat(),
        },
        "categorie": effect.category,
        "tampon_m": effect.ring_m,
        "lieu_compte": counts(effect.place),
        "tampon": counts(effect.ring),
        "temoin": counts(effect.control),
        "temoin_type": effect.control_kind,
        "rapport": m.ratio,
        "ic95": [m.low, m.high] if m.ratio is not None else None,
        "p": m.p_value,
        "significatif": m.significant,
        "quotient_deplacement": m.wdq,
        "p_alentours": m.ring_p,
        "par_mois": [{"mois": month, "avant": b, "apres": a} for month, b, a in effect.monthly],
        "phrases": effect_sentences(effect, category_label),
    }


def p_words(p: float | None) -> str:
    """``p = 0,02``, ``p < 0,001``."""
    if p is None:
        return "p —"
    return "p < 0,001" if p < 0.001 else f"p = {french_number(p, 3, trim=True)}"


def _decimal(value: float | None, *, sign: bool = False) -> str:
    return "—" if value is None else french_number(value, 2, sign=sign)


def _day(stamp: pd.Timestamp, zone: str) -> str:
    return f"{stamp.tz_convert(zone):%d/%m/%Y}"
