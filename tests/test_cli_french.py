"""Everything the ``hotspots`` command prints around our own texts is French too: the usage line, the panels,
the help option, value types, defaults, and the usage errors (typer's own words, in English by default)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys

import pytest

from service.cli import main as cli
from tests.conftest import ROOT
from tests.helpers import cli_env

#: English that typer and its copy of click print when left alone.
ENGLISH = re.compile(
    r"Usage:|Show this message|\bCommands\b|\[default|\[required\]|\bTry '|\bError\b|Missing (?:option|argument)"
    r"|Invalid value|No such (?:option|command)|Did you mean|Possible options|does not exist|is not a valid"
    r"|Input should be|unable to parse|Got unexpected|requires an argument|Install completion|show-completion"
    r"|Aborted|env var|<(?:str|int|float|bool|path)>|list\[str\]|COMMAND \[ARGS\]"
)


def _run(capsys, *argv: str) -> tuple[int, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _command_paths() -> list[list[str]]:
    """Every command and sub-command of ``hotspots``, as the words one types."""
    root = cli._command()
    paths: list[list[str]] = [[]]

    def walk(command, path):
        ctx = command.context_class(command)
        for name in getattr(command, "list_commands", lambda _c: [])(ctx):
            sub = command.get_command(ctx, name)
            paths.append([*path, name])
            walk(sub, [*path, name])

    walk(root, [])
    return paths


def test_every_help_page_is_in_french(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    paths = _command_paths()
    assert len(paths) > 30 and ["plan"] in paths and ["geocode", "review"] in paths
    for path in paths:
        code, text = _run(capsys, *path, "--help")
        assert code == 0, (path, text)
        assert "Utilisation : hotspots" in text and "Afficher cette aide et quitter." in text, (path, text)
        english = ENGLISH.findall(text)
        assert not english, (path, english, text)
    _code, text = _run(capsys, "plan", "--help")
    assert "[obligatoire]" in text and "[défaut : 1]" in text and "ENTIER" in text and "NOMBRE" in text


def test_the_list_of_commands_wraps_each_description_at_the_window_width(capsys, monkeypatch):
    """A description written over two lines in the source is one sentence on screen: at 200 columns it stands on
    one line (the list kept the source's line break: « planifie » alone, then « une première tournée »)."""
    monkeypatch.setenv("COLUMNS", "200")
    _code, text = _run(capsys, "--help")
    demo = next(line for line in text.splitlines() if line.startswith("│ demo "))
    assert "planifie une première tournée, puis (avec --servir) sert l'API et la carte" in demo
    monkeypatch.setenv("COLUMNS", "80")
    _code, text = _run(capsys, "users", "--help")
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("│ passwd "))
    words = " ".join(line.strip("│ ").strip() for line in lines[at : at + 3]).split()
    assert " ".join(words).startswith("passwd Change le mot de passe d'un compte (ses sessions ouvertes sont fermées")


