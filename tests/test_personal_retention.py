"""The retention of personal data, on a real register export with reporters' contact details: what goes when, what
stays (an open report's reporter), the server's daily erasure across two processes, a reporter's own request, and
what the command says. On the real test database; time passes by the ``now`` given, or by moving the dates of the
rows back as the months would."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
import pytest

from service.api.retention import RetentionKeeper
from service.db import connect, personal
from service.errors import NotFoundError
from tests.conftest import DATA
from tests.helpers import cli_env, ingest, rejects, run_cli, write

FILE = DATA / "formats" / "declarants.csv"


def _morning(*, months: int, settings) -> pd.Timestamp:
    """Ten o'clock at the service, ``months`` from now: the server's clock in a test run near midnight."""
    day = pd.Timestamp.now(tz=settings.timezone).normalize() + pd.DateOffset(months=months)
    return (day + pd.Timedelta(hours=10)).tz_convert("UTC")


def _contacts(conn) -> dict[str, str]:
    """The reporters still kept: the case number → the name."""
    rows = conn.execute(
        "SELECT r.external_id, c.name FROM private.reporter_contacts c JOIN reports r ON r.id = c.report_id"
    ).fetchall()
    return dict(rows)


def _log(conn, action: str) -> list[tuple[str, dict]]:
    return conn.execute(
        "SELECT actor, detail FROM private.access_log WHERE action = %s ORDER BY id", (action,)
    ).fetchall()


def _descriptions(conn) -> dict[str, str]:
    return dict(conn.execute("SELECT external_id, description FROM reports").fetchall())


def _rejected_personal(conn) -> int:
    return conn.execute("SELECT count(*) FROM private.rejected_row_contacts").fetchone()[0]


@pytest.fixture()
def imported(conn, settings):
    """The register's export: two closed reports with a reporter (and one without), two open ones, one row refused
    (an unknown category) whose personal columns are kept apart."""
    summary = ingest(conn, settings, FILE)
    (refused,) = rejects(conn, summary.batch_id)[6]  # the sixth line of the file, the header first
    assert refused.startswith("catégorie: catégorie inconnue")
    assert _contacts(conn) == {
        "2024/0412": "M. Dumont",
        "2024/0788": "Mme Schmitz",
        "2025/0131": "M. Lambert",
        "2025/0602": "Mme Renard",
    }
    assert _rejected_personal(conn) == 1
    return summary


def test_closed_reports_lose_their_reporter_after_the_retention_open_ones_keep_theirs(conn, settings, imported):
    today = datetime.now(UTC)
    soon = today + pd.DateOffset(months=23)
    erased = personal.erase_expired_personal_data(conn, months=24, now=soon, actor=personal.AUTOMATIC, quiet=True)
    conn.commit()
    # closed 23 months ago at most (the import is when the service learnt it): nothing goes yet
    assert (erased.reporters, erased.rejected_rows) == (0, 0) and len(_contacts(conn)) == 4
    assert erased.open_kept == 2  # both open reports were received more than 24 months before that date
    assert _log(conn, "effacement_donnees_personnelles") == []  # the server's runs that erase nothing are not logged
    personal.erase_expired_personal_data(conn, months=24, now=soon, actor="cli:agent")
    conn.commit()
    nothing = ("cli:agent", {"declarants": 0, "lignes_rejetees": 0, "descriptions": 0, "mois": 24})
    assert _log(conn, "effacement_donnees_personnelles") == [nothing]  # a person's run is, even when nothing goes

    later = today + pd.DateOffset(months=25)
    trial = personal.erase_expired_personal_data(conn, months=24, now=later, actor="cli:agent", trial=True)
    conn.commit()
    assert (trial.reporters, trial.rejected_rows, trial.open_kept, trial.descriptions) == (2, 1, 2, 2)
    written = _descriptions(conn)
    assert len(_contacts(conn)) == 4 and _rejected_personal(conn) == 1  # a trial erases nothing…
    assert _log(conn, "effacement_donnees_personnelles") == [nothing]  # …and logs nothing

    erased = personal.erase_expired_personal_data(conn, months=24, now=later, actor="cli:agent")
    conn.commit()
    assert (erased.reporters, erased.rejected_rows, erased.open_kept, erased.descriptions) == (2, 1, 2, 2)
    # the closed ones (« Clôturé », « Traité ») are gone, the open ones (« En cours », « Nouveau ») stay
    assert _contacts(conn) == {"2025/0131": "M. Lambert", "2025/0602": "Mme Renard"}
    assert _rejected_personal(conn) == 0
    # what the closed reports' descriptions held of people is gone too, the nuisance stays; an open report's and a
    # closed one's without anyone in it are as they were written
    assert _descriptions(conn) == written | {
        "2024/0412": "Matelas et planches contre le mur, rappeler M. [nom effacé] au [téléphone effacé]",
        "2024/0915": "Affiches sur l'abribus, photos envoyées par madame [nom effacé] ([e-mail effacé])",
    }
    assert written["2024/0788"] == "Trottoir devant l'école n° 3"
    assert written["2025/0131"] == "Fumée noire dans le jardin, le voisin M. Collard joignable au 0496 55 01 27"
    # the reports themselves stay, with nothing personal
    assert conn.execute("SELECT count(*) FROM reports").fetchone()[0] == 5
    assert _log(conn, "effacement_donnees_personnelles") == [
        nothing,
        ("cli:agent", {"declarants": 2, "lignes_rejetees": 1, "descriptions": 2, "mois": 24}),
    ]
    # the same file imported again: the rows are known and unchanged, nothing erased comes back
    ingest(conn, settings, FILE)
    assert _descriptions(conn)["2024/0412"].endswith("M. [nom effacé] au [téléphone effacé]")
    assert set(_contacts(conn)) == {"2025/0131", "2025/0602"}


def test_the_server_erases_once_a_day_between_its_processes(conn, settings, imported, caplog):
    first, second = RetentionKeeper(settings), RetentionKeeper(settings)  # two server processes
    later = _morning(months=25, settings=settings)  # an hour later is the same day at the service
    with caplog.at_level("INFO", logger="service.api.retention"):
        done = first.tick(later)
        assert done is not None and (done.reporters, done.rejected_rows) == (2, 1)
        again = second.tick(later)  # the other process finds nothing left
        assert again is not None and (again.reporters, again.rejected_rows) == (0, 0)
        assert first.tick(later + pd.Timedelta(hours=1)) is None  # once a day
    assert _log(conn, "effacement_donnees_personnelles") == [
        ("serveur", {"declarants": 2, "lignes_rejetees": 1, "descriptions": 2, "mois": 24})
    ]
    said = [r.getMessage() for r in caplog.records]
    assert "Données personnelles de plus de 24 mois effacées : 2 déclarants, 1 ligne rejetée, 2 descriptions" in said
    assert (
        "2 signalements encore ouverts, depuis plus de 24 mois, gardent les coordonnées de leur déclarant : clôturez "
        "ceux qui sont traités" in said
    )
    # with no retention set, no thread and nothing erased
    kept = RetentionKeeper(settings.model_copy(update={"personal_retention_months": 0}))
    assert not kept.wanted() and kept.tick(later + pd.DateOffset(days=1)) is None


@pytest.mark.minuterie  # (libfaketime's moved clock stops the timers it waits on: make test-date leaves it out)
def test_the_server_erasure_steps_back_when_other_work_holds_a_table(conn, settings, imported, caplog):
    keeper = RetentionKeeper(settings)
    later = _morning(months=25, settings=settings)
    conn.commit()
    with connect(settings) as other:  # e.g. a restore or an import emptying the reports
        other.execute("LOCK TABLE reports IN ACCESS EXCLUSIVE MODE")
        with caplog.at_level("WARNING", logger="service.api.retention"):
            assert keeper.tick(later) is None
        other.rollback()
    assert [r.getMessage() for r in caplog.records] == [
        "Données personnelles : tables occupées par un autre travail, effacement remis à l'heure suivante"
    ]
    assert set(_contacts(conn)) == {"2024/0412", "2024/0788", "2025/0131", "2025/0602"}  # nothing half done
    done = keeper.tick(later + pd.Timedelta(hours=1))  # the next hour, the tables free: done that day
    assert done is not None and (done.reporters, done.rejected_rows) == (2, 1)


def test_a_reporter_asks_to_be_forgotten(conn, imported):
    report = conn.execute("SELECT id FROM reports WHERE external_id = '2025/0131'").fetchone()[0]
    assert personal.erase_reporter(conn, report, actor="cli:agent", reason="demande du 02/12") is True
    assert personal.erase_reporter(conn, report, actor="cli:agent", reason="demande du 02/12") is False
    conn.commit()
    assert "2025/0131" not in _contacts(conn)
    # the neighbour named in the description goes too (the report is open: only the request erases it now)
    assert (
        _descriptions(conn)["2025/0131"] == "Fumée noire dans le jardin, le voisin M. [nom effacé] joignable au "
        "[téléphone effacé]"
    )
    assert [d["efface"] for _, d in _log(conn, "effacement_declarant")] == [True, False]
    with pytest.raises(NotFoundError):
        personal.erase_reporter(conn, 999_999, actor="cli:agent", reason="x")


def test_the_command_says_what_goes_and_what_stays(conn, settings, imported):
    env = cli_env(settings)
    # the months pass: the reports were closed, and the file imported, 25 months ago
    conn.execute("UPDATE reports SET updated_at = updated_at - interval '25 months'")
    conn.execute("UPDATE ingestion_batches SET started_at = started_at - interval '25 months'")
    # the open ones were received a year and a half ago: older than the 12 months tried, younger than the 24 kept
    conn.execute("UPDATE reports SET observed_at = now() - interval '18 months' WHERE status <> 'clos'")
    conn.commit()
    trial = run_cli("effacer-contacts", "--simuler", "--mois", "12", env=env)
    assert trial.returncode == 0, trial.stderr
    limit = (pd.Timestamp.now(tz="Europe/Brussels") - pd.DateOffset(months=12)).strftime("%d/%m/%Y")
    lines = [line.strip() for line in trial.stdout.splitlines()]
    assert lines[0] == f"Seraient effacées (conservation : 12 mois, avant le {limit}) :"
    assert lines[1:4] == [
        "coordonnées de déclarants de signalements clos : 2",
        "colonnes personnelles de lignes rejetées : 1",
        "descriptions de signalements clos (téléphones, e-mails, noms…) : 2",
    ]
    assert " ".join(lines[4:]) == (
        f"2 signalements encore ouverts, reçus avant le {limit}, gardent les coordonnées de leur déclarant : "
        "clôturez ceux qui sont traités."
    )
    assert len(_contacts(conn)) == 4

    done = run_cli("effacer-contacts", "--json", env=env)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    # 24 months by default: the open reports are not that old
    assert (answer["reporters"], answer["rejected_rows"], answer["open_kept"], answer["simulation"]) == (2, 1, 0, False)
    assert set(_contacts(conn)) == {"2025/0131", "2025/0602"}

    report = conn.execute("SELECT id FROM reports WHERE external_id = '2025/0131'").fetchone()[0]
    forget = run_cli("effacer-contacts", "--signalement", f"SIG-{report}", "--motif", "demande du déclarant", env=env)
    assert forget.returncode == 0, forget.stderr
    assert f"Signalement SIG-{report} : coordonnées du déclarant effacées ; noté au journal." in forget.stdout
    no_reason = run_cli("effacer-contacts", "--signalement", "SIG-4", env=env)
    assert no_reason.returncode != 0 and "--motif" in no_reason.stderr and "journal" in no_reason.stderr
    unknown = run_cli("effacer-contacts", "--signalement", "SIG-999", "--motif", "x", env=env)
    assert unknown.returncode != 0 and "Aucun signalement « 999 »" in unknown.stderr
    assert _contacts(conn) == {"2025/0602": "Mme Renard"}


def test_the_retention_counts_from_the_closing_date_the_register_gives(conn, settings, tmp_path):
    """A register export with a « Date de clôture » column: a report closed long before it was imported loses its
    reporter that long after its closing, not 24 months after the import; a closing date alone closes a report;
    a closing date before the report, or for a report still open, or impossible, is refused with the reason; the
    day alone on the report's own day is that day (a time before the report's that day is refused)."""
    summary = ingest(conn, settings, DATA / "formats" / "declarants_clotures.csv")
    refused = rejects(conn, summary.batch_id)
    assert refused == {
        5: ["date de clôture: date de clôture avant la date du signalement : corrigez l'une ou l'autre"],
        6: [
            "date de clôture: date de clôture donnée pour un signalement qui n'est pas clos : videz la date ou mettez "
            "le statut « clos »"
        ],
        7: ["date de clôture: date de clôture impossible (ce jour n'existe pas)"],
        9: ["date de clôture: date de clôture avant la date du signalement : corrigez l'une ou l'autre"],
    }
    stored = conn.execute(
        "SELECT external_id, status, to_char(closed_at AT TIME ZONE 'Europe/Brussels', 'DD/MM/YYYY HH24:MI')"
        " FROM reports ORDER BY external_id"
    ).fetchall()
    assert stored == [
        ("2023/0101", "clos", "20/01/2023 16:30"),
        ("2025/0033", "clos", "05/02/2025 00:00"),  # no status in the file: the closing date says it
        ("2025/0450", "en_cours", None),
        ("2025/0530", "clos", "16/05/2025 11:20"),  # the day alone, the report's day: closed when it was made
    ]
    assert set(_contacts(conn)) == {"2023/0101", "2025/0033", "2025/0450"}  # (2025/0530 gave no reporter)

    # mid-2025, 24 months kept: the report closed in January 2023 goes (imported today, it used to stay two years)
    erased = personal.erase_expired_personal_data(
        conn, months=24, now=datetime(2025, 6, 1, tzinfo=UTC), actor="cli:agent", quiet=True
    )
    conn.commit()
    assert erased.reporters == 1 and set(_contacts(conn)) == {"2025/0033", "2025/0450"}
    # March 2027: the one closed in February 2025 goes too; the open one stays
    personal.erase_expired_personal_data(
        conn, months=24, now=datetime(2027, 3, 1, tzinfo=UTC), actor="cli:agent", quiet=True
    )
    conn.commit()
    assert set(_contacts(conn)) == {"2025/0450"}
    # the same file again: the stored rows are recognised unchanged, nothing erased comes back
    again = ingest(conn, settings, DATA / "formats" / "declarants_clotures.csv")
    assert (again.inserted, again.updated) == (0, 0) and set(_contacts(conn)) == {"2025/0450"}
    # a later export without the column, the report still closed and its description changed: its date is kept
    later = tmp_path / "declarants_clotures.csv"  # the same export (the same source), a later version
    later.write_text(
        "N° dossier;Date signalement;Catégorie;Adresse;Code postal;Localité;Description;Statut\n"
        "2023/0101;10/01/2023 08:15;Dépôt clandestin;Rue du Pairay 21;4100;Seraing;Pneus enlevés;Clôturé\n",
        encoding="utf-8",
    )
    assert ingest(conn, settings, later).updated == 1
    kept = conn.execute("SELECT closed_at FROM reports WHERE external_id = '2023/0101'").fetchone()[0]
    assert kept == datetime(2023, 1, 20, 15, 30, tzinfo=UTC)  # 16:30 in Brussels


NAMED = """N° dossier;Date signalement;Catégorie;Adresse;Code postal;Localité;Description;Statut;Nom déclarant;Téléphone
2024/1101;05/03/2024 09:10;Dépôt clandestin;Rue du Pairay 21;4100;Seraing;Sacs derrière le garage, Jean DUMONT repasse lundi avec des photos;Clôturé;Dumont Jean;0472 18 33 90
2024/1102;06/03/2024 10:00;Affichage sauvage;Rue de la Province 3;4100;Seraing;Affiches roses sur le poteau, vues par Rose en passant;Clôturé;Rose Van Lemaire;
2024/1103;07/03/2024 11:00;Dépôt clandestin;Rue du Pairay 15;4100;Seraing;Dépôt d'encombrants, Lemaire dit que ça revient chaque mois;Clôturé;;
2024/1104;08/03/2024 12:00;Déjections canines;Pl. du Pairay 3;4100;Seraing;Collard a appelé deux fois;En cours;Marc Collard;
"""  # noqa: E501  (the register's lines as exported)


def test_the_reporter_s_own_name_goes_from_the_description_even_without_a_title(conn, settings, tmp_path):
    """People write their own name without « M. » or « Mme » (« Jean DUMONT repasse lundi »). The register gave it in
    the reporter's column, so it is looked for in the description when the retention ends or at the reporter's
    request: each word of it, written with a capital. The same word in small letters (« roses ») and a name the
    register did not give for that report (Lemaire in another report) stay."""
    summary = ingest(conn, settings, write(tmp_path / "declarants_nommes.csv", NAMED))
    assert (summary.inserted, summary.rejected) == (4, 0)
    later = datetime.now(UTC) + pd.DateOffset(months=25)
    erased = personal.erase_expired_personal_data(conn, months=24, now=later, actor="cli:agent")
    conn.commit()
    assert (erased.reporters, erased.descriptions) == (2, 2)
    written = _descriptions(conn)
    assert written["2024/1101"] == "Sacs derrière le garage, [nom effacé] repasse lundi avec des photos"
    assert written["2024/1102"] == "Affiches roses sur le poteau, vues par [nom effacé] en passant"
    assert written["2024/1103"] == "Dépôt d'encombrants, Lemaire dit que ça revient chaque mois"
    open_one = conn.execute("SELECT id FROM reports WHERE external_id = '2024/1104'").fetchone()[0]
    assert written["2024/1104"] == "Collard a appelé deux fois"  # open: kept until its reporter asks
    assert personal.erase_reporter(conn, open_one, actor="cli:agent", reason="demande du 02/12") is True
    conn.commit()
    assert _descriptions(conn)["2024/1104"] == "[nom effacé] a appelé deux fois"
