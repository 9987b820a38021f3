"""The service's activity report (service.activity, ``hotspots activite``, ``GET /api/activite``): the windows it
compares, the test that calls a change significant, the follow-up of reports, and the report itself on a real
PostGIS — read in the terminal, as JSON and in the workbook a person opens."""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
import shapely
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from service.activity.actions import actions_sentence, actions_table, effect_row
from service.activity.effect import Counts, Effect, effect_sentences, effect_windows, measure, ring_sentence
from service.activity.figures import compare, follow_up, windows_of
from service.activity.printed import change_sentences, render_pdf
from service.activity.report import read_activity
from service.activity.sites import Site
from service.api import create_app
from service.errors import InvalidValueError
from service.geo import to_lambert
from service.geocode.gazetteer import load_gazetteer
from service.prevention.period import parse_period
from tests.conftest import DATA, ROOT
from tests.helpers import cli_env, ingest, run_cli

#: The service's time zone in these tests (the settings' default).
ZONE = "Europe/Brussels"
NOW = pd.Timestamp("2026-12-02 10:00", tz="UTC")


def _windows(code: str, first: str | None = "2020-01-01"):
    period = parse_period(code, zone=ZONE, now=NOW.to_pydatetime())
    return windows_of(period, now=NOW, first_report=pd.Timestamp(first, tz="UTC") if first else None)


def test_a_finished_quarter_is_compared_with_the_quarter_before_and_the_same_quarter_a_year_earlier():
    w = _windows("2026-T3")
    brussels = "Europe/Brussels"
    assert w.now.start.tz_convert(brussels) == pd.Timestamp("2026-07-01", tz=brussels)
    assert w.now.end.tz_convert(brussels) == pd.Timestamp("2026-10-01", tz=brussels)
    assert w.previous.start.tz_convert(brussels) == pd.Timestamp("2026-04-01", tz=brussels)
    assert w.previous.end == w.now.start
    assert w.year_before.start.tz_convert(brussels) == pd.Timestamp("2025-07-01", tz=brussels)
    assert w.year_before.end.tz_convert(brussels) == pd.Timestamp("2025-10-01", tz=brussels)
    assert not w.in_progress and w.year_complete and not w.previous_is_year_before


def test_a_year_in_progress_is_compared_over_the_same_days_and_its_period_before_is_the_year_before():
    w = _windows("2026")
    assert w.in_progress and w.now.end == NOW
    assert w.year_before.days == w.now.days == w.previous.days
    assert w.year_before.end.tz_convert("Europe/Brussels") == pd.Timestamp("2025-12-02 11:00", tz="Europe/Brussels")
    assert w.previous_is_year_before
    # without reports a year earlier there is nothing to compare with
    assert not _windows("2026", first="2025-01-09").year_complete and _windows("2026", first="2025-01-03").year_complete


def _counts(rows):
    return pd.DataFrame(rows, columns=["key", "n", "n_prev", "n_year"])


def test_only_a_change_that_chance_alone_would_rarely_give_is_called_significant():
    w = _windows("2026-T3")
    labels = {"depot_clandestin": "Dépôt clandestin", "graffiti": "Graffiti et tags", "bruit": "Bruit"}
    table = compare(_counts([("graffiti", 10, 8, 9), ("depot_clandestin", 60, 30, 20), ("bruit", 0, 0, 0)]), labels, w)
    assert list(table["libelle"]) == ["Dépôt clandestin", "Graffiti et tags"]  # most first; nothing at all left out
    depot, graffiti = table.iloc[0], table.iloc[1]
    assert depot["evolution"] == pytest.approx(2.0) and bool(depot["significatif"])
    assert depot["p_ajuste"] < 1e-4
    assert graffiti["evolution"] == pytest.approx(1 / 9) and not bool(graffiti["significatif"])
    # the same borderline change is significant alone and not among fifteen unchanged categories (false alarms)
    alone = compare(_counts([("a", 44, 0, 24)]), {}, w).iloc[0]
    crowd = compare(_counts([("a", 44, 0, 24), *((f"c{i}", 20, 0, 20) for i in range(14))]), {}, w)
    assert alone["p_ajuste"] < 0.05 and bool(alone["significatif"])
    assert not bool(crowd[crowd["key"] == "a"].iloc[0]["significatif"])
    # no change from nothing, and no test without reports a year earlier
    from_nothing = compare(_counts([("x", 3, 0, 0)]), {}, w).iloc[0]
    assert np.isnan(from_nothing["evolution"])
    early = compare(_counts([("depot_clandestin", 60, 30, 20)]), labels, _windows("2026-T3", first="2026-01-01"))
    assert np.isnan(early.iloc[0]["evolution"]) and not bool(early.iloc[0]["significatif"])


def test_the_follow_up_counts_the_service_own_reports_and_the_days_to_their_first_visit():
    rows = pd.DataFrame(
        [
            ("depot_clandestin", False, 1.0, True, 2.0),
            ("depot_clandestin", False, 3.0, True, None),  # closed by a feed that gives no closing date
            ("depot_clandestin", False, 12.0, True, 20.0),
            ("depot_clandestin", False, None, False, None),
            ("bruit", False, None, False, None),
            ("bruit", True, 0.5, True, 0.5),  # sent to mediation: followed by another service
        ],
        columns=["category", "referred", "days", "closed", "close_days"],
    )
    table = follow_up(rows, {"depot_clandestin": "Dépôt clandestin", "bruit": "Bruit"})
    assert list(table["libelle"]) == ["Dépôt clandestin", "Bruit", "Toutes catégories"]
    depot = table.iloc[0]
    assert (depot["n"], depot["visites"]) == (4, 3)
    assert depot["part_visitee"] == pytest.approx(0.75) and depot["delai_median_j"] == pytest.approx(3.0)
    assert depot["part_7_jours"] == pytest.approx(0.5)
    assert (depot["clos"], depot["clos_dates"]) == (3, 2) and depot["part_close"] == pytest.approx(0.75)
    assert depot["cloture_mediane_j"] == pytest.approx(11.0)  # over the two closing dates known, not the third
    assert (table.iloc[2]["n"], table.iloc[2]["visites"], table.iloc[2]["clos"]) == (5, 3, 3)
    assert np.isnan(table.iloc[1]["cloture_mediane_j"]) and table.iloc[1]["part_close"] == 0


def test_the_changes_are_said_the_way_they_went_even_from_nothing():
    """A category that did not exist a year earlier rises « from none » (no percentage: there is none), a drop is
    a drop, and a change chance explains is not said. A source (a feed) new or silent says so: it changes what
    is counted, not the nuisance."""
    table = pd.DataFrame(
        [
            ("service", "service_environnement", 19, 0, 0, np.nan, 0.001, True),
            ("commune", "commune_proprete", 120, 140, 180, -1 / 3, 0.004, True),
            ("app", "app_citoyenne", 50, 48, 47, 0.06, 0.9, False),
            ("ancien", "ancien_formulaire", 0, 12, 30, -1.0, 0.001, True),
        ],
        columns=["key", "libelle", "n", "n_prev", "n_year", "evolution", "p_ajuste", "significatif"],
    )
    assert change_sentences(table, "source") == [
        "Nouvelle source : service_environnement, 19 signalements (aucun un an plus tôt).",
        "Baisse significative (source) : commune_proprete, 120 contre 180 un an plus tôt (-33\u202f%).",
        "Source sans signalement sur la période : ancien_formulaire (30 signalements un an plus tôt).",
    ]
    assert change_sentences(table.assign(libelle=["Incinération", "Dépôt", "Bruit", "Odeurs"]), "catégorie") == [
        "Hausse significative (catégorie) : Incinération, 19 contre aucun un an plus tôt.",
        "Baisse significative (catégorie) : Dépôt, 120 contre 180 un an plus tôt (-33\u202f%).",
        "Baisse significative (catégorie) : Odeurs, 0 contre 30 un an plus tôt (-100\u202f%).",
    ]


