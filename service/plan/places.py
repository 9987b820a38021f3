"""Where a shift starts and ends: an address placed by the project's own geocoder, or coordinates."""

from __future__ import annotations

import re
from typing import Any, Protocol

from service.errors import InvalidValueError, NotFoundError
from service.geo import to_lambert
from service.geocode.match import APPROXIMATE_NAME
from service.plan.model import Place

_PAIR = re.compile(r"^\s*(-?\d+(?:[.,]\d+)?)\s*[;,\s]\s*(-?\d+(?:[.,]\d+)?)\s*$")
#: Geocoder levels precise enough to start a shift from.
PRECISE_LEVELS = ("adresse", "adresse_interpolee", "intersection", "rue")
#: Below this confidence (the importer's own threshold for placing a row), a street read approximately is asked
#: again rather than used: "Av. de l'Abbaye 10" must not quietly start a shift from another street.
CONFIDENT = 0.75


class AddressGeocoder(Protocol):
    """What the planner needs of a geocoder: an address in; out, a result with its level, label, Lambert 72 x and
    y, alternatives and reason."""

    def geocode(self, text: str | None, *, postcode: str | None = None, locality: str | None = None) -> Any:
        """Place one address (a postcode and a locality help when given)."""


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """``"5.5092, 50.6150"`` (lon, lat; lat, lon is recognised too) or ``"232000 146000"`` (Lambert 72) → x, y
    in Lambert 72; None when the text is not a pair of numbers."""
    match = _PAIR.match(text)
    if not match:
        # "5,5092, 50,6150" (decimal commas) splits into four numbers: take them two by two
        numbers = re.findall(r"-?\d+(?:[.,]\d+)?", text)
        if len(numbers) == 4 and re.fullmatch(r"[\s\d.,;-]+", text):
            first, second = float(f"{numbers[0]}.{numbers[1]}"), float(f"{numbers[2]}.{numbers[3]}")
        else:
            return None
    else:
        first, second = _number(match.group(1)), _number(match.group(2))
    if 2.0 <= first <= 7.0 and 49.0 <= second <= 52.0:
        return to_lambert(first, second)
    if 49.0 <= first <= 52.0 and 2.0 <= second <= 7.0:
        return to_lambert(second, first)
    if 10_000 <= first <= 300_000 and 10_000 <= second <= 300_000:  # Belgian Lambert 72, metres
        return first, second
    raise InvalidValueError(
        f"coordonnées hors de Belgique : « {text} »",
        hint="Donnez « longitude, latitude » en WGS84 (5.5092, 50.6150) ou x, y en Lambert 72.",
    )


def _choice_label(choice: dict[str, Any]) -> str:
    """A geocoder's alternative as a person reads it: its label (``libelle``), not the whole record."""
    return str(choice.get("libelle") or choice.get("label") or "?")


def _unsure_hint(alternatives: list[dict[str, Any]]) -> str:
    """What to do with an address read only approximately: retype it, take a nearby one, or give coordinates."""
    near = " ; ".join(_choice_label(a) for a in alternatives[:3])
    proposals = f" Adresses proches : {near}." if near else ""
    return f"Vérifiez le nom de la rue et le numéro, ou donnez des coordonnées « lon, lat ».{proposals}"


def resolve_place(text: str, geocoder: AddressGeocoder | None, *, what: str = "départ") -> Place:
    """The place named by ``text``; a French error naming the candidates when the address is ambiguous, or the
    geocoder's own reason when it cannot be placed precisely enough."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise InvalidValueError(f"adresse de {what} vide", hint="Donnez une adresse ou des coordonnées.")
    pair = parse_coordinates(cleaned)
    if pair is not None:
        return Place(cleaned, pair[0], pair[1])
    if geocoder is None:
        raise NotFoundError(
            f"Impossible de placer l'adresse de {what} « {cleaned} » : le registre des adresses n'est pas chargé.",
            hint="Chargez-le (hotspots gazetteer load …) ou donnez des coordonnées « lon, lat ».",
        )
    found = geocoder.geocode(cleaned)
    level = getattr(found, "level", "echec")
    if level == "ambigu" or (level not in PRECISE_LEVELS and found.alternatives):
        options = " ; ".join(_choice_label(a) for a in found.alternatives[:5])
        raise InvalidValueError(
            f"Adresse de {what} ambiguë : « {cleaned} ». Candidates : {options}.",
            hint=f"Précisez la commune ou le code postal (ex. « {_choice_label(found.alternatives[0])} »)."
            if found.alternatives
            else "Précisez la commune ou le code postal.",
        )
    if level not in PRECISE_LEVELS or found.x is None:
        reason = found.reason or f"trouvée seulement au niveau « {level} »"
        raise InvalidValueError(
            f"Adresse de {what} introuvable : « {cleaned} » ({reason}).",
            hint="Vérifiez l'orthographe de la rue et le numéro, ou donnez des coordonnées « lon, lat ».",
        )
    if found.score < CONFIDENT and APPROXIMATE_NAME in (found.reason or ""):
        raise InvalidValueError(
            f"Adresse de {what} incertaine : « {cleaned} » lue comme « {found.label} » ({found.reason}).",
            hint=_unsure_hint(found.alternatives),
        )
    return Place(found.label or cleaned, float(found.x), float(found.y))
