"""The CLI's own words in French: help panels, usage line, help option, value types and usage errors.

Our commands' help texts are written in French; the words around them come from typer. typer (0.29 and later)
carries its own copy of click whose texts ("Usage: ", "Show this message and exit.", "Missing option",
"Invalid value for …") are plain English strings, not gettext messages, so no translation catalogue can reach
them. They are replaced at the places typer exposes:

* the rich help formatter's text constants (panel titles, ``[default: …]``, ``[required]``, the "try --help"
  line), set once by :func:`configure`;
* each command, once built (:func:`frenchify`): a context whose help formatter writes « Utilisation : », the
  help option's text, and value types named in French (``ENTIER``, ``TEXTE``…; nothing for a flag);
* usage errors, which the CLI's edge catches and words from the exception's kind and fields
  (:func:`error_message`): « Option obligatoire manquante : --duree. »

``tests/test_cli_french.py`` runs the real command and looks for English words in what a person sees.
"""

from __future__ import annotations

import difflib
import inspect
import re
import typing
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.panel import Panel
from typer._click import exceptions as click_errors
from typer._click.formatting import HelpFormatter

HELP_TEXT = "Afficher cette aide et quitter."
USAGE = "Utilisation : "

#: typer's rich help texts (module constants of ``typer.rich_utils``) → French.
_RICH_TEXTS = {
    "DEPRECATED_STRING": "(obsolète) ",
    "DEFAULT_STRING": "[défaut : {}]",
    "ENVVAR_STRING": "[variable d'environnement : {}]",
    "REQUIRED_LONG_STRING": "[obligatoire]",
    "ARGUMENTS_PANEL_TITLE": "Arguments",
    "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commandes",
    "ERRORS_PANEL_TITLE": "Erreur",
    "ABORTED_TEXT": "Abandon.",
    "RICH_HELP": "Aide : [blue]{command_path} {help_option}[/]",
}

#: Value types as the help shows them (typer writes the Python type: <int>, <str>, <list[str]>).
_TYPE_WORDS = {int: "ENTIER", float: "NOMBRE", str: "TEXTE", Path: "CHEMIN"}


def configure() -> None:
    """Set typer's help texts to French (once per process; idempotent)."""
    from typer import rich_utils

    for name, text in _RICH_TEXTS.items():
        setattr(rich_utils, name, text)
    pattern = r"(?P<usage>Utilisation : )"
    if pattern not in rich_utils.OptionHighlighter.highlights:
        rich_utils.OptionHighlighter.highlights = [*rich_utils.OptionHighlighter.highlights, pattern]


class _FrenchFormatter(HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, USAGE if prefix is None else prefix)


class FrenchContext(typer.Context):
    """A command's context whose usage line starts with « Utilisation : »."""

    formatter_class = _FrenchFormatter


def _metavar(param: Any) -> str | None:
    """The value's type in French, or None to leave typer's (a choice list, a given metavar)."""
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return ""  # a flag takes no value: no type to show
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    many = typing.get_origin(annotation) is list
    if many:
        annotation = typing.get_args(annotation)[0]
    word = _TYPE_WORDS.get(annotation) if isinstance(annotation, type) else None
    if word is None and isinstance(annotation, type) and issubclass(annotation, Path):
        word = "CHEMIN"
    if word is None:
        return None
    return f"{word}…" if many else word


def _french_type(param: Any, original: Any) -> Any:
    """The help's type column for ``param``: the French word, or typer's own label for other types."""

    def display(ctx: Any) -> str | None:
        word = _metavar(param)
        return original(ctx) if word is None else word

    return display


def frenchify(command: Any) -> Any:
    """French usage line, help option and value types for ``command`` and every sub-command already built."""
    command.context_class = FrenchContext
    if command.help and not command.short_help:
        # the list of commands shows the docstring's first paragraph with its line breaks kept (rich markup):
        # one line each, so that it wraps at the window's width, not at the source's
        command.short_help = " ".join(inspect.cleandoc(command.help).split("\n\n")[0].split())
    if getattr(command, "subcommand_metavar", None) == "COMMAND [ARGS]...":
        command.subcommand_metavar = "COMMANDE [ARGUMENTS]…"
    help_option = command.get_help_option(FrenchContext(command))
    if help_option is not None:
        help_option.help = HELP_TEXT
        help_option.metavar = ""
    for param in command.params:
        if getattr(param, "param_type_name", "") == "argument" and param.metavar is None and param.name:
            param.metavar = param.name.upper()  # FICHIER, LOT: the name in capitals, as click writes it
        if hasattr(param, "display_type_rich"):
            param.display_type_rich = _french_type(param, param.display_type_rich)
    for sub in getattr(command, "commands", {}).values():
        frenchify(sub)
    return command


def _names(param: Any) -> str:
    opts = [o for o in getattr(param, "opts", []) if o.startswith("-")]
    if opts:
        return " / ".join(opts)
    return str(getattr(param, "display_name_raw", None) or getattr(param, "name", "") or "").upper()