# --- the report on a real database ------------------------------------------------------------------------------


def _addresses(n: int) -> list[dict[str, str]]:
    with (ROOT / "geodata" / "icar_seraing_neupre.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["municipality"] == "Seraing"]
    return rows[:: max(1, len(rows) // n)][:n]


@pytest.fixture()
def activity_data(conn, settings, tmp_path):
    """Dumping tripled in the third quarter of 2026 against the same quarter of 2025 (60 against 20, 30 the
    quarter before), graffiti stayed level (10 against 9); five of the dumping reports were visited two days
    later (two fines), one visit a year earlier. The register closed ten of July's dumping reports, eight of them
    1 to 8 days after (the file gives their closing date), two on a date it does not give."""
    places = _addresses(140)
    reports, visits, n = [], [], 0

    def add(category: str, count: int, first: datetime) -> list[str]:
        nonlocal n
        ids = []
        for i in range(count):
            place = places[n % len(places)]
            n += 1
            ref = f"ACT-{n:04d}"
            when = first + timedelta(hours=29 * i)
            street = f"{place['street']} {place['housenumber']}"
            reports.append([ref, when.isoformat(), category, street, place["lat"], place["lon"], "", ""])
            ids.append(ref)
        return ids

    dumping = add("depot_clandestin", 60, datetime(2026, 7, 2, 9, tzinfo=UTC))
    add("graffiti", 10, datetime(2026, 7, 3, 9, tzinfo=UTC))
    add("depot_clandestin", 30, datetime(2026, 4, 2, 9, tzinfo=UTC))
    earlier = add("depot_clandestin", 20, datetime(2025, 7, 2, 9, tzinfo=UTC))
    add("graffiti", 9, datetime(2025, 7, 3, 9, tzinfo=UTC))
    by_ref = {r[0]: datetime.fromisoformat(r[1]) for r in reports}
    for i, ref in enumerate(dumping[:10]):
        row = next(r for r in reports if r[0] == ref)
        row[6] = "Clôturé"
        row[7] = f"{by_ref[ref] + timedelta(days=i + 1):%d/%m/%Y %H:%M}" if i < 8 else ""
    for ref, outcome in zip(dumping[:5], ("pv", "pv", "nettoye", "nettoye", "nettoye"), strict=True):
        visits.append([ref, (by_ref[ref] + timedelta(days=2)).isoformat(), outcome, "INP Collard"])
    visits.append([earlier[0], (by_ref[earlier[0]] + timedelta(days=9)).isoformat(), "avertissement", "INP Collard"])
    report_file = tmp_path / "signalements.csv"
    with report_file.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "date", "categorie", "adresse", "lat", "lon", "statut", "date_cloture"])
        w.writerows(reports)
    visit_file = tmp_path / "visites.csv"
    with visit_file.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["signalement", "date", "resultat", "agent"])
        w.writerows(visits)
    load_gazetteer(conn, [ROOT / "geodata" / "icar_seraing_neupre.csv"])  # the register names each point's commune
    ingest(conn, settings, report_file, source="bilan", now=None)
    ingest(conn, settings, visit_file, "visits", source="bilan_visites", now=None)
    conn.commit()


#: The median of the eight closing delays of the activity data: 4 (a midnight, the day alone) and 5 less 2 hours.
MEDIAN_CLOSE = (4 + 5 - 2 / 24) / 2


def test_the_activity_report_as_json_and_as_the_workbook_a_person_opens(settings, activity_data, auth):
    with TestClient(create_app(settings)) as client:
        body = client.get("/api/activite", params={"periode": "2026-T3"}, headers=auth["lecteur"])
        sheet = client.get("/api/activite", params={"periode": "2026-T3", "format": "xlsx"}, headers=auth["lecteur"])
        bad = client.get("/api/activite", params={"periode": "2026-13"}, headers=auth["lecteur"])
        anonymous = client.get("/api/activite", params={"periode": "2026-T3"})
    assert body.status_code == 200, body.text
    report = body.json()
    assert report["periode"] == {"code": "2026-T3", "libelle": "3e trimestre 2026", "en_cours": False}
    summary = {row["indicateur"]: row for row in report["synthese"]}
    reports = summary["Signalements (hors quasi-doublons)"]
    assert (reports["n"], reports["n_prev"], reports["n_year"]) == (70, 30, 29)
    assert (summary["Visites"]["n"], summary["dont procès-verbaux"]["n"], summary["Visites"]["n_year"]) == (5, 2, 1)
    assert summary["Délai médian jusqu'à la visite (jours)"]["n"] == pytest.approx(2.0)
    assert summary["Signalements clos"]["n"] == pytest.approx(10 / 70)
    # 1 to 8 days written in Brussels time (summer: UTC+2) after reports stamped in UTC: each 2 hours less; but the
    # fourth is written « 10/07/2026 00:00 », midnight, which counts as the day alone: 4 whole days
    assert summary["Délai médian jusqu'à la clôture (jours)"]["n"] == pytest.approx(MEDIAN_CLOSE)
    followed = {row["libelle"]: row for row in report["suivi"]}
    assert (followed["Dépôt clandestin"]["clos"], followed["Dépôt clandestin"]["clos_dates"]) == (10, 8)
    assert followed["Graffiti et tags"]["clos"] == 0 and followed["Graffiti et tags"]["cloture_mediane_j"] is None
    depot = report["par_categorie"][0]
    assert depot["libelle"] == "Dépôt clandestin" and depot["evolution"] == pytest.approx(2.0) and depot["significatif"]
    graffiti = report["par_categorie"][1]
    assert graffiti["libelle"] == "Graffiti et tags" and not graffiti["significatif"]
    assert [row["libelle"] for row in report["par_commune"]] == ["Seraing"]
    assert report["par_source"][0]["libelle"] == "bilan"
    assert bad.status_code == 422 and bad.json()["erreur"] == "période illisible : « 2026-13 » (mois 13)"
    assert "trimestre (2026-T4)" in bad.json()["conseil"]
    assert anonymous.status_code == 401

    assert sheet.status_code == 200
    assert 'filename="bilan_activite_2026-T3.xlsx"' in sheet.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(sheet.content))
    assert wb.sheetnames == [
        "Synthèse",
        "Catégories",
        "Communes",
        "Secteurs",
        "Sources",
        "Visites",
        "Suivi",
        "Actions",
    ]
    assert report["actions"] == [] and wb["Actions"].max_row == 4  # no place first visited: the header alone
    ws = wb["Catégories"]
    assert ws["A1"].value == "Bilan d'activité — 3e trimestre 2026"
    assert ws["A2"].value == (
        "Période 01/07/2026 – 30/09/2026 ; précédente 01/04/2026 – 30/06/2026 ; un an plus tôt 01/07/2025 – 30/09/2025."
    )
    header = [c.value for c in ws[4]]
    assert header == [
        "Catégorie",
        "Période",
        "Période précédente",
        "Un an plus tôt",
        "Évolution sur un an",
        "Écart significatif",
        "p ajusté",
    ]
    first = [c.value for c in ws[5]]
    assert first[:4] == ["Dépôt clandestin", 60, 30, 20] and first[4] == pytest.approx(2.0) and first[5] == "oui"
    assert ws["E5"].number_format == "+0%;-0%;0%" and ws["B5"].number_format == "#,##0"
    assert ws["A6"].value == "Graffiti et tags" and ws["F6"].value == "non"
    summary_ws = wb["Synthèse"]
    rows = {r[0].value: r for r in summary_ws.iter_rows(min_row=5)}
    followed = rows["Signalements suivis d'une visite"]
    assert followed[1].value == pytest.approx(5 / 70) and followed[1].number_format == "0%"
    assert rows["Délai médian jusqu'à la visite (jours)"][1].number_format == "0.0"
    visits = wb["Visites"]
    assert [visits.cell(row=r, column=1).value for r in (5, 6, 7)] == ["Nettoyé", "Procès-verbal", "Avertissement"]
    follow = wb["Suivi"]
    assert [c.value for c in follow[4]][:3] == ["Catégorie", "Signalements", "Suivis d'une visite"]
    assert [c.value for c in follow[5]][:3] == ["Dépôt clandestin", 60, 5]
    assert [c.value for c in follow[4]][6:] == [
        "Clos",
        "Part close",
        "Clos à une date connue",
        "Délai médian de clôture (jours)",
    ]
    closed = list(follow[5])[6:]
    assert [c.value for c in closed[:1] + closed[2:3]] == [10, 8]
    assert closed[1].value == pytest.approx(10 / 60) and closed[1].number_format == "0%"
    assert closed[3].value == pytest.approx(MEDIAN_CLOSE) and closed[3].number_format == "0.0"


