"""The README's « Premiers pas » stays true: its screenshots are the ones the browser test takes (committed copies,
small and not blank), and every command it tells a new user to type exists with the options it shows.

(The walk itself — ``make demo`` — is run by tests/test_cli.py::test_demo_is_the_whole_main_job; the screenshots
are taken again, on the demo data, by the browser tests tests/test_browser*.py.)"""

from __future__ import annotations

import re
import shlex

from PIL import Image

from service.cli import main as cli
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("## Premiers pas") : README.index("\n## ", README.index("## Premiers pas") + 5)]
SHOTS = ROOT / "docs" / "premiers-pas"


def test_the_screenshots_are_those_the_browser_test_takes_small_and_not_blank():
    shown = re.findall(r"!\[[^\]]+\]\((docs/premiers-pas/[\w.-]+\.png)\)", SECTION)
    browser_tests = " ".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests").glob("test_browser*.py")))
    taken = re.findall(r'\bcapture\(\s*browser,\s*captures,\s*"([\w-]+)"', browser_tests)
    assert sorted(shown) == sorted(f"docs/premiers-pas/{name}.png" for name in taken) and len(shown) == 7
    assert sorted(p.name for p in SHOTS.iterdir()) == sorted(f"{name}.png" for name in taken)  # no stale copy
    for path in shown:
        file = ROOT / path
        assert file.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and file.stat().st_size < 200_000, path
        image = Image.open(file).convert("RGB")
        colours = image.getcolors(maxcolors=1 << 16) or []
        dominant = max(n for n, _c in colours) / (image.width * image.height)
        assert len(colours) >= 8 and dominant < 0.97, (path, len(colours), dominant)
        assert image.width >= 300 and image.height >= 150, path


def _commands() -> list[list[str]]:
    """Every ``hotspots …`` command of the section, as words (placeholders such as … and N kept)."""
    found = []
    prose = re.sub(r"```.*?```", "", SECTION, flags=re.S)
    for span in re.findall(r"`([^`]+)`", prose) + re.findall(r"^\s*• [^:]+ : (.+)$", SECTION, flags=re.M):
        if "hotspots " not in span:
            continue
        try:
            words = shlex.split(span.replace("…", "X"))
        except ValueError:  # an apostrophe in the words around the command
            words = span.split()
        while words and words[0] != "hotspots" and not words[0].endswith("/hotspots"):
            words = words[1:]
        if len(words) > 1:
            found.append(words[1:])
    return found


def test_every_command_of_the_walk_exists_with_its_options():
    commands = _commands()
    assert len(commands) >= 10, commands
    root = cli._command()
    for words in commands:
        command, rest = root, list(words)
        while rest and hasattr(command, "get_command"):
            sub = command.get_command(command.context_class(command), rest[0])
            if sub is None:
                break
            command, rest = sub, rest[1:]
        assert command is not root, words
        options = {o for p in command.params for o in (*p.opts, *getattr(p, "secondary_opts", []))}
        used = {w.split("=")[0] for w in rest if w.startswith("--")}
        assert used <= options, (words, used - options)
