"""Accounts, sessions and the authorisation matrix: every route × every role."""

from __future__ import annotations

import html
import re
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from service.accounts import authenticate
from service.api import create_app
from tests.conftest import PASSWORDS
from tests.helpers import cli_env

#: The least role each route needs (None: open to anyone; "api_key": Open311 apps). Written by hand on purpose:
#: a new route fails this test until someone decides who may call it.
REQUIRED: dict[tuple[str, str], str | None] = {
    ("GET", "/api/health"): None,
    ("GET", "/api/ready"): None,
    ("POST", "/api/connexion"): None,
    ("POST", "/api/deconnexion"): "lecteur",
    ("GET", "/api/moi"): "lecteur",
    ("GET", "/api/points-sensibles"): "lecteur",
    ("GET", "/api/points-sensibles/{point_id}"): "lecteur",
    ("GET", "/api/axes"): "lecteur",
    ("GET", "/api/prevision"): "lecteur",
    ("GET", "/api/axes/{axis_id}"): "lecteur",
    ("GET", "/api/signalements"): "lecteur",
    ("GET", "/api/signalements/{report_id}"): "lecteur",
    ("POST", "/api/signalements"): "planificateur",
    ("PATCH", "/api/signalements/{report_id}"): "planificateur",
    ("GET", "/api/visites"): "lecteur",
    ("GET", "/api/visites/{visit_id}"): "lecteur",
    ("POST", "/api/visites"): "planificateur",
    ("GET", "/api/permis"): "lecteur",
    ("GET", "/api/permis/{permit_id}"): "lecteur",
    ("POST", "/api/permis"): "planificateur",
    ("POST", "/api/signalements/{report_id}/visites"): "planificateur",
    ("POST", "/api/points-sensibles/{point_id}/visites"): "planificateur",
    ("POST", "/api/axes/{axis_id}/visites"): "planificateur",
    ("POST", "/api/tournees/{plan_id}/arrets/{stop_ref}/visites"): "planificateur",
    ("POST", "/api/tournees/{plan_id}/annulation"): "planificateur",
    ("GET", "/api/exports/sites"): "planificateur",
    ("GET", "/api/exports/signalements"): "planificateur",
    ("POST", "/api/tournees"): "planificateur",
    ("GET", "/api/tournees"): "lecteur",
    ("GET", "/api/tournees/{plan_id}"): "lecteur",
    ("GET", "/api/tournees/{plan_id}/export"): "planificateur",
    ("GET", "/api/geocodage"): "lecteur",
    ("GET", "/api/geocodage/inverse"): "lecteur",
    ("GET", "/api/geocodage/verifications"): "lecteur",
    ("POST", "/api/geocodage/verifications/{review_id}"): "planificateur",
    ("POST", "/api/geocodage/verifications"): "planificateur",
    ("POST", "/api/imports/{type_donnees}"): "planificateur",
    ("POST", "/api/imports/{type_donnees}/suivi"): "planificateur",
    ("GET", "/api/imports/suivis/{suivi}"): "planificateur",
    ("GET", "/api/correspondances"): "planificateur",
    ("PUT", "/api/correspondances/{source}"): "planificateur",
    ("DELETE", "/api/correspondances/{source}"): "planificateur",
    ("GET", "/api/sources"): "planificateur",
    ("POST", "/api/sources/fusion"): "planificateur",
    ("GET", "/api/lots"): "lecteur",
    ("GET", "/api/lots/{lot}/rejets"): "planificateur",
    ("POST", "/api/lots/{lot}/annulation"): "planificateur",
    ("GET", "/api/open311/v2/services.json"): None,
    ("GET", "/api/open311/v2/requests.json"): None,
    ("GET", "/api/open311/v2/requests/{request_id}.json"): None,
    ("POST", "/api/open311/v2/requests.json"): "api_key",
    ("GET", "/api/open311/v2/services.xml"): None,
    ("GET", "/api/open311/v2/requests.xml"): None,
    ("GET", "/api/open311/v2/requests/{request_id}.xml"): None,
    ("POST", "/api/open311/v2/requests.xml"): "api_key",
    ("GET", "/api/comptes"): "admin",
    ("POST", "/api/comptes"): "admin",
    ("PATCH", "/api/comptes/{login}"): "admin",
    ("GET", "/api/journal"): "admin",
    ("GET", "/api/signalements/{report_id}/declarant"): "admin",
    ("DELETE", "/api/signalements/{report_id}/declarant"): "admin",
    ("GET", "/api/reglages"): "admin",
    ("GET", "/api/carte/signalements"): "lecteur",
    ("GET", "/api/tuiles/{z}/{x}/{y}.mvt"): "lecteur",
    ("GET", "/api/carte/fond/{couche}"): "lecteur",
    ("GET", "/api/public/carte/mailles"): None,
    ("GET", "/api/public/carte/fond/{couche}"): None,
    # prevention networks and digests, permits, referrals (issue 13)
    ("GET", "/api/reseaux"): "lecteur",
    ("POST", "/api/reseaux"): "planificateur",
    ("GET", "/api/reseaux/{network_id}"): "lecteur",
    ("GET", "/api/reseaux/{network_id}/bilan"): "lecteur",
    ("POST", "/api/reseaux/{network_id}/bilans"): "planificateur",
    ("POST", "/api/reseaux/bilans"): "planificateur",
    ("GET", "/api/reseaux/{network_id}/nouveautes"): "lecteur",
    ("GET", "/api/reseaux/{network_id}/coordinateur"): "admin",
    ("GET", "/api/sections/{section}/bilan"): "lecteur",
    ("GET", "/api/activite"): "lecteur",
    ("GET", "/api/effet"): "lecteur",
    ("GET", "/api/interventions"): "lecteur",
    ("POST", "/api/interventions"): "planificateur",
    ("DELETE", "/api/interventions/{intervention_id}"): "planificateur",
    ("GET", "/api/permis/{permit_id}/nuisances"): "lecteur",
    ("GET", "/api/suivi-permis"): "lecteur",
    ("GET", "/api/suivi-permis/export"): "planificateur",
    ("GET", "/api/avis"): "lecteur",
    ("GET", "/api/avis/pdf"): "planificateur",
    ("GET", "/api/renvois"): "lecteur",
    ("POST", "/api/renvois"): "planificateur",
    ("GET", "/api/renvois/export"): "planificateur",
    ("GET", "/api/renvois/{referral_id}"): "lecteur",
    ("POST", "/api/renvois/{referral_id}/confirmation"): "planificateur",
    ("POST", "/api/renvois/{referral_id}/retrait"): "planificateur",
}
ORDER = [None, "lecteur", "planificateur", "admin"]
_SAMPLE = {"type_donnees": "signalements", "couche": "communes"}


