"""Permits on the analysed demo data: the facilities that attract complaints, the follow-up list (and its files), permit
checks planned in a shift, a permit's record, and the advice sheet against a direct SQL count."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
import pandas as pd
import pypdf
import pytest
from fastapi.testclient import TestClient

from service.api import create_app
from service.db import connect
from service.db.vocabulary import load_labels
from service.errors import InvalidValueError
from service.export import render
from service.geocode.apply import batch_geocoder
from service.permits.advice import Reach, advice_facts, facts_json, locate
from service.permits.advice_pdf import render_advice_pdf
from service.permits.candidates import followup_sheet
from service.permits.record import find_permit, permit_record
from service.plan import Filters, ShiftRequest, plan_shift
from tests.helpers import NOW, cli_env, load_analysed_demo, run_cli

START = datetime(2026, 11, 20, 8, 0, tzinfo=ZoneInfo("Europe/Brussels"))


@pytest.fixture(scope="module")
def demo(settings, tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_permits")
    load_analysed_demo(settings, out)
    return json.loads((out / "verite_terrain.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def db(settings, demo):
    with connect(settings) as conn:
        yield conn


@pytest.fixture(scope="module")
def labels(db):
    return load_labels(db)


@pytest.fixture(scope="module")
def geocoder(db):
    found = batch_geocoder(db)
    assert found is not None
    return found.geocoder


def _pdf_text(data: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages))


def test_the_planted_facilities_draw_their_complaints(db, settings, demo, labels):
    for planted in demo["prevention"]["permits_attracting_reports"]:
        record = permit_record(db, settings, find_permit(db, planted["reference"]), labels, now=NOW)
        by_category = record["signalements"]["par_categorie_et_annee"]
        assert sum(by_category[planted["category"]].values()) >= planted["reports"], record["reference"]
        assert all(r["distance_m"] <= settings.permit_link_m for r in record["signalements"]["liste"])
        assert record["tendance"]["code"] == "hausse", record["tendance"]
        assert record["suivi"]["a_suivre"] and "plaintes" in record["suivi"]["motifs"]
    shop = permit_record(db, settings, find_permit(db, demo["prevention"]["expiring_permit"]), labels, now=NOW)
    assert shop["suivi"]["motifs"][0] == "expiration" and shop["suivi"]["raisons"][0].startswith("expire le ")
    # the scrap yard beside a dumping corner is linked to its dumped waste
    yard = demo["permit_near_sensitive_point"]["reference"]
    assert (
        "depot_clandestin"
        in permit_record(db, settings, find_permit(db, yard), labels, now=NOW)["signalements"]["par_categorie_et_annee"]
    )


def test_follow_up_list_in_five_formats(db, settings, demo, labels):
    sheet = followup_sheet(db, settings, now=NOW, base_url="http://carte.test")
    rows = sheet.rows
    refs = " ".join(rows["Lieu"])
    for planted in demo["prevention"]["permits_attracting_reports"]:
        assert planted["reference"] in refs
    assert rows["Priorité"].is_monotonic_decreasing and set(rows["Type"]) == {"Contrôle de permis"}
    book = openpyxl.load_workbook(io.BytesIO(render(sheet, "xlsx")))
    table = book.worksheets[0]
    header = [c.value for c in table[1]]
    assert header[:3] == ["Site", "Type", "Lieu"] and "Résultat" in header and "Pourquoi" in header
    assert [table.cell(row=i + 2, column=1).value for i in range(len(rows))] == list(rows["Site"])
    csv_text = render(sheet, "csv").decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("Site;Type;Lieu;Commune") and "plaintes liées" in csv_text
    collection = json.loads(render(sheet, "geojson"))
    assert len(collection["features"]) == len(rows)
    text = _pdf_text(render(sheet, "pdf"))
    assert "Suivi des permis" in text and "Contrôle de permis" in text and "expire le" in text


def test_permit_checks_are_planned_in_a_shift(db, settings, geocoder):
    request = ShiftRequest(
        starts_at=START,
        budget_minutes=300,
        start="Place Communale 1, 4100 Seraing",
        filters=Filters(kinds=("permis", "point_sensible")),
    )
    plan = plan_shift(db, settings, request, geocoder=geocoder, now=NOW)
    kinds = {plan.candidates.iloc[s.candidate]["kind"]: s for s in plan.stops}
    assert "permis" in kinds and kinds["permis"].service_min == settings.plan_service_permit_min == 30
    only = plan_shift(
        db,
        settings,
        ShiftRequest(
            starts_at=START,
            budget_minutes=240,
            start="Place Communale 1, 4100 Seraing",
            filters=Filters(kinds=("permis",)),
        ),
        geocoder=geocoder,
        now=NOW,
    )
    assert set(only.candidates["kind"]) == {"permis"}
    assert only.candidates["site_id"].str.fullmatch(r"PER-\d+").all()


def _direct_counts(db, x: float, y: float, radius: float, since: pd.Timestamp, until: pd.Timestamp) -> dict:
    rows = db.execute(
        """SELECT category, date_part('year', observed_at AT TIME ZONE 'Europe/Brussels')::int, count(*)
           FROM reports
           WHERE ST_Distance(geom, ST_SetSRID(ST_MakePoint(%s, %s), 31370)) <= %s
             AND duplicate_of IS NULL AND referral_id IS NULL AND observed_at >= %s AND observed_at < %s
           GROUP BY 1, 2""",
        (x, y, radius, since.to_pydatetime(), until.to_pydatetime()),
    ).fetchall()
    return {(c, int(year)): int(n) for c, year, n in rows}


def test_advice_sheet_figures_match_a_direct_count(db, settings, demo, labels, geocoder):
    corner = demo["sensitive_points"][0]["centre"]["label"]
    place = locate(corner, geocoder, settings)
    facts = advice_facts(db, settings, place, labels, Reach(250, 2), now=NOW)
    direct = _direct_counts(
        db, place.x, place.y, 250, pd.Timestamp("2024-01-01", tz="Europe/Brussels"), pd.Timestamp(NOW)
    )
    got = {(code, year): int(n) for code, row in facts.counts.iterrows() for year, n in row.items() if n}
    assert got == direct and facts.total == sum(direct.values()) > 50
    assert facts.years == [2024, 2025, 2026]
    # the corner's sensitive point is listed, with its distance
    assert len(facts.points) >= 1 and facts.points["distance_m"].min() < 60
    body = facts_json(facts, labels)
    assert body["signalements"]["total"] == facts.total and body["rayon_m"] == 250
    pdf = _pdf_text(render_advice_pdf(facts, labels, issuer=settings.service_name))
    assert f"Fiche d'avis — {place.label}" in pdf and "Avis du service Environnement" in pdf
    assert "Signalements par catégorie et par année" in pdf and "2024 2025 2026 Total" in pdf
    top, row = next(iter(facts.counts.iterrows()))
    assert f"{labels.category(top)} " + " ".join(str(int(row[y])) for y in facts.years) in pdf
    totals = [*(int(facts.counts[y].sum()) for y in facts.years), facts.total]
    assert "Total " + " ".join(f"{n:,}".replace(",", " ") for n in totals) in pdf
    # a permit within the radius is listed with its complaints
    yard = demo["permit_near_sensitive_point"]
    if yard["sensitive_point"] == demo["sensitive_points"][0]["id"]:
        assert yard["reference"] in [p["reference"] for p in facts.permits]


def test_advice_sheet_bad_input(db, settings, labels, geocoder):
    with pytest.raises(InvalidValueError, match="rayon de 5000 m hors des limites") as caught:
        advice_facts(db, settings, locate("Place Communale 1, 4100 Seraing", geocoder, settings), labels, Reach(5000))
    assert "entre 25 et 1000 m" in caught.value.hint
    with pytest.raises(
        InvalidValueError, match=r"Adresse de la demande introuvable : « Rue Imaginaire 3, 4100 Seraing » \("
    ):
        locate("Rue Imaginaire 3, 4100 Seraing", geocoder, settings)
    with pytest.raises(InvalidValueError, match="Adresse de la demande ambiguë : « Rue de la Paix 12 »"):
        locate("Rue de la Paix 12", geocoder, settings)
    with pytest.raises(InvalidValueError, match="hors de la zone de police"):
        locate("4.3525, 50.8467", geocoder, settings)


def test_permit_and_advice_api(settings, demo, auth, db):
    reference = demo["prevention"]["expiring_permit"]
    permit_id = find_permit(db, reference)
    with TestClient(create_app(settings)) as client:
        record = client.get(f"/api/permis/{permit_id}/nuisances", headers=auth["lecteur"]).json()
        assert record["reference"] == reference and record["signalements"]["total"] >= 9
        assert record["categories_concernees"][0]["libelle"]
        listed = client.get("/api/suivi-permis", headers=auth["lecteur"]).json()
        assert any(reference in f["properties"]["Lieu"] for f in listed["features"])
        xlsx = client.get("/api/suivi-permis/export", params={"format": "xlsx"}, headers=auth["planificateur"])
        assert (
            xlsx.status_code == 200
            and openpyxl.load_workbook(io.BytesIO(xlsx.content)).worksheets[0]["A1"].value == "Site"
        )
        assert client.get("/api/suivi-permis", params={"mois": 99}, headers=auth["lecteur"]).status_code == 422
        advice = client.get(
            "/api/avis", params={"adresse": "Place Communale 1, 4100 Seraing", "rayon": 300}, headers=auth["lecteur"]
        )
        assert advice.status_code == 200 and advice.json()["rayon_m"] == 300
        far = client.get(
            "/api/avis", params={"adresse": "Place Communale 1, 4100 Seraing", "rayon": 2000}, headers=auth["lecteur"]
        )
        assert far.status_code == 422 and far.json()["erreur"] == "rayon de 2000 m hors des limites"
        unknown = client.get("/api/avis", params={"adresse": "Rue Imaginaire 3, 4100 Seraing"}, headers=auth["lecteur"])
        assert unknown.status_code == 422 and "introuvable" in unknown.json()["erreur"]
        pdf = client.get(
            "/api/avis/pdf", params={"adresse": "Place Communale 1, 4100 Seraing"}, headers=auth["planificateur"]
        )
        assert pdf.headers["content-type"] == "application/pdf" and "Fiche d'avis" in _pdf_text(pdf.content)
        day = pd.Timestamp.now(tz="Europe/Brussels").strftime("%Y%m%d")  # the name says the place and the day
        assert f'filename="avis_place-communale-1-4100-seraing_{day}.pdf"' in pdf.headers["content-disposition"]
        logged = db.execute(
            "SELECT actor FROM private.access_log WHERE action = 'export_avis' ORDER BY id DESC"
        ).fetchone()
        assert logged == ("test.planificateur",)


def test_avis_command_writes_the_pdf(settings, demo, tmp_path):
    out = tmp_path / "avis.pdf"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "service",
            "avis",
            "--adresse",
            "Place Communale 1, 4100 Seraing",
            "--rayon",
            "150",
            "--out",
            str(out),
        ],
        env=cli_env(settings),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "rayon 150 m" in done.stdout and "Fiche d'avis" in _pdf_text(out.read_bytes())
    # a folder, as every other --out takes: the sheet is named after the place and the day (it was written as a
    # file called « fiches », without .pdf)
    folder = tmp_path / "fiches"
    again = run_cli("avis", "--adresse", "Place Communale 1, 4100 Seraing", "--out", str(folder), env=cli_env(settings))
    assert again.returncode == 0, again.stderr
    day = pd.Timestamp.now(tz="Europe/Brussels").strftime("%Y%m%d")
    written = folder / f"avis_place-communale-1-4100-seraing_{day}.pdf"
    assert [p.name for p in folder.iterdir()] == [written.name] and "Fiche d'avis" in _pdf_text(written.read_bytes())
    assert f"Écrit : {written}" in " ".join(again.stdout.split())
    bad = subprocess.run(
        [sys.executable, "-m", "service", "avis", "--adresse", "Place Communale 1, 4100 Seraing", "--rayon", "5"],
        env=cli_env(settings),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode == 1 and "rayon de 5 m hors des limites" in bad.stderr


def test_permis_voir_finds_a_permit_by_the_site_the_lists_give_and_says_its_priority(db, settings, demo, labels):
    """The follow-up list and the shift sheets name a permit « PER-12 »: « hotspots permis voir » takes that name (and
    the reference, and the number), shows the categories and visit days as a person reads them, and the priority
    with its factors, the figure of the follow-up list."""
    from service.numbers import french_number
    from service.permits.links import permit_visits

    planted = demo["prevention"]["permits_attracting_reports"][1]
    permit_id = find_permit(db, planted["reference"])
    assert find_permit(db, f"per-{permit_id}") == find_permit(db, f"PER {permit_id}") == find_permit(db, str(permit_id))
    done = run_cli("permis", "voir", f"PER-{permit_id}", env=cli_env(settings, COLUMNS="200"))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith(f"{planted['reference']} (site PER-{permit_id}) — ")  # the name « plan --rdv » takes
    label = labels.category(planted["category"])
    assert label != planted["category"] and f"  • {label} : " in out and f"• {planted['category']} :" not in out
    record = permit_record(db, settings, permit_id, labels)
    assert f"Priorité {french_number(record['suivi']['valeur'], 1)} = gravité " in out and " × prévision " in out
    visited = permit_visits(db, None)["permit_id"].iloc[0]
    seen = run_cli("permis", "voir", f"PER-{int(visited)}", env=cli_env(settings, COLUMNS="200")).stdout
    assert re.search(r"  • \d{2}/\d{2}/20\d{2} — ", seen), seen
    unknown = run_cli("permis", "voir", "PER-999999", env=cli_env(settings))
    assert unknown.returncode == 1 and "Aucun permis n° 999999" in unknown.stderr and "(PER-12)" in unknown.stderr


def test_permit_checks_are_planned_while_the_company_is_open(db, settings, geocoder):
    """Companies are checked in their opening hours: their own from the permit register (the demo's companies
    have theirs, « lun-ven 8h-17h30 », a garage closed at noon and open on Saturday morning, a station « 7j/7
    6h-22h »…), else the service's (HOTSPOTS_PLAN_PERMIT_HOURS, Monday to Friday 8:00–17:00). Each visit starts once
    the company is open and ends by its closing (or its lunch closure); an evening, Saturday or Christmas shift leaves
    out those closed then, each with the reason; an appointment booked with a company holds even on a Sunday."""
    from service.hours import parse_opening_hours
    from service.plan.model import parse_appointments

    def shift(at: datetime, **options) -> object:
        request = ShiftRequest(
            starts_at=at,
            budget_minutes=240,
            start="Place Communale 1, 4100 Seraing",
            filters=Filters(kinds=("permis", "point_sensible")),
            **options,
        )
        return plan_shift(db, settings, request, geocoder=geocoder, now=NOW)

    def hours_of(row) -> object:
        own = row["hours"] if isinstance(row["hours"], str) else None  # NaN in a frame without any
        return parse_opening_hours(own or settings.plan_permit_hours)

    known = {}
    friday, saturday, christmas = START.replace(hour=7), START.replace(day=21), START.replace(month=12, day=25, hour=9)
    lunch = START.replace(hour=11)  # 11:00-15:00: the garages and the joinery close at noon
    summer = START.replace(year=2027, month=7, day=27)  # a Tuesday in the building trade's leave
    for at in (friday, START.replace(hour=20), saturday, lunch, christmas, summer):
        plan = shift(at)
        permits = plan.candidates[plan.candidates["kind"] == "permis"]
        known.update({r["site_id"]: r for r in permits.to_dict("records")})
        for stop in plan.stops:
            row = plan.candidates.iloc[stop.candidate]
            if row["kind"] == "permis":  # the whole visit while open (not across the lunch closure)
                assert hours_of(row).is_open(stop.arrival, stop.departure), (row["site_id"], stop.arrival)
        closed = plan.excluded[plan.excluded["reason"].str.startswith("fermé pendant la tournée")]
        for row in closed.to_dict("records"):
            assert row["site_id"].startswith("PER-") and "heures d'ouverture (" in row["reason"]
            if row["site_id"] in known:  # closed then by its own hours (or the service's)
                assert hours_of(known[row["site_id"]]).windows(pd.Timestamp(at), 240, 30) == []
        if at.hour == 20:
            assert len(closed) > 0 and len(permits) > 0  # most are closed in the evening, a station is open
            assert {h for h in permits["hours"] if isinstance(h, str)} <= {
                "tous les jours 06:00-22:00",
                "lun-ven 06:00-20:00",
            }
        if at == saturday:  # the garages' Saturday morning
            assert "lun-ven 08:00-12:00, 13:00-18:00 et sam 09:00-12:00" in set(permits["hours"])
        if at == lunch:
            assert any(h and "12:00, 13:00" in h for h in permits["hours"] if isinstance(h, str))
        if at == christmas:  # a Friday, but a public holiday: only the station open every day
            assert set(permits["hours"]) == {"tous les jours 06:00-22:00"}
            assert len(closed) > 3 and closed["reason"].str.contains("(Noël, jour férié)", regex=False).all()
            assert set(closed["motive"]) == {"fermé(s) pendant la tournée (Noël, jour férié)"}
        if at == summer:  # the joinery is on leave, the others work
            on_leave = closed[closed["reason"].str.contains("(fermé du 20/07 au 07/08)", regex=False)]
            assert len(on_leave) > 0 and len(permits) > 0
            assert set(on_leave["motive"]) == {"fermé(s) pendant la tournée (jours de fermeture de l'entreprise)"}
            assert on_leave["reason"].str.contains("12:30-16:00 et fermé du 20/07 au 07/08, les siennes").all()
    assert any(isinstance(r["hours"], str) for r in known.values()), "the register's own hours are used"
    sunday = START.replace(day=22, hour=10)
    company = next(site for site, row in known.items() if row["hours"] != "tous les jours 06:00-22:00")
    booked = shift(sunday, appointments=parse_appointments(f"{company} 11h", sunday))
    (kept,) = [s for s in booked.stops if booked.candidates.iloc[s.candidate]["site_id"] == company]
    assert kept.arrival == pd.Timestamp(sunday.replace(hour=11))
