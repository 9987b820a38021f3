"""One street written in two languages, as Brussels and the language-border communes sign and write their streets:
« Chaussée de Mons / Bergense Steenweg 475 », « Rue de la Loi 16 - Wetstraat 16, 1000 Bruxelles ».

Read as two streets, such a text was a crossing of the street with itself (its number lost), or nothing at all.
When both parts name the same street of the register (its French and Dutch or German names), the part with the
house number is read, with the place the other part gives; the other name is set aside, and the reason says so.
Two different streets stay a crossing (« Rue Ferrer / Rue Cockerill »).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from service.geocode.normalise import ParsedAddress

#: A separator between two names: a slash, or a dash between spaces (a name's own hyphen has none).
_SEPARATOR = re.compile(r"\s+[/–—-]\s+|(?<=[^\W\d_])\s*/\s*(?=[^\W\d_]{3})")
#: Both names must be read this surely (a misspelling is fine, another street is not).
SURE = 0.9


@dataclass(frozen=True)
class TwoNames:
    """The text to read (the part with the number, and the place written in either part) and the name set aside."""

    text: str
    other: str

    @property
    def note(self) -> str:
        """What the reason says of the name set aside."""
        return f"même rue en deux langues : « {self.other.strip()} » mis de côté"


def one_street_two_names(
    raw: str, parse: Callable[[str], ParsedAddress], streets_of: Callable[[ParsedAddress], set[int]]
) -> TwoNames | None:
    """``raw`` as one street written in two languages, else None. ``parse`` reads a part as an address,
    ``streets_of`` gives the register's streets that a parsed part surely names."""
    found = _SEPARATOR.search(raw)
    if found is None:
        return None
    left, right = raw[: found.start()].strip(" ,"), raw[found.end() :].strip(" ,")
    if not (re.search(r"[^\W\d_]{3}", left) and re.search(r"[^\W\d_]{3}", right)):
        return None
    first, second = parse(left), parse(right)
    if not first.street or not second.street or not (streets_of(first) & streets_of(second)):
        return None
    numbered, other = (second, first) if first.number is None else (first, second)
    text = right if numbered is second else left
    place = " ".join(p for p in (other.postcode, other.locality_written or other.locality) if p)
    if place and not (numbered.postcode or numbered.locality):
        text = f"{text}, {place}"
    return TwoNames(text, left if numbered is second else right)
