"""Writes through the API follow ingestion's rules: same checks, same messages, nothing stored when refused."""

from __future__ import annotations

import time
from datetime import datetime

import openpyxl
import pytest
from fastapi.testclient import TestClient

from service.api import create_app
from tests.conftest import DATA
from tests.helpers import count

PLACE = {"lon": 5.5052, "lat": 50.6043}  # Seraing, near the town hall


@pytest.fixture()
def app(settings, conn):
    with TestClient(create_app(settings)) as c:
        yield c


def test_a_planner_creates_a_report_with_a_synonym_category(app, conn, auth):
    body = {"date": "25/11/2026 14:30", "categorie": "dépôt sauvage", "description": "Sacs et pneus", **PLACE}
    r = app.post("/api/signalements", json=body, headers=auth["planificateur"])
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["properties"]["categorie"] == "depot_clandestin"
    assert created["properties"]["source"] == "api" and created["lot"]["inserted"] == 1
    assert created["properties"]["date"].startswith("2026-11-25T14:30:00+01:00")
    lon, lat = created["geometry"]["coordinates"]
    assert abs(lon - PLACE["lon"]) < 1e-6 and abs(lat - PLACE["lat"]) < 1e-6
    assert count(conn, "ingestion_batches", "file_name = 'api-test.planificateur.csv'") == 1


def test_a_refused_report_names_every_field_and_stores_nothing(app, conn, auth):
    body = {"date": "31/02/2026", "categorie": "ovni", "description": "Pneus\x07 et sacs", **PLACE}
    r = app.post("/api/signalements", json=body, headers=auth["planificateur"])
    assert r.status_code == 422
    problems = {p["champ"]: p for p in r.json()["problemes"]}
    assert set(problems) == {"date", "catégorie", "description"}
    assert problems["catégorie"]["valeur"] == "ovni" and "depot_clandestin" in problems["catégorie"]["motif"]
    assert "rien n'a été enregistré" in r.json()["conseil"]
    assert count(conn, "reports") == 0 and count(conn, "ingestion_batches") == 0


def test_out_of_zone_and_unknown_fields_are_refused(app, conn, auth):
    far = app.post(
        "/api/signalements",
        json={"date": "2026-11-01", "categorie": "graffiti", "lon": 4.35, "lat": 50.85},
        headers=auth["planificateur"],
    )
    assert far.status_code == 422 and "zone" in far.text
    extra = app.post(
        "/api/signalements",
        json={"date": "2026-11-01", "categorie": "graffiti", "couleur": "rouge", **PLACE},
        headers=auth["planificateur"],
    )
    assert extra.status_code == 422 and extra.json()["champ"] == "couleur" and "inconnu" in extra.json()["erreur"]
    assert count(conn, "reports") == 0


def test_readers_cannot_write_and_strangers_must_log_in(app, conn, auth):
    body = {"date": "2026-11-01", "categorie": "graffiti", **PLACE}
    assert app.post("/api/signalements", json=body, headers=auth["lecteur"]).status_code == 403
    anonymous = app.post("/api/signalements", json=body)
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    assert count(conn, "reports") == 0


def test_status_update_maps_synonyms_and_is_logged(app, conn, auth):
    created = app.post(
        "/api/signalements",
        json={"date": "2026-11-01", "categorie": "graffiti", **PLACE},
        headers=auth["planificateur"],
    ).json()
    rid = created["id"]
    r = app.patch(f"/api/signalements/{rid}", json={"statut": "traité"}, headers=auth["planificateur"])
    assert r.status_code == 200 and r.json()["properties"]["statut"] == "clos"
    bad = app.patch(f"/api/signalements/{rid}", json={"statut": "peut-être"}, headers=auth["planificateur"])
    assert bad.status_code == 422 and bad.json()["champ"] == "statut"
    assert app.get(f"/api/signalements/{rid}", headers=auth["lecteur"]).json()["properties"]["statut"] == "clos"
    assert count(conn, "private.access_log", "action = 'modification_signalement'") == 1

    def closed_at():
        return conn.execute("SELECT closed_at FROM reports WHERE id = %s", (rid,)).fetchone()[0]

    closed = closed_at()  # the day it was closed: what the reporter's personal data are kept from
    assert closed is not None
    shown = app.get(f"/api/signalements/{rid}", headers=auth["lecteur"]).json()["properties"]["cloture"]
    assert datetime.fromisoformat(shown) == closed
    edited = app.patch(f"/api/signalements/{rid}", json={"description": "Tag effacé"}, headers=auth["planificateur"])
    assert edited.status_code == 200 and closed_at() == closed  # a later edit does not move it
    reopened = app.patch(f"/api/signalements/{rid}", json={"statut": "en cours"}, headers=auth["planificateur"])
    assert reopened.status_code == 200 and reopened.json()["properties"]["statut"] == "en_cours"
    assert closed_at() is None
    assert app.get(f"/api/signalements/{rid}", headers=auth["lecteur"]).json()["properties"]["cloture"] is None


