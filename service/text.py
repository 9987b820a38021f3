"""Text folding shared by every reader of people's words (file headers, category labels, addresses, months,
periods): one place decides which letters are the same letter.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

#: Letters that NFKD does not take apart but that people write with plain letters: German ``ß`` is ``ss``
#: (« Straße », « außerhalb »), the ligatures ``œ``/``æ`` are ``oe``/``ae`` (« Sœurs », « Cæsar »).
_SPELLED_OUT = str.maketrans({"ß": "ss", "ẞ": "SS", "œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"})


def ascii_fold(text: str) -> str:
    """``"Rue des Sœurs-Straße"`` → ``"rue des soeurs-strasse"``: lower case, accents dropped, letters that have no
    accent to drop spelled out; every other character kept."""
    spelled = str(text).translate(_SPELLED_OUT)
    return unicodedata.normalize("NFKD", spelled).encode("ascii", "ignore").decode("ascii").lower()


def unaccented(text: str) -> str:
    """``"Neupré, Sœurs"`` → ``"neupre, soeurs"``: lower case, accents dropped and letters spelled out as
    :func:`ascii_fold` does, but every other letter kept (a name in another script is not emptied)."""
    spelled = unicodedata.normalize("NFKD", str(text).translate(_SPELLED_OUT))
    return "".join(c for c in spelled if not unicodedata.combining(c)).lower()


def spoken_list(items: Sequence[str], last: str) -> str:
    """Items as a sentence says them, ``last`` joining the last two: ``(« Seraing », « Neupré », « Esneux »)``,
    ``"et"`` → « Seraing, Neupré et Esneux »; one item alone; nothing: ``""``."""
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {last} {items[-1]}" if items else ""


def french_singular(n: float) -> bool:
    """Whether French says ``n`` things in the singular: below 2 (« 0 signalement », « 1,5 signalement »), as the
    browsers' plural rules (Intl.PluralRules, « one » for 0 and 1) have it."""
    return abs(n) < 2


def plural(n: float, singular: str, plural_form: str | None = None) -> str:
    """The word as French agrees it with ``n`` (:func:`french_singular`): ``singular``, or ``plural_form`` (else
    ``singular`` + « s »). What is printed for the field says « 8 arrêts », not « 8 arrêt(s) »."""
    return singular if french_singular(n) else (plural_form or f"{singular}s")


def french_spaces(text: str) -> str:
    """Guillemets held to the words they enclose (no-break spaces, as French typography sets them): a printed line
    never ends on « nor starts with »."""
    return text.replace("« ", "«\u00a0").replace(" »", "\u00a0»")


def agreed(n: float, words: str) -> str:
    """Words written once for any number, with « (s) » where French adds an s, agreed with ``n``:
    ``agreed(3, "fermé(s) pendant la tournée")`` → « fermé**s** pendant la tournée ». For motives kept as data (a
    plan's sites left out are counted by them) and agreed only where they are counted."""
    return words.replace("(s)", "" if french_singular(n) else "s")


def counted(n: int, singular: str, plural_form: str | None = None) -> str:
    """``n`` and its words, agreed: « 1 ligne rejetée », « 11 lignes rejetées » (:func:`plural`)."""
    return f"{n} {plural(n, singular, plural_form)}"
