"""The filters of a shift or a site list as a person types them: codes or French labels, checked once.

A category, state or kind that matches nothing is refused with the values that exist, instead of quietly
filtering every site out ("Aucun site à visiter") and leaving the planner to guess that a word was wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from service.db.vocabulary import Labels
from service.errors import InvalidValueError
from service.geocode.normalise import fold
from service.plan.model import DEFAULT_STATES, KIND_LABELS, STATE_LABELS, Filters


def resolve_codes(
    values: Iterable[str],
    vocabulary: Mapping[str, str],
    unknown: str,
    *,
    intro: str = "Valeurs possibles (code ou libellé)",
) -> tuple[str, ...]:
    """Codes of ``values``, each given as a code or as its French label (case and accents ignored; comma lists
    allowed); a French error naming the unknown value and every valid one."""
    by_key = {fold(code): code for code in vocabulary} | {fold(label): code for code, label in vocabulary.items()}
    out: list[str] = []
    for raw in values:
        for value in str(raw).split(","):
            if not value.strip():
                continue
            code = by_key.get(fold(value))
            if code is None:
                raise InvalidValueError(
                    f"{unknown} : « {value.strip()} »",
                    hint=f"{intro} : "
                    + ", ".join(c if vocabulary[c] == c else f"{c} ({vocabulary[c]})" for c in vocabulary)
                    + ".",
                )
            if code not in out:
                out.append(code)
    return tuple(out)


def resolve_places(values: Iterable[str], known: Sequence[str]) -> tuple[str, ...]:
    """Places as the register names them (``ougree`` → ``Ougrée``; comma lists allowed); a French error naming
    a place that is no commune, section or postcode of the zone. Without a register (``known`` empty) the places
    are kept as typed."""
    typed = tuple(p.strip() for raw in values for p in str(raw).split(",") if p.strip())
    if not known:
        return typed
    vocabulary = {name: name for name in known}
    return resolve_codes(typed, vocabulary, "lieu inconnu dans la zone", intro="Communes, sections et codes postaux")


def checked_filters(filters: Filters, labels: Labels, *, places: Sequence[str] = ()) -> Filters:
    """``filters`` with every category, state and kind turned into its code (``Dépôt clandestin`` →
    ``depot_clandestin``) and each place into its registered name (``places``: the zone's communes, sections
    and postcodes); an unknown one raises. Empty states or kinds fall back to the defaults."""
    states = resolve_codes(filters.states, STATE_LABELS, "état inconnu")
    kinds = resolve_codes(filters.kinds, KIND_LABELS, "type de site inconnu")
    return replace(
        filters,
        categories=resolve_codes(filters.categories, labels.categories, "catégorie inconnue"),
        places=resolve_places(filters.places, places),
        states=states or DEFAULT_STATES,
        kinds=kinds or Filters().kinds,
    )
