"""Numbered markers on a printed map (service.export.print_map): stops a few metres apart print on one spot at a
zone's scale, so they are set apart on a ring around their place; read back from a real PDF, number by number."""

from __future__ import annotations

import io
import math

import pypdf
import pytest
import shapely
import shapely.affinity
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from service.export.print_map import RING_MOST, MapFrame, MapLayer, draw_map, spread


def _closest(drawn: list[tuple[float, float]]) -> float:
    return min(math.dist(a, b) for i, a in enumerate(drawn) for b in drawn[i + 1 :])


def test_markers_far_apart_stay_on_their_place():
    places = [(0.0, 0.0), (40.0, 0.0), (0.0, 40.0)]
    assert spread(places, 11) == places


def test_a_crowd_is_drawn_on_a_ring_each_marker_on_the_side_of_its_place():
    places = [(100.0, 100.0), (101.0, 100.5), (100.5, 101.0), (300.0, 300.0)]
    drawn = spread(places, 11)
    crowd, alone = drawn[:3], drawn[3]
    assert alone == (300.0, 300.0)
    centre = (sum(x for x, _ in places[:3]) / 3, sum(y for _, y in places[:3]) / 3)
    radii = [math.dist(centre, p) for p in crowd]
    assert radii == pytest.approx([radii[0]] * 3) and radii[0] < 11  # one ring, tight around the place
    assert _closest(crowd) >= 11 * 1.2 - 1e-9  # neighbours 1.2 diameters apart: no number hidden
    for place, at in zip(places, crowd, strict=False):  # each on its side: leader lines do not cross
        side = (place[0] - centre[0]) * (at[0] - centre[0]) + (place[1] - centre[1]) * (at[1] - centre[1])
        assert side > 0


def test_markers_on_one_spot_go_first_at_the_top_then_clockwise():
    first, second, third = spread([(50.0, 50.0)] * 3, 11)
    assert first[0] == pytest.approx(50.0) and first[1] > 50.0  # the top
    assert second[0] > 50.0 > third[0] and second[1] < 50.0 and third[1] < 50.0  # then right, then left


def test_a_chain_of_markers_is_one_crowd_and_rings_that_would_touch_merge():
    # each 8 pt from the next: no two overlap by pairs beyond the first, but as a chain they do
    chain = [(float(8 * i), 0.0) for i in range(5)]
    assert _closest(spread(chain, 11)) >= 11
    # two pairs whose rings would touch: taken as one crowd of four
    two_pairs = [(0.0, 0.0), (2.0, 0.0), (16.0, 0.0), (18.0, 0.0)]
    assert _closest(spread(two_pairs, 11)) >= 11


def test_a_crowd_beyond_what_rings_hold_is_left_in_place_rather_than_drawn_on_rings_over_each_other():
    # one more than a ring holds, at one spot: a full ring and the one left at its centre, no number hidden
    crowd = [(50.0, 50.0)] * (RING_MOST + 1)
    drawn = spread(crowd, 9)
    assert _closest(drawn) >= 9 and drawn.count((50.0, 50.0)) == 1
    # sixty at one spot: full rings would lie on each other; they are not drawn
    sixty = [(50.0, 50.0)] * 60
    assert spread(sixty, 9) == sixty


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 40), st.floats(0, 40)), min_size=2, max_size=RING_MOST))
def test_no_two_numbers_overlap_whatever_the_places(places):
    assert _closest(spread(places, 11)) >= 11 - 1e-6


def _numbers(pdf: bytes) -> dict[str, tuple[float, float]]:
    """Each text's position on the page (its baseline's start), read by pypdf as a PDF reader places it."""
    found: dict[str, tuple[float, float]] = {}

    def seen(text, cm, tm, font, size):
        if text.strip():
            found[text.strip()] = (tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5])

    pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=seen)
    return found


