"""The sensitive points follow the reports without anyone typing a command: an analysis runs again when reports
were written since the last one, or when it is a day old, never twice at once and never for nothing."""

from __future__ import annotations

import logging
import os
import threading
from datetime import timedelta

import numpy as np
import pandas as pd

from service.analyse.refresh import analysis_due, refresh_analysis
from service.api.refresh import AnalysisRefresher
from service.geocode.gazetteer import load_gazetteer
from tests.conftest import ROOT
from tests.helpers import cli_env, ingest, run_cli
from tests.test_analyse import reports_file


def test_an_analysis_runs_again_only_after_new_reports_or_a_day(conn, settings, tmp_path, caplog):
    now = pd.Timestamp.now(tz="UTC")
    rng = np.random.default_rng(12)
    ingest(conn, settings, reports_file(tmp_path / "a.csv", rng, now, background=900, corners=2)[0], now=None)
    load_gazetteer(conn, [ROOT / "geodata" / "icar_seraing_neupre.csv"])
    conn.commit()
    assert analysis_due(conn, now=now.to_pydatetime(), max_age=timedelta(hours=24)) == "aucune analyse en base"

    reason, summary = refresh_analysis(settings, now=now)
    assert reason == "aucune analyse en base" and summary is not None
    assert (summary["run"], summary["points_sensibles"], summary["signalements"]) == (1, 2, 980)
    assert refresh_analysis(settings, now=now) == (None, None)  # nothing written since: nothing to redo

    # a third corner reported since (a file imported, a citizen's reports): the next check finds and runs it
    ingest(conn, settings, reports_file(tmp_path / "b.csv", rng, now, background=0, corners=3, first=5000)[0], now=None)
    conn.commit()
    caplog.set_level(logging.INFO, logger="service.api.refresh")
    assert AnalysisRefresher(settings).tick() == "signalements modifiés depuis l'analyse n° 1"
    assert "Analyse automatique n° 2 (signalements modifiés depuis l'analyse n° 1) : 3 points sensibles" in caplog.text
    assert refresh_analysis(settings, now=now) == (None, None)

    # a day later without a report: once more (a place quiet long enough becomes « résolu » with time alone)
    reason, summary = refresh_analysis(settings, now=now + pd.Timedelta(hours=25))
    assert reason == "l'analyse n° 2 a plus de 24 h" and summary is not None and summary["run"] == 3


def test_two_processes_that_find_it_due_at_once_run_it_once(conn, settings, tmp_path):
    now = pd.Timestamp.now(tz="UTC")
    rng = np.random.default_rng(13)
    ingest(conn, settings, reports_file(tmp_path / "a.csv", rng, now, background=600, corners=1)[0], now=None)
    conn.commit()
    results: list[tuple[str | None, object]] = []
    threads = [threading.Thread(target=lambda: results.append(refresh_analysis(settings, now=now))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(reason or "" for reason, _ in results) == ["", "aucune analyse en base"]
    assert conn.execute("SELECT count(*) FROM analysis_runs").fetchone()[0] == 1


def test_the_command_for_a_system_timer_says_when_there_is_nothing_to_redo(conn, settings, tmp_path):
    now = pd.Timestamp.now(tz="UTC")
    ingest(
        conn, settings, reports_file(tmp_path / "a.csv", np.random.default_rng(14), now, background=500, corners=1)[0]
    )
    conn.commit()
    env = cli_env(settings, COLUMNS="200")
    first = run_cli("analyse", "--si-necessaire", env=env)
    assert first.returncode == 0, first.stderr
    assert "Analyse relancée : aucune analyse en base." in first.stdout and "Points sensibles" in first.stdout
    again = run_cli("analyse", "--si-necessaire", env=env)
    assert again.returncode == 0, again.stderr
    assert "Analyse à jour : aucun signalement écrit depuis la dernière, rien à refaire." in again.stdout
    refused = run_cli("analyse", "--si-necessaire", "--input", "x.csv", "--out", str(tmp_path), env=env)
    assert refused.returncode == 2 and "--si-necessaire vaut pour l'analyse en base" in refused.stderr


def test_a_new_service_has_nothing_to_analyse_and_a_refusal_is_one_line(conn, settings, tmp_path, caplog):
    now = pd.Timestamp.now(tz="UTC")
    assert analysis_due(conn, now=now.to_pydatetime(), max_age=timedelta(hours=24)) is None  # no report yet
    caplog.set_level(logging.INFO, logger="service.api.refresh")
    assert AnalysisRefresher(settings).tick() is None and not caplog.records
    # three reports: due, but the analysis refuses them; the server says so in one line, no traceback
    ingest(conn, settings, reports_file(tmp_path / "a.csv", np.random.default_rng(15), now, background=3, corners=0)[0])
    conn.commit()
    assert AnalysisRefresher(settings).tick() is None
    [record] = caplog.records
    assert record.levelname == "WARNING" and record.exc_info is None
    assert record.getMessage().startswith("Analyse automatique impossible : ")
    assert conn.execute("SELECT count(*) FROM analysis_runs").fetchone()[0] == 0


def _killed(settings, now, out) -> None:
    """An analysis process the system kills (memory exhausted): it ends at once, without a word back."""
    os._exit(137)


def test_an_analysis_process_that_dies_takes_only_itself_down(conn, settings, tmp_path, caplog):
    """The analysis runs in a process of its own: one that dies (here at once, as under the system's out-of-memory
    killer — in the server's own process this would end the server, and this test) leaves the server answering,
    one error line in its log, nothing half-stored; the next check runs the analysis for real."""
    now = pd.Timestamp.now(tz="UTC")
    rng = np.random.default_rng(16)
    ingest(conn, settings, reports_file(tmp_path / "a.csv", rng, now, background=500, corners=1)[0])
    conn.commit()
    caplog.set_level(logging.INFO, logger="service.api.refresh")
    assert AnalysisRefresher(settings, work=_killed).tick() is None
    [record] = caplog.records
    assert record.levelname == "ERROR"
    assert record.getMessage().startswith("Analyse automatique : son processus s'est arrêté sans finir (code 137)")
    assert conn.execute("SELECT count(*) FROM analysis_runs").fetchone()[0] == 0
    assert AnalysisRefresher(settings).tick() == "aucune analyse en base"
    assert conn.execute("SELECT count(*) FROM analysis_runs").fetchone()[0] == 1
