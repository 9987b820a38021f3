"""``hotspots users ...``: accounts and roles, and the keys of Open311 citizen apps."""

from __future__ import annotations

import sys

import typer
from rich.table import Table

from service import accounts
from service.cli.common import JsonOut, console, database, print_json, settings_of
from service.db import connect, ensure_database

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
    password = _password(stdin)
    with connect(settings) as conn:
        accounts.add_user(conn, login, password, role, full_name=nom)
    console.print(f"Compte [bold]{login.lower()}[/bold] créé ({role}).")


@app.command("list")
def list_(ctx: typer.Context, json_out: JsonOut = False) -> None:
    """Liste les comptes."""
    with database(settings_of(ctx)) as conn:
        rows = accounts.list_users(conn)
    if json_out:
        print_json(rows)
        return
    table = Table("identifiant", "nom", "rôle", "actif", "dernière connexion")
    for r in rows:
        table.add_row(
            r["login"],
            r["full_name"] or "",
            r["role"],
            "oui" if r["active"] else "non",
            str(r["last_login_at"] or "jamais")[:16],
        )
    console.print(table)


@app.command("role")
def role(
    ctx: typer.Context, login: str = typer.Argument(...), nouveau: str = typer.Argument(..., help="Rôle.")
) -> None:
    """Change le rôle d'un compte (ses sessions ouvertes sont fermées)."""
    with connect(settings_of(ctx)) as conn:
        accounts.set_role(conn, login, nouveau)
    console.print(f"{login} : rôle {nouveau}.")


@app.command("disable")
def disable(ctx: typer.Context, login: str = typer.Argument(...)) -> None:
    """Désactive un compte : il ne peut plus se connecter et ses sessions cessent aussitôt."""
    with connect(settings_of(ctx)) as conn:
        accounts.set_active(conn, login, False)
    console.print(f"{login} désactivé.")


@app.command("enable")
def enable(ctx: typer.Context, login: str = typer.Argument(...)) -> None:
    """Réactive un compte."""
    with connect(settings_of(ctx)) as conn:
        accounts.set_active(conn, login, True)
    console.print(f"{login} réactivé.")


@app.command("passwd")
def passwd(
    ctx: typer.Context,
    login: str = typer.Argument(...),
    stdin: bool = typer.Option(False, "--mot-de-passe-stdin", help="Lire le mot de passe sur l'entrée standard."),
) -> None:
    """Change le mot de passe d'un compte (ses sessions ouvertes sont fermées)."""
    password = _password(stdin)
    with connect(settings_of(ctx)) as conn:
        accounts.set_password(conn, login, password)
    console.print(f"Mot de passe de {login} changé.")


@app.command("cle-open311")
def open311_key(ctx: typer.Context, application: str = typer.Argument(..., help="Nom de l'application.")) -> None:
    """Crée (ou renouvelle) la clé api_key d'une application citoyenne Open311 ; elle n'est affichée qu'une fois."""
    with database(settings_of(ctx)) as conn:
        key = accounts.add_open311_client(conn, application)
    console.print(f"Clé de {application} (à transmettre, elle ne sera plus affichée) :")
    print(key)  # the key alone on standard output, for scripts