def test_the_printed_map_sets_apart_two_teams_stops_at_one_place():
    """Stops 1 and 2 of team 1 and stop 7 of team 2 within 3 m, on a map of 2.5 km (0.2 pt a metre): on paper
    each number is read at least a marker's width from the others, around the place; stop 9 alone is where it
    is. Before, the three numbers were printed on top of each other."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    frame = MapFrame((0.0, 0.0, 2500.0, 2000.0), 50, 200, 500, 400)
    point = shapely.Point
    team = {"marker": "cercle", "size": 11.0, "stroke": "#ffffff"}
    layers = [
        MapLayer([point(1000, 1000), point(1003, 1002)], labels=["1", "2"], fill="#1f63b4", **team),
        MapLayer([point(1001, 1001), point(2000, 1500)], labels=["7", "9"], fill="#1a9641", **team),
    ]
    draw_map(canvas, layers, frame)
    canvas.showPage()
    canvas.save()
    numbers = _numbers(buffer.getvalue())
    crowd = [numbers[n] for n in ("1", "2", "7")]
    assert _closest(crowd) >= 11
    place = frame.xy(1001, 1001)
    assert all(math.dist(place, at) < 15 for at in crowd)  # around the place, not elsewhere
    # 3 m is under a point on paper: one spot, so the stops go in their order, the first at the top
    assert numbers["1"][1] > numbers["2"][1] and numbers["1"][1] > numbers["7"][1]
    alone_x, alone_y = frame.xy(2000, 1500)
    assert numbers["9"] == pytest.approx((alone_x - 2.2, alone_y - 11 * 0.62 * 0.36), abs=1.0)  # centred on it


def test_an_area_is_named_whole_on_the_part_the_map_shows_or_not_at_all():
    """A commune mostly off the map was named at a point of its own, outside the frame or on its edge, so that the
    shift's map printed a lone « L » of Liège in its corner. Its name is now written on the part the map shows, whole
    inside the frame; a sliver along the edge too narrow for its name, and an area off the map, are not named."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from service.export.print_map import fonts

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    frame = MapFrame((0.0, 0.0, 2500.0, 2000.0), 50, 200, 500, 400)
    box = shapely.box
    areas = [box(200, 200, 1200, 1200), box(1900, 1500, 9000, 9000), box(2490, 0, 5000, 300), box(3000, 0, 4000, 900)]
    names = ["Seraing", "Liège", "Ans", "Awans"]
    layer = MapLayer(areas, labels=names, stroke="#333333", label_color="#555555", label_size=9)
    draw_map(canvas, [layer], frame)
    canvas.showPage()
    canvas.save()
    found = _numbers(buffer.getvalue())
    assert set(found) & set(names) == {"Seraing", "Liège"}  # (the rest: the scale bar and the north arrow)
    for name in ("Seraing", "Liège"):
        x, y = found[name]
        assert frame.x <= x and x + stringWidth(name, fonts()[0], 9) <= frame.x + frame.width, name
        assert frame.y <= y <= frame.y + frame.height - 9, name
    liege_x, liege_y = found["Liège"]
    assert liege_x >= frame.xy(1900, 0)[0] - 1 and liege_y >= frame.xy(0, 1500)[1] - 1  # on the part shown


def test_a_drawn_shape_is_said_by_its_size_as_an_officer_looks_for_it():
    """A building's footprint by its area and its sides (its longest first, whatever its angle), several surfaces
    by their total, a stretch of pavement by its length; thousands with a narrow no-break space, as on paper."""
    from service.export.values import shape_words

    warehouse = shapely.affinity.rotate(shapely.box(0, 0, 62.4, 21.6), 33)  # a shed along a slanting street
    assert shape_words(warehouse) == "surface de 1\u202f348 m², environ 62 × 22 m"
    two = shapely.MultiPolygon([shapely.box(0, 0, 10, 10), shapely.box(50, 0, 60, 5)])
    assert shape_words(two) == "2 surfaces, 150 m² en tout"
    pavement = shapely.LineString([(0, 0), (30, 40), (30, 95)])
    assert shape_words(pavement) == "tracé de 105 m"
    assert shape_words(shapely.MultiLineString([[(0, 0), (0, 1200)], [(5, 0), (5, 10)]])) == (
        "2 tracés, 1\u202f210 m en tout"
    )
    # a shape drawn tiny (a clicked square) is « less than 1 », never « 0 »
    assert shape_words(shapely.box(0, 0, 1.2, 0.3)) == "surface de moins de 1 m², environ 1 × moins de 1 m"


def test_a_street_is_named_once_along_itself_clear_of_the_building_and_the_scale_bar():
    """A stop's small map (100 m across): « Rue Ferrer », drawn in two pieces, named once, upright along its
    longer piece (an east-west street: flat), not over the building drawn on it nor over the scale bar; « Rue de
    la Station », a stub too short for its name, and an unnamed lane are not named."""
    from service.export.print_map import fonts

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    frame = MapFrame((0.0, 0.0, 100.0, 60.0), 50, 200, 300, 180)  # 3 points a metre
    ferrer = [shapely.LineString([(0, 10), (45, 10)]), shapely.LineString([(45, 10), (100, 10)])]
    station = shapely.LineString([(60, 40), (66, 46)])
    lane = shapely.LineString([(5, 50), (95, 50)])
    building = shapely.box(40, 5, 70, 20)  # on the street's east piece
    streets = MapLayer(
        [*ferrer, station, lane], labels=["Rue Ferrer", "Rue Ferrer", "Rue de la Station", None], label_size=7
    )
    draw_map(canvas, [streets, MapLayer([building], stroke="#e66101", fill="#fdd0a2")], frame)
    canvas.showPage()
    canvas.save()
    pdf = buffer.getvalue()
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert text.count("Rue Ferrer") == 1 and "Station" not in text, text
    x, y = _numbers(pdf)["Rue Ferrer"]
    street_y = frame.xy(0, 10)[1]
    assert abs(y - street_y) < 7  # along the street (its baseline a little under the line's middle)
    building_x = (frame.xy(40, 0)[0], frame.xy(70, 0)[0])
    width = canvas.stringWidth("Rue Ferrer", fonts()[0], 7)
    assert x + width <= building_x[0] or x >= building_x[1], (x, building_x)  # beside the building, not over it
    scale_bar = (frame.x + 5, frame.y + 5, frame.x + 10 + 20 * 3 + 35, frame.y + 27)  # 20 m and its white box
    assert x >= scale_bar[2] or y - 3 >= scale_bar[3], (x, y, scale_bar)  # not over the scale bar


