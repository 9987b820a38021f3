"""The analysts' notebooks (``notebooks/*.py``, jupytext percent scripts) run top to bottom on a real kernel
against the test database, as ``make test`` runs them in CI: a failing cell fails the build.

The kernel gets the database the way the ``hotspots`` command does, from the environment (``HOTSPOTS_DATA_DIR``,
``HOTSPOTS_PG_PORT`` or ``DATABASE_URL``); the database is emptied first, so the first notebook loads the
demonstration set itself. Each notebook has a time limit, and each of its cells another.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT, empty_data_tables
from tests.helpers import cli_env

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
#: Seconds per notebook (pytest-timeout) and per cell (nbclient): the three take about 30 s together here.
NOTEBOOK_LIMIT_S = 240
CELL_LIMIT_S = 180
#: What each notebook must draw: (matplotlib figures, folium maps) at least.
EXPECTED = {
    "01_import_et_geocodage": (2, 1),
    "02_points_sensibles_et_axes": (4, 3),
    "03_planifier_une_tournee": (1, 1),
}


@pytest.fixture(scope="module")
def kernel_env(settings, tmp_path_factory):
    """The environment of the notebooks' kernel, over an emptied database (demo data loaded by the first)."""
    from service.db import connect

    with connect(settings) as conn:
        empty_data_tables(conn)
    return cli_env(settings, HOTSPOTS_TILE_URL="", JUPYTER_PLATFORM_DIRS="1")


def _run(path: Path, env: dict[str, str], out: Path):
    import jupytext
    import nbformat
    from nbclient import NotebookClient

    nb = jupytext.read(path)
    client = NotebookClient(
        nb, timeout=CELL_LIMIT_S, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    try:
        client.execute(env=env)
    finally:
        nbformat.write(nb, out)  # the executed notebook, to open when a cell fails
        print(f"\ncarnet exécuté : {out}")
    return nb


def test_the_notebooks_are_the_reviewed_scripts():
    """Only the plain-text form is kept: no executed notebook (and its outputs) in the repository."""
    assert [p.stem for p in NOTEBOOKS] == list(EXPECTED)
    assert "/notebooks/*.ipynb" in (ROOT / ".gitignore").read_text().splitlines()
    for path in NOTEBOOKS:
        head = path.read_text(encoding="utf-8")[:400]
        assert "format_name: percent" in head and "formats: ipynb,py:percent" in head, path.name


@pytest.mark.timeout(NOTEBOOK_LIMIT_S)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, kernel_env, tmp_path):
    nb = _run(path, kernel_env, tmp_path / f"{path.stem}.ipynb")
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    # nothing on stderr: a warning shown to an analyst (deprecation, pandas, matplotlib) is a defect too
    noise = [o["text"] for o in outputs if o.get("output_type") == "stream" and o.get("name") == "stderr"]
    assert not noise, noise
    if path.stem.startswith("02"):  # the demo's one action (at its historical corner) is found to have worked
        said = " ".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
        assert "c'est -" in said and "un écart que le hasard seul explique mal" in said, said[-600:]
        # the forecast of the demo's largest category, checked on the three months before its last report
        assert "signalements « Dépôt clandestin » qui ont suivi ; le comptage des signalements passés" in said
    images = [o["data"]["image/png"] for o in outputs if "image/png" in o.get("data", {})]
    maps = [o["data"]["text/html"] for o in outputs if "leaflet" in o.get("data", {}).get("text/html", "").lower()]
    figures, folium_maps = EXPECTED[path.stem]
    assert len(images) >= figures and len(maps) >= folium_maps, (len(images), len(maps))
    for png in images:
        assert len(base64.b64decode(png)) > 8_000  # a drawn figure, not an empty frame
    for html in maps:
        # offline: Leaflet inside the page, nothing fetched from a CDN (no tile address is configured here)
        assert not re.findall(r"(?:src|href)=(?:&quot;|[\"'])\s*(?:https?:)?//", html), "ressource en ligne"
        assert "data:text/javascript;base64," in html


@pytest.mark.timeout(NOTEBOOK_LIMIT_S)
def test_a_failing_cell_fails_the_run(kernel_env, tmp_path):
    """The check above would catch a broken notebook: a cell that raises stops the run with its error."""
    from nbclient.exceptions import CellExecutionError

    broken = tmp_path / "casse.py"
    broken.write_text("# %%\nfrom service.settings import load_settings\n\n# %%\nload_settings().nope\n")
    with pytest.raises(CellExecutionError, match="AttributeError"):
        _run(broken, kernel_env, tmp_path / "casse.ipynb")
