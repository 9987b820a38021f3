"""Referral to the Mediation service and to partners, on the analysed demo data: rules that propose on import, a
referral that takes reports out of the next analysis and puts them back when withdrawn, refusals that change
nothing, the audit log, the list in five formats, the API, the vocabulary."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime

import gpxpy
import openpyxl
import pandas as pd
import pypdf
import pytest
from fastapi.testclient import TestClient

from service.analyse.store import load_reports, run_points
from service.api import create_app
from service.db import connect
from service.db.vocabulary import load_labels
from service.errors import ConflictError, InvalidValueError, NotFoundError
from service.export import render
from service.maps.data import ReportFilter, report_layer
from service.referrals import (
    Decision,
    Target,
    confirm,
    list_referrals,
    parse_target,
    propose_referrals,
    refer,
    withdraw,
)
from service.referrals.sheet import referral_sheet
from tests.helpers import NOW, ingest, load_analysed_demo, write

SINCE = datetime(2024, 11, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(settings, tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_referrals")
    load_analysed_demo(settings, out)
    return json.loads((out / "verite_terrain.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def db(settings, demo):
    with connect(settings) as conn:
        yield conn


def _count(db, sql: str, *params) -> int:
    return int(db.execute(sql, params).fetchone()[0])


def _log(db, action: str) -> list[tuple]:
    return db.execute(
        "SELECT actor, detail FROM private.access_log WHERE action = %s ORDER BY id", (action,)
    ).fetchall()


def test_rules_propose_neighbour_noise_for_mediation_without_applying_it(db, demo, settings):
    proposals = list_referrals(db, statuses=("propose",))
    assert len(proposals) == len(demo["prevention"]["neighbour_noise"]) == 3
    assert set(proposals["recipient"]) == {"mediation"} and set(proposals["proposed_by"]) == {"regle:1"}
    assert set(proposals["main_category"]) == {"bruit_voisinage"}
    batch = db.execute(
        "SELECT details ->> 'renvois_proposes' FROM ingestion_batches "
        "WHERE file_name = 'signalements_service_environnement.csv'"
    ).fetchone()
    assert batch == ("3",)
    ids = [int(t) for t in proposals["target_id"]]
    # proposed, not applied: the reports still count
    assert _count(db, "SELECT count(*) FROM reports WHERE id = ANY(%s) AND referral_id IS NULL", ids) == 3
    counted = set(load_reports(db, since=SINCE, zone=None)["id"])
    assert set(ids) <= counted
    # running the rules again proposes nothing new
    assert propose_referrals(db, settings) == 0


def test_a_referral_leaves_the_next_analysis_and_comes_back_when_withdrawn(db, settings):
    point, report_ids = db.execute(
        "SELECT id, report_ids FROM sensitive_points WHERE category_scope = 'toutes' AND state <> 'resolu' "
        "ORDER BY priority DESC LIMIT 1"
    ).fetchone()
    before = load_reports(db, since=SINCE, zone=None)
    bbox = db.execute(
        "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM "
        "(SELECT ST_Transform(ST_Expand(geom, 300), 4326) AS b FROM sensitive_points WHERE id = %s) s",
        (point,),
    ).fetchone()
    map_before = report_layer(db, bbox, 14, ReportFilter(), max_points=3000)["total"]
    number = refer(
        db,
        settings,
        Target("point_sensible", point),
        "commune_proprete",
        "Terrain privé : à la commune de faire nettoyer par le propriétaire",
        actor="agent.test",
        now=NOW,
    )
    db.commit()
    referred = _count(db, "SELECT count(*) FROM reports WHERE referral_id = %s", number)
    assert referred == len(set(report_ids) & set(before["id"])) > 20
    after = load_reports(db, since=SINCE, zone=None)
    assert len(after) == len(before) - referred and not set(after["id"]) & set(report_ids)
    assert report_layer(db, bbox, 14, ReportFilter(), max_points=3000)["total"] == map_before - referred
    first = run_points(db, since=SINCE, now=pd.Timestamp(NOW))
    state = db.execute("SELECT state, last_run_id FROM sensitive_points WHERE id = %s", (point,)).fetchone()
    assert state[0] == "surveille"  # not found any more: its reports are out of the counts
    nearby = db.execute(
        "SELECT count(*) FROM sensitive_points p, sensitive_points q WHERE q.id = %s AND p.id <> q.id "
        "AND p.last_run_id = %s AND p.category_scope = 'toutes' AND ST_DWithin(p.geom, q.geom, 30)",
        (point, first["run"]),
    ).fetchone()[0]
    assert nearby == 0  # and no other point took its place
    # the history is kept: the referral lists its reports
    assert _count(db, "SELECT count(*) FROM referral_reports WHERE referral_id = %s", number) == referred
    withdraw(db, number, Decision("agent.test", "Erreur : c'est la voie publique", NOW))
    db.commit()
    assert len(load_reports(db, since=SINCE, zone=None)) == len(before)
    second = run_points(db, since=SINCE, now=pd.Timestamp(NOW))
    back = db.execute("SELECT state, last_run_id, n_reports FROM sensitive_points WHERE id = %s", (point,)).fetchone()
    assert back[0] in ("actif", "reouvert") and back[1] == second["run"] and back[2] >= len(report_ids) * 0.9
    # who, when, why and to whom: in the audit log
    made = [d for a, d in _log(db, "renvoi") if d["renvoi"] == number]
    assert made == [
        {
            "renvoi": number,
            "cible": point,
            "destinataire": "commune_proprete",
            "motif": "Terrain privé : à la commune de faire nettoyer par le propriétaire",
            "signalements": referred,
        }
    ]
    assert ("agent.test", {"renvoi": number, "motif": "Erreur : c'est la voie publique"}) in _log(db, "renvoi_retire")


def test_referring_again_and_other_bad_input_change_nothing(db, settings):
    report = _count(
        db,
        "SELECT min(id) FROM reports WHERE duplicate_of IS NULL AND referral_id IS NULL "
        "AND category = 'depot_clandestin'",
    )
    number = refer(
        db,
        settings,
        parse_target(f"SIG-{report}"),
        "Intradel",
        "dépôt sur un terrain de l'intercommunale",
        actor="agent.test",
    )
    db.commit()
    count = _count(db, "SELECT count(*) FROM referrals")
    with pytest.raises(ConflictError) as caught:
        refer(db, settings, Target("signalement", str(report)), "mediation", "autre motif", actor="agent.test")
    assert caught.value.message.startswith(f"SIG-{report} est déjà renvoyé (renvoi n° {number} : Intercommunale")
    with pytest.raises(NotFoundError, match="Aucun signalement n° 999999999"):
        refer(db, settings, Target("signalement", "999999999"), "mediation", "motif", actor="agent.test")
    with pytest.raises(NotFoundError, match="Aucun point sensible « PS-9999 »"):
        refer(db, settings, parse_target("ps-9999"), "mediation", "motif", actor="agent.test")
    with pytest.raises(InvalidValueError, match="destinataire du renvoi inconnu : « la lune »") as caught:
        refer(db, settings, Target("signalement", str(report + 1)), "la lune", "motif", actor="agent.test")
    assert "mediation (Service de médiation de la zone de police)" in caught.value.hint
    with pytest.raises(InvalidValueError, match="motif du renvoi manquant"):
        refer(db, settings, Target("signalement", str(report + 1)), "mediation", " ", actor="agent.test")
    with pytest.raises(InvalidValueError, match="objet à renvoyer illisible"):
        parse_target("le coin de la rue")
    with pytest.raises(ConflictError, match="n'est pas une proposition"):
        confirm(db, number, Decision("agent.test"))
    db.commit()
    assert _count(db, "SELECT count(*) FROM referrals") == count  # nothing was added by the refused ones
    assert _count(db, "SELECT referral_id FROM reports WHERE id = %s", report) == number
    withdraw(db, number, Decision("agent.test", "fait"))
    db.commit()
    with pytest.raises(ConflictError, match=f"Le renvoi n° {number} est déjà retiré"):
        withdraw(db, number, Decision("agent.test", "encore"))
    db.commit()
    assert _count(db, "SELECT count(*) FROM reports WHERE id = %s AND referral_id IS NULL", report) == 1
    assert _count(db, "SELECT count(*) FROM referrals WHERE id = %s AND status = 'retire'", number) == 1


def test_a_planner_confirms_or_refuses_a_proposal(db, settings):
    first, second, _third = list_referrals(db, statuses=("propose",))["id"].tolist()
    confirm(db, int(first), Decision("agent.test"))
    db.commit()
    report = _count(db, "SELECT report_id FROM referral_reports WHERE referral_id = %s", first)
    assert _count(db, "SELECT referral_id FROM reports WHERE id = %s", report) == first
    assert ("agent.test", {"renvoi": int(first), "motif": None}) in _log(db, "renvoi_confirme")
    assert withdraw(db, int(second), Decision("agent.test", "bruit de chantier, pas un voisin")) == "refuse"
    db.commit()
    refused = _count(db, "SELECT report_id FROM referral_reports WHERE referral_id = %s", second)
    assert _count(db, "SELECT count(*) FROM reports WHERE id = %s AND referral_id IS NULL", refused) == 1
    assert propose_referrals(db, settings) == 0  # a refused proposal is not made again


def _pdf_text(data: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages))


def test_the_referral_list_exports_like_the_site_list(db):
    frame = list_referrals(db)
    sheet = referral_sheet(frame, load_labels(db), zone="Europe/Brussels", base_url="http://carte.test")
    assert sheet.file_stem == "renvois" and len(sheet.rows) == len(frame) >= 4
    rows = list(csv.reader(io.StringIO(render(sheet, "csv").decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Renvoi", "État", "Vers", "Site"]
    assert {r[1] for r in rows[1:]} >= {"Renvoyé", "Retiré", "Proposé", "Refusé"}
    assert any(re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", r[10]) for r in rows[1:])  # « Renvoyé le », Belgian
    book = openpyxl.load_workbook(io.BytesIO(render(sheet, "xlsx")))
    assert [c.value for c in book.worksheets[0][1]][:3] == ["Renvoi", "État", "Vers"]
    assert book.sheetnames[0] == "Renvois"
    assert isinstance(book.worksheets[0]["K2"].value, datetime)
    collection = json.loads(render(sheet, "geojson"))
    assert len(collection["features"]) == len(frame) and all(f["geometry"] for f in collection["features"])
    gpx = gpxpy.parse(render(sheet, "gpx").decode("utf-8"))
    assert len(gpx.waypoints) == len(frame)
    text = _pdf_text(render(sheet, "pdf"))
    assert "Renvois" in text and "Service de médiation de la zone de police" in text and "Vers" in text
    assert "Résultat" not in text  # no boxes to fill in: a list, not a shift
    secrets = {
        v for row in db.execute("SELECT name, phone FROM private.reporter_contacts").fetchall() for v in row if v
    }
    everything = " ".join([text, render(sheet, "csv").decode("utf-8-sig"), json.dumps(collection, ensure_ascii=False)])
    assert not [s for s in secrets if s in everything]


def test_the_api_refers_lists_and_withdraws(settings, auth, db):
    report = _count(
        db, "SELECT min(id) FROM reports WHERE duplicate_of IS NULL AND referral_id IS NULL AND category = 'bruit'"
    )
    with TestClient(create_app(settings)) as client:
        made = client.post(
            "/api/renvois",
            json={
                "cible": str(report),
                "destinataire": "médiation",
                "motif": "Haie mitoyenne : différend entre voisins",
            },
            headers=auth["planificateur"],
        )
        assert made.status_code == 201, made.text
        body = made.json()
        assert body["etat"] == "actif" and body["destinataire"]["code"] == "mediation"
        assert body["signalements"][0]["id"] == report and body["signalements"][0]["hors_des_comptes"] is True
        again = client.post(
            "/api/renvois",
            json={"cible": f"SIG-{report}", "destinataire": "mediation", "motif": "x x x"},
            headers=auth["planificateur"],
        )
        assert again.status_code == 409 and "est déjà renvoyé" in again.json()["erreur"]
        listed = client.get("/api/renvois", params={"etat": "actif"}, headers=auth["lecteur"]).json()
        assert body["id"] in [f["id"] for f in listed["features"]] and listed["destinataires"]["mediation"]
        one = client.get(f"/api/signalements/{report}", headers=auth["lecteur"]).json()
        assert one["properties"]["renvoi"] == body["id"]
        out = client.post(
            f"/api/renvois/{body['id']}/retrait", json={"motif": "réglé par la commune"}, headers=auth["planificateur"]
        )
        assert out.status_code == 200 and out.json()["etat"] == "retire"
        twice = client.post(
            f"/api/renvois/{body['id']}/retrait", json={"motif": "encore"}, headers=auth["planificateur"]
        )
        assert twice.status_code == 409
        empty = client.post(f"/api/renvois/{body['id']}/retrait", json={}, headers=auth["planificateur"])
        assert empty.status_code == 422
        exported = client.get("/api/renvois/export", params={"format": "csv"}, headers=auth["planificateur"])
        assert exported.status_code == 200 and exported.text.lstrip("\ufeff").startswith("Renvoi;État;Vers")
        assert f"\n{body['id']};" in exported.text
        # the filters: repeated states, a recipient by its label, one report's referrals, a state that does not exist
        both = {"etat": ["actif", "retire"], "destinataire": "Médiation", "signalement": report}
        mine = client.get("/api/renvois", params=both, headers=auth["lecteur"]).json()["features"]
        assert [(f["id"], f["properties"]["etat"]) for f in mine] == [(body["id"], "retire")]
        only_active = client.get(
            "/api/renvois", params={"etat": "actif", "signalement": report}, headers=auth["lecteur"]
        )
        assert only_active.json()["features"] == []
        unknown = client.get("/api/renvois", params={"etat": "ferme"}, headers=auth["lecteur"])
        assert unknown.status_code == 422 and "etat" in unknown.text
        filtered = client.get(
            "/api/renvois/export", params={"format": "csv", "etat": "actif"}, headers=auth["planificateur"]
        )
        assert f"\n{body['id']};" not in filtered.text.lstrip("\ufeff")
    assert (
        "test.planificateur",
        {
            "renvoi": body["id"],
            "cible": f"SIG-{report}",
            "destinataire": "mediation",
            "motif": "Haie mitoyenne : différend entre voisins",
            "signalements": 1,
        },
    ) in _log(db, "renvoi")


def test_the_vocabulary_knows_mediation_and_neighbour_noise(db, settings, tmp_path):
    visits = write(
        tmp_path / "visites.csv",
        "N° visite;Date visite;Adresse;Résultat\n"
        "VM-1;12/11/2026 10:00;Rue Ferrer 10, 4100 Seraing;Renvoyé en médiation\n",
    )
    ingest(db, settings, visits, kind="visits", source="essai_mediation")
    assert db.execute("SELECT outcome FROM visits WHERE source = 'essai_mediation'").fetchone() == ("mediation",)
    reports = write(
        tmp_path / "s.csv",
        "N° dossier;Date signalement;Catégorie;Adresse\n"
        "VM-2;12/11/2026 22:00;Tapage de voisinage;Rue Ferrer 10, 4100 Seraing\n",
    )
    ingest(db, settings, reports, source="essai_voisinage")
    assert db.execute("SELECT category FROM reports WHERE source = 'essai_voisinage'").fetchone() == (
        "bruit_voisinage",
    )
    labels = db.execute("SELECT label_fr, label_nl, label_en FROM categories WHERE code = 'bruit_voisinage'").fetchone()
    assert labels == ("Bruit de voisinage", "Burenlawaai", "Neighbour noise")