def test_a_visit_outcome_on_a_report(app, conn, auth):
    rid = app.post(
        "/api/signalements",
        json={"date": "2026-11-01", "categorie": "depot_clandestin", **PLACE},
        headers=auth["planificateur"],
    ).json()["id"]
    r = app.post(
        f"/api/signalements/{rid}/visites",
        json={"date": "2026-11-03 10:00", "resultat": "déchets enlevés", "agent": "INP Lambert"},
        headers=auth["planificateur"],
    )
    assert r.status_code == 201, r.text
    visit = r.json()["properties"]
    assert visit["resultat"] == "nettoye" and visit["signalement"] == rid
    detail = app.get(f"/api/signalements/{rid}", headers=auth["lecteur"]).json()
    assert [v["resultat"] for v in detail["properties"]["visites"]] == ["nettoye"]
    wrong = app.post(
        f"/api/signalements/{rid}/visites",
        json={"date": "2026-11-03", "resultat": "peut-être"},
        headers=auth["planificateur"],
    )
    assert wrong.status_code == 422 and wrong.json()["champ"] == "résultat"
    assert wrong.json()["erreur"].startswith("Visite refusée : résultat « peut-être » — résultat inconnu")
    assert (
        app.post(
            "/api/signalements/999999/visites",
            json={"date": "2026-11-03", "resultat": "pv"},
            headers=auth["planificateur"],
        ).status_code
        == 404
    )
    assert count(conn, "visits") == 1


def test_upload_a_file_returns_the_batch_and_its_rejects(app, conn, auth):
    with (DATA / "bad" / "categorie_inconnue.csv").open("rb") as fh:
        r = app.post(
            "/api/imports/signalements",
            files={"fichier": ("categorie_inconnue.csv", fh, "text/csv")},
            headers=auth["planificateur"],
        )
    assert r.status_code == 200, r.text
    summary = r.json()
    assert summary["rows_in"] == summary["inserted"] + summary["rejected"] and summary["rejected"] >= 1
    assert summary["rejets"][0]["motifs"][0]["champ"] == "catégorie"
    batch = summary["batch_id"]
    as_json = app.get(f"/api/lots/{batch}/rejets", headers=auth["planificateur"]).json()
    assert len(as_json["rejets"]) == summary["rejected"]
    as_csv = app.get(f"/api/lots/{batch}/rejets", params={"format": "csv"}, headers=auth["planificateur"])
    assert as_csv.status_code == 200 and "motifs_rejet" in as_csv.content.decode("utf-8-sig").splitlines()[0]
    assert app.get(f"/api/lots/{batch}/rejets", headers=auth["lecteur"]).status_code == 403
    actions = {r[0] for r in conn.execute("SELECT action FROM private.access_log").fetchall()}
    assert {"import_fichier", "export_rejets"} <= actions
    lots = app.get("/api/lots", headers=auth["lecteur"]).json()
    assert lots[0]["id"] == batch


def test_an_unusable_upload_is_refused_with_the_reason(app, conn, auth):
    with (DATA / "bad" / "entete_seule.csv").open("rb") as fh:
        r = app.post(
            "/api/imports/signalements",
            files={"fichier": ("entete_seule.csv", fh, "text/csv")},
            headers=auth["planificateur"],
        )
    assert r.status_code == 422 and "entete_seule.csv" in r.json()["erreur"]
    assert count(conn, "reports") == 0
    assert count(conn, "ingestion_batches", "status = 'refuse'") == 1


