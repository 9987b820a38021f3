"""The demo data set, ingested end to end, against the truth it was generated from."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from service.demo import generate_demo
from service.ingest.pipeline import IngestOptions, ingest_file
from tests.conftest import ROOT
from tests.helpers import DEMO_PLAN, NOW, count

#: The service's time zone in these tests (the settings' default).
ZONE = "Europe/Brussels"
PLAN = [*DEMO_PLAN, ("errors_csv", "reports", "commune_proprete_erreurs")]


@pytest.fixture()
def demo(conn, settings, tmp_path):
    files = generate_demo(
        tmp_path, addresses=ROOT / "geodata" / "icar_seraing_neupre.csv", seed=11, n_reports=1500, end=date(2026, 11, 1)
    )
    summaries = {}
    for attr, kind, source in PLAN:
        path = getattr(files, attr)
        summaries[attr] = ingest_file(conn, path, IngestOptions(kind=kind, source=source), settings, now=NOW)
    truth = json.loads(files.truth.read_text(encoding="utf-8"))
    return files, summaries, truth


def test_every_row_of_every_file_is_accounted_for(conn, demo):
    files, summaries, truth = demo
    for attr, *_ in PLAN:
        s = summaries[attr]
        assert s.balanced
        assert s.rows_in == truth["counts"][getattr(files, attr).name]
    stored = count(conn, "reports") + count(conn, "visits") + count(conn, "permits")
    rejected = count(conn, "rejected_rows")
    assert stored + rejected + sum(s.details["doublons_dans_le_fichier"] for s in summaries.values()) == sum(
        truth["counts"].values()
    )


def test_bad_rows_are_exactly_the_planted_ones(conn, demo):
    _files, summaries, truth = demo
    batch = summaries["errors_csv"].batch_id
    got = [r[0] for r in conn.execute("SELECT row_number FROM rejected_rows WHERE batch_id = %s ORDER BY 1", (batch,))]
    assert got == [r["row"] for r in truth["bad_rows"]["rows"]]
    assert count(conn, "rejected_rows", f"batch_id <> {batch}") == 0  # the other files are clean
    # a citizen's text that starts like a spreadsheet formula is a report, stored as given
    stored = conn.execute("SELECT description FROM reports WHERE batch_id = %s AND description LIKE '=%%'", (batch,))
    assert [d for (d,) in stored] == ["=> sacs et matelas devant le n° 5, encore"]


def test_planted_near_duplicates_are_linked_by_the_rule(conn, demo, settings):
    _files, _summaries, truth = demo
    planted = [p["intercommunale"] for p in truth["near_duplicates"]]
    linked = conn.execute(
        "SELECT r.external_id FROM reports r WHERE r.source = 'intercommunale' AND r.duplicate_of IS NOT NULL"
    ).fetchall()
    assert set(planted) <= {r[0] for r in linked}
    violations = conn.execute(
        """SELECT count(*) FROM reports r JOIN reports f ON f.id = r.duplicate_of
           WHERE f.category <> r.category OR f.source = r.source OR ST_Distance(f.geom, r.geom) > %s
              OR abs(extract(epoch FROM f.observed_at - r.observed_at)) > %s * 3600 OR f.duplicate_of IS NOT NULL""",
        (settings.near_duplicate_m, settings.near_duplicate_hours),
    ).fetchone()[0]
    assert violations == 0


def test_commune_export_waits_for_the_geocoder_and_visits_find_their_reports(conn, demo):
    _files, summaries, _truth = demo
    commune = summaries["commune_csv"]
    assert commune.details["a_geocoder"] == commune.inserted + commune.duplicates
    visits = summaries["visits_csv"]
    with_ref = count(conn, "visits", "report_ref IS NOT NULL")
    assert (
        visits.details["visites_liees_a_un_signalement"] == with_ref == count(conn, "visits", "report_id IS NOT NULL")
    )
    assert count(conn, "visits", "geom IS NULL AND geocode_status <> 'a_geocoder'") == 0


def test_the_effect_of_the_action_planted_at_the_historical_corner_is_found_there_only(conn, demo):
    """The demo's historical corner stops two weeks after the service's first visit there: « did the action work? »
    around its centre (its own radius) finds a drop beyond chance, a persistent corner on the same day none."""
    from service.activity.effect import read_effect
    from service.geocode.gazetteer import load_gazetteer
    from service.geocode.match import Geocoder

    _files, _summaries, truth = demo
    load_gazetteer(conn, [ROOT / "geodata" / "icar_seraing_neupre.csv"])
    geocoder = Geocoder.from_db(conn)
    spots = truth["sensitive_points"]
    ended = next(s for s in spots if s["profile"] == "historical")
    now = pd.Timestamp(NOW)
    found = read_effect(
        conn, ended["centre"]["label"], zone=ZONE, radius_m=ended["radius_m"], geocoder=geocoder, now=now
    )
    assert found.action.tz_convert("Europe/Brussels").date() == date.fromisoformat(ended["action"])  # its first visit
    assert found.action_source == "première visite dans le cercle"
    assert found.place.before >= 10 and found.place.after <= found.place.before / 4
    assert found.measure.significant and found.measure.ratio < 0.3
    steady = next(s for s in spots if s["profile"] == "persistent")
    same_day = found.action
    level = read_effect(
        conn,
        steady["centre"]["label"],
        zone=ZONE,
        action=same_day,
        radius_m=steady["radius_m"],
        geocoder=geocoder,
        now=now,
    )
    assert level.place.before >= 10 and not level.measure.significant