def test_the_list_of_commands_is_their_own_help_and_loads_none_of_them(capsys, monkeypatch):
    """« hotspots --help » writes each command's line from a table rather than importing all the commands (1 s
    instead of 7): the list is word for word what the commands themselves say, and the help imports none of them."""
    monkeypatch.setenv("COLUMNS", "200")
    _code, listed = _run(capsys, "--help")
    root = cli._command()
    ctx = root.context_class(root, info_name="hotspots")
    for name in cli._LAZY:
        assert root.get_command(ctx, name).name == name  # the command itself, loaded
    root.get_help(ctx)
    loaded = capsys.readouterr().out
    assert listed.rstrip() == loaded.rstrip(), (listed, loaded)  # (the command adds an empty line)
    assert len([line for line in listed.splitlines() if line.startswith("│ ")]) >= len(cli._LAZY) + 2
    modules = sorted({entry.module for entry in cli._LAZY.values()} | {"pandas", "geopandas", "sklearn"})
    probe = (
        "import sys; from service.cli.main import main; main(['--help']); "
        f"print('chargés :', [m for m in {modules!r} if m in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert "Commandes" in done.stdout and "chargés : []" in done.stdout, done.stdout + done.stderr


def test_an_import_or_a_list_loads_no_analysis_nor_printing():
    """Every command paid for the whole service: « hotspots rejects 12 » loaded SciPy's statistics, scikit-learn,
    ReportLab and openpyxl before it wrote a line (4,7 s of 5 s here), through the export package and the batch
    withdrawal. The import's, the rejects' and the sources' commands now load none of them, the database's, the
    accounts' and the settings' not even pandas; an export still finds its writers."""
    heavy = ["scipy.stats", "sklearn", "reportlab", "openpyxl", "folium", "pandas"]
    probe = (
        "import sys, importlib\n"
        "for name in sys.argv[1:]:\n"
        "    importlib.import_module(name)\n"
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )

    def loaded(*modules: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", probe, *modules], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, done.stderr
        return ast.literal_eval(done.stdout.strip())

    assert loaded("service.cli.ingest", "service.cli.sources", "service.cli.mappings") == ["pandas"]
    assert loaded("service.cli.db", "service.cli.users", "service.cli.admin") == []
    from service.export import LIST_COLUMNS, render  # the package's names, loaded when asked for

    assert callable(render) and LIST_COLUMNS


@pytest.mark.parametrize(
    ("argv", "french"),
    [
        (["nope"], "Commande inconnue : « nope »."),
        (["plann"], "Commande inconnue : « plann ». Vouliez-vous dire « plan » ?"),
        (["db", "stauts"], "Commande inconnue : « stauts ». Vouliez-vous dire « status » ?"),
        (["db", "stop"], "Commande inconnue : « stop ». Commandes : up, down, status, migrate, url, backup, restore."),
        (["plan"], "Option obligatoire manquante : --duree."),
        (["plan", "--duree"], "L'option --duree attend une valeur."),
        (["plan", "--duree", "4h", "--equipes", "deux"], "Valeur refusée pour --equipes : un nombre entier est"),
        (["plan", "--duree", "4h", "--priorite-min", "haute"], "Valeur refusée pour --priorite-min : un nombre est"),
        (["plan", "--duree", "4h", "--equipe", "2"], "Option inconnue : --equipe. Vouliez-vous dire --equipes ?"),
        (["ingest", "reports"], "Argument obligatoire manquant : FICHIER."),
        (["analyse", "en-trop"], "Argument(s) en trop : en-trop."),
        (["export", "sites"], "Option obligatoire manquante : --out."),
        (["db"], "Commandes"),
    ],
)
def test_usage_errors_are_in_french(capsys, monkeypatch, argv, french):
    monkeypatch.setenv("COLUMNS", "200")
    code, text = _run(capsys, *argv)
    assert code == 2, text
    assert french in text, text
    assert not ENGLISH.findall(text), text
    if argv not in (["db"], ["plan", "--duree"]):  # the parser knows no command for a value-less option
        assert "Utilisation : hotspots" in text and "Aide : hotspots" in text


def test_the_installed_command_speaks_french_in_a_real_process(settings):
    """The same through ``python -m service`` in a clean process (no state left by the tests above)."""
    done = subprocess.run(
        [sys.executable, "-m", "service", "plan", "--equipes", "x"],
        env=cli_env(settings, COLUMNS="200"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "Erreur" in done.stderr and "Utilisation : hotspots plan [OPTIONS]" in done.stderr
    assert not ENGLISH.findall(done.stdout + done.stderr), done.stderr
    helped = subprocess.run(
        [sys.executable, "-m", "service", "--help"],
        env=cli_env(settings, COLUMNS="200"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert helped.returncode == 0 and "Commandes" in helped.stdout and not ENGLISH.findall(helped.stdout)


def test_a_password_typed_twice_differently_is_asked_again_in_french(settings):
    done = subprocess.run(
        [sys.executable, "-m", "service", "users", "add", "agent.deux.fois", "--role", "lecteur"],
        env=cli_env(settings, COLUMNS="200"),
        cwd=ROOT,
        input="motdepasse-un-1\nmotdepasse-deux-2\nmotdepasse-long-3\nmotdepasse-long-3\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Les deux mots de passe diffèrent. Recommencez." in done.stdout
    assert "Compte agent.deux.fois créé (lecteur)." in done.stdout and "do not match" not in done.stdout + done.stderr
