"""The map's « Prévision du trimestre » layer: the zone's cells, a category's, and a place's ranked among themselves.

The zone's layer is the last analysis's first 10 % of cells (``read.sql`` ``forecast_cells``). A place chosen in
the filters (a commune, a postcode) gets its own first 10 %: its cells ranked among themselves, each with its
share of the place and its rank in the zone — a rural commune has few cells among the zone's first, and its patrol
wants to know where to go first in it. A category's layer is made when first asked
(:mod:`service.analyse.forecast_category`) and kept, every cell of it, until the analysis data change; its place
layers are taken from it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import psycopg
import shapely
import shapely.geometry
from fastapi import Request
from fastapi.responses import Response

from service.analyse.forecast_category import category_layer
from service.analyse.forecast_map import CheckCells, check_arrays, check_of, check_words, place_shares
from service.api.cache import Body, encode, respond
from service.api.geojson import GEOJSON, cached_collection, placed_params, query
from service.api.state import state_of
from service.geo import LAMBERT72, WGS84, project


def _squares(xs: list[float], ys: list[float], half: float) -> list[dict[str, Any]]:
    """Cells' squares in WGS84 from their centres in Lambert 72, to 7 decimals, as the stored layer's SQL gives them."""
    x, y = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    west, south = project(x - half, y - half, LAMBERT72, WGS84)
    east, north = project(x + half, y + half, LAMBERT72, WGS84)
    boxes = shapely.box(west, south, east, north)
    boxes = shapely.set_coordinates(boxes, shapely.get_coordinates(boxes).round(7))
    return [json.loads(text) for text in shapely.to_geojson(boxes)]


def _feature(zone_rank: int, geometry: dict[str, Any], rank: int, share: str, expected: float) -> dict[str, Any]:
    """One cell: ``rang`` (in the zone, or in the place), ``part``, ``attendus`` (2 decimals), ``rang_zone``."""
    return {
        "type": "Feature",
        "id": zone_rank,
        "geometry": geometry,
        "properties": {"rang": rank, "part": share, "attendus": round(expected, 2), "rang_zone": zone_rank},
    }


#: A cell of a place, in the zone's order: its zone rank, zone share, expected reports, and its check (the
#: forecast made three months earlier, the count, the reports received since; None without a check).
PlaceCell = tuple[int, str | None, float, float | None, float | None, float | None]


def place_check(facts: dict[str, Any], cells: list[PlaceCell]) -> dict[str, Any] | None:
    """The place's own check: the share of its reports of the check's months that fell in the first 1, 5 and 10 %
    of its cells the forecast made at their start chose, beside the plain count's (None without a check)."""
    check = facts.get("controle")
    if not check or not cells or any(c[3] is None for c in cells):
        return None
    forecast, count, received = (np.array([c[i] for c in cells], dtype=float) for i in (3, 4, 5))
    return check_of(CheckCells(float(check["mois"]), forecast, count, received))


def place_collection(
    facts: dict[str, Any] | None,
    cells: list[PlaceCell],
    squares: Callable[[list[int]], list[dict[str, Any]]],
    every_cell: bool,
) -> dict[str, Any]:
    """A place's layer from its cells in the zone's order (``squares`` gives the WGS84 squares of those at the
    indexes asked): its first 10 %, ranked among themselves, and ``prevision.lieu`` (the place's cells, what it
    expects, how it is ranked); the legend's check is then the place's own. A layer stored before every cell was
    kept holds the zone's first 10 % only: the place's cells among them keep their zone's rank and share, the
    zone's check, and ``lieu.classement`` says so."""
    facts = dict(facts or {})
    expected = np.array([c[2] for c in cells], dtype=float)
    if every_cell:
        kept, shares = place_shares(expected)
        chosen = [(i, j + 1, str(share)) for j, (i, share) in enumerate(zip(kept.tolist(), shares, strict=True))]
    else:
        chosen = [(i, c[0], str(c[1])) for i, c in enumerate(cells) if c[1] is not None]
    drawn = squares([i for i, _, _ in chosen])
    features = [
        _feature(cells[i][0], square, rank, share, float(expected[i]))
        for (i, rank, share), square in zip(chosen, drawn, strict=True)
    ]
    place: dict[str, Any] = {"mailles": None, "attendus": None, "classement": "zone"}
    if every_cell:
        place = {"mailles": len(cells), "attendus": round(float(expected.sum()), 1), "classement": "lieu"}
        check = place_check(facts, cells)
        place["controle"] = check
        facts["controle_phrase"] = check_words(check, facts.get("libelle"), where="du lieu")
    return {"type": "FeatureCollection", "prevision": {**facts, "lieu": place}, "features": features}