def _sensitive_point(conn, point_id: str, around: str, radius_m: float, members: list[int], label=None) -> None:
    """A dumping sensitive point of ``radius_m`` around the report ``around`` (its members ``members``), as an
    analysis would have stored it."""
    run = conn.execute("INSERT INTO analysis_runs (kind) VALUES ('points') RETURNING id").fetchone()[0]
    conn.execute(
        "INSERT INTO sensitive_points (id, state, geom, point, n_reports, main_category, report_ids, first_run_id, "
        "last_run_id, address_label) SELECT %(id)s, 'actif', ST_Buffer(geom, %(r)s), geom, %(n)s, "
        "'depot_clandestin', %(members)s, %(run)s, %(run)s, %(label)s FROM reports WHERE external_id = %(around)s",
        {
            "id": point_id,
            "r": radius_m,
            "n": len(members),
            "members": members,
            "run": run,
            "label": label,
            "around": around,
        },
    )
    conn.commit()


def _visit_point(client, auth, point_id: str, when: str, outcome: str) -> None:
    """A planner records a visit of the sensitive point ``point_id`` through the API."""
    visit = client.post(
        f"/api/points-sensibles/{point_id}/visites",
        json={"date": when, "resultat": outcome, "agent": "INP Collard"},
        headers=auth["planificateur"],
    )
    assert visit.status_code == 201, visit.text


def test_a_visit_of_a_sensitive_point_follows_up_the_reports_it_groups(settings, conn, activity_data, auth):
    """Ten dumping reports of July grouped into a sensitive point, the point visited on 25 July: they count as
    followed up (beside the five visited one by one), their delay to that visit, and no report of the point made
    after the visit."""
    members = conn.execute(
        "SELECT id FROM reports WHERE external_id BETWEEN 'ACT-0006' AND 'ACT-0015' ORDER BY id"
    ).fetchall()
    later = conn.execute("SELECT id FROM reports WHERE external_id = 'ACT-0060'").fetchone()  # 10 Sept.
    _sensitive_point(conn, "PS-000777", "ACT-0006", 60, [m[0] for m in members] + [later[0]])
    with TestClient(create_app(settings)) as client:
        _visit_point(client, auth, "PS-000777", "2026-07-25 10:00", "nettoye")
        report = client.get("/api/activite", params={"periode": "2026-T3"}, headers=auth["lecteur"]).json()
    dumping = next(row for row in report["suivi"] if row["libelle"] == "Dépôt clandestin")
    assert (dumping["n"], dumping["visites"]) == (60, 15)  # 5 visited one by one, 10 through their point
    assert dumping["part_7_jours"] == pytest.approx(6 / 60)  # the point's visit: 6.5 to 17 days after, one in a week


def test_a_visit_of_a_problem_axis_follows_up_the_reports_along_it(settings, conn, activity_data, auth):
    """A street stretch drawn through a graffiti report of 3 July, the axis visited on 20 July: that report is
    followed up (17 days less an hour), the other graffiti reports, away from the line, are not."""
    run = conn.execute("INSERT INTO analysis_runs (kind) VALUES ('axes') RETURNING id").fetchone()[0]
    conn.execute(
        "INSERT INTO problem_axes (id, run_id, first_run_id, street, municipality, segments, length_m, reports, "
        "rate_per_100m, expected, q_max, geom) SELECT 'AX-0777', %(run)s, %(run)s, 'Rue de test', 'Seraing', 1, 200, "
        "1, 0.5, 0.1, 0.01, ST_MakeLine(ST_Translate(geom, -100, 0), ST_Translate(geom, 100, 0)) "
        "FROM reports WHERE external_id = 'ACT-0061'",
        {"run": run},
    )
    conn.commit()
    before = conn.execute(
        "SELECT count(*) FROM reports r, problem_axes a WHERE a.id = 'AX-0777' AND ST_DWithin(r.geom, a.geom, 15) "
        "AND r.category = 'graffiti' AND r.observed_at < '2026-07-20 10:00+02'"
    ).fetchone()[0]
    assert before == 1  # the report the line is drawn through; the others are farther (checked, not assumed)
    with TestClient(create_app(settings)) as client:
        visit = client.post(
            "/api/axes/AX-0777/visites",
            json={"date": "2026-07-20 10:00", "resultat": "avertissement", "agent": "INP Collard"},
            headers=auth["planificateur"],
        )
        assert visit.status_code == 201, visit.text
        report = client.get("/api/activite", params={"periode": "2026-T3"}, headers=auth["lecteur"]).json()
    graffiti = next(row for row in report["suivi"] if row["libelle"] == "Graffiti et tags")
    assert (graffiti["n"], graffiti["visites"]) == (10, 1)
    assert graffiti["delai_median_j"] == pytest.approx(17 - 1 / 24)  # 3 July 9:00 UTC to 20 July 8:00 UTC