#: Value problems reported by pydantic (typer's coercion), by error type.
_PYDANTIC_TYPES = {
    "int_parsing": "un nombre entier est attendu",
    "int_from_float": "un nombre entier est attendu",
    "float_parsing": "un nombre est attendu (décimales avec un point : 2.5)",
    "bool_parsing": "oui ou non est attendu (true/false)",
    "string_type": "un texte est attendu",
}

#: Messages raised as plain text by typer and its click (generic usage errors), English → French; click's path
#: checks say the same five problems of a file, a path or a directory.
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Missing command\.?"), "Commande manquante."),
    (re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)"), "Argument(s) en trop : {0}."),
    (re.compile(r"Option '(.+)' requires an argument\.?"), "L'option {0} attend une valeur."),
    (re.compile(r"Option '(.+)' requires (\d+) arguments\.?"), "L'option {0} attend {1} valeurs."),
    (re.compile(r"Option '(.+)' does not take a value\.?"), "L'option {0} ne prend pas de valeur."),
    (re.compile(r"Argument '(.+)' takes (\d+) values\.?"), "L'argument {0} prend {1} valeurs."),
    (re.compile(r"No such option: (\S+)"), "Option inconnue : {0}."),
    *(
        (re.compile(rf"(?:File|Path|Directory) '(.+)' {problem}\.?"), f"« {{0}} » {french}")
        for problem, french in (
            ("does not exist", "n'existe pas."),
            ("is a directory", "est un dossier, pas un fichier."),
            ("is a file", "est un fichier, pas un dossier."),
            ("is not readable", "ne peut pas être lu."),
            ("is not writable", "ne peut pas être écrit."),
        )
    ),
    (re.compile(r"'(.*)' is not one of (.+)\.", re.S), "« {0} » n'est pas une valeur permise ({1})."),
    (re.compile(r"Value '(.*)' is not a valid (.+)\.?"), "« {0} » n'est pas une valeur valide."),
]


def _translated(message: str) -> str:
    text = message.strip()
    for pattern, french in _PATTERNS:
        found = pattern.fullmatch(text)
        if found:
            return french.format(*found.groups())
    return text


def _value_problem(exc: BaseException) -> str:
    cause = exc.__cause__
    errors = getattr(cause, "errors", None)
    if callable(errors):
        found = errors()
        if found and found[0].get("type") in _PYDANTIC_TYPES:
            return _PYDANTIC_TYPES[found[0]["type"]]
    return _translated(str(getattr(exc, "message", "") or exc))


def error_message(exc: click_errors.ClickException) -> str:
    """The usage error in French, from its kind and fields (not from its English text)."""
    if isinstance(exc, click_errors.MissingParameter):
        param = exc.param
        kind = exc.param_type or (param.param_type_name if param is not None else "parameter")
        name = _names(param) if param is not None else str(exc.param_hint or "")
        return {"option": "Option obligatoire manquante", "argument": "Argument obligatoire manquant"}.get(
            kind, "Valeur obligatoire manquante"
        ) + (f" : {name}." if name else ".")
    if isinstance(exc, click_errors.NoSuchOption):
        text = f"Option inconnue : {exc.option_name}."
        if exc.possibilities:
            text += f" Vouliez-vous dire {' ou '.join(sorted(exc.possibilities))} ?"
        return text
    if isinstance(exc, click_errors.BadParameter):
        name = _names(exc.param) if exc.param is not None else str(exc.param_hint or "")
        problem = _value_problem(exc)
        return f"Valeur refusée pour {name} : {problem}" if name else f"Valeur refusée : {problem}"
    message = exc.format_message()
    unknown = re.match(r"No such command '(.+?)'", message)
    if unknown:
        return _unknown_command(unknown.group(1), getattr(exc, "ctx", None))
    return _translated(message)


def _unknown_command(name: str, ctx: Any) -> str:
    """« Commande inconnue », with the nearest command names (those loaded on demand included), or all of them when
    none is near (« db stop » finds « down » in the list, not by its spelling)."""
    names = ctx.command.list_commands(ctx) if ctx is not None and hasattr(ctx.command, "list_commands") else []
    close = difflib.get_close_matches(name, names, n=3)
    if close:
        hint = f" Vouliez-vous dire {' ou '.join(f'« {c} »' for c in close)} ?"
    else:
        hint = f" Commandes : {', '.join(names)}." if names else ""
    return f"Commande inconnue : « {name} ».{hint}"


def show_error(exc: click_errors.ClickException, console: Console) -> None:
    """The usage line, how to get help, and the French message in a panel (typer's layout, in French)."""
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        console.print(ctx.get_usage(), highlight=False, markup=False)
        if ctx.command.get_help_option(ctx) is not None:
            console.print(f"Aide : {ctx.command_path} {ctx.help_option_names[0]}", highlight=False, markup=False)
    console.print(Panel(error_message(exc), title="Erreur", title_align="left", border_style="red"), highlight=False)
