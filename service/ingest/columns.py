"""Map the columns of any export (French, Dutch, German, English) onto the schema's canonical fields.

Headers are compared after :func:`normalise_header` (lower case, no accents, ``_`` for anything else). For a
canonical field, the first alias in its list that the file has wins, so specific names outrank generic ones.
A mapping file (TOML or YAML) names columns the aliases do not know.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, cast

from service.errors import InputFileError
from service.ingest.columns_de import GERMAN
from service.ingest.mapping import MappingFile
from service.text import ascii_fold, plural

Kind = Literal["reports", "visits", "permits"]

_LOCATION = {
    "address": [
        "adresse",
        "adresse_complete",
        "address",
        "adres",
        "lieu",
        "localisation",
        "emplacement",
        "locatie",
        "plaats",
        "location",
        "adresse_des_faits",
        "lieu_des_faits",
        "rue_et_numero",
        "rue_numero",
        "situation_du_bien",
        "situation_bien",
        "lieu_controle",
        "adresse_infraction",
        "lieu_infraction",
    ],
    # both coordinates in one cell, as copied from a map or a phone (« 50.6098, 5.5120 »)
    "coordinates": [
        "coordonnees",
        "coordonnees_gps",
        "coordonnee_gps",
        "coordonnees_wgs84",
        "gps",
        "position_gps",
        "lat_lon",
        "lat_long",
        "latlon",
        "latlong",
        "latitude_longitude",
        "coordinaten",
        "gps_coordinaten",
        "coordinates",
        "coords",
        "koordinaten",
    ],
    "street": ["rue", "voie", "street", "straat", "straatnaam", "nom_de_rue"],
    "house_number": [
        "numero_maison",
        "n_maison",
        "no_maison",
        "numero_de_maison",
        "house_number",
        "huisnummer",
        "numero",
        "num",
        "n",
        "no",
        "nr",
    ],
    "postcode": ["code_postal", "cp", "postcode", "postal_code", "zip", "zipcode", "code_post"],
    "commune": [
        "commune",
        "localite",
        "ville",
        "section",
        "municipality",
        "city",
        "gemeente",
        "deelgemeente",
        "stad",
        "town",
    ],
    "lat": ["lat", "latitude", "lat_wgs84", "wgs84_lat", "epsg_4326_lat", "breedtegraad", "y_wgs84"],
    "lon": ["lon", "long", "lng", "longitude", "lon_wgs84", "wgs84_lon", "epsg_4326_lon", "lengtegraad", "x_wgs84"],
    "x": [
        "x",
        "x_lambert",
        "x_lambert72",
        "x_lambert_72",
        "lambert_x",
        "coord_x",
        "coordonnee_x",
        "x_31370",
        "epsg_31370_x",
        "x_l72",
        "x_lambert2008",
        "x_lambert_2008",
        "x_3812",
        "x_l08",
        "x_coord",
    ],
    "y": [
        "y",
        "y_lambert",
        "y_lambert72",
        "y_lambert_72",
        "lambert_y",
        "coord_y",
        "coordonnee_y",
        "y_31370",
        "epsg_31370_y",
        "y_l72",
        "y_lambert2008",
        "y_lambert_2008",
        "y_3812",
        "y_l08",
        "y_coord",
    ],
    "source": ["source", "origine", "canal", "provenance", "bron", "kanaal", "channel"],
}

ALIASES: dict[Kind, dict[str, list[str]]] = {
    "reports": {
        "external_id": [
            "service_request_id",
            "id_signalement",
            "n_signalement",
            "no_signalement",
            "numero_signalement",
            "num_signalement",
            "n_dossier",
            "no_dossier",
            "numero_dossier",
            "dossier",
            "reference",
            "ref",
            "request_id",
            "melding_id",
            "meldingsnummer",
            "meldingnummer",
            "id",
            "identifiant",
            "nummer",
        ],
        "observed_at": [
            "date_constat",
            "date_signalement",
            "date_infraction",
            "date_de_l_infraction",
            "datum_vaststelling",
            "datum_feiten",
            "date_heure",
            "date_et_heure",
            "date_des_faits",
            "date_faits",
            "requested_datetime",
            "gemaakt_op",
            "datum_melding",
            "datum",
            "date_creation",
            "date_de_creation",
            "created_at",
            "created",
            "reported_at",
            "horodatage",
            "timestamp",
            "datetime",
            "date",
            "date_reception",
            "date_de_reception",
            "recu_le",
            "ontvangen_op",
            "datum_ontvangst",
        ],
        # the time of day in a column of its own, beside a date alone (« Date » and « Heure »)
        "observed_time": [
            "heure",
            "heure_constat",
            "heure_signalement",
            "heure_faits",
            "heure_des_faits",
            "uur",
            "uur_feiten",
            "tijdstip_feiten",
            "tijdstip",
            "tijd",
            "uur_melding",
            "time",
        ],
        "category": [
            # a register's sub-category is the precise one (« Propreté » › « Dépôt clandestin »); its category,
            # then, is tried where the sub-category is empty or unknown (category_alt)
            "sous_categorie",
            "sous_categorie_nuisance",
            "sous_type",
            "subcategorie",
            "subcategory",
            "categorie",
            "nature_faits",
            "nature_des_faits",
            "nature_infraction",
            "type_infraction",
            "type_d_infraction",
            "type_depot",
            "aard",
            "aard_feiten",
            "aard_melding",
            "probleme",
            "code_categorie",
            "categorie_code",
            "categorie_nuisance",
            "type_nuisance",
            "type_de_nuisance",
            "nuisance",
            "category",
            "service_code",
            "type_melding",
            "soort",
            "categorie_melding",
            "probleem",
            "nature",
            "type",
        ],
        "category_alt": [
            "service_name",
            "libelle_categorie",
            "categorie_libelle",
            "type_libelle",
            "categorie",
            "category",
            "hoofdcategorie",
        ],
        "description": [
            "description",
            "constatations",
            "constatation",
            "descriptif",
            "remarque",
            "remarques",
            "commentaire",
            "commentaires",
            "observations",
            "details",
            "detail",
            "omschrijving",
            "beschrijving",
            "opmerking",
            "opmerkingen",
            "comment",
            "comments",
            "notes",
            "texte",
        ],
        "status": ["statut", "status", "etat", "state", "toestand"],
        "closed_at": [
            "date_cloture",
            "cloture",
            "cloture_le",
            "clos_le",
            "date_fermeture",
            "date_classement",
            "closed_at",
            "date_closed",
            "closed_date",
            "afgesloten_op",
            "datum_afsluiting",
            "afsluitdatum",
            "gesloten_op",
            # an Open311 request closed at its last update (service.ingest.read_json.CLOSED_UPDATE)
            "updated_datetime_demande_close",
        ],
        "reporter_name": [
            "nom_declarant",
            "nom_du_declarant",
            "declarant",
            "plaignant",
            "nom_plaignant",
            "reporter_name",
            "reporter",
            "naam_melder",
            "melder",
            "nom",
            "naam",
            "name",
        ],
        "reporter_phone": ["telephone_declarant", "telephone", "tel", "gsm", "phone", "telefoon"],
        "reporter_email": ["email_declarant", "email", "e_mail", "courriel", "mail", "adresse_email", "adresse_e_mail"],
        **_LOCATION,
    },
    "visits": {
        "external_id": [
            "id_visite",
            "n_visite",
            "no_visite",
            "numero_visite",
            "reference_visite",
            "bezoek_id",
            "visit_id",
            "id",
            "identifiant",
            "reference",
        ],
        "visited_at": [
            "date_visite",
            "date_de_visite",
            "date_controle",
            "date_du_controle",
            "datum_bezoek",
            "date_passage",
            "date_du_passage",
            "date_intervention",
            "date_d_intervention",
            "datum_controle",
            "datum_passage",
            "visited_at",
            "date_heure",
            "datum",
            "date",
        ],
        "visited_time": [
            "heure",
            "heure_visite",
            "heure_de_visite",
            "heure_controle",
            "heure_du_controle",
            "uur",
            "uur_bezoek",
            "heure_passage",
            "heure_de_passage",
            "heure_intervention",
            "uur_controle",
            "tijdstip",
            "tijd",
            "time",
        ],
        "outcome": [
            "resultat",
            "resultat_visite",
            "resultat_controle",
            "resultat_du_controle",
            "resultaat_controle",
            "suite_reservee",
            "suite_donnee",
            "suite",
            "issue",
            "constat",
            "constatation",
            "constatations",
            "decision",
            "outcome",
            "result",
            "resultaat",
            "gevolg",
        ],
        "officer": [
            "agent",
            "agents",
            "agent_constatateur",
            "agent_verbalisant",
            "agent_s",
            "inspecteur",
            "verbalisant",
            "controleur",
            "policier",
            "officer",
            "agent_e",
        ],
        "notes": [
            "remarques",
            "remarque",
            "observations",
            "constatations",
            "notes",
            "commentaire",
            "commentaires",
            "opmerkingen",
            "description",
        ],
        "report_ref": [
            "n_signalement",
            "no_signalement",
            "id_signalement",
            "ref_signalement",
            "signalement",
            "report_id",
            "report_ref",
            "melding",
            "melding_id",
        ],
        "stop_ref": ["arret", "id_arret", "ref_arret", "reference_arret", "arret_tournee", "stop", "stop_ref"],
        # a site of the lists and the map (PS-0001, AX-0005, SIG-1254, PER-7, SUIVI-253), visited outside a shift
        "site_ref": ["site", "id_site", "ref_site", "site_id", "code_site", "point_sensible", "locatie", "site_ref"],
        "category": ["categorie", "category", "type_nuisance", "nuisance", "type"],
        **_LOCATION,
    },
    "permits": {
        "reference": [
            "reference",
            "ref",
            "reference_permis",
            "n_permis",
            "no_permis",
            "numero_permis",
            "dossier",
            "n_dossier",
            "referentie",
            "vergunning_nummer",
            "id",
        ],
        "permit_type": [
            "type_permis",
            "type_de_permis",
            "nature_permis",
            "nature_du_permis",
            "permit_type",
            "type",
            "soort_vergunning",
            "nature",
        ],
        "env_class": ["classe", "classe_environnementale", "classe_env", "env_class", "klasse"],
        "operator": [
            "exploitant",
            "titulaire",
            "demandeur",
            "operator",
            "raison_sociale",
            "uitbater",
            "houder",
            "aanvrager",
        ],
        "activity": ["activite", "objet", "rubrique", "activity", "activiteit", "object"],
        "decision_date": [
            "date_decision",
            "date_de_decision",
            "date_octroi",
            "octroye_le",
            "delivre_le",
            "date_delivrance",
            "date_de_delivrance",
            "decision_date",
            "datum_beslissing",
            "date",
        ],
        "valid_until": [
            "date_fin",
            "fin_validite",
            "date_fin_validite",
            "valable_jusqu_au",
            "valide_jusqu_au",
            "echeance",
            "date_expiration",
            "expiration",
            "valid_until",
            "geldig_tot",
        ],
        "conditions": ["conditions", "conditions_particulieres", "conditions_d_exploitation", "voorwaarden"],
        "opening_hours": [
            "heures_d_ouverture",
            "heures_ouverture",
            "horaires",
            "horaire",
            "horaires_d_ouverture",
            "ouverture",
            "opening_hours",
            "openingsuren",
            "openingstijden",
        ],
        **_LOCATION,
    },
}


def _add_last(aliases: dict[Kind, dict[str, list[str]]], more: dict[str, dict[str, list[str]]]) -> None:
    """Append ``more`` to each field's aliases, after the ones it has (a shared list is extended once)."""
    for kind, fields in more.items():
        for name, names in fields.items():
            known = aliases[cast(Kind, kind)].setdefault(name, [])
            known.extend(n for n in names if n not in known)


_add_last(ALIASES, GERMAN)

REQUIRED: dict[Kind, list[str]] = {
    "reports": ["observed_at", "category"],
    "visits": ["visited_at", "outcome"],
    "permits": ["reference", "permit_type"],
}

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


_SMALL_WORDS = frozenset({"de", "du", "des", "d", "la", "le", "les", "l", "van", "het", "of", "the"})


def short_header(normalised: str) -> str:
    """A normalised header without its small words (``date_du_constat`` → ``date_constat``): a second chance for
    headers a person wrote in full ("Date du constat", "Catégorie de la nuisance")."""
    words = [w for w in normalised.split("_") if w not in _SMALL_WORDS]
    return "_".join(words) or normalised


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
    _number_of_the_record(fields, aliases, headers, set(mapping.columns) if mapping else set())
    used = set(fields.values())
    ignored = [h for h in headers if h not in used and not h.startswith("_") and h not in REJECT_EXPORT_COLUMNS]
    return ColumnMap(
        fields=fields,
        ignored=ignored,
        value_maps=dict(mapping.values) if mapping else {},
        defaults=dict(mapping.defaults) if mapping else {},
    )


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
