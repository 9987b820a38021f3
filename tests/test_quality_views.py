"""The intake and geocoding views the intake notebook reads: what came in per source and month, what was
refused and why, how each row was placed and what a person still has to place (real files, real database)."""

from __future__ import annotations

import pandas as pd

from service.geocode.apply import GazetteerBatchGeocoder
from service.geocode.quality import geocoding_results, level_summary, not_placed
from service.ingest.pipeline import IngestOptions, ingest_file
from service.ingest.quality import batch_accounts, intake_by_month, rejection_reasons
from tests.conftest import DATA
from tests.helpers import NOW, write
from tests.test_geocode_followup import HEADER, ROWS, register  # noqa: F401 (the register fixture)

#: The citizen app's rows, plus two of February and two it should never have sent.
EXTRA = [
    "F1;03/02/2026 09:00;depot_clandestin;;50.6098;5.5119",
    "F2;04/02/2026 09:00;depot_clandestin;;50.6099;5.5120",
    "X1;31/02/2026 09:00;graffiti;;50.6098;5.5119",  # no 31 February
    "X2;05/02/2026 09:00;ordures menageres volantes;;50.6098;5.5119",  # unknown category
]


def _load(conn, settings, register, tmp_path):  # noqa: F811
    hook = GazetteerBatchGeocoder(register)
    app = write(tmp_path / "app_citoyenne.csv", HEADER + "\n".join(ROWS + EXTRA) + "\n")
    first = ingest_file(conn, app, IngestOptions("reports", source="app"), settings, now=NOW, geocoder=hook)
    out_of_zone = ingest_file(
        conn, DATA / "bad" / "hors_zone.csv", IngestOptions("reports", source="commune"), settings, now=NOW
    )
    return first, out_of_zone


def test_intake_per_source_and_month_adds_up_to_the_stored_rows(conn, settings, register, tmp_path):  # noqa: F811
    _load(conn, settings, register, tmp_path)
    intake = intake_by_month(conn)
    reports = intake[intake["type"] == "signalements"]
    assert reports["lignes"].sum() == conn.execute("SELECT count(*) FROM reports").fetchone()[0]
    app = reports[reports["source"] == "app"].set_index("mois")["lignes"]
    assert app[pd.Timestamp("2026-03-01")] == len(ROWS) and app[pd.Timestamp("2026-02-01")] == 2
    assert set(reports["source"]) == {"app", "commune"}


def test_refused_rows_are_counted_by_field_and_reason_with_their_row_number(conn, settings, register, tmp_path):  # noqa: F811
    first, out_of_zone = _load(conn, settings, register, tmp_path)
    batches = batch_accounts(conn)
    assert list(batches["lot"]) == [first.batch_id, out_of_zone.batch_id]
    row = batches.iloc[0]
    assert (row["type"], row["etat"]) == ("signalements", "terminé")  # words, not the codes reports / termine
    assert (row["lignes"], row["rejetees"]) == (len(ROWS) + len(EXTRA), 2)
    assert row["lignes"] == row["inserees"] + row["mises_a_jour"] + row["doublons"] + row["rejetees"]
    reasons = rejection_reasons(conn)
    mine = reasons[reasons["lot"] == first.batch_id].set_index("champ")
    # the header is line 1: X1 is the 11th row of the file, X2 the 12th
    assert mine.loc["date", "premiere_ligne"] == 12 and "n'existe pas" in mine.loc["date", "motif"]
    assert mine.loc["catégorie", "premiere_ligne"] == 13 and "inconnue" in mine.loc["catégorie", "motif"]
    other = reasons[reasons["lot"] == out_of_zone.batch_id]
    assert len(other) == 1 and "hors de la zone" in other["motif"].iloc[0]


def test_geocoding_levels_scores_and_what_is_left_to_place(conn, settings, register, tmp_path):  # noqa: F811
    _load(conn, settings, register, tmp_path)
    results = geocoding_results(conn)
    # the six rows with an address only; the rows given with coordinates never went through the geocoder
    assert sorted(results["statut"]) == ["a_verifier", "a_verifier", "geocode", "geocode", "geocode", "geocode"]
    assert results.crs.to_epsg() == 31370
    summary = level_summary(results)
    placed = summary[summary["statut"] == "geocode"]
    assert placed["lignes"].sum() == 4 and (placed["score_min"] >= 0.75).all()
    todo = not_placed(results).set_index("address")
    assert list(todo["statut"]) == ["a_verifier", "a_verifier"]
    provisional = todo.loc["Rue Cockerill 5, 4100 Seraing"]
    assert "numéro 5 absent du registre" in provisional["motif"] and not provisional.geometry.is_empty
    failed = todo.loc["voir le PV de l'agent"]  # no address at all: no point, level « echec »
    assert failed["niveau"] == "echec" and failed.geometry is None
