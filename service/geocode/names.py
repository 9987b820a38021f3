"""Street names written without the person's given name or title, or with one the register does not have.

People write « rue Wettinck » for the register's « Rue Joseph Wettinck », « place Mercier » for « Place Cardinal
Mercier », and « rue Francisco Ferrer » where the register says « Rue Ferrer ». An edit distance cannot see it:
« wettinck » and « joseph wettinck » are far apart. Here the name written and the name registered end with the
same words, and the words only one of them has come before:

- omitted words: any number of them, « rue vandervelde » for « Rue Émile Vandervelde »;
- added words: one only (or initials), and only when the same street type is written (« Rue Francisco
  Ferrer »): « Sart Robiet » or « Au Pré Macar » are other places, not « Rue Robiet » or « Avenue de Macar »;
- initials for the given names, either way: « rue E. Zola » for « Rue Émile Zola », « rue Théodore Marcotty » for
  « Rue T. Marcotty ».

Words that make a different street (« haute », « petite », « vieille »…) or a different place (« fond »,
« bois », « saint »…) are no given name: « rue Vinâve » for « Rue Grand Vinâve » is only a proposal to check, as is
a name that fits several streets of the same pool.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

#: Words that make another street of the same name: left out or added, they make the match a proposal to check.
QUALIFIERS = frozenset(
    {
        "haut", "haute", "bas", "basse", "grand", "grande", "petit", "petite", "vieux", "vieil", "vieille",
        "neuf", "neuve", "nouveau", "nouvel", "nouvelle", "ancien", "ancienne", "sous", "sur", "derriere",
        "devant", "entre", "hoog", "hoge", "laag", "lage", "groot", "grote", "klein", "kleine", "oud", "oude",
        "nieuw", "nieuwe", "boven", "beneden", "onder", "achter", "voor", "ober", "unter", "alt", "alte", "neu",
        "neue", "kleiner", "grosser",
    }
)  # fmt: skip

#: Nouns of places (and saints): « Rue Fond du Moulin » is not « Rue du Moulin » written with a given name.
PLACE_WORDS = frozenset(
    {
        "fond", "fonds", "champ", "champs", "pre", "pres", "bois", "mont", "thier", "sart", "val", "vallee", "cote",
        "cite", "clos", "cour", "pont", "moulin", "fontaine", "ferme", "chateau", "eglise", "chapelle", "gare",
        "station", "parc", "jardin", "jardins", "ry", "rieu", "ruisseau", "voie", "chemin", "sentier", "quartier",
        "hameau", "plaine", "plateau", "tige", "heid", "croix", "tour", "trou", "fosse", "campagne", "bruyere",
        "bruyeres", "rond", "point", "coin", "haie", "verger", "saint", "sainte", "sint", "st", "ste",
        "sankt", "bos", "veld", "berg", "dal", "hof", "molen", "kerk", "weg", "beek", "straat",
    }
)  # fmt: skip

#: How sure a name read this way is, when one street of the pool fits (placed with its number, and said).
ONE_FIT = 0.86
#: When several streets fit: each is a proposal to check (under the confidence threshold).
SEVERAL_FIT = 0.7
#: A written street type other than the register's makes it two differences: to check.
OTHER_TYPE = 0.85
#: Below this, a match is a proposal only: offered when no street's spelling comes close, never its rival
#: (« Av. de l'Abbaye 10 » stays « Rue de l'Abbaye », not « Rue Bois de l'Abbaye 10 »).
SURE_NAME = ONE_FIT * OTHER_TYPE


class NameParts:
    """Street keys indexed by their last word, to find names that differ by leading given names or titles."""

    def __init__(self, keys: Iterable[str], core: Callable[[str], str]):
        self._core = core
        self._by_last: dict[str, list[str]] = defaultdict(list)
        for key in keys:
            words = core(key).split()
            if words:
                self._by_last[words[-1]].append(key)

    def matches(self, key: str, pool: frozenset[str] | None) -> list[tuple[str, float]]:
        """The keys (of ``pool``, or all) whose name is ``key``'s but for given names or titles, with a similarity."""
        written = self._core(key).split()
        if not written or len(written[-1]) < 3 or written[-1].isdigit():
            return []
        typed = key.split()[0] if key != self._core(key) else None
        fits: list[tuple[str, float]] = []
        for name in self._by_last.get(written[-1], ()):
            if pool is not None and name not in pool:
                continue
            registered = self._core(name).split()
            same_type = typed == name.split()[0] if name != self._core(name) else typed is None
            extra = _leading_words(written, registered, same_type and typed is not None)
            if extra is None:
                continue
            given = not any(w in QUALIFIERS or w in PLACE_WORDS or w.isdigit() for w in extra)
            fits.append(
                (name, (1.0 if given else SEVERAL_FIT / ONE_FIT) * (1.0 if same_type or typed is None else OTHER_TYPE))
            )
        base = ONE_FIT if len(fits) == 1 else SEVERAL_FIT
        return [(name, round(base * factor, 3)) for name, factor in fits]


def _leading_words(written: list[str], registered: list[str], typed_alike: bool) -> list[str] | None:
    """The words only one name has before the part both end with, else None. An added word: one only, under the
    same street type written. Initials for given names (« E. Zola », « JB Clément », « T. Marcotty » written
    « Théodore Marcotty ») leave no such word."""
    shared = 0
    while shared < min(len(written), len(registered)) and written[-1 - shared] == registered[-1 - shared]:
        shared += 1
    before_w, before_r = written[: len(written) - shared], registered[: len(registered) - shared]
    if not before_w and before_r:
        return before_r
    if before_w and not before_r:
        initials = all(len(w) <= 2 for w in before_w)  # « rue J.-B. Clément » for « Rue Clément »
        return before_w if (len(before_w) == 1 or initials) and typed_alike else None
    if before_w and before_r and (_initials_of(before_w, before_r) or _initials_of(before_r, before_w)):
        return []
    return None


def _initials_of(short: list[str], full: list[str]) -> bool:
    """« e » for « emile », « jb » or « j b » for « jean baptiste »: the short words are the full words' initials."""
    return all(len(w) <= 2 for w in short) and "".join(short) == "".join(w[0] for w in full)
