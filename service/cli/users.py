"""``hotspots users ...``: accounts and roles, and the keys of Open311 citizen apps."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import typer
from rich.table import Table

from service import accounts
from service.cli.common import JsonOut, cli_actor, console, database, listed, settings_of
from service.cli.fit import fitted
from service.db import connect, ensure_database
from service.db.personal import audit
from service.errors import ConflictError, NotFoundError

_SEE_LIST = "« hotspots users list » montre les comptes."


def _changed(ctx: typer.Context, login: str, change: Callable[[psycopg.Connection[Any]], None], **detail: Any) -> None:
    """Apply one change to an account and write it to the access log (« cli:<system user> »), like the API."""
    with connect(settings_of(ctx)) as conn:
        change(conn)
        audit(conn, cli_actor(), "modification_compte", compte=login.strip().lower(), **detail)


app = typer.Typer(help="Comptes (lecteur, planificateur, admin) et clés Open311.", no_args_is_help=True)


def _password(from_stdin: bool) -> str:
    """Read the password from standard input (scripts) or ask for it twice without echo (people)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    while True:  # typer's own confirmation prompt answers a mismatch in English
        value: str = typer.prompt("Mot de passe", hide_input=True)
        if typer.prompt("Encore une fois", hide_input=True) == value:
            return value
        console.print("[red]Les deux mots de passe diffèrent.[/red] Recommencez.", highlight=False)


@app.command("add")
def add(
    ctx: typer.Context,
    login: str = typer.Argument(..., help="Identifiant (minuscules, chiffres, . _ -)."),
    role: str = typer.Option("lecteur", "--role", help="lecteur, planificateur ou admin."),
    nom: str | None = typer.Option(None, "--nom", help="Nom complet."),
    stdin: bool = typer.Option(False, "--mot-de-passe-stdin", help="Lire le mot de passe sur l'entrée standard."),
) -> None:
    """Crée un compte (le mot de passe est demandé, jamais passé en argument)."""
    settings = settings_of(ctx)
    ensure_database(settings)
    accounts.check_role(role)  # before the password is typed twice
    with connect(settings) as conn:
        if accounts.user_exists(conn, login):
            raise ConflictError(f"L'identifiant « {login.strip().lower()} » existe déjà.", hint=_SEE_LIST)
    password = _password(stdin)
    with connect(settings) as conn:
        accounts.add_user(conn, login, password, role, full_name=nom)
        audit(conn, cli_actor(), "creation_compte", compte=login.strip().lower(), role=role)
    console.print(f"Compte [bold]{login.strip().lower()}[/bold] créé ({role}).", highlight=False)


@app.command("list")
def list_(ctx: typer.Context, json_out: JsonOut = False) -> None:
    """Liste les comptes."""
    if (rows := listed(ctx, accounts.list_users, json_out)) is None:
        return
    timezone = settings_of(ctx).timezone
    table = Table("identifiant", "nom", "rôle", "actif", "dernière connexion")
    for r in rows:
        last = _local(r["last_login_at"], timezone) if r["last_login_at"] else "jamais"
        table.add_row(r["login"], r["full_name"] or "", r["role"], "oui" if r["active"] else "non", last)
    console.print(fitted(table))


@app.command("role")
def role(
    ctx: typer.Context, login: str = typer.Argument(...), nouveau: str = typer.Argument(..., help="Rôle.")
) -> None:
    """Change le rôle d'un compte (ses sessions ouvertes sont fermées)."""
    _changed(ctx, login, lambda conn: accounts.set_role(conn, login, nouveau), role=nouveau)
    console.print(f"{login} : rôle {nouveau} ; ses sessions ouvertes sont fermées.", highlight=False)


@app.command("disable")
def disable(ctx: typer.Context, login: str = typer.Argument(...)) -> None:
    """Désactive un compte : il ne peut plus se connecter et ses sessions cessent aussitôt."""
    _changed(ctx, login, lambda conn: accounts.set_active(conn, login, False), actif=False)
    console.print(f"{login} désactivé ; ses sessions ouvertes sont fermées.", highlight=False)


