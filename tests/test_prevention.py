"""Green neighbourhood information networks and their digests, on the analysed demo data: known points in known
networks, counts against direct SQL, no personal data in the HTML or the PDF (searched for every reporter's and
coordinator's name and phone), « moins de k », a period without data, what changed since the last digest, bad
input, the API and the command."""

from __future__ import annotations

import base64
import io
import json
import re
import subprocess
import sys
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pypdf
import pytest
import shapely
from fastapi.testclient import TestClient
from PIL import Image

from service.api import create_app
from service.db import connect
from service.db.migrate import available_migrations
from service.db.vocabulary import load_labels
from service.demo.prevention import register_networks
from service.errors import ConflictError, InvalidValueError, NotFoundError
from service.prevention import digest_for
from service.prevention.changes import changes, changes_since_last, record_digest
from service.prevention.networks import list_networks, register_network
from service.prevention.period import parse_period
from service.prevention.render import digest_json, render_html, render_pdf
from tests.helpers import NOW, cli_env, load_analysed_demo, run_cli

PERIOD = "2026-10"


@pytest.fixture(scope="module")
def demo(settings, tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_prevention")
    load_analysed_demo(settings, out)
    with connect(settings) as conn:
        ids = register_networks(conn, settings, out / "reseaux.json", actor="test")
    truth = json.loads((out / "verite_terrain.json").read_text(encoding="utf-8"))
    return {"out": out, "truth": truth, "networks": ids}


@pytest.fixture(scope="module")
def db(settings, demo):
    with connect(settings) as conn:
        yield conn


@pytest.fixture(scope="module")
def labels(db):
    return load_labels(db)


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def _html_text(page: str) -> str:
    """The words of a page, without its tags and its embedded image."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r'src="data:[^"]+"', "", page)))


def _planted_point(db, truth: dict, planted: str) -> str:
    """The id of the sensitive point found at a planted corner (nearest point within 60 m of its centre)."""
    spot = next(s for s in truth["sensitive_points"] if s["id"] == planted)
    row = db.execute(
        "SELECT id, ST_Distance(point, ST_SetSRID(ST_MakePoint(%s, %s), 31370)) FROM sensitive_points "
        "WHERE category_scope = 'toutes' ORDER BY 2 LIMIT 1",
        (spot["centre"]["x"], spot["centre"]["y"]),
    ).fetchone()
    assert row is not None and row[1] < 60, (planted, row)
    return str(row[0])


def test_networks_are_registered_from_streets_a_section_and_a_polygon(db, demo):
    networks = {n["name"]: n for n in list_networks(db)}
    planted = demo["truth"]["prevention"]["networks"]
    assert {p["nom"] for p in planted} == set(networks)
    kinds = {p["nom"]: p["zone"] for p in planted}
    assert {networks[name]["area_kind"] for name in networks} == {"rues", "section", "polygone"}
    for name, kind in kinds.items():
        assert networks[name]["area_kind"] == kind and networks[name]["geom"].area > 10_000
    # the polygon drawn around the body shop holds its permit
    square = next(p for p in planted if p["zone"] == "polygone")
    inside = db.execute(
        "SELECT ST_Contains(n.geom, p.geom) FROM prevention_networks n, permits p "
        "WHERE n.name = %s AND p.reference = %s",
        (square["nom"], square["permis"]),
    ).fetchone()
    assert inside == (True,)
    assert networks[square["nom"]]["commune"] == "Seraing"  # said for a drawn polygon too (it was left empty)
    # the coordinators' contacts are apart, in the private schema
    assert db.execute("SELECT count(*) FROM private.network_coordinators").fetchone()[0] == len(planted)


def test_a_digest_shows_the_known_points_of_its_network(db, settings, demo, labels):
    for planted in demo["truth"]["prevention"]["networks"]:
        found = digest_for(db, settings, labels, period=PERIOD, network=planted["nom"], now=NOW)
        listed = {p["id"]: p for p in found.points}
        for corner in planted["points_sensibles"]:
            point = _planted_point(db, demo["truth"], corner)
            assert point in listed and listed[point]["inside"], (planted["nom"], point, list(listed))
        # the counts of the period are those of a direct count of the reports inside the area
        area = shapely.to_wkb(found.scope.area)
        direct = dict(
            db.execute(
                """SELECT category, count(*) FROM reports
                   WHERE ST_Intersects(geom, ST_SetSRID(ST_GeomFromWKB(%s), 31370)) AND duplicate_of IS NULL
                     AND referral_id IS NULL
                     AND observed_at >= '2026-09-30 22:00+00' AND observed_at < '2026-10-31 23:00+00'
                   GROUP BY category""",
                (area,),
            ).fetchall()
        )
        assert {c["code"]: c["n"] for c in found.categories if c["n"]} == direct
        assert found.reports == sum(direct.values())


def _personal_strings(db) -> list[str]:
    rows = db.execute("SELECT name, phone, email FROM private.reporter_contacts").fetchall()
    rows += db.execute("SELECT name, phone, email FROM private.network_coordinators").fetchall()
    values = {v.strip() for row in rows for v in row if v and v.strip()}
    assert len(values) > 100  # the demo has hundreds of reporters
    return sorted(values)


def test_digests_carry_no_personal_data_nor_report_text(db, settings, demo, labels):
    secrets = _personal_strings(db)
    phones = {re.sub(r"\D", "", s) for s in secrets if re.fullmatch(r"[+\d][\d /.]{7,}", s)}
    texts = {
        d for (d,) in db.execute("SELECT DISTINCT description FROM reports WHERE length(description) > 25").fetchall()
    }
    assert phones and texts
    outputs = []
    for planted in demo["truth"]["prevention"]["networks"]:
        found = digest_for(db, settings, labels, period=PERIOD, network=planted["nom"], now=NOW)
        outputs += [
            _html_text(render_html(found, issuer=settings.service_name)),
            _pdf_text(render_pdf(found, issuer=settings.service_name)),
            json.dumps(digest_json(found)),
        ]
    section = digest_for(db, settings, labels, period=PERIOD, section="Seraing", now=NOW)
    outputs += [
        _html_text(render_html(section, issuer=settings.service_name)),
        _pdf_text(render_pdf(section, issuer=settings.service_name)),
    ]
    for text in outputs:
        flat = re.sub(r"\s+", " ", text)
        digits = re.sub(r"\D", "", text)
        leaked = [s for s in secrets if s in flat]
        assert not leaked, leaked[:5]
        assert not [p for p in phones if p in digits], "a phone number appears in a digest"
        assert not [t for t in texts if t in flat], "a report's text appears in a digest"
        assert not re.search(r"\b\d{1,4}[A-Z]?, 41\d\d\b", flat)  # no house number with its postcode


def test_counts_under_the_threshold_read_moins_de_k(db, settings, demo, labels):
    name = demo["truth"]["prevention"]["networks"][0]["nom"]
    found = digest_for(db, settings, labels, period=PERIOD, network=name, now=NOW)
    body = digest_json(found)
    counts = [c["periode"] for c in body["categories"]] + [c["precedente"] for c in body["categories"]]
    counts += [p["periode"] for p in body["points_sensibles"]] + body["visites"]["par_resultat"]
    small = [c for c in counts if c["nombre"] is None]
    assert small and all(c["affiche"] == "moins de 5" for c in small)
    shown = [c for c in counts if c["nombre"] is not None]
    assert all(c["nombre"] == 0 or c["nombre"] >= 5 for c in shown)
    under = {c["code"] for c in found.categories if 0 < c["n"] < 5}
    page = _html_text(render_html(found, issuer=settings.service_name))
    for code in under:
        assert re.search(rf"{re.escape(labels.category(code))} moins de 5", page), code


def test_the_digest_draws_its_map_offline(db, settings, demo, labels):
    name = demo["truth"]["prevention"]["networks"][0]["nom"]
    found = digest_for(db, settings, labels, period=PERIOD, network=name, now=NOW)
    page = render_html(found, issuer=settings.service_name)
    png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1))
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    area_green = (abs(image - np.array([0x1A, 0x96, 0x41])).sum(axis=2) < 40).sum()
    point_orange = (abs(image - np.array([0xE6, 0x61, 0x01])).sum(axis=2) < 40).sum()
    assert area_green > 500 and point_orange > 50  # the area's outline and the numbered points
    pdf = render_pdf(found, issuer=settings.service_name)
    text = _pdf_text(pdf)
    for words in (
        found.title.split(" — ")[1],
        "octobre 2026",
        "Ce que le service a fait",
        "Ce que vous pouvez faire",
        "Points sensibles",
        "zone",
        "point sensible (numéro du texte)",
    ):
        assert words in text, words


def test_another_service_signs_its_digests_and_its_login_page_with_its_own_name(db, settings, demo, labels):
    """A zone that is not Seraing-Neupré sets HOTSPOTS_SERVICE_NAME: its name, not ours, is at the foot of the
    printed and e-mailed digests and under the title of the login page."""
    theirs = settings.model_copy(update={"service_name": "cellule Propreté de la zone de police Meuse-Hesbaye"})
    name = demo["truth"]["prevention"]["networks"][0]["nom"]
    found = digest_for(db, theirs, labels, period=PERIOD, network=name, now=NOW)
    printed = " ".join(_pdf_text(render_pdf(found, issuer=theirs.service_name)).split())
    page = _html_text(render_html(found, issuer=theirs.service_name))
    assert "Hotspots — cellule Propreté de la zone de police Meuse-Hesbaye — imprimé le" in printed
    # the tables' headers are whole words (narrow columns split « Signalement s », « Longueu r »)
    points = printed[printed.index("Points sensibles N° Lieu") : printed.index("Axes problématiques Rue")]
    axes = printed[printed.index("Axes problématiques Rue") :]
    assert found.points and "État Signalements (octobre 2026) Où" in points, points
    assert found.axes and axes.startswith("Axes problématiques Rue Longueur État Signalements (octobre 2026)"), axes
    assert "Hotspots — cellule Propreté de la zone de police Meuse-Hesbaye — bilan établi le" in page
    with TestClient(create_app(theirs)) as client:
        login = _html_text(client.get("/connexion").text)
    assert "Cellule Propreté de la zone de police Meuse-Hesbaye" in login
    for words in (printed, page, login):
        assert "Seraing-Neupré" not in words


def test_a_period_without_data_says_so(db, settings, demo, labels):
    name = demo["truth"]["prevention"]["networks"][1]["nom"]
    found = digest_for(db, settings, labels, period="2019-05", network=name, now=NOW)
    assert found.empty and found.reports == 0 and found.advice
    assert found.summary() == "Aucun signalement dans la zone et aucune visite du service à ses abords en mai 2019."
    assert any(
        n.startswith("Aucune donnée pour mai 2019 : les signalements enregistrés commencent le") for n in found.notes
    )
    text = _pdf_text(render_pdf(found, issuer=settings.service_name))
    assert "Aucun signalement dans la zone en mai 2019 ni en avril 2019." in re.sub(r"\s+", " ", text)
    assert "Aucun signalement dans la zone en mai 2019" in _html_text(render_html(found, issuer=settings.service_name))


def test_a_section_digest_for_the_cleanliness_service(db, settings, labels):
    found = digest_for(db, settings, labels, period="2026-T3", section="jemeppe-sur-meuse", now=NOW)
    assert found.title == "Bilan environnement — Section Jemeppe-sur-Meuse — 3e trimestre 2026"
    assert found.previous.label == "2e trimestre 2026" and found.reports > 0
    shared = digest_for(db, settings, labels, period=PERIOD, section="Boncelles", now=NOW)
    assert any("partage le code postal 4100 avec Seraing" in n for n in shared.notes)


def test_changes_since_the_last_digest(db, settings, demo, labels):
    name = demo["truth"]["prevention"]["networks"][0]["nom"]
    first = digest_for(db, settings, labels, period="2026-11", network=name, now=NOW)
    never = changes_since_last(db, first)
    sites = [*first.points, *first.axes]
    assert never.since is None
    assert {s["id"] for s in never.new} == {s["id"] for s in sites if s["state"] not in ("resolu", "surveille")}
    record_digest(db, first, actor="test")
    assert changes_since_last(db, first).to_json()["nouveaux"] == []
    point = next(p["id"] for p in first.points if p["inside"])
    state = db.execute("SELECT state FROM sensitive_points WHERE id = %s", (point,)).fetchone()[0]
    try:
        db.execute("UPDATE sensitive_points SET state = 'reouvert', updated_at = now() WHERE id = %s", (point,))
        later = digest_for(db, settings, labels, period="2026-11", network=name, now=NOW)
        worse = changes_since_last(db, later).worse
        assert [(w["id"], w["pourquoi"]) for w in worse] == [(point, "revenu après une accalmie")]
        db.execute("UPDATE sensitive_points SET state = 'resolu', updated_at = now() WHERE id = %s", (point,))
        solved = changes_since_last(db, digest_for(db, settings, labels, period="2026-11", network=name, now=NOW))
        assert [(s["id"], s["pourquoi"]) for s in solved.resolved] == [(point, "résolu")]
    finally:
        db.execute("UPDATE sensitive_points SET state = %s WHERE id = %s", (state, point))
        db.commit()


def test_changes_between_two_snapshots():
    before = [
        {
            "type": "point_sensible",
            "id": "PS-1",
            "lieu": "a",
            "etat": "actif",
            "tendance": "persistant",
            "valeur": 10.0,
            "signalements": 20,
        },
        {
            "type": "point_sensible",
            "id": "PS-2",
            "lieu": "b",
            "etat": "actif",
            "tendance": "persistant",
            "valeur": 10.0,
            "signalements": 20,
        },
        {
            "type": "axe",
            "id": "AX-1",
            "lieu": "c",
            "etat": "actif",
            "tendance": None,
            "valeur": 12.0,
            "signalements": 12,
        },
    ]
    now = [
        before[0] | {"valeur": 13.0, "signalements": 26},  # +30 %: worse
        {
            "type": "point_sensible",
            "id": "PS-3",
            "lieu": "d",
            "etat": "nouveau",
            "tendance": "nouveau",
            "valeur": 5.0,
            "signalements": 6,
        },
        before[2] | {"etat": "surveille"},
    ]  # PS-2 is gone
    new, worse, resolved = changes(now, before)
    assert [s["id"] for s in new] == ["PS-3"]
    assert [(s["id"], s["pourquoi"]) for s in worse] == [("PS-1", "26 signalements (contre 20 au dernier bilan)")]
    assert {s["id"]: s["pourquoi"] for s in resolved} == {
        "AX-1": "sous surveillance : moins de signalements",
        "PS-2": "plus signalé comme site à problème",
    }


def test_bad_input_is_refused_in_french_and_nothing_is_stored(db, settings, labels):
    before = db.execute("SELECT count(*) FROM prevention_networks").fetchone()[0]
    with pytest.raises(NotFoundError, match="Réseau inconnu : « Les Castors »") as caught:
        digest_for(db, settings, labels, period=PERIOD, network="Les Castors")
    assert "Réseaux : " in caught.value.hint
    with pytest.raises(NotFoundError, match="Section inconnue : « Tilff »") as caught:
        digest_for(db, settings, labels, period=PERIOD, section="Tilff")
    assert "Ougrée" in caught.value.hint and "Plainevaux" in caught.value.hint
    for period, words in (
        ("2026-13", "période illisible"),
        ("octobre", "période illisible"),
        ("2031-01", "n'a pas encore commencé"),
    ):
        with pytest.raises(InvalidValueError, match=words):
            digest_for(db, settings, labels, period=period, section="Ougrée", now=NOW)
    far = {"type": "Polygon", "coordinates": [[[4.35, 50.84], [4.36, 50.84], [4.36, 50.85], [4.35, 50.84]]]}
    with pytest.raises(InvalidValueError, match="zone de réseau hors de la zone de police") as caught:
        register_network(db, settings, "Réseau de Bruxelles", polygon=far, actor="test")
    assert caught.value.hint == "Le polygone doit couvrir une partie de Seraing ou Neupré."
    with pytest.raises(InvalidValueError) as caught:
        register_network(
            db, settings.model_copy(update={"zone_communes": ("Flémalle",)}), "Réseau X", polygon=far, actor="test"
        )
    assert caught.value.hint == "Le polygone doit couvrir une partie de Flémalle."
    with pytest.raises(InvalidValueError, match="rue inconnue à Seraing : « Rue des Jonquile »") as caught:
        register_network(
            db, settings, "Réseau des fleurs", streets=["Rue des Jonquile"], commune="Seraing", actor="test"
        )
    assert "Rue des Jonquilles (Seraing)" in caught.value.hint
    with pytest.raises(InvalidValueError, match="dans plusieurs communes") as caught:
        register_network(db, settings, "Réseau de la paix", streets=["Rue de la Paix"], actor="test")
    assert "Neupré et Seraing" in caught.value.message and "(--commune Neupré)" in caught.value.hint
    with pytest.raises(InvalidValueError, match="une seule des trois"):
        register_network(db, settings, "Réseau double", streets=["Rue Ferrer"], section="Ougrée", actor="test")
    taken = list_networks(db)[0]["name"]
    with pytest.raises(ConflictError, match="existe déjà"):
        register_network(db, settings, taken.upper(), section="Ougrée", actor="test")
    db.rollback()
    assert db.execute("SELECT count(*) FROM prevention_networks").fetchone()[0] == before


def test_a_name_with_a_ligature_is_one_name_however_it_is_typed(db, settings):
    """« Bœufs » typed « Boeufs » is the same network name; keys written before the letters were spelled out
    (« bufs ») are recomputed by migration 0064 exactly as the service now writes them."""
    ident = register_network(
        db, settings, "Réseau des Bœufs", streets=["Rue des Boeufs"], commune="Seraing", actor="test"
    )
    db.commit()
    try:
        with pytest.raises(ConflictError, match="existe déjà"):
            register_network(db, settings, "RESEAU DES BOEUFS", section="Ougrée", actor="test")
        db.rollback()
        key = db.execute("SELECT name_key FROM prevention_networks WHERE id = %s", (ident,)).fetchone()[0]
        assert key == "reseau des boeufs"
        db.execute("UPDATE prevention_networks SET name_key = 'reseau des bufs' WHERE id = %s", (ident,))
        migration = next(m for m in available_migrations() if m.version == 64)
        db.execute(migration.sql)
        assert db.execute("SELECT name_key FROM prevention_networks WHERE id = %s", (ident,)).fetchone()[0] == key
    finally:
        db.rollback()
        db.execute("DELETE FROM prevention_networks WHERE id = %s", (ident,))
        db.commit()


def test_the_api_serves_digests_and_guards_the_coordinator(settings, demo, auth, db):
    client = TestClient(create_app(settings))
    with client:
        listed = client.get("/api/reseaux", headers=auth["lecteur"]).json()
        assert len(listed["features"]) == 3
        assert not {"coordinateur", "telephone", "nom_coordinateur"} & set(listed["features"][0]["properties"])
        network_id = listed["features"][0]["id"]
        body = client.get(f"/api/reseaux/{network_id}/bilan", params={"periode": PERIOD}, headers=auth["lecteur"])
        assert body.status_code == 200 and body.json()["periode"]["libelle"] == "octobre 2026"
        page = client.get(
            f"/api/reseaux/{network_id}/bilan", params={"periode": PERIOD, "format": "html"}, headers=auth["lecteur"]
        )
        assert page.headers["content-type"].startswith("text/html") and "Ce que vous pouvez faire" in page.text
        pdf = client.get(
            f"/api/reseaux/{network_id}/bilan", params={"periode": PERIOD, "format": "pdf"}, headers=auth["lecteur"]
        )
        assert pdf.headers["content-type"] == "application/pdf" and "octobre 2026" in _pdf_text(pdf.content)
        bad = client.get(f"/api/reseaux/{network_id}/bilan", params={"periode": "2026-13"}, headers=auth["lecteur"])
        assert bad.status_code == 422 and bad.json()["erreur"].startswith("période illisible")
        assert (
            client.get("/api/reseaux/99999/bilan", params={"periode": PERIOD}, headers=auth["lecteur"]).status_code
            == 404
        )
        section = client.get("/api/sections/Ougrée/bilan", params={"periode": PERIOD}, headers=auth["lecteur"])
        assert section.status_code == 200 and section.json()["portee"] == {
            "type": "section",
            "nom": "Ougrée",
            "reseau": None,
        }
        unknown = client.get("/api/sections/Tilff/bilan", params={"periode": PERIOD}, headers=auth["lecteur"])
        assert unknown.status_code == 404 and "Section inconnue" in unknown.json()["erreur"]
        sent = client.post(
            f"/api/reseaux/{network_id}/bilans", params={"periode": PERIOD}, headers=auth["planificateur"]
        )
        assert sent.status_code == 201
        news = client.get(f"/api/reseaux/{network_id}/nouveautes", headers=auth["lecteur"]).json()
        assert news["depuis"] is not None and set(news) >= {"nouveaux", "en_aggravation", "resolus"}
        # the coordinator: an admin, with a reason, and the read is logged
        refused = client.get(f"/api/reseaux/{network_id}/coordinateur", headers=auth["admin"])
        assert refused.status_code == 422
        contact = client.get(
            f"/api/reseaux/{network_id}/coordinateur", params={"motif": "organiser la réunion"}, headers=auth["admin"]
        ).json()
        assert contact["coordinateur"]["telephone"].startswith("0477")
        logged = db.execute(
            "SELECT detail FROM private.access_log WHERE action = 'lecture_coordinateur' ORDER BY id DESC LIMIT 1"
        ).fetchone()[0]
        assert logged == {"reseau": network_id, "trouve": True, "motif": "organiser la réunion"}
        created = client.post(
            "/api/reseaux",
            json={
                "nom": "PLP Rue Ferrer",
                "zone": {"rues": ["Rue Ferrer"], "commune": "Seraing"},
                "coordinateur": {"nom": "Anne Exemple", "telephone": "0470 00 00 01"},
            },
            headers=auth["planificateur"],
        )
        assert created.status_code == 201 and created.json()["properties"]["zone"] == "rues"
        again = client.post(
            "/api/reseaux", json={"nom": "plp rue ferrer", "zone": {"section": "Ougrée"}}, headers=auth["planificateur"]
        )
        assert again.status_code == 409 and "existe déjà" in again.json()["erreur"]


def test_the_digest_command_writes_html_and_pdf(settings, demo, tmp_path):
    name = demo["truth"]["prevention"]["networks"][2]["nom"]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "service",
            "digest",
            "--reseau",
            name,
            "--periode",
            PERIOD,
            "--out",
            str(tmp_path),
            "--brouillon",
        ],
        env=cli_env(settings),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    written = sorted(p.suffix for p in tmp_path.iterdir())
    assert written == [".html", ".pdf"]
    assert f"Réseau « {name} »" in done.stdout
    unknown = subprocess.run(
        [sys.executable, "-m", "service", "digest", "--reseau", "Les Castors", "--periode", PERIOD],
        env=cli_env(settings),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert unknown.returncode == 1 and "Réseau inconnu : « Les Castors »" in unknown.stderr


def test_registering_from_bad_files_changes_nothing(settings, demo, db, tmp_path):
    before = db.execute("SELECT count(*) FROM prevention_networks").fetchone()[0]
    truncated = tmp_path / "zone_tronquee.geojson"
    truncated.write_text('{"type": "Polygon", "coordinates": [[[5.50, 50.60], [5.51', encoding="utf-8")
    brussels = tmp_path / "bruxelles.geojson"
    brussels.write_text(
        json.dumps(
            {
                "type": "Feature",
                "properties": {},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[4.35, 50.84], [4.36, 50.84], [4.36, 50.85], [4.35, 50.84]]],
                },
            }
        ),
        encoding="utf-8",
    )
    runs = {
        truncated: (2, "zone_tronquee.geojson : fichier GeoJSON illisible"),
        brussels: (1, "zone de réseau hors de la zone de police"),
    }
    for path, (code, words) in runs.items():
        done = subprocess.run(
            [sys.executable, "-m", "service", "reseaux", "ajouter", "Réseau d'essai", "--polygone", str(path)],
            env=cli_env(settings),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == code and words in done.stderr, done.stderr
    db.rollback()
    assert db.execute("SELECT count(*) FROM prevention_networks").fetchone()[0] == before


# -- The digest sent to the coordinator by e-mail --------------------------------------------------------------


class _Inbox:
    """A mail server's side of the test: what it was handed (aiosmtpd's handler interface)."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.received.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