def _drawn_list(points: list[shapely.Point], shapes: list[shapely.Geometry]):
    """A list of sites to inspect, each a report drawn as ``shapes`` in a GIS file, at ``points`` (Lambert 72)."""
    import geopandas as gpd
    import pandas as pd

    from service.export.sheet import LIST_COLUMNS, Sheet

    n = len(points)
    rows = pd.DataFrame({c: [None] * n for c in LIST_COLUMNS})
    rows["Site"], rows["Lieu"] = [f"SIG-{i}" for i in range(n)], [f"Rue Ferrer {i}" for i in range(n)]
    places = gpd.GeoDataFrame({"line": [None] * n, "exit": points, "shape": shapes}, geometry=points, crs=31370)
    return Sheet(
        title="Sites à contrôler", subtitle="", rows=rows, places=places, ordered=False,
        outcome_labels=["Nettoyé"], timezone="Europe/Brussels",
    )  # fmt: skip


def test_a_list_of_drawn_buildings_prints_each_small_map_with_its_own_streets_only():
    """Forty buildings drawn in a GIS file, over a town of 3 000 street lines: each stop's small map draws the few
    streets around its building, not the whole town clipped (which made a 200-building list a 39 MB PDF)."""
    import numpy as np

    from service.export.pdf_sheet import render_pdf
    from service.export.print_background import PaperBackground

    rng = np.random.default_rng(3)
    origin = np.array([230000.0, 145000.0])
    corners = rng.uniform(0, 5000, (3000, 2)) + origin
    streets = [shapely.LineString([(x, y), (x + 200, y + 50)]) for x, y in corners]
    background = PaperBackground(streets=streets)
    box = (232000.0, 147000.0, 232100.0, 147060.0)
    near, names = background.streets_within(box)
    assert names == [None] * len(near)  # streets without names: none written
    crossing = [s for s in streets if s.intersects(shapely.box(*box))]  # and a few whose extent only meets it
    assert crossing and {id(s) for s in crossing} <= {id(s) for s in near} and len(near) < 30
    n = 40
    points = [shapely.Point(p) for p in rng.uniform(0, 5000, (n, 2)) + origin]
    data = render_pdf(_drawn_list(points, [p.buffer(10) for p in points]), background=background)
    text = " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert text.count("Forme dessinée dans le fichier reçu") == n  # every stop has its small map
    assert len(data) < 1_500_000, len(data)


def test_the_gpx_gives_a_drawn_building_with_its_courtyard_and_a_stretch_of_pavement_as_drawn():
    """A building around a courtyard: its outer wall and the courtyard's, each a closed segment of one track; a
    fouled stretch of pavement: its line; a report drawn as a point: no track."""
    import gpxpy
    import numpy as np

    from service.export.gpx_file import render_gpx
    from service.geo import geometry_lonlat

    building = shapely.box(231000, 146000, 231040, 146030).difference(shapely.box(231010, 146010, 231030, 146020))
    pavement = shapely.LineString([(231100, 146000), (231160, 146000)])
    points = [
        building.representative_point(),
        pavement.interpolate(0.5, normalized=True),
        shapely.Point(231200, 146000),
    ]
    gpx = gpxpy.parse(render_gpx(_drawn_list(points, [building, pavement, None])).decode("utf-8"))
    said = "Dessinée dans le fichier reçu : "
    assert [(t.name, t.type, t.description) for t in gpx.tracks] == [
        ("Forme : Rue Ferrer 0 (SIG-0)", "Forme dessinée", said + "surface de 1\u202f000 m², environ 40 × 30 m."),
        ("Forme : Rue Ferrer 1 (SIG-1)", "Forme dessinée", said + "tracé de 60 m."),
    ]
    walls = [[(p.longitude, p.latitude) for p in seg.points] for seg in gpx.tracks[0].segments]
    expected = [geometry_lonlat(ring) for ring in (building.exterior, *building.interiors)]
    assert len(walls) == 2 and all(w[0] == w[-1] for w in walls)  # each ring closed
    for wall, ring in zip(walls, expected, strict=True):
        assert np.asarray(wall).shape == ring.shape and np.allclose(wall, ring, atol=1e-6)  # to 10 cm
    (line,) = gpx.tracks[1].segments
    assert len(line.points) == 2
