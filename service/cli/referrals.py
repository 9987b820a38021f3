"""``hotspots renvois``: refer a report or a site to the Mediation service or a partner, confirm the proposals of
the rules, withdraw, list and export."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import pandas as pd
import psycopg
import typer
from rich.table import Table

from service.cli.common import JsonOut, cli_actor, console, database, print_json, print_written, settings_of
from service.cli.fit import fitted
from service.db.personal import audit
from service.text import counted

if TYPE_CHECKING:
    from service.referrals import Decision

T = TypeVar("T")

app = typer.Typer(
    help="Renvois vers la médiation ou un partenaire : renvoyer, confirmer une proposition, retirer, lister."
)

Target = Annotated[str, typer.Argument(help="Signalement (123 ou SIG-123), point sensible (PS-0001) ou axe (AX-0003).")]
Recipient = Annotated[str, typer.Option("--vers", help="Destinataire : mediation, commune_proprete, intercommunale…")]
Reason = Annotated[str, typer.Option("--motif", help="Pourquoi (inscrit au journal).")]
Number = Annotated[int, typer.Argument(help="Numéro du renvoi (ou de la proposition).")]


@app.command("renvoyer")
def refer_cmd(ctx: typer.Context, cible: Target, vers: Recipient, motif: Reason) -> None:
    """Renvoie un signalement ou un site : ses signalements sortent des comptes des points sensibles et des axes
    (à la prochaine analyse) et restent dans l'historique ; qui, quand, pourquoi et à qui vont au journal."""
    from service.referrals import parse_target, refer

    settings = settings_of(ctx)
    target = parse_target(cible)
    with database(settings) as conn:
        number = refer(conn, settings, target, vers, motif, actor=cli_actor())
        conn.commit()
    console.print(f"Renvoi n° {number} enregistré : {target.site_id}.", highlight=False)


def _decide(
    ctx: typer.Context, decide: Callable[[psycopg.Connection[Any], int, Decision], T], number: int, reason: str | None
) -> T:
    """Take a decision on referral ``number`` as the person at the terminal, in one transaction."""
    from service.referrals import Decision

    with database(settings_of(ctx)) as conn:
        done = decide(conn, number, Decision(cli_actor(), reason))
        conn.commit()
    return done


@app.command("confirmer")
def confirm_cmd(
    ctx: typer.Context,
    numero: Number,
    motif: Annotated[str | None, typer.Option("--motif", help="Motif à la place de celui de la règle.")] = None,
) -> None:
    """Confirme une proposition de renvoi faite par une règle à l'import."""
    from service.referrals import confirm

    _decide(ctx, confirm, numero, motif)
    console.print(f"Renvoi n° {numero} confirmé.", highlight=False)


@app.command("retirer")
def withdraw_cmd(ctx: typer.Context, numero: Number, motif: Reason) -> None:
    """Retire un renvoi (ses signalements reviennent dans les comptes à la prochaine analyse) ou refuse une
    proposition."""
    from service.referrals import STATUS_LABELS, withdraw

    status = _decide(ctx, withdraw, numero, motif)
    console.print(f"Renvoi n° {numero} : {STATUS_LABELS[status].lower()}.", highlight=False)


@app.command("propositions")
def proposals_cmd(ctx: typer.Context, json_out: JsonOut = False) -> None:
    """Applique les règles de renvoi à tous les signalements (ceux placés depuis leur import compris) et liste les
    propositions qui attendent une décision."""
    from service.referrals import list_referrals, propose_referrals

    settings = settings_of(ctx)
    with database(settings) as conn:
        made = propose_referrals(conn, settings)
        conn.commit()
        frame = list_referrals(conn, statuses=("propose",))
    if json_out:
        print_json({"nouvelles": made, "propositions": frame.drop(columns=["geom"]).to_dict("records")})
        return
    console.print(
        f"{counted(made, 'nouvelle proposition', 'nouvelles propositions')} ; {len(frame)} en attente.", highlight=False
    )
    _table(frame, "Propositions de renvoi (à confirmer ou refuser)", settings.timezone)


def _table(frame: object, title: str, zone: str) -> None:
    from service.referrals import STATUS_LABELS, TARGET_LABELS
    from service.referrals.sheet import proposer as _proposer

    table = Table(title=title)
    for column in ("n°", "état", "objet", "lieu", "vers", "motif", "date", "par"):
        table.add_column(column)
    for r in frame.to_dict("records"):  # type: ignore[attr-defined]
        when = r["referred_at"] if r["referred_at"] is not None else r["proposed_at"]
        site = f"SIG-{r['target_id']}" if r["target_kind"] == "signalement" else r["target_id"]
        table.add_row(
            str(r["id"]),
            STATUS_LABELS.get(r["status"], r["status"]),
            f"{TARGET_LABELS.get(r['target_kind'], '')} {site}",
            r["label"] or "",
            r["recipient_label"],
            r["reason"],
            "" if when is None else f"{pd.Timestamp(when).tz_convert(zone):%d/%m/%Y}",
            r["referred_by"] or _proposer(r["proposed_by"]) or "",
        )
    console.print(fitted(table))


@app.command("liste")
def list_cmd(
    ctx: typer.Context,
    etat: list[str] | None = typer.Option(None, "--etat", help="propose, actif, retire, refuse (répétable)."),
    vers: str | None = typer.Option(None, "--vers", help="Un destinataire."),
    out: Path | None = typer.Option(None, "--out", help="Dossier où écrire la liste (renvois.*)."),
    formats: str = typer.Option("csv,xlsx,pdf", "--formats", help="Formats : csv,xlsx,geojson,gpx,pdf."),
    json_out: JsonOut = False,
) -> None:
    """Les renvois, du plus récent au plus ancien ; avec --out, la liste dans les mêmes formats que la liste des
    sites (export journalisé)."""
    from service.db.vocabulary import load_labels
    from service.export import parse_formats, write_sheet_pack
    from service.referrals import list_referrals, resolve_recipient
    from service.referrals.sheet import referral_sheet

    settings = settings_of(ctx)
    chosen = list(parse_formats(formats))
    states = tuple(s.strip() for value in etat or [] for s in value.split(",") if s.strip())
    with database(settings) as conn:
        recipient = resolve_recipient(conn, vers) if vers else None
        frame = list_referrals(conn, statuses=states, recipient=recipient)
        paths: list[Path] = []
        if out is not None:
            sheet = referral_sheet(frame, load_labels(conn), zone=settings.timezone, base_url=settings.export_base_url)
            paths = write_sheet_pack(conn, settings, sheet, out, chosen)
            audit(conn, cli_actor(), "export_renvois", formats=chosen, renvois=len(frame))
    if json_out:
        print_json({"renvois": frame.drop(columns=["geom"]).to_dict("records"), "fichiers": [str(p) for p in paths]})
        return
    _table(frame, f"Renvois ({len(frame)})", settings.timezone)
    print_written(paths)
