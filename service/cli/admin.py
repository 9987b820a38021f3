"""``hotspots reglages`` and ``hotspots journal``: what an administrator checks on the machine itself."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from service.cli.common import JsonOut, console, listed, print_json, settings_of
from service.cli.fit import fitted
from service.db import personal
from service.db.connect import masked_conninfo
from service.settings import Settings


def variable_name(field: str) -> str:
    """The environment variable of a setting (``pg_port`` → ``HOTSPOTS_PG_PORT``; the database: ``DATABASE_URL``)."""
    return "DATABASE_URL" if field == "database_url" else f"HOTSPOTS_{field.upper()}"


def settings_rows(settings: Settings) -> list[dict[str, Any]]:
    """Each setting: its variable, the value in force (the database password masked), whether it was given (in
    the environment or ``.env``) or is the default, and what it is for."""
    values = settings.model_dump(mode="json")
    if values.get("database_url"):
        values["database_url"] = masked_conninfo(values["database_url"])
    return [
        {
            "variable": variable_name(name),
            "valeur": values[name],
            "origine": "donné" if name in settings.model_fields_set else "défaut",
            "role": field.description or "",
        }
        for name, field in type(settings).model_fields.items()
    ]


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def reglages(
    ctx: typer.Context,
    json_out: JsonOut = False,
    donnes: bool = typer.Option(False, "--donnes", help="Seulement les réglages donnés (pas les valeurs par défaut)."),
) -> None:
    """Les réglages en vigueur : variable, valeur, donnée ou par défaut, rôle (le mot de passe de la base est
    masqué). Ils se donnent dans l'environnement ou un fichier .env du dossier courant."""
    rows = [r for r in settings_rows(settings_of(ctx)) if r["origine"] == "donné" or not donnes]
    if json_out:
        print_json(rows)
        return
    table = Table("variable", "valeur", "origine", "rôle")
    for r in rows:
        table.add_row(r["variable"], _shown(r["valeur"]), r["origine"], r["role"])
    console.print(fitted(table))


def journal(
    ctx: typer.Context,
    limite: Annotated[
        int, typer.Option("--limite", min=1, max=5000, help="Nombre d'entrées (les plus récentes).")
    ] = 50,
    action: Annotated[
        str | None, typer.Option("--action", help="Une seule action : modification_compte, export_sites…")
    ] = None,
    json_out: JsonOut = False,
) -> None:
    """Le journal des accès : qui a lu quelle donnée personnelle et pourquoi, qui a exporté quoi, qui a changé quel
    compte (« cli:… » : en ligne de commande), du plus récent au plus ancien."""
    if (rows := listed(ctx, lambda conn: personal.access_log(conn, limit=limite, action=action), json_out)) is None:
        return
    table = Table("date", "qui", "action", "détail")
    for r in rows:
        detail = json.dumps(r["detail"], ensure_ascii=False) if not isinstance(r["detail"], str) else r["detail"]
        table.add_row(str(r["date"])[:19], r["qui"], r["action"], detail)
    console.print(fitted(table) if rows else "Le journal est vide.")
