"""Entry point of the ``hotspots`` command."""

from __future__ import annotations

import errno
import importlib
import logging
import os
import sys
import traceback
from typing import Any, NamedTuple

import psycopg
import typer
from typer._click import Command
from typer._click import exceptions as click_errors
from typer.core import TyperCommand, TyperGroup

from service.cli import french
from service.cli.common import err_console
from service.db.connect import describe_database_error
from service.errors import ConfigError, DatabaseError, HotspotsError, InputFileError
from service.settings import SettingsRefusedError, load_settings


class _Lazy(NamedTuple):
    """Where a command lives, and its line in the help."""

    module: str
    attribute: str
    summary: str


#: Every command's module is imported only when that command runs: « hotspots users lister » should not wait for
#: pandas, SciPy and GeoPandas to load (2,5 s of a 3 s run before), nor an import of a file for scikit-learn. Each
#: command's line in the help (the first paragraph of its own help, kept equal by a test) is written here, so that
#: « hotspots --help » lists them all without importing any (7 s before). In the order the help lists them.
_LAZY: dict[str, _Lazy] = {
    "db": _Lazy("service.cli.db", "app", "Base de données : démarrer, arrêter, migrer, sauvegarder."),
    "ingest": _Lazy("service.cli.ingest", "app", "Importer des fichiers (signalements, visites, permis)."),
    "batches": _Lazy("service.cli.ingest", "batches", "Liste les derniers lots importés et leur bilan."),
    "rejects": _Lazy(
        "service.cli.ingest",
        "rejects",
        "Montre les lignes rejetées d'un lot et leurs motifs, ou les exporte (--out) pour correction et nouvel import.",
    ),
    "annuler-lot": _Lazy(
        "service.cli.ingest",
        "withdraw",
        "Annule un lot importé par erreur : ses lignes sont retirées, le lot reste dans la liste, annulé, avec qui, "
        "quand et pourquoi ; refusé quand des visites, des tournées, des renvois ou des adresses placées à la main "
        "tiennent à ses lignes. Le fichier corrigé s'importe ensuite à nouveau.",
    ),
    "correspondances": _Lazy(
        "service.cli.mappings",
        "app",
        "Correspondances gardées par source et type de fichiers : appliquées aux prochains fichiers de ce type de "
        "la source importés sans --correspondance ; les lister, en montrer une, en garder une, l'oublier.",
    ),
    "sources": _Lazy(
        "service.cli.sources",
        "app",
        "Sources enregistrées : leurs lignes par type, les graphies d'une même source ; en fusionner deux.",
    ),
    "gazetteer": _Lazy("service.cli.geocode", "gazetteer_app", "Registre officiel des adresses (ICAR, BeST-Address)."),
    "geocode": _Lazy(
        "service.cli.geocode",
        "app",
        "Géocoder des adresses belges hors ligne, et vérifier les cas douteux.",
    ),
    "demo-data": _Lazy(
        "service.cli.demo",
        "demo_data",
        "Écrit un jeu de démonstration réaliste (vraies adresses de Seraing et Neupré).",
    ),
    "demo": _Lazy(
        "service.cli.demo",
        "demo",
        "Démonstration complète : démarre la base, génère, importe et analyse le jeu de démonstration, "
        "planifie une première tournée, puis (avec --servir) sert l'API et la carte avec un compte de "
        "démonstration.",
    ),
    "analyse": _Lazy(
        "service.cli.analyse",
        "analyse",
        "Trouve les points sensibles (grappes de signalements que le hasard n'explique pas) et les axes.",
    ),
    "backtest": _Lazy(
        "service.cli.backtest",
        "backtest_cmd",
        "Apprend sur le passé, compte ce que chaque méthode aurait capturé ensuite (PAI, PEI*, taux de "
        "capture) sur une surface honnête : fenêtres glissantes (mois, trimestre, année) avec intervalles à "
        "95 %, un découpage détaillé, les premiers points sensibles face aux lieux les plus comptés et, avec "
        "un réseau, les axes.",
    ),
    "serve": _Lazy("service.cli.serve", "serve", "Sert l'API (documentation sur /docs) et les cartes (/carte)."),
    "users": _Lazy("service.cli.users", "app", "Comptes (lecteur, planificateur, admin) et clés Open311."),
    "reglages": _Lazy(
        "service.cli.admin",
        "reglages",
        "Les réglages en vigueur : variable, valeur, donnée ou par défaut, rôle (le mot de passe de la base "
        "est masqué). Ils se donnent dans l'environnement ou un fichier .env du dossier courant.",
    ),
    "journal": _Lazy(
        "service.cli.admin",
        "journal",
        "Le journal des accès : qui a lu quelle donnée personnelle et pourquoi, qui a exporté quoi, qui a "
        "changé quel compte (« cli:… » : en ligne de commande), du plus récent au plus ancien.",
    ),
    "effacer-contacts": _Lazy(
        "service.cli.admin",
        "effacer_contacts",
        "Efface les données personnelles dont la durée de conservation est passée : les coordonnées des "
        "déclarants des signalements clos depuis plus de N mois et ce que leurs descriptions en contiennent "
        "(téléphones, e-mails, noms après M. ou Mme, nom du déclarant…), les colonnes personnelles des lignes rejetées "
        "importées il y a plus de N mois (le serveur le fait chaque jour) ; ou, avec --signalement, celles "
        "d'un déclarant qui le demande.",
    ),
    "export": _Lazy("service.cli.export", "app", "Exports : sites à contrôler, registre des signalements."),
    "plan": _Lazy(
        "service.cli.plan",
        "plan",
        "Choisit et ordonne les sites d'une tournée dans la durée donnée, et écrit la liste à emporter.",
    ),
    "tournees": _Lazy(
        "service.cli.plan",
        "tournees_app",
        "Tournées planifiées : les lister, en réécrire les fichiers, en annuler une.",
    ),
    "network": _Lazy(
        "service.cli.network",
        "app",
        "Réseau routier (OpenStreetMap) des temps de trajet entre les sites d'une tournée.",
    ),
    # prevention, permits and referrals (service/prevention, service/permits, service/referrals)
    "digest": _Lazy(
        "service.cli.prevention",
        "digest",
        "Bilan d'un réseau de quartier (ou d'une section, ou de chaque réseau) pour une période, en HTML et PDF.",
    ),
    "reseaux": _Lazy(
        "service.cli.prevention",
        "app",
        "Réseaux d'information de quartier (prévention) : les enregistrer, les lister, leurs nouveautés.",
    ),
    "avis": _Lazy(
        "service.cli.permits",
        "avis",
        "Fiche d'avis pour une demande de permis, autour d'une adresse (PDF A4).",
    ),
    "permis": _Lazy(
        "service.cli.permits",
        "app",
        "Permis : liste de suivi (à contrôler), fiche d'un permis avec ses nuisances et ses visites.",
    ),
    "renvois": _Lazy(
        "service.cli.referrals",
        "app",
        "Renvois vers la médiation ou un partenaire : renvoyer, confirmer une proposition, retirer, lister.",
    ),
    "activite": _Lazy(
        "service.cli.activity",
        "activite",
        "Bilan d'activité du service pour une période : signalements par catégorie, commune, secteur et source, "
        "visites par résultat, suivi des signalements (part visitée, délai), tournées ; chaque nombre à côté "
        "de la période précédente et de la même période un an plus tôt, avec les écarts que le hasard seul "
        "explique mal. Des nombres seulement, aucune donnée personnelle.",
    ),
    "effet": _Lazy(
        "service.cli.activity",
        "effet",
        "L'action a-t-elle servi ? Les signalements du lieu (point, axe, ou cercle autour d'une adresse) "
        "avant et après l'action, à côté du reste de la zone (témoin : saison, vacances) et de l'anneau "
        "autour du lieu, où la nuisance a pu se déplacer ; avec un test exact et le quotient de déplacement.",
    ),
    "intervention": _Lazy(
        "service.cli.interventions",
        "app",
        "Interventions à un lieu (caméra, panneau, nettoyage, aménagement, riverains informés) : noter, "
        "lister, retirer. « L'action a-t-elle servi ? » part de la dernière notée au lieu.",
    ),
}