@app.command("enable")
def enable(ctx: typer.Context, login: str = typer.Argument(...)) -> None:
    """Réactive un compte."""
    _changed(ctx, login, lambda conn: accounts.set_active(conn, login, True), actif=True)
    console.print(f"{login} réactivé.", highlight=False)


@app.command("passwd")
def passwd(
    ctx: typer.Context,
    login: str = typer.Argument(...),
    stdin: bool = typer.Option(False, "--mot-de-passe-stdin", help="Lire le mot de passe sur l'entrée standard."),
) -> None:
    """Change le mot de passe d'un compte (ses sessions ouvertes sont fermées, une suspension après des essais
    manqués est levée)."""
    with connect(settings_of(ctx)) as conn:
        if not accounts.user_exists(conn, login):  # said before the password is typed twice
            raise NotFoundError(f"Aucun compte « {login} ».", hint=_SEE_LIST)
    password = _password(stdin)
    _changed(ctx, login, lambda conn: accounts.set_password(conn, login, password), mot_de_passe=True)
    console.print(f"Mot de passe de {login} changé ; ses sessions ouvertes sont fermées.", highlight=False)


@app.command("cle-open311")
def open311_key(
    ctx: typer.Context,
    application: str = typer.Argument(..., help="Nom de l'application."),
    chevauchement: int = typer.Option(
        0,
        "--chevauchement",
        min=0,
        max=90,
        help="Renouvellement : l'ancienne clé fonctionne encore ce nombre de jours (0 : elle s'arrête aussitôt).",
    ),
) -> None:
    """Crée (ou renouvelle) la clé api_key d'une application citoyenne Open311 ; elle n'est affichée qu'une fois."""
    settings, name = settings_of(ctx), application.strip()
    with database(settings) as conn:
        key = accounts.add_open311_client(conn, name, overlap_days=chevauchement)
        row = next(r for r in accounts.list_open311_clients(conn) if r["name"] == name)
        renewed = row["renewed_at"] is not None  # set by the renewal just made, never by a first key
        audit(conn, cli_actor(), "cle_open311", application=name, renouvelee=renewed, chevauchement=chevauchement)
    if row["previous_until"] is not None:
        until = _local(row["previous_until"], settings.timezone)
        said = f"L'ancienne clé de {name} fonctionne encore jusqu'au {until} : transmettez la nouvelle d'ici là."
        console.print(said, highlight=False)
    elif renewed:
        console.print(f"L'ancienne clé de {name} ne fonctionne plus.", highlight=False)
    console.print(f"Clé de {application} (à transmettre, elle ne sera plus affichée) :", highlight=False)
    print(key)  # the key alone on standard output, for scripts


def _local(when: datetime | None, timezone: str) -> str:
    """A moment as the service's people read it (its time zone), « — » when there is none."""
    return when.astimezone(ZoneInfo(timezone)).strftime("%d/%m/%Y %H:%M") if when is not None else "—"


@app.command("cles-open311")
def open311_keys(ctx: typer.Context, json_out: JsonOut = False) -> None:
    """Liste les applications citoyennes Open311 et si leur clé fonctionne (les clés elles-mêmes ne sont pas
    gardées : seule leur empreinte l'est)."""
    if (rows := listed(ctx, accounts.list_open311_clients, json_out)) is None:
        return
    timezone = settings_of(ctx).timezone
    table = Table("application", "clé active", "depuis", "renouvelée le", "ancienne clé valable jusqu'au")
    for r in rows:
        active = "oui" if r["active"] else "non (retirée)"
        moments = (_local(r[k], timezone) for k in ("created_at", "renewed_at", "previous_until"))
        table.add_row(r["name"], active, *moments)
    console.print(fitted(table) if rows else "Aucune application Open311.")


@app.command("retirer-cle-open311")
def revoke_open311_key(
    ctx: typer.Context, application: str = typer.Argument(..., help="Nom de l'application.")
) -> None:
    """Retire la clé d'une application citoyenne : ses demandes sont refusées dès maintenant."""
    with database(settings_of(ctx)) as conn:
        accounts.disable_open311_client(conn, application)
        audit(conn, cli_actor(), "retrait_cle_open311", application=application.strip())
    console.print(f"Clé de {application} retirée : ses demandes sont refusées.", highlight=False)