def _followed(app, headers, url: str, timeout: float = 60.0) -> dict:
    """An import run in the background, asked after until it ends: its last state."""
    deadline = time.monotonic() + timeout
    while True:
        state = app.get(url, headers=headers)
        assert state.status_code == 200, state.text
        if state.json()["etat"] in ("fini", "erreur") or time.monotonic() > deadline:
            return state.json()
        time.sleep(0.1)


def test_a_file_imported_in_the_background_says_how_far_it_is_then_gives_its_account(app, conn, auth):
    """The map's import: the answer comes at once with the job to follow (a register of thousands of rows held
    the page in front of a sentence); the job says the bytes read of the file, then the same account as the
    import in one request, and only to whom sent it. A file that cannot be imported is the job's error."""
    planner = auth["planificateur"]
    path = DATA / "bad" / "categorie_inconnue.csv"
    with path.open("rb") as fh:
        r = app.post(
            "/api/imports/signalements/suivi",
            files={"fichier": ("categorie_inconnue.csv", fh, "text/csv")},
            headers=planner,
        )
    assert r.status_code == 202, r.text
    started = r.json()
    assert (
        started["fichier"] == "categorie_inconnue.csv" and started["url"] == f"/api/imports/suivis/{started['suivi']}"
    )
    done = _followed(app, planner, started["url"])
    assert done["etat"] == "fini", done
    assert done["lu"] == done["total"] == path.stat().st_size
    summary = done["resultat"]
    assert (summary["rows_in"], summary["inserted"], summary["rejected"]) == (4, 1, 3)
    assert summary["phrases"][0].startswith("Contrôle : 4 lignes = 1 insérée + 0 mise à jour")
    assert summary["rejets"][0]["motifs"][0]["champ"] == "catégorie"
    assert count(conn, "reports") == 1
    assert app.get("/api/lots", headers=planner).json()[0]["id"] == summary["batch_id"]
    # another login does not read it, an unknown one is not found: in French, saying where the batch is
    other = app.get(started["url"], headers=auth["admin"])
    assert other.status_code == 404 and other.json()["erreur"] == "Cet import n'est pas (ou plus) suivi."
    assert app.get(started["url"], headers=auth["lecteur"]).status_code == 403

    with (DATA / "bad" / "entete_seule.csv").open("rb") as fh:
        r = app.post(
            "/api/imports/signalements/suivi", files={"fichier": ("entete_seule.csv", fh, "text/csv")}, headers=planner
        )
    refused = _followed(app, planner, r.json()["url"])
    assert refused["etat"] == "erreur" and "entete_seule.csv" in refused["erreur"] and refused["resultat"] is None
    assert count(conn, "reports") == 1 and count(conn, "ingestion_batches", "status = 'refuse'") == 1


def test_refusals_agree_with_what_was_refused(app, conn, auth):
    """« Visite refusée », « Signalement refusé », « Permis refusé »: the French agrees with the noun."""
    planner = auth["planificateur"]
    cases = [
        ("/api/visites", {"date": "hier", "resultat": "pv", **PLACE}, "Visite refusée : date de visite « hier »"),
        ("/api/signalements", {"date": "hier", "categorie": "graffiti", **PLACE}, "Signalement refusé : date « hier »"),
        ("/api/permis", {"reference": "P-1", "type": "licence de pêche", **PLACE}, "Permis refusé : "),
    ]
    for url, body, start in cases:
        r = app.post(url, json=body, headers=planner)
        assert r.status_code == 422 and r.json()["erreur"].startswith(start), (url, r.json()["erreur"])
    assert count(conn, "visits") + count(conn, "reports") + count(conn, "permits") == 0