@pytest.fixture(scope="module")
def app(settings):
    application = create_app(settings)
    with TestClient(application) as c:
        yield c


def _api_routes(app) -> set[tuple[str, str]]:
    paths = app.app.openapi()["paths"]
    return {(method.upper(), path) for path, ops in paths.items() if path.startswith("/api/") for method in ops}


def test_every_api_route_has_a_decided_role(app):
    assert _api_routes(app) == set(REQUIRED)


@pytest.mark.parametrize("role", ORDER)
def test_authorisation_matrix(app, auth, role, conn):
    headers = auth[role] if role else {}
    for (method, path), needed in sorted(REQUIRED.items(), key=str):
        if needed == "api_key" or (method, path) == ("POST", "/api/deconnexion"):
            continue
        url = re.sub(r"\{(\w+)\}", lambda m: _SAMPLE.get(m.group(1), "1"), path)
        status = app.request(method, url, headers=headers, json={}).status_code
        if needed is None:
            assert status not in (401, 403), (method, path, role, status)
        elif role is None:
            assert status == 401, (method, path, role, status)
        elif ORDER.index(role) < ORDER.index(needed):
            assert status == 403, (method, path, role, status)
        else:
            assert status not in (401, 403), (method, path, role, status)
        assert status < 500, (method, path, role, status)