def test_the_printed_activity_report_says_what_changed_and_writes_numbers_the_french_way(settings, activity_data, auth):
    """The PDF read back with a real reader: the title and windows, the changes in sentences before the tables,
    the tables in the workbook's order, the chart's legend, and the numbers as a French reader writes them
    (« +141 % », « — » where there is none; the narrow space before « % » reads back as a space)."""
    from pypdf import PdfReader

    with TestClient(create_app(settings)) as client:
        answer = client.get("/api/activite", params={"periode": "2026-T3", "format": "pdf"}, headers=auth["lecteur"])
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert 'inline; filename="bilan_activite_2026-T3.pdf"' in answer.headers["content-disposition"]
    reader = PdfReader(io.BytesIO(answer.content))
    assert reader.metadata.title == "Bilan d'activité — 3e trimestre 2026"
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = re.sub(r"[ \n]+", " ", text)  # lines wrapped where the page ends them (the narrow spaces kept)
    pct = " %"
    assert flat.count("Bilan d'activité — 3e trimestre 2026") == 1 + len(reader.pages)  # the title, each page's head
    heads = [page.extract_text() for page in reader.pages]  # each page numbered out of the total
    assert len(heads) > 1 and all(f"page {n} / {len(heads)}" in head for n, head in enumerate(heads, start=1))
    assert "Période 01/07/2026 – 30/09/2026 ; précédente 01/04/2026 – 30/06/2026 ; un an plus tôt" in flat
    assert f"70 signalements, contre 29 un an plus tôt (+141{pct})." in flat
    assert f"5 visites, dont 2 procès-verbaux, contre 1 un an plus tôt (+400{pct})." in flat
    assert f"Hausse significative (catégorie) : Dépôt clandestin, 60 contre 20 un an plus tôt (+200{pct})." in flat
    assert "Graffiti et tags, 10 contre" not in flat  # level: not called a change
    assert "(commune)" not in flat and "(source)" not in flat  # one commune, one source: their change is the total's
    assert f"7{pct} des signalements du service suivis d'une visite, la première après 2 jours (médiane)." in flat
    closing = "après 4,5 jours (médiane, là où la date de clôture est connue)."
    assert f"14{pct} des signalements du service clos, {closing}" in flat
    order = [
        flat.index(words)
        for words in (
            "L'essentiel",
            "Synthèse",
            "Signalements par catégorie, à côté",
            "Signalements par catégorie Catégorie",
            "Signalements par commune",
            "Signalements par source",
            "Visites par résultat",
            "Suivi des signalements",
            "Écart significatif : la différence",
        )
    ]
    assert order == sorted(order), order
    assert "Période Un an plus tôt" in flat  # the chart's legend
    table = flat[flat.index("Signalements par catégorie Catégorie") :]
    assert table.index("Dépôt clandestin 60 30 20 +200") < table.index("Graffiti et tags 10")
    assert "Délai médian jusqu'à la visite (jours) 2,0 — — —" in flat
    assert f"Signalements clos 14{pct} — — —" in flat and "Délai médian jusqu'à la clôture (jours) 4,5 — — —" in flat
    follow = flat[flat.index("Suivi des signalements Catégorie") :]
    assert "Part close Délai médian de clôture (jours)" in follow
    assert f"Dépôt clandestin 60 5 8{pct} 2,0 8{pct} 17{pct} 4,5" in follow
    assert f"Graffiti et tags 10 0 0{pct} — 0{pct} 0{pct} —" in follow
    assert "Délai de clôture calculé sur 8 des 10 signalements clos : les autres n'ont pas de date de clôture" in follow
    assert f"Benjamini–Hochberg au seuil de 5{pct} de fausses alertes" in flat
    assert "INP Collard" not in flat  # counts only: no officer, no address
    assert not any(words in flat for words in ("nan", "None", "0.07"))


def test_the_activity_command_prints_the_tables_and_writes_the_workbook(settings, activity_data, tmp_path):
    env = cli_env(settings, COLUMNS="200")
    done = run_cli("activite", "--periode", "2026-T3", "--out", str(tmp_path / "bilans"), env=env)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("Bilan d'activité — 3e trimestre 2026")
    assert "Signalements (hors quasi-doublons)" in out and "Dépôt clandestin" in out and "+200 %" in out
    flat = " ".join(out.split())
    # the significant changes in the PDF's words, of every table (the terminal showed the categories' alone)
    assert "Hausse significative (catégorie) : Dépôt clandestin, 60 contre 20 un an plus tôt (+200 %)." in flat
    # the sectors' table too (it was only in the PDF), and what changed there; one commune, one source: no table
    assert "│ 4102 Ougrée             │       0 │          0 │             16 │    -100 % │          oui │" in out
    assert "Baisse significative (secteur) : 4102 Ougrée, 0 contre 16 un an plus tôt (-100 %)." in flat
    assert "Signalements par secteur" in out and "Signalements par commune" not in out
    path = tmp_path / "bilans" / "bilan_activite_2026-T3.xlsx"
    assert f"Écrit : {path}" in out and load_workbook(path).sheetnames[0] == "Synthèse"
    printed = path.with_suffix(".pdf")
    assert f"Écrit : {printed}" in out and printed.read_bytes().startswith(b"%PDF")
    this_year = str(datetime.now(ZoneInfo(settings.timezone)).year)  # (2026, the data's, until it is over)
    year = run_cli("activite", "--periode", this_year, env=env)
    assert year.returncode == 0 and "Précédente" not in year.stdout and "(en cours, au " in year.stdout
    wrong = run_cli("activite", "--periode", "2026-13", env=env)
    assert wrong.returncode == 1 and "période illisible : « 2026-13 »" in wrong.stderr


# --- the effect of an action at a place -------------------------------------------------------------------------


def test_the_effect_compares_the_place_s_change_with_the_zone_s_and_reads_the_ring():
    """Dumping fell from 80 to 20 at the place while the zone stayed level: a drop a quarter of the zone's, far
    beyond chance; the ring rose from 40 to 80, two thirds of what the place lost (a partial displacement, the
    ring's rise itself beyond chance). A ring that went from 20 to 30, or from 1 to none, gives a quotient but no
    finding: chance explains it, and the sentence says so rather than a displacement or a spread benefit."""
    found = measure(Counts(80, 20), Counts(40, 80), Counts(1000, 1000))
    assert found.ratio == pytest.approx(0.25) and found.low < 0.25 < found.high < 0.45
    assert found.significant and found.p_value < 0.001
    assert found.wdq == pytest.approx(-2 / 3) and found.ring_significant and found.ring_p < 0.001
    assert ring_sentence(found, Counts(40, 80), 200) == (
        "Autour (200 m) : un report partiel, moindre que la baisse au lieu (quotient de déplacement -0,67)."
    )
    moved = measure(Counts(40, 10), Counts(20, 60), Counts(1000, 1000))
    assert "la nuisance s'est déplacée" in ring_sentence(moved, Counts(20, 60), 200)
    weak = measure(Counts(40, 10), Counts(20, 30), Counts(1000, 1000))
    assert weak.wdq == pytest.approx(-1 / 3) and not weak.ring_significant  # p = 0,197
    assert ring_sentence(weak, Counts(20, 30), 200) == (
        "Autour (200 m) : 20 signalements avant, 30 après, un écart au témoin que le hasard peut expliquer "
        "(p = 0,197) : ni report ni bienfait étendu établi (quotient de déplacement -0,33)."
    )
    lone = measure(Counts(43, 3), Counts(1, 0), Counts(864, 827))
    assert lone.wdq > 0 and "1 signalement avant, 0 après" in ring_sentence(lone, Counts(1, 0), 200)
    assert "bienfait s'est étendu" not in ring_sentence(lone, Counts(1, 0), 200)
    # the activity report's verdict (« déplacée autour ») reads the quotient only where the ring's change is a finding
    site = Site("point", "PS-0001", "Rue Ferrer 12, 4100 Seraing", shapely.Point(0, 0), None)
    action = pd.Timestamp("2026-06-01", tz="UTC")
    window = (action - pd.Timedelta(days=92), action + pd.Timedelta(days=92))
    rows = [
        effect_row(Effect(site, action, "date donnée", *window, None, 200, p, r, c, measure(p, r, c), ZONE), None)
        for p, r, c in [
            (Counts(80, 20), Counts(40, 80), Counts(1000, 1000)),
            (Counts(40, 10), Counts(20, 30), Counts(1000, 1000)),
        ]
    ]
    assert rows[0]["quotient_deplacement"] == pytest.approx(-2 / 3) and rows[1]["quotient_deplacement"] is None
    level = measure(Counts(12, 10), Counts(3, 3), Counts(1000, 1000))
    assert not level.significant and level.p_value > 0.5  # 12 then 10: chance
    nothing = measure(Counts(0, 0), Counts(3, 1), Counts(1000, 900))
    assert nothing.ratio is None and nothing.wdq is None
    risen = measure(Counts(10, 30), Counts(5, 5), Counts(1000, 1000))
    assert risen.ratio == pytest.approx(3.0) and risen.wdq is None  # no drop: no displacement to speak of