def test_a_visit_sent_again_by_its_device_is_stored_once(app, conn, auth):
    """A phone that lost the answer, or kept the visit through a dead zone, sends it again with the key it gave
    it: the visit is stored once and the second answer says so; the same key for another place is refused."""
    rid, other = (
        app.post(
            "/api/signalements",
            json={"date": "2026-11-01", "categorie": "depot_clandestin", **PLACE},
            headers=auth["planificateur"],
        ).json()["id"]
        for _ in range(2)
    )
    body = {"date": "2026-11-03 10:00", "resultat": "pv", "agent": "INP Lambert", "identifiant": "m8k2q9x4t7w1"}
    first = app.post(f"/api/signalements/{rid}/visites", json=body, headers=auth["planificateur"])
    again = app.post(f"/api/signalements/{rid}/visites", json=body, headers=auth["planificateur"])
    assert first.status_code == 201 and again.status_code == 200, again.text
    assert again.json()["deja_recue"] is True and again.json()["id"] == first.json()["id"]
    assert count(conn, "visits") == 1
    elsewhere = app.post(f"/api/signalements/{other}/visites", json=body, headers=auth["planificateur"])
    assert elsewhere.status_code == 409
    assert elsewhere.json()["erreur"] == (
        f"identifiant de visite « m8k2q9x4t7w1 » déjà reçu pour un autre lieu (visite n° {first.json()['id']})"
    )
    odd = app.post(
        f"/api/signalements/{rid}/visites", json={**body, "identifiant": "a b"}, headers=auth["planificateur"]
    )
    assert odd.status_code == 422 and "identifiant" in odd.text
    # without a key, two sendings are two visits (two officers, the same morning)
    plain = {k: v for k, v in body.items() if k != "identifiant"}
    sent = [app.post(f"/api/signalements/{rid}/visites", json=plain, headers=auth["planificateur"]) for _ in "12"]
    assert [r.status_code for r in sent] == [201, 201]
    assert count(conn, "visits") == 3


def test_a_permit_entered_by_hand_keeps_its_opening_hours_or_names_them_unreadable(app, conn, auth):
    body = {"reference": "PE/2026/0042", "type": "environnement", "classe": "2", "exploitant": "Garage Ferrer", **PLACE}
    stored = app.post(
        "/api/permis", json={**body, "heures_ouverture": "du lundi au samedi 7h30-18h"}, headers=auth["planificateur"]
    )
    assert stored.status_code == 201, stored.text
    assert stored.json()["properties"]["heures_ouverture"] == "lun-sam 07:30-18:00"
    wrong = app.post(
        "/api/permis",
        json={**body, "reference": "PE/2026/0043", "heures_ouverture": "quand il y a quelqu'un"},
        headers=auth["planificateur"],
    )
    assert wrong.status_code == 422 and "heures d'ouverture « quand il y a quelqu'un »" in wrong.json()["erreur"]
    assert count(conn, "permits") == 1


def test_a_workbook_s_sheet_is_chosen_and_the_sheets_left_are_said(app, conn, auth, tmp_path):
    """A workbook kept one sheet per month: the map's « Feuille » option (``feuille``) reads the one named, and the
    account's sentences say which sheet was read and which were not, as the terminal does."""
    book = openpyxl.Workbook()
    for month, (ref, day) in {"Janvier": ("J-1", 5), "Février": ("F-1", 3)}.items():
        sheet = book.create_sheet(month)
        sheet.append(["N° dossier", "Date", "Catégorie", "Latitude", "Longitude"])
        sheet.append([ref, datetime(2026, 1 if month == "Janvier" else 2, day, 9, 0), "Tags", 50.6097927, 5.5120109])
    book.remove(book["Sheet"])
    book.save(tmp_path / "registre_2026.xlsx")
    planner = auth["planificateur"]
    for chosen, read, left in ((None, "Janvier", "Février"), ("Février", "Février", "Janvier")):
        with (tmp_path / "registre_2026.xlsx").open("rb") as fh:
            r = app.post(
                "/api/imports/signalements" + (f"?feuille={chosen}" if chosen else ""),
                files={"fichier": ("registre_2026.xlsx", fh, "application/octet-stream")},
                headers=planner,
            )
        assert r.status_code == 200, r.text
        said = r.json()["phrases"]
        assert said[1] == (
            f"Feuille lue : « {read} » (autres feuilles, non lues : « {left} » ; choisir : option « Feuille », ou "
            "toutes : « Toutes les feuilles »)."
        ), said
    assert sorted(ref for (ref,) in conn.execute("SELECT external_id FROM reports").fetchall()) == ["F-1", "J-1"]


