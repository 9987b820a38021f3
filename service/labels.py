"""Words for the codes a person reads: trends and lifecycle states of sensitive points and axes.

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


def trend_label(code: str | None) -> str:
    """The words for a trend code (an unknown code with its underscores as spaces; none as a dash)."""
    if not code:
        return "—"
    return TREND_LABELS.get(code, code.replace("_", " "))


def state_label(code: str | None) -> str:
    """The words for a lifecycle state code."""
    if not code:
        return "—"
    return STATE_LABELS.get(code, code.replace("_", " "))