def test_a_place_that_rose_less_than_the_zone_is_said_to_have_risen():
    """The place's own change is said as it went (+5 %), its change relative to the zone beside it (-19 %)."""
    site = Site("point", "PS-0001", "Rue Ferrer 12, 4100 Seraing", shapely.Point(0, 0), None)
    action = pd.Timestamp("2026-06-01", tz="Europe/Brussels").tz_convert("UTC")
    start, end = action - pd.Timedelta(days=92), action + pd.Timedelta(days=92)
    place, ring, control = Counts(20, 21), Counts(4, 4), Counts(100, 130)
    effect = Effect(
        site, action, "date donnée", start, end, None, 200, place, ring, control, measure(place, ring, control), ZONE
    )
    said = effect_sentences(effect, None)
    assert said[1].startswith(
        "Au point PS-0001, les signalements ont augmenté (+5 %) ; "
        "par rapport au reste de la zone (+30 %), c'est -19 % :"
    )
    assert said[1].endswith(": pas de conclusion.")


def test_the_effect_is_measured_over_as_many_days_on_each_side_and_not_too_soon():
    now = pd.Timestamp("2026-12-03 10:00", tz="UTC")
    action = pd.Timestamp("2026-05-12", tz="Europe/Brussels").tz_convert("UTC")
    start, end = effect_windows(action, months=6, now=now, first_report=pd.Timestamp("2024-01-01", tz="UTC"), zone=ZONE)
    local = [f"{t.tz_convert('Europe/Brussels'):%d/%m/%Y %H:%M}" for t in (start, end)]
    assert local == ["09/11/2025 00:00", "12/11/2026 00:00"]  # 184 days each side, on the calendar (hour changes)
    recent = pd.Timestamp("2026-10-01", tz="Europe/Brussels").tz_convert("UTC")
    start, end = effect_windows(recent, months=6, now=now, first_report=None, zone=ZONE)
    assert end == now and f"{start.tz_convert('Europe/Brussels'):%d/%m/%Y %H:%M}" == "29/07/2026 13:00"  # to today
    with pytest.raises(
        InvalidValueError, match=r"trop tôt pour mesurer l'effet de l'action du 20/11/2026 : 13 jours depuis"
    ):
        effect_windows(pd.Timestamp("2026-11-20", tz="UTC"), months=6, now=now, first_report=None, zone=ZONE)
    start, end = effect_windows(
        action, months=6, now=now, first_report=pd.Timestamp("2026-03-01 08:00", tz="UTC"), zone=ZONE
    )
    local = [f"{t.tz_convert('Europe/Brussels'):%d/%m/%Y %H:%M}" for t in (start, end)]
    assert local == ["01/03/2026 09:00", "22/07/2026 15:00"]  # the reports start on 1 March: as many days after
    short = r"ne remontent qu'au 01/05/2026 : 11 jours avant l'action du 12/05/2026, il en faut 28"
    with pytest.raises(InvalidValueError, match=short):
        effect_windows(action, months=6, now=now, first_report=pd.Timestamp("2026-05-01", tz="UTC"), zone=ZONE)
    with pytest.raises(InvalidValueError, match="n'a pas encore eu lieu"):
        effect_windows(now + pd.Timedelta(days=2), months=6, now=now, first_report=None, zone=ZONE)


@pytest.fixture()
def effect_data(conn, settings, tmp_path):
    """A place in Seraing with 30 dumping reports in the three months before 1 June 2026 and 6 after; 5 then 12
    about 100 m away; 100 then 100 elsewhere in the zone; the place a sensitive point (PS-0900)."""
    places = _addresses(140)
    here = places[0]
    x0, y0 = to_lambert(float(here["lon"]), float(here["lat"]))
    far = [p for p in places if math.dist(to_lambert(float(p["lon"]), float(p["lat"])), (x0, y0)) > 600]
    rows = []

    def spread(n: int, first: str, last: str, lat: float, lon: float, tag: str) -> None:
        start, stop = pd.Timestamp(first, tz="Europe/Brussels"), pd.Timestamp(last, tz="Europe/Brussels")
        for i in range(n):
            when = start + (stop - start) * (i + 0.5) / n
            rows.append([f"EFF-{tag}-{i:03d}", when.isoformat(), "depot_clandestin", "", lat, lon])

    lat, lon = float(here["lat"]), float(here["lon"])
    spread(30, "2026-03-02", "2026-05-31", lat, lon, "A0")
    spread(6, "2026-06-02", "2026-08-31", lat, lon, "A1")
    spread(5, "2026-03-02", "2026-05-31", lat + 0.0009, lon, "B0")  # about 100 m north
    spread(12, "2026-06-02", "2026-08-31", lat + 0.0009, lon, "B1")
    spread(1, "2026-01-10", "2026-01-20", float(far[100]["lat"]), float(far[100]["lon"]), "OLD")  # data from January
    for i, place in enumerate(far[:100]):
        for tag, first, last in (("C0", "2026-03-01", "2026-05-31"), ("C1", "2026-06-02", "2026-08-31")):
            spread(1, first, last, float(place["lat"]), float(place["lon"]), f"{tag}{i:03d}")
    path = tmp_path / "effet.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "date", "categorie", "adresse", "lat", "lon"])
        w.writerows(rows)
    ingest(conn, settings, path, source="effet", now=None)
    _sensitive_point(conn, "PS-0900", "EFF-A0-000", 40, [], label="Place de test, 4100 Seraing")
    load_gazetteer(conn, [ROOT / "geodata" / "icar_seraing_neupre.csv"])  # the place as an address, too
    conn.commit()
    return f"{here['street']} {here['housenumber']}, {here['postcode']} {here['municipality']}"


