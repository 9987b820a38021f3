"""The ``hotspots`` command as a person or a script uses it (a real process, on the test database)."""

from __future__ import annotations

import csv
import itertools
import json
import re
import subprocess
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from service.labels import STATE_LABELS, TREND_LABELS
from service.settings import Settings
from tests.conftest import DATA, ROOT
from tests.helpers import cli_env, run_cli


def _run(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env=cli_env(settings, COLUMNS="200"))


def test_ingest_json_summary_and_rejects_export(conn, settings, tmp_path):
    done = _run(settings, "ingest", "reports", str(DATA / "bad" / "hors_zone.csv"), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert {"batch_id", "rows_in", "inserted", "updated", "duplicates", "rejected"} <= set(summary)
    assert (summary["rows_in"], summary["inserted"], summary["rejected"]) == (2, 1, 1)

    out = tmp_path / "rejets.csv"
    done = _run(settings, "rejects", str(summary["batch_id"]), "--out", str(out))
    assert done.returncode == 0, done.stderr
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert [r["ligne"] for r in rows] == ["3"]
    assert "hors de la zone de police" in rows[0]["motifs_rejet"]
    # a folder, as the other --out take (an existing one was a Python trace, « IsADirectoryError »)
    batch = summary["batch_id"]
    for folder in (tmp_path, tmp_path / "corrections"):
        done = _run(settings, "rejects", str(batch), "--out", str(folder))
        assert done.returncode == 0, done.stderr
        written = folder / f"rejets_lot_{batch}.csv"
        assert f"1 ligne rejetée écrite dans {written}." in " ".join(done.stdout.split())
        assert written.read_text(encoding="utf-8-sig").splitlines()[0].startswith("ligne;")
    wrong = _run(settings, "rejects", str(batch), "--out", str(tmp_path / "rejets.xlsx"))
    assert wrong.returncode == 1 and not (tmp_path / "rejets.xlsx").exists()
    assert "Erreur : --out" in wrong.stderr and "s'écrivent en CSV" in wrong.stderr
    # a file that cannot be written is said in French, naming it, not as a Python trace
    blocked = _run(settings, "rejects", str(batch), "--out", str(out / "rejets.csv"))  # under a file, not a folder
    said = " ".join(blocked.stderr.split())
    assert blocked.returncode == 1 and "Traceback" not in blocked.stderr, blocked.stderr
    assert f"Erreur : impossible d'utiliser « {out} » : c'est un fichier, là où il faut un dossier." in said

    listed = json.loads(_run(settings, "batches", "--json").stdout)
    assert listed[0]["id"] == summary["batch_id"] and listed[0]["status"] == "termine"


def test_human_summary_shows_the_balance(conn, settings):
    done = _run(settings, "ingest", "reports", str(DATA / "formats" / "fixmystreet.csv"))
    assert done.returncode == 0, done.stderr
    assert "3 lignes = 3 insérées + 0 mise à jour + 0 doublon" in done.stdout


def test_refused_file_prints_a_french_message_and_exits_2(conn, settings):
    done = _run(settings, "ingest", "reports", str(DATA / "bad" / "vide.csv"))
    assert done.returncode == 2
    assert "Erreur : vide.csv : le fichier est vide (0 octet)." in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_file_is_a_clear_error_with_or_without_json(conn, settings, tmp_path):
    for extra in ([], ["--json"]):
        done = _run(settings, "ingest", "reports", str(tmp_path / "absent.csv"), *extra)
        assert done.returncode == 2, done.stderr
        assert "Fichier introuvable" in done.stderr and "Vérifiez le chemin" in done.stderr
        assert "Traceback" not in done.stderr


def test_unknown_batch_is_a_clear_error(conn, settings, tmp_path):
    done = _run(settings, "rejects", "999", "--out", str(tmp_path / "x.csv"))
    assert done.returncode == 1
    assert "Lot 999 introuvable." in done.stderr


def test_db_status_json(settings):
    info = json.loads(_run(settings, "db", "status", "--json").stdout)
    assert info["migrations_en_attente"] == []
    if settings.managed:
        assert info["demarree"] is True and info["postgis_installe"] is True


def test_help_is_in_french(settings):
    done = _run(settings, "--help")
    assert "Importer des fichiers" in done.stdout and "Base de données" in done.stdout


def test_the_demo_refuses_a_service_set_for_another_zone_before_writing_anything(conn, settings):
    """Its reports are at Seraing and Neupré addresses: a service set for Flémalle would refuse every one, row by
    row, into its own database. The command says so first, and what to do, and leaves the database as it was."""
    before = conn.execute("SELECT count(*) FROM ingestion_batches").fetchone()[0]
    done = run_cli(
        "demo", "--sans-tournee", env=cli_env(settings, HOTSPOTS_ZONE_COMMUNES='["Flémalle", "Saint-Nicolas"]')
    )
    said = " ".join(done.stderr.split())
    assert done.returncode != 0
    assert "La démonstration se passe à Seraing et Neupré ; ce service est réglé pour Flémalle, Saint-Nicolas" in said
    assert "sur une base à part" in said
    conn.rollback()
    assert conn.execute("SELECT count(*) FROM ingestion_batches").fetchone()[0] == before


def test_demo_is_the_whole_main_job(conn, settings):
    done = _run(settings, "demo", "--signalements", "800")
    assert done.returncode == 0, done.stderr
    assert "Import : bilan par fichier" in done.stdout and "Points sensibles" in done.stdout
    assert "Géocodage : " in done.stdout and re.search(r"\d placées?, ", done.stdout) and " à vérifier " in done.stdout
    # trends and states in words in the table of points (« en intensification », not « en_intensification »)
    coded = {code for code, words in {**TREND_LABELS, **STATE_LABELS}.items() if code != words}
    assert not [code for code in coded if code in done.stdout]
    batches = conn.execute("SELECT count(*), sum(rejected) FROM ingestion_batches WHERE status = 'termine'").fetchone()
    assert batches == (8, 11)  # eight files (the environment service's own register too), the eleven bad rows
    assert conn.execute("SELECT count(*) FROM prevention_networks").fetchone()[0] == 3  # the demo's networks
    # the camera that ended the historical corner, in the register of interventions, once however often it runs
    from service.demo.extras import ACTION_NOTE
    from service.demo.load import note_planted_interventions
    from service.geocode.apply import batch_geocoder

    noted = conn.execute("SELECT kind, note, recorded_by, address IS NOT NULL FROM interventions").fetchall()
    assert noted == [("camera", ACTION_NOTE, "demo", True)]
    truth = settings.data_dir / "demo" / "verite_terrain.json"
    assert note_planted_interventions(conn, truth, batch_geocoder(conn).geocoder, "Europe/Brussels") == 0
    assert conn.execute("SELECT count(*) FROM sensitive_points").fetchone()[0] > 0
    assert conn.execute("SELECT count(*) FROM reports WHERE geocode_status = 'a_geocoder'").fetchone()[0] == 0
    # a first shift is planned and its field pack written where the next steps point
    pack = settings.data_dir / "demo" / "tournee"
    plan_id = conn.execute("SELECT max(id) FROM plans WHERE created_by = 'demo'").fetchone()[0]
    files = sorted(p.name for p in pack.iterdir())
    assert files == sorted(f"tournee_{plan_id}.{ext}" for ext in ("csv", "geojson", "gpx", "pdf", "xlsx"))
    assert (pack / f"tournee_{plan_id}.pdf").read_bytes().startswith(b"%PDF")
    # the shift meets the company of the permit most worth a check in its second hour, and says so
    meeting = conn.execute(
        "SELECT s.site_id, s.appointment_at - p.starts_at, s.appointment_until - p.starts_at,"
        " s.arrival BETWEEN s.appointment_at AND s.appointment_until + interval '1 minute',"
        " to_char(s.appointment_at AT TIME ZONE 'Europe/Brussels', 'HH24:MI')"
        " FROM plan_stops s JOIN plans p ON p.id = s.plan_id WHERE p.id = %s AND s.appointment_at IS NOT NULL",
        (plan_id,),
    ).fetchall()
    assert len(meeting) == 1 and meeting[0][0].startswith("PER-") and meeting[0][3], meeting
    assert (meeting[0][1], meeting[0][2]) == (timedelta(hours=1), timedelta(hours=2))
    said = " ".join(done.stdout.split())  # the terminal wraps long lines
    assert f"dont un rendez-vous : {meeting[0][0]} (" in said and f") entre {meeting[0][4]} et " in said
    steps = done.stdout[done.stdout.index("Et maintenant ?") :]
    assert f" ingest visits {pack / f'tournee_{plan_id}.xlsx'}" in steps
    assert f"{pack / f'tournee_{plan_id}.pdf'}" in steps and " geocode review" in steps
    assert " rejects 8 (--out rejets.csv pour les corriger)" in " ".join(steps.split())  # the planted bad rows
    # hotspots analyse: a table in words, no Python dict
    analysed = _run(settings, "analyse")
    assert analysed.returncode == 0, analysed.stderr
    assert "points sensibles" in analysed.stdout and "modèle nul" in analysed.stdout
    assert "{'" not in analysed.stdout and "':" not in analysed.stdout and "actif : " in analysed.stdout
    assert "Points sensibles à traiter" in analysed.stdout and "Dépôt clandestin" in analysed.stdout
    # the axes too (only their number was said), highest priority first; a nil priority names the point that
    # already counts the axis's reports instead of a bare 0,0
    assert "Axes problématiques à traiter" in analysed.stdout and "pour 100 m" in analysed.stdout
    axis_rows = [line for line in analysed.stdout.splitlines() if line.startswith("│ AX-")]
    priorities = [float(re.search(r"│ +(\d+,\d)(?: \(|\s*│$)", line).group(1).replace(",", ".")) for line in axis_rows]
    assert axis_rows and priorities == sorted(priorities, reverse=True), axis_rows
    # the axes whose reports a point counts no longer fill the table with « 0,0 » rows: one line names them, each
    # with its point
    assert not [line for line in axis_rows if re.search(r"│ +0,0 ", line)], axis_rows
    flat = " ".join(analysed.stdout.split())
    nil = re.search(r"(\d+) autres axes sans priorité propre : leurs signalements sont comptés aux points sensibles "
                    r"qu'ils traversent \(ou aucun n'y est attendu\) — (.*?)\.(?: |$)", flat)  # fmt: skip
    assert nil is not None, flat
    named = re.findall(r"AX-\d{4} \(PS-\d{4}\)", nil.group(2))
    stored_nil = conn.execute("SELECT count(*) FROM problem_axes WHERE coalesce(priority, 0) <= 0").fetchone()[0]
    assert int(nil.group(1)) == len(named) == stored_nil > 0
    # the corner silent since its camera: nothing expected there, and its nil priority says why
    camera_point, last = conn.execute(
        "SELECT p.id, to_char(p.last_report AT TIME ZONE 'Europe/Brussels', 'DD/MM/YYYY') FROM sensitive_points p,"
        " interventions i WHERE p.category_scope = 'toutes' ORDER BY ST_Distance(p.geom, i.geom) LIMIT 1"
    ).fetchone()
    lines = analysed.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"│ {camera_point} "))
    cells = [lines[start], *itertools.takewhile(lambda line: line.startswith("│" + " " * 9), lines[start + 1 :])]
    priority = " ".join(line.rstrip(" │").rsplit("│", 1)[1].strip() for line in cells)
    assert priority == f"0,0 (aucun signalement depuis le {last})", cells
    # the patrol's list of sites to inspect, from the same analysed data
    out = settings.data_dir / "sites.gpx"
    exported = _run(settings, "export", "sites", "--out", str(out), "--types", "point_sensible,axe", "--json")
    assert exported.returncode == 0, exported.stderr
    summary = json.loads(exported.stdout)
    n_points = conn.execute("SELECT count(*) FROM sensitive_points WHERE category_scope = 'toutes'").fetchone()[0]
    n_axes = conn.execute("SELECT count(*) FROM problem_axes").fetchone()[0]
    # every point and axis, but those visited in the last days (listed apart, with the reason)
    assert summary["format"] == "gpx" and summary["sites"] + summary["ecartes"] == n_points + n_axes
    assert out.read_text(encoding="utf-8").count("<wpt ") == summary["sites"] > 0
    logged = conn.execute("SELECT detail FROM private.access_log WHERE action = 'export_sites'").fetchone()[0]
    assert logged["fichier"] == "sites.gpx" and logged["filtres"]["types"] == ["point_sensible", "axe"]
    wrong = _run(settings, "export", "sites", "--out", str(settings.data_dir / "sites.doc"))
    assert wrong.returncode != 0 and "format inconnu" in wrong.stderr
    # into a folder: the API's dated name, CSV unless --format says otherwise
    folder = settings.data_dir / "listes"
    folder.mkdir()
    for args in ([], ["--format", "xlsx"]):
        into = _run(settings, "export", "sites", "--out", str(folder), *args)
        assert into.returncode == 0, into.stderr
    day = datetime.now(ZoneInfo("Europe/Brussels")).strftime("%Y%m%d")
    assert sorted(p.name for p in folder.iterdir()) == [f"sites_a_controler_{day}.{ext}" for ext in ("csv", "xlsx")]
    unknown = _run(settings, "export", "sites", "--out", str(out), "--categorie", "ordures")
    assert unknown.returncode == 1 and "catégorie inconnue" in unknown.stderr and "depot_clandestin" in unknown.stderr


