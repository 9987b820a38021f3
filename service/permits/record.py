"""What a permit's record shows: the facility, the reports linked to it (by category and year, and their trend), the
visits made there, and whether it is due for a check and why."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pandas as pd
import psycopg

from service.db.vocabulary import Labels
from service.errors import NotFoundError
from service.permits.followup import assess, permit_words
from service.permits.links import (
    VISIT_NEAR_M,
    concerned_categories,
    counts_by_category_and_year,
    load_permits,
    load_rules,
    permit_links,
    permit_visits,
    q,
    zone_halves,
)
from service.settings import Settings

#: How to name a permit, said when one is not found.
PERMIT_KEYS = (
    "Donnez la référence du fichier importé (PE/2018/0355), le numéro (12) ou le site (PER-12) que donnent "
    "« hotspots permis suivi » et les listes de tournée."
)


def find_permit(conn: psycopg.Connection[Any], key: str | int) -> int:
    """A permit's id from its id, its site (``PER-12``, as the follow-up list and the shift sheets name it) or its
    reference (case ignored); a French error when unknown."""
    text = str(key).strip()
    site = re.fullmatch(r"(?i)PER\s*-?\s*(\d+)", text)
    if isinstance(key, int) or text.isdigit() or site:
        number = int(site.group(1)) if site else int(text)
        found = load_permits(conn, [number])
        if not found.empty:
            return int(found["id"].iloc[0])
        if site or isinstance(key, int):
            raise NotFoundError(f"Aucun permis n° {number}.", hint=PERMIT_KEYS)
    rows = conn.execute(q("permit_by_reference"), {"reference": text}).fetchall()
    if not rows:
        raise NotFoundError(f"Aucun permis de référence ou de numéro « {text} ».", hint=PERMIT_KEYS)
    return int(rows[0][0])


def _iso(value: Any) -> str | None:
    if value is None or pd.isna(value):
        return None
    iso: str = pd.Timestamp(value).isoformat()
    return iso


def permit_record(
    conn: psycopg.Connection[Any], settings: Settings, permit_id: int, labels: Labels, *, now: datetime | None = None
) -> dict[str, Any]:
    """The record of one permit, as the API and the CLI give it (French keys, codes with their labels)."""
    permits = load_permits(conn, [permit_id])
    if permits.empty:
        raise NotFoundError(f"Aucun permis n° {permit_id}.", hint="Vérifiez le numéro.")
    stamp = pd.Timestamp(now) if now is not None else pd.Timestamp.now(tz="UTC")
    p = permits.iloc[0].to_dict()
    rules = load_rules(conn)
    concerns = concerned_categories(p["activity"], p["permit_type"], rules)
    links = permit_links(conn, settings, permits, until=stamp, rules=rules)
    visits = permit_visits(conn, [permit_id])
    zone = zone_halves(conn, stamp)
    assessed = assess(
        permits, links, visits, settings, stamp, gravity=labels.gravity, concerns={permit_id: concerns}, zone=zone
    ).iloc[0]
    trend = assessed["trend"]
    table = counts_by_category_and_year(links, timezone=settings.timezone)
    by_year = {str(category): {str(year): int(n) for year, n in row.items() if n} for category, row in table.iterrows()}
    placed = p["x"] is not None and not pd.isna(p["x"])
    return {
        "id": permit_id,
        "reference": p["reference"],
        "type": p["permit_type"],
        "classe": None if p["env_class"] is None or pd.isna(p["env_class"]) else int(p["env_class"]),
        "permis": permit_words(p["permit_type"], p["env_class"]),
        "exploitant": p["operator"],
        "activite": p["activity"],
        "lieu": p["label"],
        "commune": p["commune"],
        "decision": _iso(p["decision_date"]),
        "valide_jusqu_au": _iso(p["valid_until"]),
        "conditions": p["conditions"],
        "place": placed,
        "categories_concernees": [{"code": c, "libelle": labels.category(c)} for c in concerns],
        "distance_lien_m": settings.permit_link_m,
        "signalements": {
            "total": len(links),
            "par_categorie_et_annee": by_year,
            "liste": [
                {
                    "id": int(r["report_id"]),
                    "categorie": r["category"],
                    "libelle": labels.category(r["category"]),
                    "date": _iso(r["observed_at"]),
                    "distance_m": round(float(r["distance_m"]), 1),
                }
                for r in links.sort_values("observed_at", ascending=False).to_dict("records")
            ],
        },
        "tendance": {"code": trend.code, "mots": trend.words, "recents": trend.recent, "avant": trend.before},
        "visites": [
            {
                "id": int(r["visit_id"]),
                "date": _iso(r["visited_at"]),
                "resultat": r["outcome"],
                "libelle": labels.outcome(r["outcome"]),
                "agent": r["officer"],
            }
            for r in visits.sort_values("visited_at", ascending=False).to_dict("records")
        ],
        "distance_visites_m": VISIT_NEAR_M,
        "suivi": {
            "a_suivre": bool(assessed["due"]),
            "motifs": list(assessed["motives"]),
            "raisons": list(assessed["reasons"]),
            "valeur": float(assessed["value"]),
            "composantes": dict(assessed["components"]),
        },
    }
