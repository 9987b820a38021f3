"""Refuse point sets an analysis cannot honestly answer, with a message that says why."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np

from service.errors import InputFileError
from service.numbers import SPACE, french_number
from service.text import counted, plural

MIN_POINTS = 10


def check_points(points: gpd.GeoDataFrame, *, name: str = "données") -> None:
    """Empty, too few, all at one place, or spread over an impossible extent (wrong CRS) → InputFileError."""
    dropped = int(points.attrs.get("dropped", 0))
    if points.empty:
        why = left_out_words(left_out_of(points))
        raise InputFileError(
            f"{name} : aucun point utilisable ("
            + (
                why.rstrip(".")
                if why
                else f"{counted(dropped, 'ligne écartée', 'lignes écartées')} : coordonnées ou dates manquantes"
            )
            + ").",
            hint="Il faut des colonnes lon/lat (ou x/y) et une date par ligne (un mois seul se lit dans une colonne "
            "« mois » ou « month » : 2022-01, 01/2022, janvier 2022).",
        )
    if len(points) < MIN_POINTS:
        raise InputFileError(
            f"{name} : seulement {counted(len(points), 'point')} ; il en faut au moins {MIN_POINTS} "
            "pour distinguer un point sensible du hasard."
        )
    x, y = points.geometry.x.to_numpy(), points.geometry.y.to_numpy()
    width, height = float(np.ptp(x)), float(np.ptp(y))
    if width == 0 and height == 0:
        raise InputFileError(
            f"{name} : tous les points sont au même endroit ({x[0]:.1f} ; {y[0]:.1f}).",
            hint="Vérifiez les coordonnées : un export a peut-être remplacé chaque point par le centre de la commune.",
        )
    if max(width, height) < 10:
        raise InputFileError(
            f"{name} : les points tiennent dans {french_number(max(width, height), 2)} m : "
            "des degrés lus comme des mètres ?",
            hint="Nommez les colonnes lon/lat (WGS84) ou donnez le bon --crs.",
        )
    if max(width, height) > 1_000_000:
        raise InputFileError(
            f"{name} : les points s'étendent sur {max(width, height) / 1000:.0f} km : système de "
            "coordonnées incorrect ?",
            hint="Indiquez le système des colonnes x/y avec --crs.",
        )


def left_out_of(points: gpd.GeoDataFrame) -> dict[str, dict[str, Any]]:
    """The rows of a point file left out, by reason (``sans_point``, ``sans_date``): how many and the first line
    numbers (:func:`service.ingest.points.read_points`); empty when none were."""
    found = points.attrs.get("left_out") or {}
    return {why: dict(rows) for why, rows in found.items() if rows.get("lignes")}


def left_out_words(left_out: dict[str, dict[str, Any]]) -> str | None:
    """The rows of a file the analysis did not count, in words: « 597 lignes du fichier non comptées : 597 sans
    coordonnées lisibles (lignes 7, 102, 215, 380, 412…) ». None when every row counts."""
    parts = []
    for why, words in (("sans_point", "sans coordonnées lisibles"), ("sans_date", "sans date lisible")):
        rows = left_out.get(why)
        if not rows:
            continue
        n, first = int(rows["lignes"]), [str(r) for r in rows["premieres"]]
        shown = ", ".join(first) + ("…" if n > len(first) else "")
        parts.append(f"{n} {words} ({plural(len(first), 'ligne')} {shown})")
    if not parts:
        return None
    total = sum(int(r["lignes"]) for r in left_out.values())
    return f"{counted(total, 'ligne du fichier non comptée', 'lignes du fichier non comptées')} : {' ; '.join(parts)}."


def of_categories(points: gpd.GeoDataFrame, wanted: list[str], name: str) -> gpd.GeoDataFrame:
    """The events of the categories ``wanted`` (a code of the database, or a value as a file writes it: case and
    spaces aside), their names kept in ``attrs['categories_choisies']``; a category that matches no event refuses
    the whole choice, naming the file's categories and how many events each has."""
    written = points["category"].astype(str)
    key = written.str.strip().str.casefold()
    asked = {w.strip().casefold(): w.strip() for w in wanted if w.strip()}
    missing = [shown for folded, shown in asked.items() if not (key == folded).any()]
    if missing or not asked:
        counts = written.value_counts()
        known = ", ".join(f"{c} ({french_number(n, 0, group=SPACE)})" for c, n in counts.head(12).items())
        more = f" et {counted(len(counts) - 12, 'autre')}" if len(counts) > 12 else ""
        raise InputFileError(
            f"{name} : --categorie {', '.join(missing) or '(vide)'} : aucun événement de cette catégorie.",
            hint=f"Catégories présentes : {known}{more}.",
        )
    kept = key.isin(list(asked))
    chosen = points[kept.to_numpy()].copy()
    chosen.attrs = {**points.attrs, "categories_choisies": sorted(set(written[kept]))}
    return chosen
