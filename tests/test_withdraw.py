"""A batch imported by mistake, withdrawn: its rows leave their table, the batch stays listed as « annulé » with
who, when and why, and what a person did since with its rows is never taken away with them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from service.errors import ConflictError, InputFileError, InvalidValueError, NotFoundError
from service.ingest.pipeline import IngestOptions, ingest_file
from service.ingest.withdraw import withdraw_batch
from tests.helpers import NOW, cli_env, count, ingest, run_cli, write, zone_batch_geocoder

#: The commune's March register: two reports at their points, one at an address with no number (to check).
COMMUNE = (
    "N° dossier;Date;Catégorie;Adresse;Commune;Latitude;Longitude\n"
    "ENV-1;02/03/2026 10:00;Dépôt clandestin;Rue Ferrer 12;Seraing;50.6097927;5.5120109\n"
    "ENV-2;05/03/2026 11:00;Graffiti;Place des Verriers 3;Seraing;50.6043;5.5052\n"
    "ENV-3;06/03/2026 09:00;Déjections canines;Place Kuborn;Seraing;;\n"
)
#: The same dumping seen by the intercommunal's team and by a resident's app, a few hours later and metres away.
INTERCOMMUNAL = "Date;Catégorie;Latitude;Longitude\n02/03/2026 12:00;Dépôt clandestin;50.60982;5.51203\n"
CITIZENS = "Date;Catégorie;Latitude;Longitude\n02/03/2026 15:00;Dépôt clandestin;50.60978;5.51199\n"


def _status(conn, batch: int) -> tuple:
    return conn.execute(
        "SELECT status, withdrawn_by, withdrawn_reason, withdrawn_rows FROM ingestion_batches WHERE id = %s", (batch,)
    ).fetchone()


def test_a_batch_imported_by_mistake_is_withdrawn_and_its_file_imported_again(conn, settings, tmp_path):
    path = write(tmp_path / "commune_mars.csv", COMMUNE)
    options = IngestOptions("reports", source="commune")
    first = ingest_file(conn, path, options, settings, now=NOW, geocoder=zone_batch_geocoder(conn, settings))
    seen_twice = ingest(conn, settings, write(tmp_path / "inter.csv", INTERCOMMUNAL), source="intercommunale")
    seen_thrice = ingest(conn, settings, write(tmp_path / "app.csv", CITIZENS), source="app_citoyenne")
    assert seen_twice.details["quasi_doublons_lies"] == seen_thrice.details["quasi_doublons_lies"] == 1
    ids = [i for (i,) in conn.execute("SELECT id FROM reports WHERE batch_id = %s", (first.batch_id,))]
    assert count(conn, "geocode_reviews", f"target = 'reports' AND target_id = ANY(ARRAY{ids})") == 1
    conn.commit()

    done = withdraw_batch(conn, settings, first.batch_id, by="dupont", reason="  mauvais mois :  février ")
    conn.commit()
    assert (done.rows, done.repeats, done.unlinked, done.relinked) == (3, 0, 2, 1)
    assert done.sentence() == (
        f"Lot n° {first.batch_id} (commune_mars.csv) annulé : 3 signalements retirés. 2 signalements d'autres lots, "
        "quasi-doublons des siens, comptent de nouveau (1 lié à un autre signalement du même fait). Les points "
        "sensibles et les axes suivront à la prochaine analyse."
    )
    assert count(conn, "reports", "source = 'commune'") == 0
    assert count(conn, "geocode_reviews", f"target = 'reports' AND target_id = ANY(ARRAY{ids})") == 0
    assert _status(conn, first.batch_id) == ("annule", "dupont", "mauvais mois : février", 3)
    # the same dumping seen by the two others: one of them is again the other's near-duplicate
    links = dict(conn.execute("SELECT source, duplicate_of FROM reports WHERE source <> 'commune'").fetchall())
    others = dict(conn.execute("SELECT source, id FROM reports WHERE source <> 'commune'").fetchall())
    assert sorted(links.values(), key=str) == sorted([None, others["intercommunale"]], key=str) or sorted(
        links.values(), key=str
    ) == sorted([None, others["app_citoyenne"]], key=str), links
    # the account of the batch stays as the file was read; the file, corrected, goes in again
    assert (first.rows_in, first.inserted) == (3, 3)
    again = ingest(conn, settings, path, source="commune")
    assert again.inserted + again.details["quasi_doublons_lies"] == 3 == count(conn, "reports", "source = 'commune'")
    assert again.details["quasi_doublons_lies"] == 1  # the dumping, now seen third
    conn.commit()
    second = withdraw_batch(conn, settings, again.batch_id, by="dupont", reason="le même, par erreur")
    assert (second.rows, second.repeats, second.unlinked) == (3, 1, 0)
    assert second.sentence().startswith(
        f"Lot n° {again.batch_id} (commune_mars.csv) annulé : 3 signalements retirés, dont 1 quasi-doublon d'autres "
        "signalements. Les points"
    )

    with pytest.raises(ConflictError) as twice:
        withdraw_batch(conn, settings, first.batch_id, by="dupont", reason="encore une fois")  # the first one
    assert twice.value.message.startswith(f"Lot {first.batch_id} (commune_mars.csv) déjà annulé le ")
    assert twice.value.message.endswith(" par dupont.")


def test_a_withdrawal_is_refused_when_work_done_since_holds_its_rows(conn, settings, tmp_path):
    first = ingest(conn, settings, write(tmp_path / "commune_mars.csv", COMMUNE), source="commune")
    graffiti = conn.execute("SELECT id FROM reports WHERE external_id = 'ENV-2'").fetchone()[0]
    # one visit follows the graffiti by its number at the source, another names the dumping as the map does
    visits = "Date;Résultat;Signalement;Site\n07/03/2026 10:00;nettoyé;ENV-2;\n08/03/2026 10:00;RAS;;SIG-{}\n"
    dumping = conn.execute("SELECT id FROM reports WHERE external_id = 'ENV-1'").fetchone()[0]
    followed = ingest(conn, settings, write(tmp_path / "visites.csv", visits.format(dumping)), "visits")
    assert followed.inserted == 2
    linked = conn.execute("SELECT report_id, site_ref FROM visits ORDER BY visited_at").fetchall()
    assert linked[0][0] == graffiti and linked[1][1] == f"SIG-{dumping}", linked
    conn.commit()
    with pytest.raises(ConflictError) as held:
        withdraw_batch(conn, settings, first.batch_id, by="dupont", reason="mauvais fichier")
    assert held.value.message == (
        f"Lot {first.batch_id} (commune_mars.csv) non annulé : le travail fait depuis sur ses signalements serait "
        "perdu (2 visites qui les suivent ou les nomment)."
    )
    conn.rollback()
    assert count(conn, "reports", "source = 'commune'") == 3 and _status(conn, first.batch_id)[0] == "termine"


def test_an_address_placed_by_hand_since_holds_its_batch(conn, settings, tmp_path):
    from service.geocode.apply import HandPlaced, open_reviews
    from service.ingest.dedupe import settle_review

    path = write(tmp_path / "commune_mars.csv", COMMUNE)
    options = IngestOptions("reports", source="commune")
    first = ingest_file(conn, path, options, settings, now=NOW, geocoder=zone_batch_geocoder(conn, settings))
    (review,) = open_reviews(conn)
    settle_review(conn, settings, review["id"], HandPlaced(5.5230, 50.6030), who="dupont")
    conn.commit()
    with pytest.raises(ConflictError) as held:
        withdraw_batch(conn, settings, first.batch_id, by="dupont", reason="mauvais fichier")
    assert held.value.message.endswith("serait perdu (1 adresse placée à la main).")


def test_a_batch_that_updated_rows_or_whose_rows_were_updated_since_is_not_withdrawn(conn, settings, tmp_path):
    first = ingest(conn, settings, write(tmp_path / "mars.csv", COMMUNE), source="commune")
    fixed = COMMUNE.replace("Graffiti;", "Graffiti;").replace("Place des Verriers 3", "Place des Verriers 5")
    second = ingest(conn, settings, write(tmp_path / "mars_corrige.csv", fixed), source="commune")
    assert second.updated == 1
    with pytest.raises(ConflictError) as updated:
        withdraw_batch(conn, settings, second.batch_id, by="dupont", reason="mauvais fichier")
    assert "il a mis à jour 1 ligne déjà en base, dont la version d'avant n'est pas gardée" in updated.value.message
    with pytest.raises(ConflictError) as later:
        withdraw_batch(conn, settings, first.batch_id, by="dupont", reason="mauvais fichier")
    assert "1 de ses 3 lignes ont été mises à jour depuis par un import suivant" in later.value.message
    assert count(conn, "reports") == 3


def test_what_cannot_be_withdrawn_says_why(conn, settings, tmp_path):
    with pytest.raises(InputFileError):
        ingest(conn, settings, write(tmp_path / "vide.csv", "Date;Catégorie\n"))
    refused = conn.execute("SELECT id FROM ingestion_batches WHERE file_name = 'vide.csv'").fetchone()[0]
    with pytest.raises(ConflictError) as nothing:
        withdraw_batch(conn, settings, refused, by="dupont", reason="mauvais fichier")
    assert nothing.value.message == f"Lot {refused} (vide.csv) refusé : rien n'y a été enregistré ; rien à annuler."
    with pytest.raises(NotFoundError):
        withdraw_batch(conn, settings, 999_999, by="dupont", reason="mauvais fichier")
    with pytest.raises(InvalidValueError) as short:
        withdraw_batch(conn, settings, refused, by="dupont", reason=" ok ")
    assert short.value.message == "motif d'annulation manquant ou trop court"


def test_a_visits_batch_withdrawn_and_from_the_command_line_and_the_api(conn, settings, auth, tmp_path):
    from service.api import create_app

    visits = (
        "Date;Résultat;Latitude;Longitude;Agent\n"
        "07/03/2026 10:00;nettoyé;50.6097927;5.5120109;Insp. Dubois\n"
        "08/03/2026 11:00;RAS;50.6043;5.5052;Insp. Dubois\n"
    )
    first = ingest(conn, settings, write(tmp_path / "visites_mars.csv", visits), "visits", source="patrouille")
    second = ingest(conn, settings, write(tmp_path / "commune.csv", COMMUNE), source="commune")
    conn.commit()
    env = cli_env(settings)
    done = run_cli("annuler-lot", str(first.batch_id), "--motif", "visites d'avril, pas de mars", env=env)
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stdout.split())
    assert said.startswith(f"Lot n° {first.batch_id} (visites_mars.csv) annulé : 2 visites retirées."), said
    assert count(conn, "visits") == 0
    listed = " ".join(run_cli("batches", env=env).stdout.split())
    assert f"Lot {first.batch_id} (visites_mars.csv) annulé le " in listed
    assert ": visites d'avril, pas de mars (2 lignes retirées)." in listed
    logged = conn.execute("SELECT detail FROM private.access_log WHERE action = 'lot_annule'").fetchall()
    assert [d["lot"] for (d,) in logged] == [first.batch_id]

    with TestClient(create_app(settings)) as app:
        reader = app.post(f"/api/lots/{second.batch_id}/annulation", json={"motif": "erreur"}, headers=auth["lecteur"])
        assert reader.status_code == 403
        short = app.post(f"/api/lots/{second.batch_id}/annulation", json={"motif": "x"}, headers=auth["planificateur"])
        assert short.status_code == 422
        answer = app.post(
            f"/api/lots/{second.batch_id}/annulation",
            json={"motif": "fichier de test"},
            headers=auth["planificateur"],
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["lignes_retirees"] == 3 and answer.json()["phrase"].startswith(
            f"Lot n° {second.batch_id} (commune.csv) annulé : 3 signalements retirés."
        )
        again = app.post(
            f"/api/lots/{second.batch_id}/annulation", json={"motif": "encore"}, headers=auth["planificateur"]
        )
        assert again.status_code == 409 and "déjà annulé" in again.json()["erreur"]
        states = {b["id"]: b["status"] for b in app.get("/api/lots", headers=auth["lecteur"]).json()}
        # a report sent through the API is a batch of its own: listed, but not among the files imported
        sent = app.post(
            "/api/signalements",
            json={"date": "25/11/2026 14:30", "categorie": "graffiti", "lon": 5.5052, "lat": 50.6043},
            headers=auth["planificateur"],
        )
        assert sent.status_code == 201, sent.text
        every = [b["file_name"] for b in app.get("/api/lots", headers=auth["lecteur"]).json()]
        files = app.get("/api/lots", params={"fichiers": "true"}, headers=auth["lecteur"]).json()
    assert states[first.batch_id] == states[second.batch_id] == "annule"
    assert every == ["api-test.planificateur.csv", "commune.csv", "visites_mars.csv"]
    assert [b["file_name"] for b in files] == ["commune.csv", "visites_mars.csv"]
    assert files[0]["withdrawn_reason"] == "fichier de test" and files[0]["withdrawn_rows"] == 3
    assert count(conn, "reports") == 1  # the one sent through the API