def test_did_the_action_work_through_the_api_and_the_command(settings, conn, effect_data, auth, tmp_path):
    with TestClient(create_app(settings)) as client:
        _visit_point(client, auth, "PS-0900", "2026-06-01 10:00", "pv")
        answer = client.get("/api/effet", params={"lieu": "PS-0900", "mois": 3}, headers=auth["lecteur"])
        asked = {"lieu": "PS-0900", "mois": 3, "format": "pdf"}
        printed = client.get("/api/effet", params=asked, headers=auth["lecteur"])
        unknown = client.get("/api/effet", params={"lieu": "PS-9999"}, headers=auth["lecteur"])
        two = client.get(
            "/api/effet", params={"lieu": "PS-0900", "categorie": "graffiti,bruit"}, headers=auth["lecteur"]
        )
        comma = client.get("/api/effet", params={"lieu": "PS-0900", "categorie": ","}, headers=auth["lecteur"])
        anonymous = client.get("/api/effet", params={"lieu": "PS-0900"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["action"]["source"] == "première visite du point"
    assert (body["lieu_compte"]["avant"], body["lieu_compte"]["apres"]) == (30, 6)
    assert (body["tampon"]["avant"], body["tampon"]["apres"]) == (5, 12)
    assert (body["temoin"]["avant"], body["temoin"]["apres"]) == (100, 100)
    assert body["rapport"] == pytest.approx(0.2) and body["significatif"] and body["p"] < 0.001
    assert body["quotient_deplacement"] == pytest.approx((0.12 - 0.05) / (0.06 - 0.30))
    said = " ".join(body["phrases"])
    assert body["phrases"][0] == (
        "Action au point PS-0900 (Place de test, 4100 Seraing) le 01/06/2026 (première visite du point) ; "
        "signalements de toutes catégories des 92 jours avant (du 01/03/2026) et après (jusqu'au 01/09/2026)."
    )
    assert (
        "Au point PS-0900, les signalements ont baissé (-80 %) ; par rapport au reste de la zone (0 %), c'est -80 %"
        in said
    )
    assert "un écart que le hasard seul explique mal (rapport 0,20, IC 95 % " in said
    assert (  # 5 then 12 around, against 100 and 100: a rise chance explains, not a displacement
        "Autour (200 m) : 5 signalements avant, 12 après, un écart au témoin que le hasard peut expliquer (p = 0,131) "
        ": ni report ni bienfait étendu établi (quotient de déplacement -0,29)." in said
    )
    assert body["p_alentours"] == pytest.approx(0.1312, abs=1e-3)
    assert unknown.status_code == 404 and unknown.json()["erreur"] == "Aucun point sensible « PS-9999 »."
    assert (
        two.status_code == 422
        and two.json()["erreur"] == "une seule catégorie, ou aucune pour toutes : « graffiti,bruit »"
    )
    assert comma.status_code == 422, comma.text
    assert [m["mois"] for m in body["par_mois"]] == ["2026-03", "2026-04", "2026-05", "2026-06", "2026-07", "2026-08"]
    assert sum(m["avant"] for m in body["par_mois"]) == 30 and sum(m["apres"] for m in body["par_mois"]) == 6
    # the printed sheet: one page, the verdict, the counts, the months, the map's legend
    from pypdf import PdfReader

    assert printed.status_code == 200 and printed.headers["content-type"] == "application/pdf"
    assert 'filename="effet_PS-0900_2026-06-01.pdf"' in printed.headers["content-disposition"]
    sheet = PdfReader(io.BytesIO(printed.content))
    assert len(sheet.pages) == 1 and sheet.metadata.title == "L'action a-t-elle servi ? — PS-0900"
    text = re.sub(r"\s+", " ", sheet.pages[0].extract_text())
    assert "Au point PS-0900, les signalements ont baissé (-80 %)" in text
    assert "Place de test, 4100 Seraing 30 6 -80 %" in text and "Anneau de 200 m autour 5 12 +140 %" in text
    assert "Le lieu mois par mois" in text and "mars 26" in text and "août 26" in text
    assert "avant l'action" in text and "signalement après" in text and "anneau de 200 m" in text
    assert anonymous.status_code == 401

    env = cli_env(settings, COLUMNS="200")
    asked = ("--date", "01/06/2026", "--mois", "3", "--categorie", "Dépôt clandestin", "--out", str(tmp_path / "f"))
    done = run_cli("effet", "ps-0900", *asked, env=env)
    assert done.returncode == 0, done.stderr
    assert f"Écrit : {tmp_path / 'f' / 'effet_PS-0900_2026-06-01.pdf'}" in done.stdout
    lines = [" ".join(line.replace("│", " ").split()) for line in done.stdout.splitlines()]
    assert "Place de test, 4100 Seraing 30 6 -80 %" in lines
    assert "Anneau de 200 m autour 5 12 +140 %" in lines
    assert "Reste de la zone (témoin) 100 100 0 %" in lines
    assert "signalements « Dépôt clandestin » des 92 jours avant" in done.stdout
    soon = (pd.Timestamp.now(tz="Europe/Brussels") - pd.Timedelta(days=10)).strftime("%Y-%m-%d")
    early = run_cli("effet", "PS-0900", "--date", soon, env=env)
    assert early.returncode == 1 and "trop tôt pour mesurer l'effet de l'action du" in early.stderr
    wrong = run_cli("effet", "PS-0900", "--categorie", "sac poubelle", env=env)
    assert wrong.returncode == 1 and "catégorie inconnue : « sac poubelle »" in wrong.stderr

    # the same place given by its address: a circle of 40 m around it, the same counts
    address = effect_data
    circle = run_cli("effet", address.lower(), "--date", "2026-06-01", "--mois", "3", "--rayon", "40", env=env)
    assert circle.returncode == 0, circle.stderr
    rows = [" ".join(line.replace("│", " ").split()) for line in circle.stdout.splitlines()]
    assert f"{address} (cercle de 40 m) 30 6 -80 %" in rows and "Anneau de 200 m autour 5 12 +140 %" in rows
    assert circle.stdout.startswith(f"Action autour de {address} (cercle de 40 m) le 01/06/2026 (date donnée)")
    street_only = address.split(",")[0].rsplit(" ", 1)[0]  # the street without its number
    vague = run_cli("effet", f"{street_only}, Seraing", "--date", "2026-06-01", env=env)
    assert vague.returncode == 1 and f"adresse non placée à son numéro : « {street_only}, Seraing »" in vague.stderr
    with TestClient(create_app(settings)) as client:
        by_address = client.get(
            "/api/effet",
            params={"lieu": address, "date": "2026-06-01", "mois": 3, "rayon": 40},
            headers=auth["lecteur"],
        )
    assert by_address.status_code == 200, by_address.text
    assert by_address.json()["lieu"] == {"type": "adresse", "id": address, "libelle": "cercle de 40 m"}
    assert (by_address.json()["lieu_compte"]["avant"], by_address.json()["lieu_compte"]["apres"]) == (30, 6)


def test_the_other_sensitive_points_can_be_the_control(settings, conn, effect_data, auth):
    """With no other point, « témoin = points » is refused in French; with a point around one of the far places (a
    report before, one after), it is the control: 1 then 1, the place's change relative to it -80 %."""
    with TestClient(create_app(settings)) as client:
        _visit_point(client, auth, "PS-0900", "2026-06-01 10:00", "pv")
        asked = {"lieu": "PS-0900", "mois": 3, "temoin": "points"}
        alone = client.get("/api/effet", params=asked, headers=auth["lecteur"])
        _sensitive_point(conn, "PS-0901", "EFF-C0000-000", 30, [], label="Autre point, 4100 Seraing")
        compared = client.get("/api/effet", params=asked, headers=auth["lecteur"])
        unknown = client.get("/api/effet", params={**asked, "temoin": "voisins"}, headers=auth["lecteur"])
    assert alone.status_code == 422
    assert alone.json()["erreur"] == (
        "aucun signalement dans les autres points sensibles et axes, hors de l'anneau au point PS-0900"
    )
    assert "--temoin zone" in alone.json()["conseil"]
    assert compared.status_code == 200, compared.text
    body = compared.json()
    assert body["temoin_type"] == "points" and (body["temoin"]["avant"], body["temoin"]["apres"]) == (1, 1)
    assert (body["lieu_compte"]["avant"], body["lieu_compte"]["apres"]) == (30, 6)
    assert body["rapport"] == pytest.approx(0.2) and not body["significatif"]  # one report each side: no proof
    said = " ".join(body["phrases"])
    assert "par rapport aux autres points sensibles et axes (0 %), c'est -80 %" in said
    assert body["phrases"][-1].startswith("Les autres points sensibles et axes servent de témoin")
    assert unknown.status_code == 422
    env = cli_env(settings, COLUMNS="200")
    done = run_cli("effet", "PS-0900", "--mois", "3", "--temoin", "points", env=env)
    assert done.returncode == 0, done.stderr
    lines = [" ".join(line.replace("│", " ").split()) for line in done.stdout.splitlines()]
    assert "Autres points et axes (témoin) 1 1 0 %" in lines


# --- the actions of a period in the activity report -------------------------------------------------------------


def _place(lieu: str, before: int, after: int, p: float | None, ratio: float | None, wdq: float | None = None):
    return {
        "lieu": lieu,
        "mesure": "Première visite",
        "avant": before,
        "apres": after,
        "p": p,
        "rapport": ratio,
        "quotient_deplacement": wdq,
    }


def test_the_actions_table_calls_a_change_significant_only_over_the_whole_table():
    """Four places tested at once: p = 0,04 alone would pass 5 %, not beside three other tests (Benjamini–Hochberg:
    0,04 × 4 / 3); a drop that moved into the ring as much as it dropped is said so; a place with nothing before can
    rise beyond chance but not drop; nothing before nor after is said as such."""
    table = actions_table(
        [
            _place("PS-0001", 40, 8, 0.001, 0.2, -0.3),
            _place("AX-0002", 12, 4, 0.04, 0.35),
            _place("AX-0003", 4, 12, 0.04, 2.9),
            _place("PS-0004", 30, 5, 0.002, 0.18, -1.4),
            _place("PS-0005", 0, 25, 0.0001, 50.0),
            _place("PS-0006", 0, 0, None, None),
        ]
    )
    assert table["p_ajuste"].tolist()[:5] == pytest.approx([0.0025, 0.04, 0.04, 0.0033, 0.0005], abs=1e-4)
    assert table["verdict"].tolist() == [
        "Baisse significative",
        "Baisse significative",
        "Hausse significative",
        "Baisse significative (déplacée autour)",
        "Hausse significative",
        "Aucun signalement",
    ]
    crowded = actions_table([_place(f"AX-{i}", 12, 4, 0.04, 0.35) for i in range(3)] + [_place("AX-9", 9, 9, 0.9, 1)])
    assert crowded["p_ajuste"].tolist()[0] == pytest.approx(0.04 * 4 / 3)
    assert set(crowded["verdict"]) == {"Pas de conclusion"}
    assert actions_sentence(table) == (
        "6 lieux visités pour la première fois : 3 baisses significatives, 2 hausses significatives, "
        "1 sans signalement."
    )
    assert actions_sentence(actions_table([])) is None
    camera = _place("PS-0001", 40, 8, 0.001, 0.2) | {"mesure": "Caméra posée"}
    mixed = actions_table([camera, _place("AX-2", 0, 0, None, None)])
    assert actions_sentence(mixed) == (
        "2 actions (1 première visite d'un lieu, 1 intervention) : 1 baisse significative, 1 sans signalement."
    )


def test_the_activity_report_says_whether_the_period_s_actions_worked(settings, conn, effect_data, auth, tmp_path):
    """PS-0900 first visited on 1 June 2026 (30 reports before, 6 after, the zone level): a significant drop in
    the second quarter's report, as JSON, in the workbook, the printed report and the terminal; a point first
    visited twelve days before the report is made is too soon to judge."""
    _sensitive_point(conn, "PS-0901", "EFF-C0000-000", 30, [], label="Autre point, 4100 Seraing")
    with TestClient(create_app(settings)) as client:
        _visit_point(client, auth, "PS-0900", "2026-06-01 10:00", "pv")
        _visit_point(client, auth, "PS-0901", "2026-11-20 10:00", "nettoye")
        answer = client.get("/api/activite", params={"periode": "2026-T2"}, headers=auth["lecteur"])
        sheet = client.get("/api/activite", params={"periode": "2026-T2", "format": "xlsx"}, headers=auth["lecteur"])
        printed = client.get("/api/activite", params={"periode": "2026-T2", "format": "pdf"}, headers=auth["lecteur"])
    assert answer.status_code == 200, answer.text
    (action,) = answer.json()["actions"]
    assert (action["lieu"], action["libelle"], action["verdict"]) == (
        "PS-0900",
        "Place de test, 4100 Seraing",
        "Baisse significative",
    )
    assert (action["avant"], action["apres"], action["jours"]) == (30, 6, 137)  # the reports start on 15 January
    assert action["evolution"] == pytest.approx(-0.8) and action["evolution_temoin"] == pytest.approx(100 / 101 - 1)
    assert action["action"] == "2026-06-01T08:00:00+00:00" and action["p_ajuste"] < 0.001

    ws = load_workbook(io.BytesIO(sheet.content))["Actions"]
    assert [c.value for c in ws[4]][:8] == [
        "Lieu",
        "Libellé",
        "Catégorie",
        "Action",
        "Date",
        "Jours comptés de chaque côté",
        "Avant",
        "Après",
    ]
    row = [c.value for c in ws[5]]
    assert row[:4] == ["PS-0900", "Place de test, 4100 Seraing", "toutes", "Première visite"] and row[6:8] == [30, 6]
    assert row[4] == datetime(2026, 6, 1) and ws["E5"].number_format == "DD/MM/YYYY"
    assert row[8] == pytest.approx(-0.8) and ws["I5"].number_format == "+0%;-0%;0%"
    assert row[-1] == "Baisse significative" and ws.max_row == 5

    from pypdf import PdfReader

    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(io.BytesIO(printed.content)).pages))
    assert "1 lieu visité pour la première fois : 1 baisse significative." in text
    assert "Actions de la période : ont-elles servi ?" in text
    row = "PS-0900 — Place de test, 4100 Seraing Première visite, 01/06/2026 30 6 -80 % -1 % Baisse significative"
    assert row in text
    assert "Actions : un point sensible ou un axe visité pour la première fois dans la période" in text

    done = run_cli("activite", "--periode", "2026-T2", env=cli_env(settings, COLUMNS="200"))
    assert done.returncode == 0, done.stderr
    lines = [" ".join(line.replace("│", " ").split()) for line in done.stdout.splitlines()]
    assert row in lines

    report = read_activity(conn, parse_period("2026-T4", zone=ZONE), now=pd.Timestamp("2026-12-02 10:00", tz="UTC"))
    (soon,) = report.actions.to_dict(orient="records")
    assert (soon["lieu"], soon["verdict"]) == ("PS-0901", "Trop tôt")
    assert soon["avant"] is None and np.isnan(soon["p_ajuste"])  # no count: not measured
    assert actions_sentence(report.actions) == "1 lieu visité pour la première fois : 1 trop tôt pour le dire."
    # a long place is printed whole, wrapped in its cell (it printed « …123, 4121 Neu… »)
    long = dataclasses.replace(
        report, actions=report.actions.assign(libelle="Drève du Bois de Neuville 123, 4121 Neupré")
    )
    words = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(render_pdf(long, issuer="test"))).pages)
    assert "Neu…" not in words and "4121 Neupré" in words and "PS-0901 — Drève du Bois de" in words