class _LazyCommands(TyperGroup):
    _listing = False  # the help is being written: a command not loaded yet is shown by its line only

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(name for name in _LAZY if name not in self.commands)]

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in _LAZY or cmd_name in self.commands:
            return super().get_command(ctx, cmd_name)
        module, attribute, summary = _LAZY[cmd_name]
        if self._listing:
            return TyperCommand(cmd_name, help=summary)
        target = getattr(importlib.import_module(module), attribute)
        command: Any
        if isinstance(target, typer.Typer):
            command = typer.main.get_group(target)
        else:
            single = typer.Typer(add_completion=False)
            single.command(cmd_name)(target)
            command = typer.main.get_command(single)
        command.name = cmd_name
        self.commands[cmd_name] = french.frenchify(command)
        return command


app = typer.Typer(
    cls=_LazyCommands,
    name="hotspots",
    help="Hotspots : points sensibles et axes problématiques du service Environnement.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
_debug = {"on": False}


@app.callback()
def _root(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="Afficher la trace complète des erreurs."),
) -> None:
    _debug["on"] = debug
    if not debug:
        # psycopg reports what it could not clean up after a lost connection as English warnings on stderr
        # ("error ignored terminating <psycopg.Copy …>"); the French message below says what matters
        logging.getLogger("psycopg").addHandler(logging.NullHandler())
        logging.getLogger("psycopg").propagate = False
    try:
        ctx.obj = {"settings": load_settings()}
    except SettingsRefusedError as exc:
        raise ConfigError(exc.message, hint=exc.hint) from None


