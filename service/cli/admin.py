"""``hotspots reglages`` and ``hotspots journal``: what an administrator checks on the machine itself."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from service.cli.common import JsonOut, cli_actor, console, listed, print_json, settings_of
from service.cli.fit import fitted
from service.db import connect, personal
from service.db.connect import masked_conninfo
from service.db.personal import open_kept_words
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


def effacer_contacts(
    ctx: typer.Context,
    simuler: Annotated[
        bool, typer.Option("--simuler", help="Compter ce qui serait effacé, sans rien effacer.")
    ] = False,
    mois: Annotated[
        int | None,
        typer.Option(
            "--mois", min=1, max=120, help="Durée de conservation (défaut : HOTSPOTS_PERSONAL_RETENTION_MONTHS)."
        ),
    ] = None,
    signalement: Annotated[
        str | None,
        typer.Option(
            "--signalement", help="Effacer le déclarant d'un seul signalement (123 ou SIG-123), à sa demande."
        ),
    ] = None,
    motif: Annotated[str, typer.Option("--motif", help="Pourquoi (au journal) ; requis avec --signalement.")] = "",
    json_out: JsonOut = False,
) -> None:
    """Efface les données personnelles dont la durée de conservation est passée : les coordonnées des déclarants
    des signalements clos depuis plus de N mois et ce que leurs descriptions en contiennent (téléphones, e-mails,
    noms après M. ou Mme, nom du déclarant…), les colonnes personnelles des lignes rejetées importées il y a
    plus de N mois (le serveur le fait chaque jour) ; ou, avec --signalement, celles d'un déclarant qui le demande."""
    settings = settings_of(ctx)
    if signalement is not None:
        _forget_reporter(settings, signalement, motif, json_out)
        return
    months = mois or settings.personal_retention_months
    if not months:
        console.print(
            "Aucune durée de conservation (HOTSPOTS_PERSONAL_RETENTION_MONTHS=0) : rien n'est effacé. "
            "Donnez --mois N pour effacer ce qui a plus de N mois."
        )
        return
    with connect(settings) as conn:
        erased = personal.erase_expired_personal_data(
            conn, months=months, now=datetime.now(UTC), actor=cli_actor(), trial=simuler
        )
        conn.commit()
    if json_out:
        print_json({**vars(erased), "mois": months, "simulation": simuler})
        return
    limit = f"{erased.before.astimezone(ZoneInfo(settings.timezone)):%d/%m/%Y}"
    verb = "Seraient effacées" if simuler else "Effacées"
    console.print(f"{verb} (conservation : {months} mois, avant le {limit}) :", highlight=False)
    console.print(f"  coordonnées de déclarants de signalements clos : {erased.reporters}", highlight=False)
    console.print(f"  colonnes personnelles de lignes rejetées : {erased.rejected_rows}", highlight=False)
    console.print(
        f"  descriptions de signalements clos (téléphones, e-mails, noms…) : {erased.descriptions}",
        highlight=False,
    )
    if erased.open_kept:
        console.print(
            open_kept_words(erased.open_kept, f"reçu avant le {limit}", f"reçus avant le {limit}") + ".",
            highlight=False,
        )


def _forget_reporter(settings: Settings, number: str, reason: str, json_out: bool) -> None:
    """Erase one reporter's contact details at their request (``--signalement``)."""
    found = re.fullmatch(r"(?:SIG-)?(\d+)", number.strip(), re.IGNORECASE)
    if found is None:
        raise typer.BadParameter(
            f"« {number} » : un numéro de signalement (123 ou SIG-123).", param_hint="--signalement"
        )
    if not reason.strip():
        raise typer.BadParameter(
            "dites pourquoi (« demande du déclarant du 02/12 »), pour le journal.", param_hint="--motif"
        )
    report = int(found.group(1))
    with connect(settings) as conn:
        erased = personal.erase_reporter(conn, report, actor=cli_actor(), reason=reason.strip())
        conn.commit()
    if json_out:
        print_json({"signalement": report, "efface": erased})
        return
    said = "effacées" if erased else "aucune coordonnée n'était gardée (rien à effacer)"
    console.print(f"Signalement SIG-{report} : coordonnées du déclarant {said} ; noté au journal.", highlight=False)