def test_every_sheet_of_a_register_kept_by_month_is_imported_from_the_map(app, conn, auth, tmp_path):
    """The map's « Toutes les feuilles » (``toutes_les_feuilles``): each month's sheet is its own batch, in the
    workbook's order, the sheet of notes said with its reason, a month not filled yet said refused; with a sheet
    named too, or for a CSV, refused before anything is read."""
    book = openpyxl.Workbook()
    book["Sheet"].title = "Lisez-moi"
    book["Lisez-moi"].append(["Registre des constats 2026, tenu par le service Environnement"])
    for month, rows in {"Janvier": [("J-1", 5), ("J-2", 19)], "Février": [("F-1", 3)], "Mars": []}.items():
        sheet = book.create_sheet(month)
        sheet.append(["N° dossier", "Date", "Catégorie", "Latitude", "Longitude"])
        for ref, day in rows:
            sheet.append(
                [ref, datetime(2026, 1 if month == "Janvier" else 2, day, 9, 0), "Tags", 50.6097927, 5.5120109]
            )
    path = tmp_path / "registre_2026.xlsx"
    book.save(path)
    planner = auth["planificateur"]

    def send(query: str, name: str = "registre_2026.xlsx", body: bytes | None = None):
        content = body if body is not None else path.read_bytes()
        return app.post(
            "/api/imports/signalements" + query,
            files={"fichier": (name, content, "application/octet-stream")},
            headers=planner,
        )

    r = send("?toutes_les_feuilles=true")
    assert r.status_code == 200, r.text
    answer = r.json()
    assert [lot["details"]["feuille"] for lot in answer["lots"]] == ["Janvier", "Février"]
    assert [lot["inserted"] for lot in answer["lots"]] == [2, 1]
    assert answer["phrases"][0] == "2 feuilles importées en autant de lots : 3 enregistrements créés."
    assert answer["phrases"][1].startswith("Feuille « Lisez-moi » non lue : ")
    # March, its header only (not filled yet): said, the months before stored and accounted for
    assert answer["phrases"][2] == "Feuille « Mars » refusée : aucune ligne de données après l'en-tête."
    assert answer["feuilles_refusees"] == {"Mars": "aucune ligne de données après l'en-tête."}
    assert [lot["phrases"][1] for lot in answer["lots"]] == ["Feuille « Janvier ».", "Feuille « Février »."]
    stored = conn.execute("SELECT external_id, batch_id FROM reports ORDER BY external_id").fetchall()
    assert [ref for ref, _ in stored] == ["F-1", "J-1", "J-2"] and len({batch for _, batch in stored}) == 2
    both = send("?toutes_les_feuilles=true&feuille=Janvier")
    assert both.status_code == 422 and "une feuille nommée et « Toutes les feuilles » ensemble" in both.json()["erreur"]
    csv = send(
        "?toutes_les_feuilles=true", "registre.csv", b"id;date;categorie;lat;lon\nC-1;01/03/2026;tags;50.61;5.51\n"
    )
    assert csv.status_code == 422
    assert (
        "« Toutes les feuilles » vaut pour un classeur (XLSX, XLSB, ODS, XLS), pas pour un fichier csv"
        in csv.json()["erreur"]
    )
    assert count(conn, "reports") == 3


#: A neighbourhood association's export, in its own words: no column the service knows by name.
ODD_EXPORT = (
    "Quand;Quoi;Où;Nord;Est\n01/03/2026 10:00;Vieux frigos;Rue Ferrer 12;50.6097927;5.5120109\n"
    "02/03/2026 10:00;Tag;Rue Ferrer 14;50.6098393;5.5119180\n"
)
ODD_MAPPING = (
    '[colonnes]\nobserved_at = "Quand"\ncategory = "Quoi"\naddress = "Où"\nlat = "Nord"\nlon = "Est"\n'
    '[valeurs.category]\n"Vieux frigos" = "depot_clandestin"\n[defauts]\nsource = "asbl_quartier"\n'
)


