"""Map the columns of any export (French, Dutch, German, English) onto the schema's canonical fields.

Headers are compared after :func:`normalise_header` (lower case, no accents, ``_`` for anything else). For a
canonical field, the first alias in its list that the file has wins, so specific names outrank generic ones.
The aliases are in :mod:`service.ingest.aliases`; a mapping file (TOML or YAML) names columns they do not know.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from service.errors import InputFileError
from service.ingest.aliases import ALIASES
from service.ingest.aliases import Kind as Kind  # the kind of record every stage names, from here
from service.ingest.mapping import MappingFile
from service.text import ascii_fold, plural

REQUIRED: dict[Kind, list[str]] = {
    "reports": ["observed_at", "category"],
    "visits": ["visited_at", "outcome"],
    "permits": ["reference", "permit_type"],
}

#: Optional fields whose every alias of two words or more names them alone (« clôture », « fermeture »,
#: « validité »…): given, after the required ones, the same second chance (:func:`_required_within`) — a police
#: register's « Date/heure clôture » is the closing date. A field with a generic alias (« Date de fin »…) is not.
WORDY_OPTIONAL: dict[Kind, list[str]] = {"reports": ["closed_at"], "visits": [], "permits": ["decision_date"]}

#: Columns added by ``hotspots rejects`` exports; dropped when a fixed export is ingested again.
REJECT_EXPORT_COLUMNS = frozenset({"ligne", "motifs_rejet"})

#: Fields holding personal data: stored apart (schema ``private``), never in rejected rows' public part.
PERSONAL_FIELDS = frozenset({"reporter_name", "reporter_phone", "reporter_email"})

FIELD_LABELS_FR = {
    "external_id": "identifiant",
    "observed_at": "date",
    "observed_time": "heure",
    "visited_time": "heure de visite",
    "category": "catégorie",
    "description": "description",
    "address": "adresse",
    "street": "rue",
    "house_number": "numéro",
    "postcode": "code postal",
    "commune": "commune",
    "lat": "latitude",
    "lon": "longitude",
    "coordinates": "coordonnées",
    "x": "x",
    "y": "y",
    "source": "source",
    "status": "statut",
    "closed_at": "date de clôture",
    "visited_at": "date de visite",
    "outcome": "résultat",
    "officer": "agent",
    "notes": "remarques",
    "report_ref": "signalement",
    "stop_ref": "arrêt de tournée",
    "reference": "référence",
    "permit_type": "type de permis",
    "env_class": "classe",
    "operator": "exploitant",
    "activity": "activité",
    "decision_date": "date de décision",
    "valid_until": "fin de validité",
    "conditions": "conditions",
    "opening_hours": "heures d'ouverture",
    "category_alt": "catégorie (libellé)",
    "reporter_name": "nom du déclarant",
    "reporter_phone": "téléphone",
    "reporter_email": "e-mail",
}


def normalise_header(name: str) -> str:
    """``"N° Dossier "`` → ``"n_dossier"``: lower case, accents removed (German ``ß`` written ``ss``), runs of other
    characters → ``_``."""
    text = ascii_fold(name)
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


#: The words of a header naming the facts' own moment (« Heure des faits », « Heure du constat », « Tijdstip feiten »)
_FACTS_WORDS = frozenset({"faits", "fait", "constat", "constatation", "feiten", "feit", "vaststelling"})


def names_the_facts(header: str | None) -> bool:
    """Whether a column's header says it holds the facts' moment, as against, in the same register, the moment the
    report was received (« Date » beside « Heure des faits »)."""
    return header is not None and not _FACTS_WORDS.isdisjoint(normalise_header(header).split("_"))


#: The small words a header is compared without (« Date du constat » = « Date constat »).
SMALL_WORDS = frozenset({"de", "du", "des", "d", "la", "le", "les", "l", "van", "het", "of", "the"})


def short_header(normalised: str) -> str:
    """A normalised header without its small words (``date_du_constat`` → ``date_constat``): a second chance for
    headers a person wrote in full ("Date du constat", "Catégorie de la nuisance")."""
    words = [w for w in normalised.split("_") if w not in SMALL_WORDS]
    return "_".join(words) or normalised


#: Every alias of every kind of record, without its small words.
_ALL_SHORT = frozenset(
    short_header(alias) for fields in ALIASES.values() for names in fields.values() for alias in names
)


def known_headers(values: Sequence[Any]) -> int:
    """How many cells of a row read as a column name of any kind of record (« N° dossier », « Date », « Rue »):
    tells a header row from a row of column groups above it (« Identification », « Localisation »)."""
    return sum(1 for v in values if v is not None and short_header(normalise_header(str(v))) in _ALL_SHORT)


@dataclass
class ColumnMap:
    """Which file column feeds which canonical field, plus the columns nobody uses."""

    fields: dict[str, str]  # canonical field → original header
    ignored: list[str] = field(default_factory=list)
    value_maps: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)


def map_columns(headers: list[str], kind: Kind, mapping: MappingFile | None = None) -> ColumnMap:
    """Choose the header for each canonical field; explicit mapping first, then aliases in order."""
    aliases = ALIASES[kind]
    by_norm: dict[str, str] = {}
    by_short: dict[str, str] = {}
    by_bare: dict[str, str] = {}  # without what a header says in brackets: « Catégorie (type) », « Date (jj/mm/aaaa) »
    for header in headers:
        by_norm.setdefault(normalise_header(header), header)
        by_short.setdefault(short_header(normalise_header(header)), header)
        bare = normalise_header(re.sub(r"[(\[][^)\]]*[)\]]", " ", header))
        if bare:
            by_bare.setdefault(short_header(bare), header)
    fields: dict[str, str] = {}
    used: set[str] = set()
    if mapping:
        for canonical, header in mapping.columns.items():
            if canonical not in aliases:
                raise InputFileError(
                    f"Correspondance : champ inconnu {canonical!r}.",
                    hint=f"Champs possibles : {', '.join(sorted(aliases))}.",
                )
            match = header if header in headers else by_norm.get(normalise_header(header))
            if match is None:
                raise InputFileError(
                    f"Correspondance : la colonne {header!r} (pour {canonical}) n'existe pas dans le fichier.",
                    hint=f"Colonnes du fichier : {', '.join(headers)}.",
                )
            fields[canonical] = match
            used.add(match)
    for canonical, names in aliases.items():
        if canonical in fields:
            continue
        for alias in names:
            found = by_norm.get(alias)
            if found is None or found in used:
                found = by_short.get(short_header(alias))
            if found is None or found in used:
                found = by_bare.get(short_header(alias))
            if found is not None and found not in used:
                fields[canonical] = found
                used.add(found)
                break
    _required_within(fields, used, kind, headers)
    _number_of_the_record(fields, aliases, headers, set(mapping.columns) if mapping else set())
    used = set(fields.values())
    ignored = [h for h in headers if h not in used and not h.startswith("_") and h not in REJECT_EXPORT_COLUMNS]
    return ColumnMap(
        fields=fields,
        ignored=ignored,
        value_maps=dict(mapping.values) if mapping else {},
        defaults=dict(mapping.defaults) if mapping else {},
    )


#: How many words a header may hold beside an alias's for :func:`_required_within` (« heure », « et »).
MORE_WORDS = 2


def _required_within(fields: dict[str, str], used: set[str], kind: Kind, headers: list[str]) -> None:
    """A required field no header names: a header that holds every word of one of its aliases of two words or
    more, and at most :data:`MORE_WORDS` others (« Date/heure constat », « Date et heure du signalement »,
    « Datum/uur vaststelling »). Without it the whole file was refused; only required fields and the few optional
    ones of :data:`WORDY_OPTIONAL` get this second chance, so that « Date et heure des faits » is never taken for
    a time column beside the date, and a whole header line read as one column (a wrong separator) is never taken
    for one of its names."""
    words = {h: set(short_header(normalise_header(h)).split("_")) for h in headers}
    for canonical in [*REQUIRED[kind], *WORDY_OPTIONAL[kind]]:
        if canonical in fields:
            continue
        for alias in ALIASES[kind][canonical]:
            needed = set(short_header(alias).split("_"))
            found = next(
                (
                    h
                    for h in headers
                    if len(needed) > 1
                    and h not in used
                    and needed <= words[h]
                    and len(words[h]) <= len(needed) + MORE_WORDS
                ),
                None,
            )
            if found is not None:
                fields[canonical] = found
                used.add(found)
                break


#: Headers that say « number » and nothing else: a house's beside a street column, else the record's (« N° »).
_BARE_NUMBER = frozenset({"n", "no", "nr", "num", "numero"})


def _number_of_the_record(
    fields: dict[str, str], aliases: dict[str, list[str]], headers: list[str], asked: set[str]
) -> None:
    """« N° » in the first column numbers the register's rows when nothing else does: beside a whole « Adresse »
    it was read as a house number nobody used, beside « Numéro » it was left out; the rows had no identifier (a
    corrected file imported again came in twice). A « N° » after a street, or asked for, stays the house's."""
    first = headers[0] if headers else ""
    if (
        "external_id" not in aliases
        or "external_id" in {*fields, *asked}
        or normalise_header(first) not in _BARE_NUMBER
    ):
        return
    if first in fields.values():
        if fields.get("house_number") != first or "street" in fields or "house_number" in asked:
            return
        del fields["house_number"]
    fields["external_id"] = first