# --- interventions at a place ------------------------------------------------------------------------------------


def test_an_intervention_noted_at_a_place_is_the_action_whose_effect_is_measured(settings, effect_data, auth):
    """A camera at PS-0900 on 1 June and a sign at its address: the effect starts from the latest, the period's
    report lists both, a mistaken one is withdrawn (and no longer counts), a bad kind or day is refused in French."""
    address = effect_data
    with TestClient(create_app(settings)) as client:

        def post(**body):
            return client.post("/api/interventions", json=body, headers=auth["planificateur"])

        camera = post(lieu="ps-0900", type="caméra", date="2026-06-01", note="Caméra mobile n° 2")
        sign = post(lieu=address, type="Panneau posé", date="31/05/2026", rayon=40)
        drone = post(lieu="PS-0900", type="drone", date="2026-06-01")
        ahead = post(lieu="PS-0900", type="panneau", date=f"{datetime.now(UTC) + timedelta(days=3):%Y-%m-%d}")
        backwards = post(lieu="PS-0900", type="panneau", date="2026-06-01", fin="2026-05-01")
        by_reader = client.post(
            "/api/interventions",
            json={"lieu": "PS-0900", "type": "panneau", "date": "2026-06-01"},
            headers=auth["lecteur"],
        )
        listed = client.get("/api/interventions", params={"lieu": "PS-0900"}, headers=auth["lecteur"])
        effect = client.get("/api/effet", params={"lieu": "PS-0900", "mois": 3}, headers=auth["lecteur"])
        report = client.get("/api/activite", params={"periode": "2026-T2"}, headers=auth["lecteur"])
        assert camera.status_code == 201, camera.text
        withdrawn = client.delete(f"/api/interventions/{camera.json()['id']}", headers=auth["planificateur"])
        again = client.delete(f"/api/interventions/{camera.json()['id']}", headers=auth["planificateur"])
        after = client.get("/api/effet", params={"lieu": "PS-0900", "mois": 3}, headers=auth["lecteur"])
        client.delete(f"/api/interventions/{sign.json()['id']}", headers=auth["planificateur"])
        none_left = client.get("/api/effet", params={"lieu": "PS-0900", "mois": 3}, headers=auth["lecteur"])
    noted = camera.json()
    assert (noted["lieu"], noted["type"], noted["libelle"], noted["note"]) == (
        "PS-0900",
        "camera",
        "Caméra posée",
        "Caméra mobile n° 2",
    )
    assert noted["debut"] == "2026-06-01T00:00:00+02:00" and noted["note_par"] == "test.planificateur"
    assert sign.status_code == 201 and sign.json()["lieu"] == address and sign.json()["a_une_adresse"]
    assert drone.status_code == 422 and drone.json()["erreur"] == "type d'intervention inconnu : « drone »"
    assert "camera (Caméra posée)" in drone.json()["conseil"]
    assert ahead.status_code == 422 and "plus d'un jour dans le futur" in ahead.json()["erreur"]
    assert backwards.status_code == 422 and backwards.json()["erreur"].startswith("fin (01/05/2026) avant le début")
    assert by_reader.status_code == 403
    assert [i["libelle"] for i in listed.json()] == ["Caméra posée", "Panneau posé"]  # the latest first

    body = effect.json()
    assert body["action"]["source"] == f"caméra posée, intervention n° {noted['id']}"
    assert (body["lieu_compte"]["avant"], body["lieu_compte"]["apres"]) == (30, 6) and body["significatif"]
    actions = report.json()["actions"]
    assert [(a["mesure"], a["lieu"]) for a in actions] == [("Panneau posé", address), ("Caméra posée", "PS-0900")]
    assert {a["verdict"] for a in actions} == {"Baisse significative"}

    assert withdrawn.status_code == 200 and again.status_code == 404
    assert again.json()["erreur"] == f"Aucune intervention n° {noted['id']} en cours."
    assert after.json()["action"]["source"] == f"panneau posé, intervention n° {sign.json()['id']}"
    assert none_left.status_code == 422
    assert none_left.json()["erreur"] == (
        "aucune visite ni intervention enregistrée au point PS-0900 : de quelle action mesurer l'effet ?"
    )