def test_make_demo_honours_port_and_host():
    """``make demo PORT=8765`` serves on 8765 (the Makefile used to drop the variable)."""
    plan = subprocess.run(
        ["make", "-n", "demo", "PORT=8765", "HOST=0.0.0.0"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "hotspots demo --servir --host 0.0.0.0 --port 8765" in plan.stdout, plan.stdout
    default = subprocess.run(["make", "-n", "demo"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "hotspots demo --servir --host 127.0.0.1 --port 8000" in default.stdout


def test_the_served_demo_points_the_phone_to_its_first_shift(settings, tmp_path):
    """The next steps of a served demo: the first shift's sheet, its spreadsheet, and the same shift on a phone."""
    from service.cli.demo import next_steps
    from service.demo.load import DemoLoad

    pack = [tmp_path / f"tournee_7.{ext}" for ext in ("pdf", "xlsx", "csv", "gpx", "geojson")]
    lines = "\n".join(next_steps(settings, DemoLoad(files=None, summaries=[]), pack, url="http://127.0.0.1:8765"))
    assert f"La fiche de la première tournée à imprimer : {tmp_path / 'tournee_7.pdf'}" in lines
    assert "Ou, sur le téléphone, arrêt par arrêt : http://127.0.0.1:8765/carte#tournee=7 (pour un téléphone" in lines
    assert (
        "La carte publique, sans connexion, en français, néerlandais, allemand ou anglais : "
        "http://127.0.0.1:8765/carte" in lines
    )
    assert f" activite --periode {datetime.now(ZoneInfo(settings.timezone)).year} --out bilans/" in lines
    quiet = "\n".join(next_steps(settings, DemoLoad(files=None, summaries=[]), pack, url=None))
    assert "sur le téléphone" not in quiet and "carte publique" not in quiet  # not served: no address to give


def test_a_demo_served_on_another_port_links_its_first_shift_to_that_port(settings, monkeypatch):
    """``make demo PORT=8765``: the first shift's files link to the map served on 8765 (they linked to 8000, where
    nothing answered); an address given in HOTSPOTS_EXPORT_BASE_URL is kept."""
    from service.cli.demo import linked_to_server
    from service.settings import Settings

    monkeypatch.delenv("HOTSPOTS_EXPORT_BASE_URL", raising=False)
    bare = Settings(_env_file=None, pg_port=settings.pg_port)
    assert "export_base_url" not in bare.model_fields_set and bare.export_base_url == "http://127.0.0.1:8000"
    assert linked_to_server(bare, "127.0.0.1", 8765).export_base_url == "http://127.0.0.1:8765"
    assert linked_to_server(bare, "0.0.0.0", 8766).export_base_url == "http://127.0.0.1:8766"
    given = Settings(_env_file=None, export_base_url="https://hotspots.zone.example")
    assert linked_to_server(given, "127.0.0.1", 8765).export_base_url == "https://hotspots.zone.example"


def test_a_shift_under_way_says_its_stops_ahead_are_to_come_not_missed():
    """« hotspots tournees --numero N » during the shift: a stop already reached without a result is « non fait »,
    one not yet reached « à venir » (it read « non fait » two hours before its time)."""
    from service.cli.plan import _result_cell

    now = datetime(2026, 12, 6, 16, 0, tzinfo=UTC)
    passed = {"done_outcome": None, "arrival": datetime(2026, 12, 6, 15, 50, tzinfo=UTC)}
    ahead = {"done_outcome": float("nan"), "arrival": datetime(2026, 12, 6, 17, 49, tzinfo=UTC)}
    cleaned = {"done_outcome": "nettoye", "arrival": datetime(2026, 12, 6, 17, 49, tzinfo=UTC)}
    assert _result_cell(passed, {"nettoye": "Nettoyé"}, now) == "non fait"
    assert _result_cell(ahead, {"nettoye": "Nettoyé"}, now) == "à venir"
    assert _result_cell(cleaned, {"nettoye": "Nettoyé"}, now) == "Nettoyé"


def test_sites_left_out_before_the_computation_are_counted_by_reason():
    """The plan's summary line says why sites were left out, as counted from their reasons (not one fixed word)."""
    from service.cli.plan import _excluded_words

    closed = {
        "reason": "fermé pendant la tournée (Noël, jour férié) : …",
        "motive": "fermé(s) pendant la tournée (Noël)",
    }
    visited = {
        "reason": "visité le 01/12/2026 (rien constaté) : pas de nouvelle visite",
        "motive": "visité(s) récemment",
    }
    # the motives are written once for any number, and agreed where they are counted
    assert _excluded_words([closed] * 3 + [visited]) == "3 fermés pendant la tournée (Noël), 1 visité récemment"
    assert _excluded_words([visited] * 2) == "2 visités récemment"
    # a plan stored before the motives: counted by its reasons in full
    assert _excluded_words([{"reason": "visité le 01/12/2026"}] * 2) == "2 visité le 01/12/2026"


def test_rejects_without_a_file_are_shown_with_their_reasons(conn, settings):
    """« hotspots rejects LOT » alone shows the rejected rows in the terminal, each reason on its line with the
    field and the value read, and says how to get the file to correct; an unknown batch, or personal data asked
    for the screen, is refused in French."""
    done = _run(settings, "ingest", "reports", str(DATA / "bad" / "hors_zone.csv"), "--json")
    batch = json.loads(done.stdout)["batch_id"]
    shown = _run(settings, "rejects", str(batch))
    assert shown.returncode == 0, shown.stderr
    said = " ".join(shown.stdout.split())
    assert f"Lot {batch} : 1 ligne rejetée" in said
    assert "Ligne" in said and "Champ" in said and "Valeur lue" in said and "Motif" in said
    assert "hors de la zone de police" in said
    assert re.search(r"hors de la zone de police \(à \d+,\d km de la zone\)", said), said  # a French number
    assert f"dans un tableur, avec toutes leurs colonnes, puis les réimporter : hotspots rejects {batch} --out " in said
    as_json = json.loads(_run(settings, "rejects", str(batch), "--json").stdout)
    assert as_json["lignes_rejetees"] == 1 and as_json["lignes"][0]["ligne"] == 3
    assert "hors de la zone de police" in as_json["lignes"][0]["motifs"][0]["motif"]
    # a value refused for a control character is shown with a mark where it was, never the character itself (a
    # bell would ring, not show)
    control = str(DATA / "bad" / "caractere_de_controle.csv")
    bell = json.loads(_run(settings, "ingest", "reports", control, "--json").stdout)
    rung = _run(settings, "rejects", str(bell["batch_id"]))
    assert "tag\ufffd rouge" in rung.stdout and not [c for c in rung.stdout if ord(c) < 32 and c != "\n"]
    unknown = _run(settings, "rejects", "999")
    assert unknown.returncode == 1 and "Lot 999 introuvable." in unknown.stderr
    personal = _run(settings, "rejects", str(batch), "--avec-donnees-personnelles")
    assert personal.returncode != 0 and "Ajoutez --out" in " ".join(personal.stderr.split())


def test_a_shift_left_to_the_default_start_at_night_says_how_to_plan_it_for_the_morning():
    """Run in the evening, ``hotspots plan --duree 3h`` planned from 22:30 to 01:30 without a word."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from service.cli.plan import night_hint

    zone = ZoneInfo("Europe/Brussels")
    hint = night_hint(datetime(2026, 12, 6, 22, 30, tzinfo=zone), 180)
    assert hint is not None and "de 22:30 à 01:30, de nuit" in hint and '--debut "demain 8h"' in hint
    assert night_hint(datetime(2026, 12, 6, 21, 30, tzinfo=zone), 60) is not None  # into the night
    assert night_hint(datetime(2026, 12, 7, 5, 0, tzinfo=zone), 120) is not None  # before dawn
    assert night_hint(datetime(2026, 12, 7, 8, 0, tzinfo=zone), 240) is None  # a morning shift
    assert night_hint(datetime(2026, 12, 7, 18, 0, tzinfo=zone), 240) is None  # an evening one, ended at 22:00


def test_a_shift_in_the_list_says_where_it_stands():
    """The list said « prévue » of a shift that had ended an hour before, and nothing of a sheet not back."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from service.plan.store import shift_state

    start = datetime(2026, 12, 6, 22, 30, tzinfo=ZoneInfo("Europe/Brussels"))
    assert shift_state(start, 180, None, now=start - timedelta(hours=1)) == "prévue"
    assert shift_state(start, 180, None, now=start + timedelta(hours=1)) == "en cours"
    assert shift_state(start, 180, None, now=start + timedelta(hours=3)) == "passée"
    # no visit of it recorded yet: its sheet is still to come back (its sites are held for it meanwhile)
    assert shift_state(start, 180, None, done=0, now=start + timedelta(hours=3)) == "passée, feuille à rentrer"
    assert shift_state(start, 180, None, done=0, now=start + timedelta(hours=2)) == "en cours"
    assert shift_state(start, 180, start - timedelta(hours=2), now=start) == "annulée le 06/12/2026"


def test_the_visits_of_cancelled_shifts_are_said_in_agreed_french():
    from service.ingest.batch import BatchSummary

    def batch(details: dict) -> BatchSummary:
        return BatchSummary(1, "visits", "feuille.xlsx", "", "xlsx", "termine", 3, 3, details=details)

    assert batch({"visites_de_tournees_annulees": 0}).cancelled_line() is None
    moved = batch({"visites_de_tournees_annulees": 3, "tournees_annulees": [12, 14]})
    said = "3 visites d'arrêts des tournées n° 12 et n° 14, annulées : rattachées à leur site, hors tournée."
    assert moved.cancelled_line() == said and moved.to_dict()["phrases"][1] == said


def test_the_sites_set_aside_are_counted_by_motive_in_agreed_french():
    """When no site is left, the plan said « visite récente ou fermé » whatever had set the sites aside."""
    from service.plan.candidates import AWAITING, PLANNED, VISITED, motives_counted

    assert motives_counted([VISITED] * 3 + [PLANNED, AWAITING, AWAITING]) == (
        "3 visités récemment, 2 dans une tournée passée dont la feuille n'est pas rentrée, 1 déjà prévu dans une "
        "autre tournée"
    )