def _mail_env(settings, port: int, **extra: str) -> dict[str, str]:
    return cli_env(
        settings,
        COLUMNS="200",
        HOTSPOTS_SMTP_HOST="127.0.0.1",
        HOTSPOTS_SMTP_PORT=str(port),
        HOTSPOTS_SMTP_SECURITY="aucune",
        HOTSPOTS_SMTP_SENDER="Service Environnement <environnement@example.org>",
        **extra,
    )


def _free_port() -> int:
    """A local port free now, for the test's mail server."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _mail_settings(settings):
    """The settings with a mail server on a free local port (started by the test), and that port."""
    port = _free_port()
    mailing = settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "aucune",
                "smtp_sender": "Service Environnement <environnement@example.org>"}
    )  # fmt: skip
    return mailing, port


def _digests_sent(db, network_id: int) -> int:
    db.commit()
    return db.execute("SELECT count(*) FROM network_digests WHERE network_id = %s", (network_id,)).fetchone()[0]


def test_a_digest_is_sent_to_its_coordinator_with_its_pdf_and_noted_only_once_accepted(settings, demo, db, tmp_path):
    import email
    import email.policy

    from aiosmtpd.controller import Controller

    network = json.loads((demo["out"] / "reseaux.json").read_text(encoding="utf-8"))["reseaux"][0]
    name, contact = network["nom"], network["coordinateur"]
    network_id = db.execute("SELECT id FROM prevention_networks WHERE name = %s", (name,)).fetchone()[0]
    port = _free_port()
    argv = ["digest", "--reseau", name, "--periode", PERIOD, "--out", str(tmp_path), "--envoyer"]

    # the mail server out of reach: said in French, the digest not noted as sent
    before = _digests_sent(db, network_id)
    down = run_cli(*argv, env=_mail_env(settings, port))
    assert down.returncode == 1 and f"serveur d'envoi 127.0.0.1:{port} injoignable" in down.stderr, down.stderr
    assert _digests_sent(db, network_id) == before

    inbox = _Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        done = run_cli(*argv, env=_mail_env(settings, port))
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr
    assert f"Bilan envoyé par e-mail au coordinateur ({contact['email']}), PDF joint." in done.stdout
    assert _digests_sent(db, network_id) == before + 1
    [(recipients, raw)] = inbox.received
    assert recipients == [contact["email"]]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == f"Bilan environnement — Réseau « {name} » — octobre 2026"
    assert message["From"] == "Service Environnement <environnement@example.org>" and message["To"] == contact["email"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith(message["Subject"]) and "joint en PDF" in text and "Service Environnement" in text
    html_part = message.get_body(preferencelist=("html",))
    page = html_part.get_content()
    assert f"Réseau « {name} »" in _html_text(page)
    # the map travels as an inline image of the message (a data: image in the page is hidden by many readers)
    assert "data:image" not in page
    [cid] = re.findall(r'<img class="carte"[^>]*src="cid:([^"]+)"', page)
    [image] = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert image["Content-ID"] == f"<{cid}>" and image.get_content_disposition() == "inline"
    assert Image.open(io.BytesIO(image.get_content())).size[0] > 300
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename().startswith("bilan_") and attachment.get_filename().endswith("_2026-10.pdf")
    pdf = _pdf_text(attachment.get_content())
    assert name in pdf
    for personal in (contact["nom"], contact["telephone"], contact["email"]):  # the digest itself stays anonymous
        assert personal not in pdf and personal not in _html_text(page)
    logged = db.execute(
        "SELECT detail FROM private.access_log WHERE action = 'lecture_coordinateur' ORDER BY id DESC LIMIT 1"
    ).fetchone()[0]
    assert logged == {"reseau": network_id, "trouve": True, "motif": "envoi du bilan par e-mail"}


def test_sending_refuses_in_french_what_it_cannot_do(settings, demo, db, tmp_path):
    network = json.loads((demo["out"] / "reseaux.json").read_text(encoding="utf-8"))["reseaux"][1]["nom"]
    argv = ["digest", "--periode", PERIOD, "--out", str(tmp_path), "--envoyer"]
    unset = run_cli(*argv, "--reseau", network, env=cli_env(settings, COLUMNS="200"))
    assert unset.returncode == 1
    assert "envoi des e-mails non réglé : HOTSPOTS_SMTP_HOST et HOTSPOTS_SMTP_SENDER manquants" in unset.stderr
    assert not list(tmp_path.iterdir())  # refused before any work
    draft = run_cli(*argv, "--reseau", network, "--brouillon", env=_mail_env(settings, 9))
    assert draft.returncode == 1 and "--envoyer avec --brouillon" in draft.stderr
    section = run_cli(*argv, "--section", "Ougrée", env=_mail_env(settings, 9))
    assert section.returncode == 1 and "la section Ougrée n'a pas de coordinateur" in section.stderr

    # a network whose coordinator has no e-mail: refused with the command that records one; then recorded
    network_id = db.execute("SELECT id FROM prevention_networks WHERE name = %s", (network,)).fetchone()[0]
    db.execute("UPDATE private.network_coordinators SET email = NULL WHERE network_id = %s", (network_id,))
    db.commit()
    missing = run_cli(*argv, "--reseau", network, env=_mail_env(settings, 9))
    assert missing.returncode == 1 and f"le réseau « {network} » n'a pas d'e-mail de coordinateur" in missing.stderr
    assert not list(tmp_path.iterdir())  # every refusal came before the digest was drawn
    assert f'hotspots reseaux coordonnees "{network}" --email ADRESSE' in missing.stderr
    bad = run_cli("reseaux", "coordonnees", network, "--email", "jean.dupont(at)example.org", env=cli_env(settings))
    assert bad.returncode == 1 and "e-mail « jean.dupont(at)example.org » illisible" in bad.stderr
    done = run_cli("reseaux", "coordonnees", network, "--email", "jean.dupont@example.org", env=cli_env(settings))
    assert done.returncode == 0 and f"Coordonnées du coordinateur de « {network} » enregistrées." in done.stdout
    db.commit()
    kept = db.execute(
        "SELECT name IS NOT NULL, phone IS NOT NULL, email FROM private.network_coordinators WHERE network_id = %s",
        (network_id,),
    ).fetchone()
    assert kept == (True, True, "jean.dupont@example.org")  # name and phone kept as they were


def test_the_api_sends_a_digest_by_email_without_showing_the_address(settings, demo, auth, db):

    from aiosmtpd.controller import Controller

    network = json.loads((demo["out"] / "reseaux.json").read_text(encoding="utf-8"))["reseaux"][2]
    network_id = db.execute("SELECT id FROM prevention_networks WHERE name = %s", (network["nom"],)).fetchone()[0]
    mailing, port = _mail_settings(settings)
    url, params = f"/api/reseaux/{network_id}/bilans", {"periode": PERIOD, "envoyer": "true"}
    with TestClient(create_app(mailing)) as client:
        before = _digests_sent(db, network_id)
        down = client.post(url, params=params, headers=auth["planificateur"])
        assert down.status_code == 502 and down.json()["erreur"].startswith(f"serveur d'envoi 127.0.0.1:{port}")
        assert _digests_sent(db, network_id) == before
        inbox = _Inbox()
        server = Controller(inbox, hostname="127.0.0.1", port=port)
        server.start()
        try:
            sent = client.post(url, params=params, headers=auth["planificateur"])
        finally:
            server.stop()
    assert sent.status_code == 201, sent.text
    assert sent.json()["envoye_par_email"] is True and network["coordinateur"]["email"] not in sent.text
    assert [recipients for recipients, _raw in inbox.received] == [[network["coordinateur"]["email"]]]
    assert _digests_sent(db, network_id) == before + 1


def test_a_timer_names_the_last_whole_period_in_words():
    """« mois-dernier » and its kin, written as a person would (accents, capitals, a space), in Brussels time:
    just after midnight on New Year's Day in Brussels (still 31 December in UTC) the last month is December."""
    new_year = datetime(2025, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January 2026 in Brussels
    assert parse_period("mois-dernier", zone="Europe/Brussels", now=new_year).code == "2025-12"
    assert parse_period("Trimestre dernier", zone="Europe/Brussels", now=new_year).code == "2025-T4"
    assert parse_period("année dernière", zone="Europe/Brussels", now=new_year).code == "2025"
    assert (
        parse_period("mois-dernier", zone="Europe/Brussels", now=datetime(2026, 3, 31, 12, tzinfo=UTC)).label
        == "février 2026"
    )
    assert (
        parse_period("trimestre-dernier", zone="Europe/Brussels", now=datetime(2026, 2, 10, tzinfo=UTC)).label
        == "4e trimestre 2025"
    )
    with pytest.raises(InvalidValueError, match="période illisible : « semaine dernière »") as refused:
        parse_period("semaine dernière", zone="Europe/Brussels", now=new_year)
    assert "mois-dernier, trimestre-dernier, annee-derniere" in refused.value.hint


def test_a_period_is_counted_in_the_days_of_the_service_s_time_zone():
    """A service set elsewhere (HOTSPOTS_TIMEZONE) counts its months there: October 2026 starts at 22:00 UTC on
    30 September in Brussels, at 10:00 UTC the same day in Kiritimati (UTC+14); and at 23:30 UTC on 31 December
    the last whole month is still November in London but December in Brussels, where January has begun."""
    october = {zone: parse_period("2026-10", zone=zone).bounds() for zone in ("Europe/Brussels", "Pacific/Kiritimati")}
    assert october["Europe/Brussels"] == (
        pd.Timestamp("2026-09-30 22:00", tz="UTC"),
        pd.Timestamp("2026-10-31 23:00", tz="UTC"),
    )
    assert october["Pacific/Kiritimati"] == (
        pd.Timestamp("2026-09-30 10:00", tz="UTC"),
        pd.Timestamp("2026-10-31 10:00", tz="UTC"),
    )
    late = datetime(2025, 12, 31, 23, 30, tzinfo=UTC)
    assert parse_period("mois-dernier", zone="Europe/London", now=late).code == "2025-11"
    assert parse_period("mois-dernier", zone="Europe/Brussels", now=late).code == "2025-12"
    assert parse_period("2026-10", zone="Pacific/Kiritimati").previous().bounds()[1] == october["Pacific/Kiritimati"][0]


def test_every_network_s_digest_goes_out_in_one_run_and_a_rerun_sends_only_what_failed(settings, demo, db, tmp_path):
    """``digest --tous --envoyer`` as a monthly timer runs it: a network without a coordinator's address is
    refused with its reason and the command that fixes it, the others go out; run again once fixed, only the
    refused one is sent — those already noted for the period are passed over, not sent twice."""

    from aiosmtpd.controller import Controller

    broken = json.loads((demo["out"] / "reseaux.json").read_text(encoding="utf-8"))["reseaux"][2]["nom"]
    active = db.execute(
        "SELECT n.name, n.id, c.email FROM prevention_networks n LEFT JOIN private.network_coordinators c "
        "ON c.network_id = n.id WHERE n.active ORDER BY n.name"
    ).fetchall()
    names, ids, emails = [a[0] for a in active], {a[0]: a[1] for a in active}, {a[0]: a[2] for a in active}
    reachable = [n for n in names if emails[n] and n != broken]
    assert broken in names and len(reachable) >= 2
    db.execute("UPDATE private.network_coordinators SET email = NULL WHERE network_id = %s", (ids[broken],))
    db.commit()
    port = _free_port()
    argv = ["digest", "--tous", "--periode", "2026-T2", "--envoyer", "--out"]
    inbox = _Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        first = run_cli(*argv, str(tmp_path / "1"), env=_mail_env(settings, port))
        sent_first = sorted(r for rcpt, _ in inbox.received for r in rcpt)
        db.execute(
            "UPDATE private.network_coordinators SET email = %s WHERE network_id = %s", (emails[broken], ids[broken])
        )
        db.commit()
        second = run_cli(*argv, str(tmp_path / "2"), env=_mail_env(settings, port))
    finally:
        server.stop()
    said = " ".join(first.stdout.split())
    assert first.returncode == 1, first.stderr
    assert len(names) >= 2 and f"Bilans de {len(names)} réseaux — 2e trimestre 2026" in said
    assert f"{broken} : le réseau « {broken} » n'a pas d'e-mail de coordinateur → Enregistrez-le : " in said, said
    assert f'hotspots reseaux coordonnees "{broken}" --email ADRESSE' in said
    failing = len(names) - len(reachable)
    assert f"{failing} {'bilan non fait' if failing == 1 else 'bilans non faits'}, les autres sont faits." in said
    assert len(reachable) >= 1 and f"{2 * len(reachable)} fichiers écrits dans " in said
    assert sent_first == sorted(emails[n] for n in reachable)
    for name in reachable:
        assert f"envoyé à {emails[name]}" in said
    pdfs, pages = (list((tmp_path / "1").glob(f"bilan_*_2026-T2.{kind}")) for kind in ("pdf", "html"))
    assert len(pdfs) == len(pages) == len(reachable)
    # the rerun: the two noted ones passed over, the fixed one sent; each network noted once for the period
    again = " ".join(second.stdout.split())
    assert second.returncode == (failing > 1), second.stdout
    assert again.count("déjà noté comme envoyé le ") == len(reachable) and f"envoyé à {emails[broken]}" in again
    assert [r for rcpt, _ in inbox.received[len(sent_first) :] for r in rcpt] == [emails[broken]]
    counts = db.execute(
        "SELECT network_id, count(*) FROM network_digests WHERE period_start = '2026-04-01' AND period_end = "
        "'2026-07-01' GROUP BY 1"
    ).fetchall()
    assert dict(counts) == {ids[n]: 1 for n in [*reachable, broken]}


def _one_without_address(db, demo, which: int):
    """The active networks' ids and coordinators' e-mails (by name), then the demo's network ``which`` whose
    coordinator's address is removed here (the test puts it back), the others that have one, and those that had
    none before (registered by other tests)."""
    active = db.execute(
        "SELECT n.name, n.id, c.email FROM prevention_networks n LEFT JOIN private.network_coordinators c "
        "ON c.network_id = n.id WHERE n.active ORDER BY n.name"
    ).fetchall()
    broken = json.loads((demo["out"] / "reseaux.json").read_text(encoding="utf-8"))["reseaux"][which]["nom"]
    ids, emails = {a[0]: a[1] for a in active}, {a[0]: a[2] for a in active}
    reachable = [name for name, _id, email in active if email and name != broken]
    unreachable = [name for name, _id, email in active if not email and name != broken]
    db.execute("UPDATE private.network_coordinators SET email = NULL WHERE network_id = %s", (ids[broken],))
    db.commit()
    return ids, emails, broken, reachable, unreachable


def test_the_api_issues_every_network_s_digest_once_and_names_a_refusal(settings, demo, auth, db):
    """``POST /api/reseaux/bilans``: each active network's digest for the period mailed to its coordinator (no
    address in the answer); a network without an address refused with what to do, the others sent; the same call
    again sends only the one fixed meanwhile."""

    from aiosmtpd.controller import Controller

    ids, emails, broken, reachable, unreachable = _one_without_address(db, demo, 0)
    mailing, port = _mail_settings(settings)
    params = {"periode": "2026-T1", "envoyer": "true"}
    inbox = _Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        with TestClient(create_app(mailing)) as client:
            first = client.post("/api/reseaux/bilans", params=params, headers=auth["planificateur"])
            db.execute(
                "UPDATE private.network_coordinators SET email = %s WHERE network_id = %s",
                (emails[broken], ids[broken]),
            )
            db.commit()
            again = client.post("/api/reseaux/bilans", params=params, headers=auth["planificateur"])
            reader = client.post("/api/reseaux/bilans", params=params, headers=auth["lecteur"])
    finally:
        server.stop()
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["periode"], body["libelle"]) == ("2026-T1", "1er trimestre 2026")
    assert body["refuses"] == 1 + len(unreachable)
    states = {r["nom"]: (r["etat"], r["motif"]) for r in body["reseaux"]}
    assert states[broken][0] == "refuse" and states[broken][1].startswith(
        f"le réseau « {broken} » n'a pas d'e-mail de coordinateur\n→ Enregistrez-le : hotspots reseaux coordonnees"
    )
    assert all(states[name] == ("envoye", None) for name in reachable)
    assert "@" not in first.text  # no coordinator's address in the answer
    later = {r["nom"]: r["etat"] for r in again.json()["reseaux"]}
    assert later[broken] == "envoye" and all(later[name] == "deja_note" for name in reachable)
    received = sorted(r for rcpt, _ in inbox.received for r in rcpt)
    assert received == sorted(emails[name] for name in [*reachable, broken])  # each once
    assert reader.status_code == 403


