"""Tables as an officer reads them in a terminal window: every number shown, every word whole, at any width."""

from __future__ import annotations

from rich.console import Console, RenderableType
from rich.table import Table

from service.cli.fit import fitted, table_width
from service.cli.ingest import ImportAccount, totals_line
from service.ingest.pipeline import BatchSummary


def _summaries() -> list[BatchSummary]:
    commune = BatchSummary(
        batch_id=1, kind="reports", file_name="signalements_commune.csv", sha256="", format="csv", status="done",
        rows_in=1271, inserted=1206, duplicates=54, rejected=11,
    )  # fmt: skip
    commune.details["geocodage"] = {"attempted": 1206, "placed": 1149, "to_review": 57, "failed": 0}
    visits = BatchSummary(
        batch_id=2, kind="visits", file_name="visites.csv", sha256="", format="csv", status="done",
        rows_in=480, inserted=470, updated=10,
    )  # fmt: skip
    return [commune, visits]


def _shown(width: int, what: RenderableType | None = None) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(what if what is not None else ImportAccount(_summaries()))
    return console.export_text()


def test_a_wide_terminal_gets_the_table_with_whole_headers() -> None:
    text = _shown(200)
    header = next(line for line in text.splitlines() if line.startswith("┃") and "fichier" in line)
    for word in ("lot", "fichier", "type", "lignes", "insérées", "doublons", "rejetées", "géocodées"):
        assert word in header
    assert "…" not in text
    commune = next(line for line in text.splitlines() if "signalements_commune.csv" in line)
    cells = [c.strip() for c in commune.strip("│ \n").split("│")]
    assert cells[:3] == ["1", "signalements_commune.csv", "signalements"]
    assert cells[3:] == ["1271", "1206", "0", "54", "11", "1149", "57", "0"]  # lines, inserted … geocoding failures


def test_a_narrow_terminal_gets_one_paragraph_per_file_with_every_number() -> None:
    text = _shown(80)
    assert "┃" not in text and "…" not in text  # no table cropped to its file names
    assert all(len(line) <= 80 for line in text.splitlines())
    flat = " ".join(text.split())
    assert (
        "Lot 1 · signalements_commune.csv (signalements) : 1271 lignes — 1206 insérées, 0 mise à jour, 54 doublons, "
        "11 rejetées ; géocodage : 1149 placées, 57 à vérifier, 0 échec" in flat
    )
    # a file of visits has no address to geocode: said so, not « 0 placées, 0 à vérifier, 0 échecs »
    assert (
        "Lot 2 · visites.csv (visites) : 480 lignes — 470 insérées, 10 mises à jour, 0 doublon, 0 rejetée ; "
        "rien à géocoder" in flat
    )


def test_the_totals_say_where_every_line_went() -> None:
    line = totals_line(_summaries())
    # 1751 = 1676 + 10 + 54 + 11: the duplicates are said, so that the sum can be checked
    assert line == (
        "1751 lignes lues : 1676 enregistrements créés, 10 mis à jour, 54 doublons (déjà importés, ou le même fait "
        "signalé par une autre source), 11 rejetées (voir « hotspots rejects <lot> »)."
    )
    alone = BatchSummary(
        batch_id=3, kind="permits", file_name="permis.csv", sha256="", format="csv", status="done",
        rows_in=1, inserted=1,
    )  # fmt: skip
    assert totals_line([alone]) == "1 ligne lue : 1 enregistrement créé, 0 rejetée."


def _batches() -> Table:
    table = Table(title="Lots importés")
    for header in ("lot", "type", "fichier", "état", "lignes", "rejetées", "début"):
        table.add_column(header, no_wrap=header == "fichier")
    table.add_row("8", "signalements", "signalements_erreurs.csv", "terminé", "18", "11", "02/12/2026 14:14")
    table.add_row("5", "visites", "visites.csv", "refusé", "480", "0", "02/12/2026 14:10")
    return table


def test_any_table_shows_whole_where_it_fits_and_as_one_paragraph_per_row_where_it_does_not() -> None:
    needed = table_width(_batches())
    # every word whole: 3 for « lot », 12 « signalements », 24 the file (no wrap), 7, 6, 8, 10 « 02/12/2026 »,
    # one space each side of each cell and eight rules
    assert needed == (3 + 12 + 24 + 7 + 6 + 8 + 10) + 7 * 2 + 8
    wide = _shown(200, fitted(_batches()))
    assert "┃ lot ┃" in wide and "│ signalements │ signalements_erreurs.csv │ terminé │" in wide
    for width in (200, needed + 3, needed, needed - 1, 60):
        shown = _shown(width, fitted(_batches()))
        assert "…" not in shown, width  # never a word cut: « signalemen… » said nothing
        assert all(len(line) <= width for line in shown.splitlines())
        if "┃" not in shown:  # as paragraphs: every value after its column's name
            flat = " ".join(shown.split())
            assert flat.startswith("Lots importés • lot 8 · type signalements · fichier signalements_erreurs.csv")
            assert "• lot 5 · type visites · fichier visites.csv · état refusé · lignes 480 · rejetées 0" in flat
    assert "┃" not in _shown(needed - 1, fitted(_batches()))
    assert "┃ lot ┃" in _shown(needed, fitted(_batches()))  # at its least width the table still shows, words whole


def test_the_check_line_agrees_its_words_with_its_numbers():
    """It said « 5 lignes = 1 insérées + 0 mises à jour + 0 doublons (…) + 4 rejetées »."""
    visits = BatchSummary(
        batch_id=11, kind="visits", file_name="visites.csv", sha256="", format="csv", status="done",
        rows_in=5, inserted=1, rejected=4,
    )  # fmt: skip
    assert visits.check_line() == (
        "Contrôle : 5 lignes = 1 insérée + 0 mise à jour + 0 doublon (0 déjà en base, 0 répété dans le fichier, "
        "0 quasi-doublon lié) + 4 rejetées."
    )
    commune = _summaries()[0]
    commune.details.update(doublons_identiques_en_base=20, doublons_dans_le_fichier=4, quasi_doublons_lies=30)
    assert commune.check_line() == (
        "Contrôle : 1271 lignes = 1206 insérées + 0 mise à jour + 54 doublons (20 déjà en base, 4 répétés dans le "
        "fichier, 30 quasi-doublons liés) + 11 rejetées."
    )