def _with_mapping(app, headers, url: str, mapping: tuple[str, bytes, str]):
    """The association's export sent for import with a mapping file (name, text, media type) beside it."""
    files = {"fichier": ("asbl.csv", ODD_EXPORT.encode(), "text/csv"), "correspondance": mapping}
    return app.post(url, files=files, headers=headers)


def test_a_mapping_file_sent_beside_the_file_reads_its_columns(app, conn, auth):
    """The map's import had no mapping file: an export whose columns the service does not know was refused with a
    hint to give one (« --correspondance »), which only the command line could. Sent beside the file, in TOML as
    in YAML (the map follows the import in the background), it feeds the fields and spells the values; without it
    the same file is refused with that hint and nothing is stored."""
    planner = auth["planificateur"]
    without = app.post(
        "/api/imports/signalements", files={"fichier": ("asbl.csv", ODD_EXPORT.encode(), "text/csv")}, headers=planner
    )
    assert without.status_code == 422 and "(--correspondance)" in without.json()["conseil"]
    assert count(conn, "reports") == 0
    r = _with_mapping(
        app, planner, "/api/imports/signalements", ("asbl.toml", ODD_MAPPING.encode(), "application/toml")
    )
    assert r.status_code == 200, r.text
    assert (r.json()["inserted"], r.json()["rejected"]) == (2, 0)
    assert conn.execute("SELECT array_agg(category ORDER BY category), min(source) FROM reports").fetchone() == (
        ["depot_clandestin", "graffiti"],
        "asbl_quartier",
    )
    as_yaml = "colonnes:\n  observed_at: Quand\n  category: Quoi\n  address: Où\n  lat: Nord\n  lon: Est\n"
    followed = _with_mapping(
        app,
        planner,
        "/api/imports/signalements/suivi?source=asbl_yaml",
        ("asbl.yml", as_yaml.encode(), "application/yaml"),
    )
    assert followed.status_code == 202, followed.text
    done = _followed(app, planner, followed.json()["url"])
    assert done["etat"] == "fini", done
    summary = done["resultat"]
    assert summary["details"]["colonnes"] == {"observed_at": "Quand", "category": "Quoi", "address": "Où",
                                              "lat": "Nord", "lon": "Est"}  # fmt: skip
    # the tag is the first import's, from another source: linked to it; « Vieux frigos » is spelt by the TOML only
    assert (summary["rows_in"], summary["duplicates"], summary["rejected"]) == (2, 1, 1)
    assert summary["rejets"][0]["motifs"][0]["valeur"] == "Vieux frigos"


def test_a_mapping_file_that_cannot_be_read_refuses_the_import_and_says_why(app, conn, auth):
    """A mapping file of another kind (a Word note saved as .txt) or with a broken line refuses the import before
    anything is read, naming the file and what to write; nothing is stored."""
    planner = auth["planificateur"]
    cases = [
        ("notes.txt", b"Quand = date", "Fichier de correspondance « notes.txt » : un fichier TOML ou YAML est attendu"),
        ("asbl.toml", b"[colonnes]\nobserved_at = Quand\n", "Fichier de correspondance illisible (asbl.toml)"),
        ("asbl.yaml", b"- Quand\n- Quoi\n", "Fichier de correspondance asbl.yaml : un tableau de clés est attendu"),
    ]
    for name, text, said in cases:
        r = _with_mapping(app, planner, "/api/imports/signalements", (name, text, "application/octet-stream"))
        assert r.status_code == 422 and r.json()["erreur"].startswith(said), r.text
        if name == "notes.txt":
            assert "[colonnes]" in r.json()["conseil"]
    assert count(conn, "reports") == 0