def _exit_code(exc: HotspotsError) -> int:
    if isinstance(exc, InputFileError):
        return 2
    if isinstance(exc, DatabaseError):
        return 3
    return 1


def _command() -> Command:
    """The root command with its French words (sub-commands loaded later get them as they are built)."""
    french.configure()
    command: Command = french.frenchify(typer.main.get_command(app))
    return command


#: Why a file could not be read or written, in words (by errno), and what to do.
_FILE_PROBLEMS = {
    errno.EISDIR: ("c'est un dossier", "Donnez un nom de fichier, ou un autre dossier."),
    errno.ENOTDIR: ("un élément du chemin n'est pas un dossier", "Vérifiez le chemin."),
    errno.EEXIST: ("c'est un fichier, là où il faut un dossier", "Donnez un autre chemin."),
    errno.EACCES: ("accès refusé", "Choisissez un dossier où vous pouvez écrire, ou demandez ce droit."),
    errno.EPERM: ("opération refusée", "Choisissez un dossier où vous pouvez écrire, ou demandez ce droit."),
    errno.ENOENT: ("introuvable", "Vérifiez le chemin (« ls » montre ce que le dossier contient)."),
    errno.ENOSPC: ("le disque est plein", "Libérez de la place, ou écrivez ailleurs."),
    errno.EROFS: ("le disque est en lecture seule", "Écrivez dans un autre dossier."),
}


def _file_problem(exc: OSError) -> tuple[str, str]:
    """An error of the file system in French: which file and why (a Python trace said nothing to an officer)."""
    path = exc.filename
    why, hint = _FILE_PROBLEMS.get(exc.errno or 0, (exc.strerror or str(exc), "Vérifiez le chemin et les droits."))
    return f"impossible d'utiliser « {path} » : {why}.", hint


def main(argv: list[str] | None = None) -> int:
    """Run the CLI on ``argv`` (default: the process's arguments) and return its exit code; domain errors print
    their French message (and hint) and give a non-zero code.

    Usage errors (unknown option, missing value…) are worded in French by :mod:`service.cli.french` (exit code
    2); a traceback is shown only with ``--debug``.
    """
    try:
        code = _command().main(args=argv, prog_name="hotspots", standalone_mode=False)
    except click_errors.NoArgsIsHelpError:
        return 2  # the help was printed
    except click_errors.ClickException as exc:
        french.show_error(exc, err_console)
        return exc.exit_code
    except typer.Abort:
        err_console.print("Abandon.", highlight=False)
        return 1
    except HotspotsError as exc:
        if _debug["on"]:
            traceback.print_exc()
        err_console.print(f"[bold red]Erreur[/bold red] : {exc.message}", highlight=False)
        if exc.hint:
            err_console.print(f"→ {exc.hint}", highlight=False)
        return _exit_code(exc)
    except OSError as exc:  # a file the command reads or writes: a folder, no right, a full disk
        if exc.filename is None:  # a socket, a mail server: not a file, nothing to say about one
            raise
        if _debug["on"]:
            traceback.print_exc()
        said, hint = _file_problem(exc)
        err_console.print(f"[bold red]Erreur[/bold red] : {said}", highlight=False)
        err_console.print(f"→ {hint}", highlight=False)
        return 1
    except psycopg.Error as exc:
        if _debug["on"]:
            traceback.print_exc()
        err_console.print(
            f"[bold red]Erreur de base de données[/bold red] : {describe_database_error(exc)}.\n"
            "→ Rien n'a été enregistré pour l'opération en cours ; relancez-la quand la base est disponible "
            "(« hotspots db status » ; détail technique avec --debug).",
            highlight=False,
        )
        return 3
    return code if isinstance(code, int) else 0  # typer.Exit(code) from a command, else 0


def run() -> None:
    """The installed command: :func:`main`, then leave without tearing the interpreter down.

    After an import of a million rows, freeing every module and object one by one takes about half a second;
    the work is done and the output flushed, so the process ends at once with the command's exit code.
    """
    code: int | str | None
    try:
        code = main()
    except SystemExit as exc:  # a command that exits by itself
        code = exc.code
    if isinstance(code, str):
        sys.stderr.write(code + "\n")
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)
