"""Records sent one by one go through the pipeline from memory: one validation, one merge, their stored ids back,
all or nothing, and with what the caller writes beside them stored together or not at all."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from service.api import create_app
from service.errors import ValidationFailedError
from service.ingest.pipeline import IngestOptions, ingest_table
from service.ingest.read import open_table, table_source
from service.ingest.records import records_frame, store_records
from tests.helpers import NOW, count

PLACE = {"lon": "5.5052", "lat": "50.6043"}  # Seraing, near the town hall


def _visits(*outcomes: str) -> list[dict[str, str]]:
    return [
        {"identifiant": f"V{i}", "date": f"0{i}/11/2026 10:00", "resultat": outcome, "agent": "INP Lambert", **PLACE}
        for i, outcome in enumerate(outcomes, start=1)
    ]


def test_an_in_memory_table_reads_as_the_same_rows_in_a_csv_file(tmp_path):
    """Row numbers, empty cells, size and SHA-256: what the batch keeps is what the same CSV file would give."""
    records = [
        {"date": "01/11/2026", "categorie": "graffiti", "description": "", "adresse": " Rue Ferrer 12 "},
        {"date": "02/11/2026", "categorie": "dépôt sauvage", "description": 'tas "énorme", deux\nlignes'},
    ]
    frame = records_frame(records)
    in_memory = table_source(frame, "api-agent.csv")
    path = tmp_path / "api-agent.csv"
    frame.to_csv(path, index=False, lineterminator="\r\n")
    on_disk = open_table(path)
    assert (in_memory.facts.size, in_memory.facts.sha256) == (path.stat().st_size, on_disk.facts.sha256)
    assert in_memory.facts.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (in_memory.format, in_memory.delimiter, in_memory.headers) == ("csv", ",", on_disk.headers)
    pd.testing.assert_frame_equal(next(in_memory.chunks(100)), next(on_disk.chunks(100)))


def test_records_are_stored_in_one_batch_and_their_ids_come_back_in_order(conn, settings):
    records = [*_visits("pv", "nettoyé", "avertissement"), _visits("pv")[0]]  # the last repeats the first
    stored = store_records(conn, settings, "visits", records, source="api", label="api-agent", now=NOW)
    summary = stored.summary
    assert (summary.rows_in, summary.inserted, summary.duplicates, summary.rejected) == (4, 3, 1, 0)
    assert summary.balanced and summary.file_name == "api-agent.csv" and summary.format == "csv"
    rows = dict(conn.execute("SELECT id, external_id FROM visits").fetchall())
    assert [rows[i] for i in stored.ids] == ["V1", "V2", "V3", "V1"]
    outcomes = [r[0] for r in conn.execute("SELECT outcome FROM visits ORDER BY row_number").fetchall()]
    assert outcomes == ["pv", "nettoye", "avertissement"]
    again = store_records(conn, settings, "visits", records[:2], source="api", label="api-agent", now=NOW)
    assert again.ids == stored.ids[:2] and again.summary.duplicates == 2  # already stored: the same ids
    assert count(conn, "ingestion_batches", "status = 'termine'") == 2


def test_reports_and_permits_return_their_ids_too(conn, settings):
    reports = [{"identifiant": f"R{i}", "date": "01/11/2026", "categorie": "graffiti", **PLACE} for i in (1, 2)]
    stored = store_records(conn, settings, "reports", reports, source="api", label="api-agent", now=NOW)
    ids = dict(conn.execute("SELECT external_id, id FROM reports").fetchall())
    assert stored.ids == [ids["R1"], ids["R2"]]
    permit = {"reference": "PE-2026-001", "type": "environnement", "classe": "2", "adresse": "Rue Ferrer 12"}
    one = store_records(conn, settings, "permits", [permit], source="api", label="api-agent", now=NOW)
    assert one.ids == [conn.execute("SELECT id FROM permits WHERE reference = 'PE-2026-001'").fetchone()[0]]


def test_one_refused_record_of_several_writes_nothing(conn, settings):
    store_records(conn, settings, "visits", _visits("pv"), source="api", label="api-agent", now=NOW)
    before = [count(conn, t) for t in ("visits", "ingestion_batches", "rejected_rows")]
    records = [*_visits("pv", "nettoyé"), {"date": "31/02/2026", "resultat": "peut-être", **PLACE}]
    with pytest.raises(ValidationFailedError) as refused:
        store_records(conn, settings, "visits", records, source="api", label="api-agent", now=NOW)
    assert refused.value.message.startswith("Visite refusée : date de visite « 31/02/2026 »")
    assert {p["champ"] for p in refused.value.problems} == {"date de visite", "résultat"}
    assert [count(conn, t) for t in ("visits", "ingestion_batches", "rejected_rows")] == before
    # refused after staging (a report no one stored, and no place of its own): nothing written either
    unplaceable = [*_visits("pv"), {"date": "03/11/2026", "resultat": "pv", "signalement": "FMS-404"}]
    with pytest.raises(ValidationFailedError) as late:
        store_records(conn, settings, "visits", unplaceable, source="api", label="api-agent", now=NOW)
    assert late.value.problems[0]["valeur"] == "FMS-404" and "introuvable" in late.value.problems[0]["motif"]
    assert [count(conn, t) for t in ("visits", "ingestion_batches", "rejected_rows")] == before


def test_in_the_callers_transaction_the_batch_is_stored_with_what_follows_or_not_at_all(conn, settings):
    options = IngestOptions(kind="visits", source="api")
    with pytest.raises(RuntimeError), conn.transaction():
        ingest_table(conn, records_frame(_visits("pv")), options, settings, name="api-a.csv", now=NOW)
        raise RuntimeError("what the caller writes next fails")
    assert count(conn, "visits") == count(conn, "ingestion_batches") == 0
    with conn.transaction():  # two batches in one transaction: each cleans its staging tables up
        first = ingest_table(conn, records_frame(_visits("pv")), options, settings, name="api-a.csv", now=NOW)
        second = ingest_table(conn, records_frame(_visits("pv", "sac")), options, settings, name="api-b.csv", now=NOW)
    assert second.ids[0] == first.ids[0] and count(conn, "visits") == 2


@pytest.fixture()
def failing_attachment(conn):
    """A database that refuses to attach a visit to what it was made on (a real error, raised by PostgreSQL)."""
    conn.execute(
        """CREATE FUNCTION test_refuse_attachment() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN RAISE EXCEPTION 'rattachement refusé'; END $$"""
    )
    conn.execute(
        "CREATE TRIGGER test_refuse_attachment BEFORE UPDATE OF report_id, point_id, axis_id ON visits "
        "FOR EACH ROW EXECUTE FUNCTION test_refuse_attachment()"
    )
    conn.commit()
    try:
        yield
    finally:
        conn.rollback()
        conn.execute("DROP TRIGGER test_refuse_attachment ON visits")
        conn.execute("DROP FUNCTION test_refuse_attachment()")
        conn.commit()


def test_a_visit_whose_attachment_fails_is_not_stored_half(settings, conn, auth, failing_attachment):
    with TestClient(create_app(settings), raise_server_exceptions=False) as app:
        planner = auth["planificateur"]
        body = {"date": "01/11/2026 10:00", "categorie": "depot_clandestin", "lon": 5.5052, "lat": 50.6043}
        report = app.post("/api/signalements", json=body, headers=planner)
        assert report.status_code == 201, report.text
        batches = count(conn, "ingestion_batches")
        visit = {"date": "03/11/2026 10:00", "resultat": "nettoyé"}
        r = app.post(f"/api/signalements/{report.json()['id']}/visites", json=visit, headers=planner)
    assert r.status_code == 500
    assert count(conn, "visits") == 0 and count(conn, "ingestion_batches") == batches


def test_a_record_write_is_numbered_and_kept_as_before(conn, settings, tmp_path):
    """The batch of a record written from memory reads as the one its CSV file made: row 2, same digest."""
    records = _visits("pv")
    stored = store_records(conn, settings, "visits", records, source="api", label="api-agent", now=NOW)
    path = tmp_path / "api-agent.csv"
    records_frame(records).to_csv(path, index=False, lineterminator="\r\n")
    row = conn.execute(
        "SELECT b.file_name, b.file_sha256, b.file_bytes, b.file_format, b.options, v.row_number "
        "FROM ingestion_batches b JOIN visits v ON v.batch_id = b.id"
    ).fetchone()
    assert row[:4] == ("api-agent.csv", hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_size, "csv")
    assert row[4]["all_or_nothing"] == "True" and row[5] == 2
    assert stored.summary.sha256 == row[1]