def test_the_server_mails_last_month_s_digests_on_its_day_each_once(settings, demo, db):
    """HOTSPOTS_DIGEST_DAY=3: on the 2nd nothing; on the 3rd, last month's digest of every active network mailed to
    its coordinator and noted, the sending in the access log under the calendar's name, even with two server
    processes looking at once (each digest sent once); a network refused (no coordinator's address) is not tried
    again the same day, but the next, once fixed; then nothing more that month. Without a mail server set, the
    server refuses to start the calendar, naming the settings."""
    import threading

    from aiosmtpd.controller import Controller

    from service.api.digest_calendar import ACTOR, DigestCalendar
    from service.errors import ConfigError

    ids, emails, broken, reachable, without = _one_without_address(db, demo, 1)
    unreachable = dict.fromkeys(without, "refuse")  # registered by other tests
    mailing, port = _mail_settings(settings)
    mailing = mailing.model_copy(update={"digest_day": 3})

    def at(day: int, hour: int) -> pd.Timestamp:
        return pd.Timestamp(f"2026-03-{day:02d} {hour:02d}:00", tz="Europe/Brussels").tz_convert("UTC")

    first, second = DigestCalendar(mailing), DigestCalendar(mailing)  # two server processes
    inbox = _Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        assert first.tick(at(2, 23)) is None and not inbox.received  # before the day
        runs: list = []
        both = [threading.Thread(target=lambda c=c: runs.append(c.tick(at(3, 8)))) for c in (first, second)]
        for thread in both:
            thread.start()
        for thread in both:
            thread.join(timeout=120)
        assert first.tick(at(3, 9)) is None  # tried today: the refusal waits for tomorrow
        db.execute(
            "UPDATE private.network_coordinators SET email = %s WHERE network_id = %s", (emails[broken], ids[broken])
        )
        db.commit()
        next_day = first.tick(at(4, 8))
        later = first.tick(at(5, 8))  # February's digests all sent: only those still refused are tried again
    finally:
        server.stop()
    states = [{r.name: r.to_json()["etat"] for r in run} for run in runs]
    assert all(state[broken] == "refuse" for state in states)
    assert sorted(state[name] for state in states for name in reachable) == sorted(
        ["envoye", "deja_note"] * len(reachable)
    )  # one process sent each, the other found it noted
    assert {r.name: r.to_json()["etat"] for r in next_day} == {
        **dict.fromkeys(reachable, "deja_note"),
        broken: "envoye",
        **unreachable,
    }
    if unreachable:
        assert {r.name: r.to_json()["etat"] for r in later} == {
            **dict.fromkeys([*reachable, broken], "deja_note"),
            **unreachable,
        }
    else:
        assert later is None
    received = sorted(r for rcpt, _ in inbox.received for r in rcpt)
    assert received == sorted(emails[name] for name in [*reachable, broken])  # each once
    logged = db.execute(
        "SELECT detail->>'reseau' FROM private.access_log WHERE actor = %s AND action = 'envoi_bilan' "
        "AND detail->>'periode' = '2026-02'",
        (ACTOR,),
    ).fetchall()
    assert sorted(int(r[0]) for r in logged) == sorted(ids[name] for name in [*reachable, broken])
    with pytest.raises(ConfigError, match="HOTSPOTS_SMTP_HOST et HOTSPOTS_SMTP_SENDER manquants"):
        DigestCalendar(settings.model_copy(update={"digest_day": 3})).start()


def test_a_period_and_its_counts_are_said_as_french_says_them():
    """« Au 4e trimestre 2026, 23 signalements… » (it printed « En 4e trimestre 2026, 23 signalement(s) »), « en
    octobre 2026 », « en 2026 »; none is « aucune visite », under the threshold « moins de 5 signalements »."""
    from service.prevention.digest import counted_masked
    from service.prevention.period import parse_period

    now = datetime(2026, 12, 6, 12, tzinfo=UTC)
    said = [parse_period(p, zone="Europe/Brussels", now=now) for p in ("2026-T4", "2026-T1", "2026-10", "2026")]
    assert [p.during for p in said] == ["au 4e trimestre 2026", "au 1er trimestre 2026", "en octobre 2026", "en 2026"]
    assert [p.named for p in said] == ["le 4e trimestre 2026", "le 1er trimestre 2026", "octobre 2026", "2026"]
    assert [counted_masked(n, 5, "visite", feminine=True) for n in (0, 3, 5, 23)] == [
        "aucune visite",
        "moins de 5 visites",
        "5 visites",
        "23 visites",
    ]
    assert counted_masked(1, 1, "signalement") == "1 signalement"
