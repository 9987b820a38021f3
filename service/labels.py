"""Words for the codes a person reads: trends and lifecycle states of sensitive points and axes, import batches.

The database, the API and the files keep the codes (``en_intensification``); everything a person reads (map
popups, CLI tables) shows these words instead.
"""

from __future__ import annotations

#: Emerging hot-spot categories (service.analyse.trends) as words.
TREND_LABELS: dict[str, str] = {
    "nouveau": "nouveau",
    "consecutif": "consécutif",
    "en_intensification": "en intensification",
    "persistant": "persistant",
    "oscillant": "oscillant",
    "sporadique": "sporadique",
    "en_diminution": "en diminution",
    "historique": "historique",
    "aucune": "sans tendance nette",
}

#: Lifecycle states of sensitive points and problem axes (service.analyse.identity) as words.
STATE_LABELS: dict[str, str] = {
    "nouveau": "nouveau",
    "actif": "actif",
    "surveille": "surveillé",
    "resolu": "résolu",
    "reouvert": "rouvert",
}


def _words(table: dict[str, str], code: str | None) -> str:
    """``code`` in ``table``'s words; an unknown code with its underscores as spaces, none as « — »."""
    if not code:
        return "—"
    return table.get(code, code.replace("_", " "))


def trend_label(code: str | None) -> str:
    """The words for a trend code (an unknown code with its underscores as spaces; none as a dash)."""
    return _words(TREND_LABELS, code)


def state_label(code: str | None) -> str:
    """The words for a lifecycle state code."""
    return _words(STATE_LABELS, code)


#: States of an import batch (table ``ingestion_batches``) as words.
BATCH_STATE_LABELS: dict[str, str] = {
    "en_cours": "en cours",
    "termine": "terminé",
    "refuse": "refusé",
    "annule": "annulé",
}

#: What a batch holds, in the plural (``ingestion_batches.kind``), and one row of each table, in the singular.
KIND_LABELS: dict[str, str] = {"reports": "signalements", "visits": "visites", "permits": "permis"}
ROW_LABELS: dict[str, str] = {"reports": "signalement", "visits": "visite", "permits": "permis"}


#: Where a geocoded point stands, in words (``geocode_level``): what an officer checks before accepting it.
GEOCODE_LEVEL_LABELS: dict[str, str] = {
    "adresse": "adresse officielle",
    "adresse_interpolee": "numéro placé entre deux adresses voisines",
    "intersection": "carrefour",
    "rue": "milieu de la rue",
    "section": "centre de la section",
    "commune": "centre de la commune",
    "code_postal": "centre du code postal",
    "ambigu": "plusieurs adresses possibles",
    "echec": "adresse introuvable",
}


def geocode_level_label(code: str | None) -> str:
    """The words for a geocoding level (``rue`` → « milieu de la rue »)."""
    return _words(GEOCODE_LEVEL_LABELS, code)


def batch_state_label(code: str | None) -> str:
    """The words for an import batch's state (``refuse`` → ``refusé``)."""
    return _words(BATCH_STATE_LABELS, code)


#: What can be put in place at a site beyond a visit (service.activity.interventions), as words.
INTERVENTION_LABELS: dict[str, str] = {
    "camera": "Caméra posée",
    "panneau": "Panneau posé",
    "nettoyage": "Nettoyage",
    "amenagement": "Aménagement du lieu",
    "information": "Riverains informés",
    "autre": "Autre mesure",
}
#: Their mark on the officers' map (and its legend).
INTERVENTION_MARKS: dict[str, str] = {
    "camera": "Cam",
    "panneau": "Pan",
    "nettoyage": "Net",
    "amenagement": "Amé",
    "information": "Inf",
    "autre": "Aut",
}
