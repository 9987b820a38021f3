"""Personal data written into free text (a report's description): found and replaced when its retention is over.

The register's columns of a reporter (name, telephone, e-mail) are kept apart and erased whole
(:mod:`service.db.personal`); but people also write « rappeler Mme Renard au 0496 55 01 27 » into the description.
What a pattern can tell is replaced by what it was: e-mail addresses, Belgian telephone numbers (national or
+32/0032), national register numbers (YY.MM.DD-XXX.XX), Belgian number plates (1-ABC-123, ABC-123) and the name that
follows a title (M., Mme, Monsieur, Madame, Mademoiselle; Dhr., Mevr., Meneer, Mevrouw), also typed without its
capital after a title written in full (« mme dumont »). The reporter's own name, when the register gave it, is also
found without a title (« rappeler Jean Dumont », « Dumont repasse lundi »): each of its words of three letters or
more, written with a capital, or two of them in a row in any case (« rappeler jean dumont »). Another name without a
title, or a house number and street (the place of the nuisance, not a person's), stays: the limit is said in the
README.
"""

from __future__ import annotations

import re

#: Words that follow a title in a sentence and are no one's name: articles and pronouns, the verbs of a report
#: (« madame signale », « monsieur est passé »), functions (« madame la directrice », « meneer de burgemeester »),
#: and what a « de » joins in a sentence (« madame de passage », « monsieur de garde »).
_AFTER_A_TITLE_WORDS = """
    le la les l du des une qui que quand est était sera serait a avait aura aurait ont sont et ou mais en au aux
    ne se sa son ses ce cet cette il elle ils elles on nous vous lui leur leurs dit déclare declare signale appelle
    appelé appele téléphone telephone indique précise precise affirme souhaite demande voit voyait vit habite
    réside reside rapporte confirme explique ajoute pense croit estime revient repasse passe passé passera même
    aussi également egalement bourgmestre échevin échevine echevin echevine commissaire directeur directrice
    président présidente president presidente inspecteur inspectrice agent agente voisin voisine propriétaire
    proprietaire locataire gérant gérante gerant gerante responsable concierge secrétaire secretaire juge ministre
    maire docteur het een die zegt meldt belt woont heeft had burgemeester schepen wijkagent buurman
    buurvrouw eigenaar huurder the passage garde service permanence retour"""
_AFTER_A_TITLE = frozenset(_AFTER_A_TITLE_WORDS.split())

#: (what it is, pattern, replacement); the order matters: an e-mail first (its digits are no telephone), a
#: national number before a telephone number.
_PATTERNS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("e-mail", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[e-mail effacé]"),
    (
        "numéro national",
        re.compile(r"(?<![\d.+])\d{2}\.?\d{2}\.?\d{2}[-. ]?\d{3}\.?\d{2}(?![\d.])"),
        "[numéro national effacé]",
    ),
    (
        "téléphone",
        # 04 337 45 12, 0472 18 33 90, 0472/18.33.90, +32 472 18 33 90, 0032 (0)4 337 45 12; not a date and an
        # hour (« 04/12/2024 08:40 », « 04.12.2024 08h30 »)
        re.compile(r"(?<![\w+./-])(?:(?:\+|00)32[ ./-]?(?:\(0\)[ ./-]?)?[1-9]|0[1-9])(?:[ ./-]?\d){7,8}(?![\d:hH])"),
        "[téléphone effacé]",
    ),
    # 1-ABC-123 or ABC-123 (not the service's own numbers: SIG-123, PER-12)
    ("plaque", re.compile(r"\b(?:\d-)?(?!SIG-|PER-)[A-Z]{3}-\d{3}\b"), "[plaque effacée]"),
    (
        "nom",
        # the title in any case (but « M », not « 50 m Rue… »), the name capitalised: « M. le bourgmestre » is no
        # one's name
        re.compile(
            r"\b(M\.?|(?i:mr|dhr|mevr)\.?|(?i:mme|mlle|monsieur|madame|mademoiselle|meneer|mevrouw))"
            r"(\s+)[A-ZÀ-Ý][\w'’-]*(?:\s+(?:(?:de|van|der|den|le|la|du)\s+)?[A-ZÀ-Ý][\w'’-]*){0,2}"
        ),
        r"\1\2[nom effacé]",
    ),
    (
        "nom",
        # a title written in full (not « M », « m ») then a name typed without its capital (« rappeler mme dumont »),
        # unless the word is one that follows a title in a sentence (« madame la directrice », « monsieur a vu »)
        re.compile(
            r"(?i:\b(mme|mlle|mr|monsieur|madame|mademoiselle|dhr|mevr|meneer|mevrouw)\b\.?)(\s+)"
            r"(?:van\s+(?:de[nr]?\s+)?|de\s+|vande[nr]?\s+)?"  # a Flemish name's particle: « mme van den broeck »
            r"(?!(?:" + "|".join(sorted(_AFTER_A_TITLE)) + r")(?![\w'’-]))[a-zà-ÿ][\w'’-]{2,}"
        ),
        r"\1\2[nom effacé]",
    ),
)

#: A cheap first look in SQL (PostgreSQL regex): only descriptions with a digit, an @ or a title are read back.
MAYBE_PERSONAL = r"[0-9@]|\m(m|mr|mme|mlle|monsieur|madame|mademoiselle|dhr|mevr|meneer|mevrouw)\M"


#: Words of a name that are no one's name on their own (particles, titles).
_NOT_A_NAME = frozenset({"van", "der", "den", "von", "del", "des", "les", "mme", "mlle", "dhr", "mevr", "monsieur",
                         "madame", "mademoiselle", "meneer", "mevrouw"})  # fmt: skip


def _known_name(name: str) -> re.Pattern[str] | None:
    """A pattern of the words of ``name`` (a reporter's, as the register gave it) found in a text: whole words,
    capitalised there (« Rose » is a name, « un sac rose » is not), any case after the first letter; or two of
    them or more in a row in any case (« rappeler jean dumont »: no sentence writes a first and a last name in a
    row but to name someone)."""
    words = sorted(
        {w for w in re.findall(r"[^\W\d_][\w'’-]*", name) if len(w) >= 3 and w.lower() not in _NOT_A_NAME},
        key=len,
        reverse=True,
    )
    if not words:
        return None
    one = "|".join(f"{re.escape(w[0].upper())}(?i:{re.escape(w[1:])})" for w in words)
    alone = rf"(?:{one})(?:\s+(?:{one}))*"
    if len(words) > 1:
        any_case = "|".join(re.escape(w) for w in words)
        alone = rf"(?i:(?:{any_case})(?:\s+(?:{any_case}))+)|{alone}"
    return re.compile(rf"(?<![\w'’-])(?:{alone})(?![\w'’-])")


def redact(text: str, names: tuple[str, ...] = ()) -> tuple[str, int]:
    """``text`` with each piece of personal data a pattern finds replaced by what it was (« [téléphone effacé] »),
    and with the ``names`` known of the report (its reporter's), and how many were replaced."""
    found = 0
    for _what, pattern, replacement in _PATTERNS:
        text, n = pattern.subn(replacement, text)
        found += n
    for name in names:
        known = _known_name(name)
        if known is not None:
            text, n = known.subn("[nom effacé]", text)
            found += n
    return text, found