async def forecast_layer(request: Request, category: str | None, places: list[str] | None) -> Response:
    """``GET /api/prevision``: the zone's layer, a category's, and either in the places asked."""
    if category:
        return await _category(request, category, places)
    if not places:
        return await cached_collection(request, "forecast_cells", {})

    def make(conn: psycopg.Connection[Any]) -> Body:
        asked = placed_params(conn, {"places": places})
        facts, stored = conn.execute(query("forecast_layer_facts")).fetchone() or (None, 0)
        every_cell = facts is not None and stored >= int(facts.get("mailles_zone") or 0)
        rows = conn.execute(query("forecast_cells_in_places"), asked).fetchall()
        cells: list[PlaceCell] = [(int(r[0]), r[1], float(r[2]), r[3], r[4], r[5]) for r in rows]
        collection = place_collection(facts, cells, lambda at: [json.loads(rows[i][6]) for i in at], every_cell)
        return encode(collection, GEOJSON)

    state = state_of(request)
    return respond(request, await state.cached_body("analyse", ("analyse", "forecast_place", tuple(places)), make))


async def _category(request: Request, category: str, places: list[str] | None) -> Response:
    """A category's layer, kept with every cell (centres in Lambert 72) until the analysis data change; the zone's
    first 10 % sent, or a place's, ranked among themselves, taken from the kept cells."""
    state = state_of(request)

    def every(conn: psycopg.Connection[Any]) -> Body:
        layer = category_layer(conn, state.settings, category)
        cells = layer.cells
        centres = cells.geometry.centroid
        side = float(np.sqrt(cells.geometry.area.iloc[0])) if len(cells) else 0.0
        return encode(
            {
                "prevision": layer.summary,
                "cote": side,
                # rank, zone share, expected, centre (x, y), then the check (forecast, count, received)
                "cellules": [
                    [int(r), s if isinstance(s, str) else None, float(e), round(float(x), 1), round(float(y), 1)]
                    + [float(v) if np.isfinite(v) else None for v in check]
                    for r, s, e, x, y, *check in zip(
                        cells["rang"],
                        cells["classe"],
                        cells["attendus"],
                        centres.x,
                        centres.y,
                        *check_arrays(cells),
                        strict=True,
                    )
                ],
            },
            "application/json",
        )

    key = ("analyse", "forecast_category", category)
    kept = await state.cached_body("analyse", (*key, "cellules"), every)

    def zone(_conn: psycopg.Connection[Any]) -> Body:
        data = json.loads(kept.raw)
        half = data["cote"] / 2
        first = [c for c in data["cellules"] if c[1] is not None]
        drawn = _squares([c[3] for c in first], [c[4] for c in first], half)
        features = [_feature(c[0], square, c[0], c[1], c[2]) for c, square in zip(first, drawn, strict=True)]
        return encode({"type": "FeatureCollection", "prevision": data["prevision"], "features": features}, GEOJSON)

    if not places:
        return respond(request, await state.cached_body("analyse", key, zone))

    def placed(conn: psycopg.Connection[Any]) -> Body:
        data = json.loads(kept.raw)
        half, all_cells = data["cote"] / 2, data["cellules"]
        asked = placed_params(conn, {"places": places})
        xs = [c[3] for c in all_cells]
        ys = [c[4] for c in all_cells]
        inside = [all_cells[i] for (i,) in conn.execute(query("cells_in_places"), {"xs": xs, "ys": ys, **asked})]
        cells: list[PlaceCell] = [(c[0], c[1], c[2], c[5], c[6], c[7]) for c in inside]

        def squares(at: list[int]) -> list[dict[str, Any]]:
            return _squares([inside[i][3] for i in at], [inside[i][4] for i in at], half)

        return encode(place_collection(data["prevision"], cells, squares, every_cell=True), GEOJSON)

    return respond(request, await state.cached_body("analyse", (*key, tuple(places)), placed))