def check_required(
    cmap: ColumnMap, headers: list[str], kind: Kind, file_name: str, sheets: list[str] | None = None
) -> None:
    """Refuse a file whose structure cannot work, with every missing field named at once (``sheets``: those of a
    workbook, named in the hint)."""
    missing = [f for f in REQUIRED[kind] if f not in cmap.fields and f not in cmap.defaults]
    if kind == "reports" and "category" in missing and "category_alt" in cmap.fields:
        missing.remove("category")
    if not missing:
        return
    names = ", ".join(f"{FIELD_LABELS_FR[f]} ({', '.join(ALIASES[kind][f][:3])}…)" for f in missing)
    hint = "Renommez les colonnes ou donnez un fichier de correspondance (--correspondance)."
    if sheets:
        hint = (
            f"Feuilles du classeur : {', '.join(sheets)}. Choisissez celle des données avec --feuille NOM, "
            "renommez les colonnes ou donnez un fichier de correspondance (--correspondance)."
        )
    elif len(headers) == 1 and any(sep in headers[0] for sep in ";,\t|"):
        hint = (
            "Une seule colonne a été trouvée : le séparateur est sans doute incorrect "
            "(essayez --separateur ';' ou --separateur ',')."
        )
    raise InputFileError(
        f"{file_name} : {plural(len(missing), 'colonne obligatoire absente', 'colonnes obligatoires absentes')} : "
        f"{names}. "
        f"Colonnes trouvées : {', '.join(repr(h) for h in headers)}.",
        hint=hint,
    )