def test_imports_in_the_background_run_two_at_a_time_and_say_a_failure_in_french(settings, conn):
    """Each import holds a database connection while it runs: a third one waits for the others (429, saying when
    to try again) instead of taking the connections the map's requests need — counted across the server's
    processes, two job lists on the same database. An unexpected failure is the job's error in the words given for
    it, never a job that never ends; a job whose process stopped giving signs of life is said to be interrupted."""
    import threading

    from service.api.imports import ImportJobs
    from service.db import connect
    from service.errors import BusyError, HotspotsError, NotFoundError

    def pooled():
        return connect(settings)  # committed when its block ends, as the pool's

    jobs, other_process = ImportJobs(pooled, running=2), ImportJobs(pooled, running=2)
    release = threading.Event()

    def slow(job):
        job.progress(500, 1000)
        release.wait(10)
        job.progress(1000, 1000)
        return {"batch_id": 1}

    def broken(job):
        raise KeyError("colonne")

    def ended(job_id):
        for _ in range(200):
            seen = other_process.get(job_id, "agent")
            if seen["etat"] in ("fini", "erreur"):
                return seen
            time.sleep(0.05)
        return seen

    said = HotspotsError("L'import s'est arrêté sur une erreur imprévue.", hint="Réessayez.")
    first = jobs.start("agent", "registre_1.csv", "signalements", slow, failed=lambda e: said)
    second = other_process.start("agent", "registre_2.csv", "signalements", slow, failed=lambda e: said)
    seen = other_process.get(first.id, "agent")  # read by another process than the one that runs it
    assert seen["etat"] == "lecture" and seen["lu"] in (0, 500) and seen["fichier"] == "registre_1.csv"
    with pytest.raises(BusyError, match="2 imports sont déjà en cours") as refused:
        jobs.start("agent", "registre_3.csv", "signalements", slow, failed=lambda e: said)
    assert refused.value.retry_after == 30 and refused.value.http_status == 429
    with pytest.raises(NotFoundError, match="Cet import n'est pas"):
        jobs.get(first.id, "quelqu_un_d_autre")
    release.set()
    for job in (first, second):
        done = ended(job.id)
        assert done["etat"] == "fini" and done["resultat"] == {"batch_id": 1} and done["lu"] == done["total"] == 1000
    third = jobs.start("agent", "registre_3.csv", "signalements", broken, failed=lambda e: said)
    failure = ended(third.id)
    assert failure["etat"] == "erreur" and failure["erreur"] == said.message
    assert failure["conseil"] == "Réessayez." and failure["resultat"] is None
    # a process stopped while its job ran (no more signs of life): the page is told, and the place is free again
    for n, job_id in ((4, "f" * 32), (6, "e" * 32)):  # two: the two places they would hold are free again
        conn.execute(
            "INSERT INTO import_jobs (id, login, file_name, kind, beat_at) "
            "VALUES (%s, 'agent', %s, 'signalements', now() - interval '5 minutes')",
            (job_id, f"registre_{n}.csv"),
        )
    conn.commit()
    cut = jobs.get("f" * 32, "agent")
    assert cut["etat"] == "erreur" and cut["erreur"] == (
        "L'import de registre_4.csv s'est interrompu : le service s'est arrêté pendant qu'il tournait."
    )
    fourth = jobs.start("agent", "registre_5.csv", "signalements", slow, failed=lambda e: said)
    assert ended(fourth.id)["etat"] == "fini"
    # a register imported sheet by sheet: the page is told which sheet is read (each from its start)
    sheets_read = threading.Event()

    def by_sheet(job):
        job.sheet("Janvier", 1, 2)
        job.progress(1000, 1000)
        job.sheet("Février", 2, 2)
        job.progress(300, 1000)
        sheets_read.wait(10)
        return {"lots": []}

    monthly = jobs.start("agent", "registre_mensuel.xlsx", "signalements", by_sheet, failed=lambda e: said)
    for _ in range(200):
        now_read = other_process.get(monthly.id, "agent")
        if now_read["feuille"] and now_read["feuille"]["rang"] == 2:
            break
        time.sleep(0.05)
    assert now_read["feuille"] == {"nom": "Février", "rang": 2, "sur": 2} and now_read["etat"] == "lecture"
    assert now_read["lu"] in (0, 300)  # from the sheet's start
    sheets_read.set()
    assert ended(monthly.id)["etat"] == "fini"
    assert jobs.get(first.id, "agent")["feuille"] is None  # a file of one sheet: none said
