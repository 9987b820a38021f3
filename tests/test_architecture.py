"""The shape of ``service/``: every import arrow between its packages points down (no cycle), and the doors (the
API with its map pages, the CLI) are imported by no stage. ``python -m tests.architecture`` prints the graph."""

from __future__ import annotations

from pathlib import Path

from tests.architecture import DOORS, cycles, graph, import_edges, layers, longest_functions


def test_no_cycle_between_packages():
    edges = import_edges()
    found = cycles(graph(edges))
    detail = [f"{e.source} → {e.target} ({e.where})" for e in edges for g in found if {e.source, e.target} <= set(g)]
    assert not found, "imports en cycle :\n" + "\n".join(detail)


def test_no_stage_imports_a_door():
    wrong = [e for e in import_edges() if e.target in DOORS and e.source not in {*DOORS, "__main__"}]
    assert not wrong, "\n".join(f"{e.source} importe {e.target} ({e.where})" for e in wrong)


def test_the_stages_stand_in_layers():
    """The foundations at the bottom, the doors on top, the stages between them."""
    levels = {name: level for level, names in enumerate(layers(graph(import_edges()))) for name in names}
    assert levels["errors"] == levels["settings"] == 0
    assert levels["geo"] < levels["geocode"] < levels["ingest"]
    assert levels["db"] < levels["analyse"] < levels["plan"] < levels["export"]
    assert max(levels[stage] for stage in ("ingest", "plan", "export", "prevention", "referrals")) < levels["api"]
    assert levels["maps"] < levels["api"] < levels["cli"]


def _package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "service" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "service"


def test_the_service_s_time_zone_is_named_in_one_place():
    """Every day, month and hour the service shows or counts is in its time zone (``Settings.timezone``,
    HOTSPOTS_TIMEZONE), passed down: a zone written into a module would be a second setting that no one can
    change. Only the settings name the default; the demonstration names its scenario's place (Seraing) and the
    map's script a fallback it replaces with the page's zone before anything is drawn."""
    root = Path(__file__).resolve().parents[1] / "service"
    allowed = {"settings.py", "demo/writers.py", "maps/static/hotspots/carte.js"}
    named = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.suffix in {".py", ".sql", ".js", ".html"}
        and "Europe/Brussels" in path.read_text(encoding="utf-8")
        and str(path.relative_to(root)) not in allowed
    )
    assert not named, "fuseau horaire écrit en dur (passez Settings.timezone) : " + ", ".join(named)


def test_the_graph_sees_a_cycle_even_through_a_late_or_relative_import(tmp_path):
    """The check itself: a cycle hidden in a function body, through a relative import, is found."""
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "geo.py": "",
            "alpha/__init__.py": "from service import geo\n",
            "alpha/one.py": "from service.beta.two import thing\n",
            "beta/__init__.py": "",
            "beta/two.py": "def thing():\n    from ..alpha import one\n    return one\n",
        },
    )
    edges = import_edges(root)
    assert {(e.source, e.target, e.late) for e in edges} == {
        ("alpha", "geo", False),
        ("alpha", "beta", False),
        ("beta", "alpha", True),
    }
    assert cycles(graph(edges)) == [["alpha", "beta"]]


def test_longest_functions_are_measured_with_their_decorators(tmp_path):
    root = _package(tmp_path, {"__init__.py": "", "a.py": "@staticmethod\ndef f():\n    x = 1\n    return x\n"})
    (function,) = longest_functions(root, most=1)
    assert (function.name, function.lines) == ("f", 4)
