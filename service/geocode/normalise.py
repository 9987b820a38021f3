"""Belgian address strings, French, Dutch and German, turned into comparable parts.

``parse_address("Av. du Centenaire (face au n°45), 4102 Ougrée")`` gives the street text, the house number and
its suffix or box, the postcode and the locality, plus what the text said about the number (a range, "sans
numéro", "face au"...). Street names are compared through :func:`street_key`: folded case and accents, common
abbreviations expanded, articles dropped, so that "r. Boverie" and "Rue de la Boverie" meet; a street word
written whole, short or glued to the name is one word ("Aachener Straße", "Aachener Str.", "Hauptstr." and
"Hauptstrasse"; "Marktplatz", "Marktpl." and "Markt Platz"; "Kerkstr." and "Kerkstraat").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from service.text import ascii_fold

#: Abbreviations found in exports → the word they stand for (after folding).
ABBREVIATIONS = {
    "r": "rue",
    "ru": "rue",
    "av": "avenue",
    "ave": "avenue",
    "aven": "avenue",
    "bd": "boulevard",
    "bld": "boulevard",
    "boul": "boulevard",
    "bvd": "boulevard",
    "ch": "chaussee",
    "chee": "chaussee",
    "chs": "chaussee",
    "chss": "chaussee",
    "pl": "place",
    "plc": "place",
    "sq": "square",
    "rte": "route",
    "imp": "impasse",
    "all": "allee",
    "qu": "quai",
    "sent": "sentier",
    "chem": "chemin",
    "cht": "chemin",
    "clos": "clos",
    "res": "residence",
    "st": "saint",
    "ste": "sainte",
    "str": "straat",
    "strasse": "straat",
    "platz": "place",
    "ln": "laan",
    "stwg": "steenweg",
    "stwg.": "steenweg",
    "pln": "plein",
    "dr": "dreve",
    "rp": "rond point",
}
#: Titles before a person's name, abbreviated after the street word (« Av. Lt Gén. Mozin »; « Dr » first is a drève).
TITLES = {
    "dr": "docteur",
    "doct": "docteur",
    "lt": "lieutenant",
    "gen": "general",
    "gal": "general",
    "cdt": "commandant",
    "cmdt": "commandant",
    "capt": "capitaine",
    "prof": "professeur",
    "mgr": "monseigneur",
    "bourgm": "bourgmestre",
    "chan": "chanoine",
}
#: Small words left out of street keys ("Rue de la Boverie" and "Rue Boverie" are one street to a person).
ARTICLES = frozenset({"de", "la", "le", "les", "du", "des", "d", "l", "a", "au", "aux", "van", "het", "der", "den"})
_NUMBER_WORDS = r"(?:n°|n°|no\.?|nr\.?|num(?:ero)?\.?|num[eé]ro)"
_BOX = r"(?:bte|bt|boite|boîte|bus|b)\.?"
_POSTCODE = re.compile(r"(?<![\d/-])([1-9]\d{3})(?![\d/-])")
# "coin de la rue X", but not "Rue du Carrefour": the keyword must not follow an article
_CORNER = re.compile(
    r"(?<!\bdu )(?<!\bde la )(?<!\bdes )(?<!\bde )(?<!\bd')"
    r"\b(?:coin|angle|carrefour|croisement|intersection|hoek)\b(?:\s+(?:de la|du|des|de|d'))?",
    re.I,
)
_NEAR = re.compile(
    r"\(?\s*\b(?:face|en face|vis-a-vis|vis a vis|pres|près|devant|derriere|derrière|a cote|à côté|a hauteur|"
    r"à hauteur|hauteur|au niveau|niveau|vers|environ|tegenover|naast|aan|ter hoogte|bij)\b\s*"
    r"(?:au|du|de|des|le|la|l'|van|nr\.?)?\s*(?:n°|n°|no\.?|nr\.?)?\s*"
    r"(\d+)\s*([a-z](?![a-z]))?\s*\)?",  # « face au 12 rue X »: the « r » of « rue » is no suffix
    re.I,
)
#: « entre le 10 et le 20 », « tussen 10 en 20 »: a stretch of the street, read as a range of numbers.
_BETWEEN = re.compile(
    r"\b(?:entre|tussen)\s+(?:les?\s+|n°\s*|nrs?\.?\s*)?(\d{1,4})\s+(?:et|en)\s+(?:le\s+|n°\s*)?(\d{1,4})\b", re.I
)
#: A number glued to the street's name or to its « n » (« rue ferrer12 », « rue Ferrer n12 », « nr12 »); not a
#: national road written first (« N63 »).
_GLUED_NUMBER = re.compile(r"(?<=[a-zà-ÿ]{3})(?=\d{1,4}[a-z]?\b)|(?<=[a-zà-ÿ,] )(?:n|no|nr)\.?(?=\d)", re.I)
#: Around the address, what a register adds that no address register knows: a country's letter before the postcode
#: (« B-4100 »), a flat or a floor after the number (« app. 3 », « 1er étage », « rez-de-chaussée »).
_COUNTRY = re.compile(r"\b(?:B|BE)\s*-\s*(?=[1-9]\d{3}\b)", re.I)
_FLAT = re.compile(
    r"\b(?:app(?:artement|t)?\.?\s*[0-9a-z]{1,4}|\d{1,2}\s*(?:er|e|eme|ème|ème)\s+(?:étage|etage)|"
    r"(?:étage|etage)\s+\d{1,2}|rez[- ]de[- ]chauss[ée]e|rez|rdc)\b\.?",
    re.I,
)
#: Several numbers for one place (« 12 et 14 », « 12, 14 et 16 »): the first, said. « au numéro 12 »: the « au »
#: is no part of the street. « 12 ter » is 12, as « 12 bis » is.
_NUMBERS = re.compile(r"\b(\d{1,4})((?:\s*,\s*\d{1,4})*\s+(?:et|&|en)\s+\d{1,4})\b", re.I)
_AT_NUMBER = re.compile(r"\s(?:au|du)\s+(?=(?:n°|n°|no\.?|nr\.?|num[eé]ro)\s*\d)", re.I)
_LATIN_SUFFIX = re.compile(r"(?<=\d)\s*(?:ter|quater)\b", re.I)
#: What is left before the street once a relative number is taken out of « à côté du 12 de la rue Ferrer ».
_LEADING_OF = re.compile(r"^\s*(?:de\s+la|de\s+l'|du|des|de|d'|van\s+de|van)\s+(?=\S)", re.I)
_NO_NUMBER = re.compile(r"\b(?:sn|s/n|s\.n\.|sans numero|sans numéro|zn|z/n|zonder nummer)\b", re.I)
_RANGE = re.compile(r"\b(\d{1,4})\s*([a-z])?\s*[-–]\s*(\d{1,4})\b", re.I)
_NUMBER = re.compile(
    rf"(?:(?<![a-zà-ÿ]){_NUMBER_WORDS}\s*)?\b(\d{{1,4}})\s?([a-z](?![a-z.]))?(?:\s*(?:/|{_BOX}\s*)\s*([0-9a-z.]{{1,8}}))?",
    re.I,
)


#: Words that make a text a street name (folded, abbreviations written out): a trailing part with none of them,
#: after the house number and a comma, names a place ("…, Luik", "…, Lüttich"), not a street.
_STREET_WORDS = frozenset(ABBREVIATIONS.values()) | {
    "voie",
    "cite",
    "cour",
    "thier",
    "tige",
    "ruelle",
    "passage",
    "quartier",
    "hameau",
    "sentier",
    "venelle",
    "chaussee",
    "corniche",
    "drève",
    "rotonde",
    "esplanade",
    "parc",
    "domaine",
    "lotissement",
    "weg",
    "dreef",
}
_AFTERTHOUGHT = re.compile(r"\s*\(([^()\d]*)\)\s*$")


_IN_NAME = re.compile(
    r"\s*(?:er|ere|eme|ème|e|de|ste)?\s*(?:janvier|fevrier|février|mars|avril|mai|juin|juillet|aout|août|septembre|"
    r"octobre|novembre|decembre|décembre|regiment|régiment|chasseurs|ligne|jager|mei|juli|augustus)\b|"
    r"(?:er|ere|eme|ème)\b",
    re.I,
)


def fold(text: str) -> str:
    """Lower case, no accents (German ``ß`` written ``ss``), apostrophes and hyphens as spaces, single spaces."""
    ascii_text = ascii_fold(text)
    ascii_text = re.sub(r"[’'`´\-_/]", " ", ascii_text)
    ascii_text = re.sub(r"[^a-z0-9 ]+", " ", ascii_text)
    return re.sub(r"\s+", " ", ascii_text).strip()


#: A street word glued to a name, whole or short → the word it is, as when written apart: German « Hauptstraße »,
#: « Hauptstr. », « Marktplatz », « Marktpl. »; Dutch « Kerkstraat », « Kerkstr. », « Marktplein ».
_GLUED_WORDS = {
    "strasse": "straat",
    "straat": "straat",
    "str": "straat",
    "platz": "place",
    "pl": "place",
    "plein": "plein",
    "pln": "plein",
}
_GLUED_STREET = re.compile(rf"^([a-z]{{3,}})({'|'.join(sorted(_GLUED_WORDS, key=len, reverse=True))})$")


def expand(words: list[str]) -> list[str]:
    """Each word with its abbreviation written out (``av`` → ``avenue``; German « strasse » and the short
    « str » are the same street word as Dutch « straat », German « Platz » and « Pl. » as French « place »; a title
    after the first word: « Lt Gén. » for « Lieutenant Général »), and a street word glued to a name split off, for
    matching."""
    out: list[str] = []
    for i, w in enumerate(words):
        glued = _GLUED_STREET.match(w)
        if glued:
            out += [glued[1], _GLUED_WORDS[glued[2]]]
        else:
            out.append(TITLES[w] if i and w in TITLES else ABBREVIATIONS.get(w, w))
    return out


def street_key(name: str) -> str:
    """The comparison key of a street name: folded, abbreviations expanded, articles dropped."""
    words = expand(fold(name).split())
    kept = [w for w in words if w not in ARTICLES]
    return " ".join(kept or words)


@dataclass
class ParsedAddress:
    """What :func:`parse_address` understood. ``street`` is free text still to be matched."""

    raw: str
    street: str = ""
    number: int | None = None
    suffix: str = ""
    box: str = ""
    postcode: str = ""
    locality: str = ""
    second_street: str = ""  # "coin X / Y": the other street
    street_with_locality: str = ""  # the street text before a trailing locality was taken off ("Rue de Seraing")
    locality_given: str = ""  # the locality passed apart from the text, if any
    locality_written: str = ""  # that locality as written (« Tilff »), to quote it
    no_number: bool = False
    relative: bool = False  # "face au 45", "près du 12"
    number_range: tuple[int, int] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def house_number(self) -> str:
        """The number with its suffix as written on a house (``12B``); empty without a number."""
        return f"{self.number}{self.suffix.upper()}" if self.number is not None else ""


def _take_number(text: str, parsed: ParsedAddress) -> str:
    """Find the house number (and suffix, box, range) and remove it from ``text``."""
    text = _GLUED_NUMBER.sub(lambda m: " " if not m.group(0) else "n° ", text)
    text = _LATIN_SUFFIX.sub(" ", _AT_NUMBER.sub(" ", text))
    several = _NUMBERS.search(text) if not _BETWEEN.search(text) else None  # « entre 10 et 20 » is a stretch
    if several:
        listed = re.sub(r"\s+", " ", several.group(0)).replace(" ,", ",")
        parsed.notes.append(f"numéros {listed} : placé au {several.group(1)}")
        text = text[: several.start()] + several.group(1) + text[several.end() :]
    near = _NEAR.search(text)
    if near:
        parsed.number, parsed.suffix, parsed.relative = int(near.group(1)), (near.group(2) or "").lower(), True
        parsed.notes.append("position relative à un numéro")
        before, after = text[: near.start()], text[near.end() :]
        return before + " " + (_LEADING_OF.sub("", after) if not before.strip() else after)
    between = _BETWEEN.search(text)
    if between and int(between.group(2)) > int(between.group(1)):
        low, high = int(between.group(1)), int(between.group(2))
        middle = low + (high - low) // 4 * 2  # the middle of the stretch, on the side of the street of its ends
        parsed.number, parsed.number_range = middle, (low, high)
        parsed.notes.append(f"entre les numéros {low} et {high} : placé au milieu, au {middle}")
        return text[: between.start()] + " " + text[between.end() :]
    if _NO_NUMBER.search(text):
        parsed.no_number = True
        parsed.notes.append("sans numéro")
        return _NO_NUMBER.sub(" ", text)
    rng = _RANGE.search(text)
    if rng and int(rng.group(3)) > int(rng.group(1)):
        parsed.number, parsed.suffix = int(rng.group(1)), (rng.group(2) or "").lower()
        parsed.number_range = (int(rng.group(1)), int(rng.group(3)))
        parsed.notes.append(f"plage de numéros {rng.group(1)}-{rng.group(3)}")
        return text[: rng.start()] + " " + text[rng.end() :]
    # the house number is the last number that is not part of the name ("Rue du 1er Mai 20", "Place du 20 Août")
    candidates = [m for m in _NUMBER.finditer(text) if int(m.group(1)) > 0 and not _IN_NAME.match(text, m.end(1))]
    if not candidates:
        return text
    match = candidates[-1]
    parsed.number = int(match.group(1))
    parsed.suffix = (match.group(2) or "").lower()
    parsed.box = (match.group(3) or "").strip(".").lower()
    return text[: match.start()] + " " + text[match.end() :]


def _trailing_place(work: str, localities: re.Pattern[str] | None, parsed: ParsedAddress) -> str:
    """Drop what a person added after the street and number that no register knows: a place in brackets
    ("Seraing (Luik)") or, after a comma, a few words naming no street ("Rue X 12, Lüttich", "…, 4101 Luik").
    A postcode there is kept; a known commune or section is left for :func:`parse_address` to read."""
    bracket = _AFTERTHOUGHT.search(work)
    if bracket and re.search(r"[a-z]{3}", work[: bracket.start()], re.I):
        parsed.notes.append(f"« {bracket.group(1).strip()} » ignoré")
        work = work[: bracket.start()]
    head, comma, tail = work.rpartition(",")
    postcodes = _POSTCODE.findall(tail)
    rest = fold(_POSTCODE.sub(" ", tail))
    if not comma or not rest or re.search(r"\d", rest) or not re.search(r"\d", head):
        return work
    if not _unknown_place(rest, localities):
        return work
    parsed.notes.append(f"« {_POSTCODE.sub(' ', tail).strip()} » ignoré (ni rue ni commune du registre)")
    return " ".join([head, *postcodes])


def _unknown_place(folded: str, localities: re.Pattern[str] | None) -> bool:
    """Whether words written after an address name a place the register does not know: a few words (three at
    most), no street word, no commune or section of the register (« Lüttich », « Brussel »)."""
    words = expand(folded.split())
    return 0 < len(words) <= 3 and not _STREET_WORDS & set(words) and not (localities and localities.search(folded))


#: « Ferrer (rue) 12 », « Boverie, Rue de la 3 »: a name written first and its street word after, as registers
#: sorted by name write them.
_NAME_FIRST = re.compile(
    r"^\s*(?P<name>[^\W\d_][^,()\d]*?)\s*(?:,\s*|\(\s*)(?P<type>rue|avenue|av\.?|place|pl\.?|boulevard|bd|"
    r"chauss[ée]e|ch[ée]e|impasse|all[ée]e|quai|square|chemin|route|clos|sentier|dr[èe]ve|cit[ée]|voie|ruelle|"
    r"passage|thier|rond-point|esplanade|venelle|galerie)(?P<article>\s+(?:de\s+la|de\s+l'|du|des|de|d'|la|le|les))?"
    r"\s*\)?(?=\s*(?:\d|,|$))",
    re.I,
)


def _name_first(work: str) -> str:
    """« Ferrer (rue) 12 » → « rue Ferrer 12 », « Boverie, Rue de la 3 » → « Rue de la Boverie 3 »."""
    found = _NAME_FIRST.match(work)
    if not found:
        return work
    article = (found.group("article") or "").strip()
    glue = "" if article.endswith("'") else " "
    head = f"{found.group('type')} {article + glue if article else ''}{found.group('name').strip()}"
    return head + " " + work[found.end() :].lstrip()


def _one_place_of_two(work: str, localities: re.Pattern[str] | None, parsed: ParsedAddress) -> str:
    """« … 475 Ixelles/Elsene », « … 1070 Anderlecht/Anderlecht »: a commune in two languages at the end; the name
    the register knows is kept (a slash between two streets is a crossing, read apart)."""
    found = re.search(r"(?<=\s)([^\W\d_][\w'-]{2,})\s*/\s*([^\W\d_][\w'-]{2,})\s*$", work)
    if not found or not localities:
        return work
    known = [name for name in found.groups() if localities.fullmatch(fold(name))]
    if not known:
        return work
    if fold(found.group(1)) != fold(found.group(2)):
        parsed.notes.append(f"« {found.group(2) if known[0] == found.group(1) else found.group(1)} » ignoré")
    return work[: found.start()] + known[0]


def _unknown_after_postcode(work: str, postcode: str, localities: re.Pattern[str] | None, parsed: ParsedAddress) -> str:
    """« Chaussée de Mons 475 - 1070 Brussel »: after a street, its number and the postcode, the last words name
    the place. One the register does not know (« Brussel » for Anderlecht's addresses) is set aside, and said, as
    after a comma; a known commune or section is left to be read."""
    found = re.search(rf"(?<!\d){postcode}\s+([^\d,()]+)$", work)
    if not found or not re.search(r"[a-z]{3}.*\d", work[: found.start()], re.I | re.S):
        return work
    if not _unknown_place(fold(found.group(1)), localities):
        return work
    parsed.notes.append(f"« {found.group(1).strip()} » ignoré (ni rue ni commune du registre)")
    return work[: found.start(1)]


def _leading_place(work: str, localities: re.Pattern[str] | None, parsed: ParsedAddress) -> str:
    """« Seraing, La Corniche 3 », « 4100 Seraing, rue Ferrer 12 »: a commune or section (with or without its
    postcode) written first, before a comma, goes after the street, where :func:`parse_address` reads it."""
    head, comma, tail = work.partition(",")
    place = fold(_POSTCODE.sub(" ", head))
    found = localities.search(place) if localities and comma and place else None
    if found is None or found.start(1) > 0 or not re.search(r"[a-z]{3}", tail, re.I):
        return work
    parsed.notes.append("commune écrite avant la rue")
    return f"{tail.strip()}, {head.strip()}"


def _given_locality(text: str, localities: re.Pattern[str] | None, parsed: ParsedAddress) -> str:
    """The locality of a column of its own, as registers fill it: « 4100 Seraing », « SERAING (4100) », « Neupré
    (Plainevaux) », « Seraing - Jemeppe », « Seraing, Belgique ». A postcode in it is the address's when none is
    given apart; the first part naming a known locality is the locality (the whole text folded otherwise)."""
    postcodes = _POSTCODE.findall(text)
    if postcodes and not parsed.postcode:
        parsed.postcode = postcodes[0]
    without = re.sub(r"\b(?:belgique|belgie|belgië|belgium|be)\b", " ", _POSTCODE.sub(" ", text), flags=re.I)
    whole = fold(without)
    if localities is None:
        return whole
    for part in [whole, *(fold(p) for p in re.split(r"[()\[\],/;]|\s[-–]\s", without))]:
        found = localities.search(part) if part else None
        if found and found.start(1) == 0:
            return part
    return whole


def locality_pattern(names: frozenset[str]) -> re.Pattern[str] | None:
    """One regex finding a known locality at the end of folded text (longest names first)."""
    if not names:
        return None
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?:^| )({alternatives})$")


def parse_address(
    text: str,
    *,
    postcode: str | None = None,
    locality: str | None = None,
    localities: re.Pattern[str] | None = None,
) -> ParsedAddress:
    """Split a typed address into parts. ``localities`` (from :func:`locality_pattern`) finds a commune or
    section name written at the end of the text."""
    parsed = ParsedAddress(raw=text or "")
    work = (text or "").strip()
    if postcode:
        parsed.postcode = re.sub(r"\D", "", postcode)[:4]
    if locality:
        parsed.locality = _given_locality(locality, localities, parsed)
        parsed.locality_written = locality.strip()
    if not work:
        return parsed
    work = _one_place_of_two(_FLAT.sub(" ", _COUNTRY.sub("", _name_first(work))), localities, parsed)
    # « Seraing - Rue Ferrer 12 », « Rue Ferrer 12 - arrière du bâtiment »: a dash between spaces separates as a
    # comma does (a street's own hyphen has no spaces: « Rue Jean-Jaurès »)
    work = re.sub(r"\s+[-–—]\s+(?=\D)", ", ", work)
    corner = _CORNER.search(work)
    if corner:
        before, after = work[: corner.start()], work[corner.end() :]
        parts = re.split(r"\s+(?:et|/|&|x|en)\s+|/", after, maxsplit=1)
        if len(parts) == 2 and parts[0].strip() and not re.search(r"[a-z]{3}", before, re.I):
            work, parsed.second_street = parts[0], parts[1]  # "coin rue X et rue Y"
        else:
            work, parsed.second_street = before, parts[0]  # "rue X 12, coin rue Y": the corner is a hint
        parsed.notes.append("carrefour")
    elif re.search(r"\s/\s", work) and not re.search(r"\d\s*/\s*\d", work):
        first, second = re.split(r"\s/\s", work, maxsplit=1)
        work, parsed.second_street = first, second
        parsed.notes.append("carrefour")
    work = _leading_place(work, localities, parsed)
    work = _trailing_place(re.sub(r"\bs/\s*(?=[a-z]{3})", "sur ", work, flags=re.I), localities, parsed)
    pc = _POSTCODE.findall(work)
    if pc:
        numbers = re.findall(r"\b\d+\b", work)
        # a lone 4-digit number with another number beside it, or followed by words, is the postcode
        candidate = pc[-1]
        if len(numbers) > 1 or re.search(rf"{candidate}\s+[a-z]", work, re.I):
            parsed.postcode = parsed.postcode or candidate
            work = _unknown_after_postcode(work, candidate, localities, parsed)
            work = re.sub(rf"(?<!\d){candidate}(?!\d)", " ", work, count=1)
    work = _take_number(work, parsed)
    folded = re.sub(r"\b(?:belgique|belgie|belgium)\b", " ", fold(work)).strip()
    parsed.street = folded
    found = localities.search(folded) if localities else None
    if found and found.start(1) > 0:
        # "Rue de Seraing": keep the full text too, the matcher decides which reading names a street
        parsed.street_with_locality = folded
        parsed.locality_given = parsed.locality
        parsed.locality = parsed.locality or found.group(1)
        parsed.street = folded[: found.start(1)].strip()
    if parsed.second_street:
        parsed.second_street = fold(_NO_NUMBER.sub(" ", re.sub(r"\d+", " ", parsed.second_street)))
        found = localities.search(parsed.second_street) if localities else None
        if found and found.start(1) > 0:
            parsed.second_street = parsed.second_street[: found.start(1)].strip()
    return parsed


def from_street_word(folded: str) -> tuple[str, str] | None:
    """(what comes first, the street from its street word) when a street word follows a few other words:
    « parking rue ferrer » → (« parking », « rue ferrer »); None when the text starts with its street word or has
    none. The matcher tries it only when the whole text names no street (« Vieille Voie de Tilff » is a name)."""
    words = folded.split()
    for i, word in enumerate(words[1:4], start=1):
        if word in _STREET_WORDS and len(words) > i + 1:
            return " ".join(words[:i]), " ".join(words[i:])
    return None


#: Words that start saying where on a street, after its name (« rue Ferrer devant l'école », « … au bout »).
_WHERE_WORDS = frozenset(
    {
        "devant", "derriere", "pres", "face", "cote", "vers", "entre", "coin", "angle", "dans", "contre", "parking",
        "direction", "sortie", "entree", "arriere", "bout", "fond", "milieu", "carrefour", "croisement", "proche",
        "long", "voor", "achter", "naast", "bij", "hoek", "tegenover", "einde",
    }
)  # fmt: skip


def before_where_words(folded: str) -> tuple[str, str] | None:
    """(the street, what follows) when the text goes on after the street's name to say where on it: « rue ferrer
    devant l ecole » → (« rue ferrer », « devant l ecole »), « au bout » and « à côté » too. None otherwise. The
    matcher tries it only when the whole text names no street, and keeps it only for a street found as written."""
    words = folded.split()
    for i in range(2, len(words)):
        first = words[i + 1] if words[i] in ("au", "aux", "a", "en", "le") and i + 1 < len(words) else words[i]
        if first in _WHERE_WORDS:
            return " ".join(words[:i]), " ".join(words[i:])
    return None