def test_the_intervention_command_notes_lists_and_withdraws(settings, effect_data):
    env = cli_env(settings, COLUMNS="200")
    noted = run_cli("intervention", "ajouter", "PS-0900", "--type", "nettoyage", "--date", "02/06/2026", env=env)
    assert noted.returncode == 0, noted.stderr
    assert noted.stdout.startswith("Intervention n° ") and "notée : nettoyage — PS-0900, le 02/06/2026." in noted.stdout
    number = noted.stdout.split("n° ")[1].split(" ")[0]
    table = run_cli("intervention", "liste", env=env)
    rows = [" ".join(line.replace("│", " ").split()) for line in table.stdout.splitlines()]
    assert any(row.startswith(f"{number} PS-0900 Nettoyage 02/06/2026 —") for row in rows), rows
    wrong = run_cli("intervention", "ajouter", "PS-0900", "--type", "sac", "--date", "02/06/2026", env=env)
    assert wrong.returncode == 1 and "type d'intervention inconnu : « sac »" in wrong.stderr
    gone = run_cli("intervention", "retirer", number, env=env)
    assert gone.returncode == 0 and f"Intervention n° {number} retirée." in gone.stdout
    assert "Aucune intervention notée." in run_cli("intervention", "liste", env=env).stdout


def test_an_intervention_that_ended_counts_only_its_days_in_place(conn, effect_data):
    """A camera moved elsewhere on 15 July: its effect counts 1 June to 15 July, and as many days before; one in
    place ten days only is too short a time to say anything, and said so."""
    from service.activity.effect import NotMeasurableError, read_effect
    from service.activity.interventions import NewIntervention, record

    def day(text: str) -> pd.Timestamp:
        return pd.Timestamp(text, tz="Europe/Brussels").tz_convert("UTC")

    camera = NewIntervention("PS-0900", "camera", day("2026-06-01"), day("2026-07-15"))
    number = record(conn, camera, actor="test", zone=ZONE)["id"]
    measured = read_effect(conn, "PS-0900", zone=ZONE)
    assert measured.action_source == f"caméra posée jusqu'au 15/07/2026, intervention n° {number}"
    assert (measured.start, measured.end) == (day("2026-04-18"), day("2026-07-15"))
    record(conn, NewIntervention("PS-0900", "panneau", day("2026-08-01"), day("2026-08-11")), actor="test", zone=ZONE)
    too_short = "l'action du 01/08/2026 n'est restée en place que 10 jours, jusqu'au 11/08/2026 : il en faut 28"
    with pytest.raises(NotMeasurableError, match=re.escape(too_short)):
        read_effect(conn, "PS-0900", zone=ZONE)


def test_the_activity_report_counts_each_commune_and_sector_once_whatever_its_spelling(conn, settings, auth):
    # reports written « Ougrée », « Jemeppe », « Neuville-en-Condroz », « Plainevaux » and « OUGREE » (a provisional
    # point: its address was not found): two communes, not five spellings of sections
    from service.geocode.apply import GazetteerBatchGeocoder
    from service.geocode.match import Geocoder
    from service.ingest.pipeline import IngestOptions, ingest_file

    load_gazetteer(conn, [ROOT / "geodata" / "icar_seraing_neupre.csv"])
    geocoder = GazetteerBatchGeocoder(Geocoder.from_db(conn))
    summary = ingest_file(
        conn, DATA / "formats" / "registre_sections.csv", IngestOptions("reports"), settings, geocoder=geocoder
    )
    conn.commit()
    assert summary.inserted == 5
    with TestClient(create_app(settings)) as client:
        sheet = client.get("/api/activite", params={"periode": "2025-06", "format": "xlsx"}, headers=auth["lecteur"])
    assert sheet.status_code == 200, sheet.text
    wb = load_workbook(io.BytesIO(sheet.content))
    ws = wb["Communes"]
    assert ws["A4"].value == "Commune"
    rows = [(r[0], r[1]) for r in ws.iter_rows(min_row=5, values_only=True) if r[0]]
    assert rows == [("Seraing", 3), ("Neupré", 2)], rows
    # and by sector (postcode), named as on the map: the unplaced « OUGREE » report by the postcode it was given
    ws = wb["Secteurs"]
    assert ws["A4"].value == "Secteur"
    rows = [(r[0], r[1]) for r in ws.iter_rows(min_row=5, values_only=True) if r[0]]
    assert rows == [
        ("4102 Ougrée", 2),
        ("4101 Jemeppe-sur-Meuse", 1),
        ("4121 Neuville-en-Condroz", 1),
        ("4122 Plainevaux", 1),
    ], rows