def test_login_logout_and_me(app, accounts):
    wrong = app.post("/api/connexion", json={"identifiant": accounts["lecteur"], "mot_de_passe": "pas le bon"})
    assert wrong.status_code == 401 and wrong.json()["erreur"] == "Identifiant ou mot de passe incorrect."
    unknown = app.post("/api/connexion", json={"identifiant": "personne", "mot_de_passe": "pas le bon"})
    assert unknown.json() == wrong.json()  # no hint whether the login exists
    # a form where JSON is expected (an OAuth-style client) is refused in words, without repeating what was typed
    form = app.post("/api/connexion", data={"username": accounts["lecteur"], "password": "ma phrase secrète"})
    refused = form.json()
    assert form.status_code == 422 and refused["erreur"] == "Corps de la requête refusé : objet JSON attendu"
    assert "Content-Type: application/json" in refused["conseil"] and "secrète" not in form.text
    number = app.post("/api/connexion", json={"identifiant": accounts["lecteur"], "mot_de_passe": 31415926})
    assert number.status_code == 422 and number.json()["champ"] == "mot_de_passe" and "31415926" not in number.text
    ok = app.post("/api/connexion", json={"identifiant": accounts["lecteur"], "mot_de_passe": PASSWORDS["lecteur"]})
    assert ok.status_code == 200 and ok.json()["role"] == "lecteur"
    cookie = ok.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    token = ok.json()["jeton"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert app.get("/api/moi", headers=bearer).json()["identifiant"] == accounts["lecteur"]
    app.cookies.clear()
    assert app.post("/api/deconnexion", headers=bearer).status_code == 200
    assert app.get("/api/moi", headers=bearer).status_code == 401


def _login(client, login: str, password: str):
    return client.post("/api/connexion", json={"identifiant": login, "mot_de_passe": password})


def test_failed_logins_suspend_a_login_then_an_address_for_a_while(settings, conn):
    from service.accounts import add_user, set_password

    add_user(conn, "agent.essais", "la bonne phrase", "lecteur")
    conn.commit()
    limited = settings.model_copy(update={"login_max_failures": 3, "login_max_failures_per_address": 5})
    with TestClient(create_app(limited)) as client:
        assert _login(client, "agent.essais", "mauvais 1").status_code == 401
        assert _login(client, "agent.essais", "la bonne phrase").status_code == 200  # a success forgets failures
        for attempt in range(3):
            assert _login(client, "Agent.Essais", f"mauvais {attempt}").status_code == 401
        refused = _login(client, "agent.essais", "la bonne phrase")  # even the right password, for a while
        assert refused.status_code == 429
        assert "agent.essais" in refused.json()["erreur"] and "15 minutes" in refused.json()["erreur"]
        assert 800 < int(refused.headers["retry-after"]) <= 901
        # recorded although each failed request was rolled back; the refused one is not counted
        assert conn.execute("SELECT count(*) FROM login_failures WHERE login = 'agent.essais'").fetchone()[0] == 3

        # the map's login form says the same, on the page
        page = client.post("/connexion", data={"identifiant": "agent.essais", "mot_de_passe": "la bonne phrase"})
        assert page.status_code == 429 and page.headers["retry-after"]
        assert "Trop d'essais manqués pour l'identifiant « agent.essais »" in html.unescape(page.text)

        # an administrator's new password lifts the suspension
        set_password(conn, "agent.essais", "une autre phrase")
        conn.commit()
        assert _login(client, "agent.essais", "une autre phrase").status_code == 200

        # guessing many logins from one address: that address is suspended, whatever the login
        for attempt in range(5):
            assert _login(client, f"inconnu.{attempt}", "au hasard").status_code == 401
        from_here = _login(client, "agent.essais", "une autre phrase")
        assert from_here.status_code == 429 and "depuis cette adresse" in from_here.json()["erreur"]


def test_admin_manages_accounts_and_changes_apply_at_once(app, auth, conn):
    created = app.post(
        "/api/comptes",
        json={"identifiant": "Agent.Martin", "mot_de_passe": "une phrase de passe", "role": "lecteur"},
        headers=auth["admin"],
    )
    assert created.status_code == 201 and created.json()["identifiant"] == "agent.martin"
    again = app.post(
        "/api/comptes",
        json={"identifiant": "agent.martin", "mot_de_passe": "une phrase de passe", "role": "lecteur"},
        headers=auth["admin"],
    )
    assert again.status_code == 409 and "existe déjà" in again.json()["erreur"]
    short = app.post(
        "/api/comptes",
        json={"identifiant": "agent.court", "mot_de_passe": "court", "role": "lecteur"},
        headers=auth["admin"],
    )
    assert short.status_code == 422 and "trop court" in short.json()["erreur"]
    token = app.post(
        "/api/connexion", json={"identifiant": "agent.martin", "mot_de_passe": "une phrase de passe"}
    ).json()["jeton"]
    bearer = {"Authorization": f"Bearer {token}"}
    app.cookies.clear()
    assert app.get("/api/lots/1/rejets", headers=bearer).status_code == 403
    promoted = app.patch("/api/comptes/agent.martin", json={"role": "planificateur"}, headers=auth["admin"])
    assert promoted.json()["role"] == "planificateur"
    assert app.get("/api/moi", headers=bearer).status_code == 401  # sessions closed on a role change
    disabled = app.patch("/api/comptes/agent.martin", json={"actif": False}, headers=auth["admin"])
    assert disabled.json()["active"] is False
    refused = app.post("/api/connexion", json={"identifiant": "agent.martin", "mot_de_passe": "une phrase de passe"})
    assert refused.status_code == 401
    log = app.get("/api/journal", params={"action": "modification_compte"}, headers=auth["admin"]).json()
    assert [e["detail"].get("actif") for e in log][:1] == [False] and log[0]["qui"] == "test.admin"
    assert app.patch("/api/comptes/personne", json={"actif": False}, headers=auth["admin"]).status_code == 404
    conn.execute("DELETE FROM users WHERE login = 'agent.martin'")
    conn.commit()


def test_personal_data_is_for_admins_with_a_reason_and_is_logged(app, auth, conn, settings):
    from tests.conftest import DATA
    from tests.helpers import ingest

    ingest(conn, settings, DATA / "formats" / "commune_cp1252.csv")
    rid = conn.execute("SELECT report_id FROM private.reporter_contacts LIMIT 1").fetchone()[0]
    assert (
        app.get(
            f"/api/signalements/{rid}/declarant", params={"motif": "audition"}, headers=auth["planificateur"]
        ).status_code
        == 403
    )
    assert app.get(f"/api/signalements/{rid}/declarant", headers=auth["admin"]).status_code == 422
    r = app.get(f"/api/signalements/{rid}/declarant", params={"motif": "convocation PV 123"}, headers=auth["admin"])
    assert r.status_code == 200 and r.json()["declarant"]["nom"]
    entry = app.get("/api/journal", params={"action": "lecture_declarants"}, headers=auth["admin"]).json()[0]
    assert entry["qui"] == "test.admin" and entry["detail"]["motif"] == "convocation PV 123"
    listed = app.get("/api/signalements", headers=auth["admin"]).text
    assert r.json()["declarant"]["nom"] not in listed
    # the reporter asks to be forgotten: an admin erases, with a reason, logged; the report stays
    url = f"/api/signalements/{rid}/declarant"
    assert app.delete(url, params={"motif": "demande du déclarant"}, headers=auth["planificateur"]).status_code == 403
    assert app.delete(url, headers=auth["admin"]).status_code == 422
    gone = app.delete(url, params={"motif": "demande du déclarant du 02/12"}, headers=auth["admin"])
    assert gone.status_code == 200 and gone.json() == {"signalement": rid, "efface": True}
    after = app.get(url, params={"motif": "vérification après effacement"}, headers=auth["admin"])
    assert after.status_code == 200 and after.json()["declarant"] is None
    entry = app.get("/api/journal", params={"action": "effacement_declarant"}, headers=auth["admin"]).json()[0]
    assert entry["qui"] == "test.admin" and entry["detail"] == {
        "signalement": rid,
        "efface": True,
        "motif": "demande du déclarant du 02/12",
    }
    assert app.get(f"/api/signalements/{rid}", headers=auth["admin"]).status_code == 200
    missing = app.delete("/api/signalements/999999/declarant", params={"motif": "demande"}, headers=auth["admin"])
    assert missing.status_code == 404 and "Aucun signalement" in missing.text


def test_users_cli_adds_an_account_that_can_log_in(settings, conn):
    env = cli_env(settings)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "service",
            "users",
            "add",
            "agent.cli",
            "--role",
            "planificateur",
            "--mot-de-passe-stdin",
        ],
        input="mot de passe du cli\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert authenticate(conn, "agent.cli", "mot de passe du cli").role == "planificateur"
    dup = subprocess.run(
        [sys.executable, "-m", "service", "users", "add", "agent.cli", "--mot-de-passe-stdin"],
        input="mot de passe du cli\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert dup.returncode != 0 and "existe déjà" in dup.stderr
    with pytest.raises(Exception, match="incorrect"):
        authenticate(conn, "agent.cli", "mauvais")
    conn.rollback()
    conn.execute("DELETE FROM users WHERE login = 'agent.cli'")
    conn.commit()
