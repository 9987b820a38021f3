"""``hotspots digest`` (the digest of a network or a section) and ``hotspots reseaux`` (the networks)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from service.cli.common import JsonOut, cli_actor, console, database, print_json, print_written, settings_of, working
from service.cli.fit import fitted
from service.errors import InputFileError, InvalidValueError
from service.mail import check_mail_settings
from service.settings import Settings
from service.text import counted

if TYPE_CHECKING:
    from service.prevention.issuing import IssueOptions

app = typer.Typer(
    help="Réseaux d'information de quartier (prévention) : les enregistrer, les lister, leurs nouveautés."
)

FORMATS = ("html", "pdf")

#: The network a command is about, named or numbered.
NetworkArg = Annotated[str, typer.Argument(help="Réseau (nom ou numéro).")]


def _formats(text: str) -> list[str]:
    chosen = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise InvalidValueError(
            f"format de bilan inconnu : « {', '.join(unknown) or text} »", hint="html, pdf ou html,pdf"
        )
    return list(dict.fromkeys(chosen))


def digest(
    ctx: typer.Context,
    reseau: str | None = typer.Option(None, "--reseau", help="Réseau (nom ou numéro)."),
    section: str | None = typer.Option(None, "--section", help="Ou une section de commune (Ougrée, Plainevaux…)."),
    tous: bool = typer.Option(
        False,
        "--tous",
        help="Ou chaque réseau actif, sauf ceux dont le bilan de la période est déjà noté comme envoyé (un envoi "
        "mensuel par une minuterie du système : --tous --periode mois-dernier --envoyer).",
    ),
    periode: str = typer.Option(
        ...,
        "--periode",
        help="Mois (2026-10), trimestre (2026-T4), année (2026), ou mois-dernier, trimestre-dernier, annee-derniere.",
    ),
    out: Path = typer.Option(Path(), "--out", help="Dossier où écrire le bilan (HTML et PDF)."),
    formats: str = typer.Option("html,pdf", "--formats", help="html, pdf ou html,pdf."),
    brouillon: bool = typer.Option(
        False, "--brouillon", help="Ne pas noter le bilan comme envoyé (les nouveautés partent du dernier envoyé)."
    ),
    envoyer: bool = typer.Option(
        False,
        "--envoyer",
        help="Envoyer aussi le bilan par e-mail au coordinateur du réseau (HTML, PDF joint ; réglages "
        "HOTSPOTS_SMTP_*). Noté comme envoyé seulement si le serveur d'envoi l'a accepté.",
    ),
    json_out: bool = typer.Option(False, "--json", help="Le bilan en JSON (rien n'est écrit ni noté)."),
) -> None:
    """Bilan d'un réseau de quartier (ou d'une section, ou de chaque réseau) pour une période, en HTML et PDF.

    Points sensibles et axes avec leur tendance, ce que le service a fait, ce que les habitants peuvent faire, une
    petite carte ; sans aucune donnée personnelle ; les nombres sous le seuil de la carte publique sont « moins de
    k ». Le bilan est noté comme envoyé (départ des nouveautés), sauf avec --brouillon ; avec --envoyer, il part
    par e-mail au coordinateur du réseau."""
    from service.db.vocabulary import load_labels
    from service.prevention import digest_for
    from service.prevention.issuing import issue
    from service.prevention.render import digest_json

    settings = settings_of(ctx)
    chosen = _formats(formats)
    if envoyer and (brouillon or json_out):
        raise InvalidValueError(
            f"--envoyer avec {'--brouillon' if brouillon else '--json'} : un bilan envoyé est noté comme envoyé",
            hint="Relisez d'abord le bilan avec --brouillon, puis envoyez-le avec --envoyer seul.",
        )
    if tous and (reseau is not None or section is not None or json_out):
        given = "--reseau" if reseau is not None else "--section" if section is not None else "--json"
        raise InvalidValueError(
            f"--tous avec {given} : --tous fait le bilan de chaque réseau actif",
            hint="Donnez --tous seul, ou un réseau (--reseau) ou une section (--section).",
        )
    if envoyer:
        check_mail_settings(settings)  # before any work: the settings to give are named at once
    if tous:
        _every_network(settings, periode, chosen=chosen, out=out, envoyer=envoyer, brouillon=brouillon)
        return
    with database(settings) as conn:
        found = digest_for(conn, settings, load_labels(conn), period=periode, network=reseau, section=section)
        if json_out:
            print_json(digest_json(found))
            return
        done = issue(conn, settings, found, actor=cli_actor(), options=_options(chosen, out, envoyer, brouillon))
    console.print(f"[bold]{found.title}[/bold]", highlight=False)
    console.print(found.summary(), highlight=False)
    if found.empty:
        console.print("[yellow]Période sans données[/yellow] : le bilan le dit.", highlight=False)
    for note in found.notes[1:]:
        console.print(f"Note : {note}", highlight=False)
    print_written(done.files)
    if done.sent_to is not None:
        console.print(f"Bilan envoyé par e-mail au coordinateur ({done.sent_to}), PDF joint.", highlight=False)
    if done.recorded:
        console.print("Bilan noté comme envoyé : les prochaines nouveautés partent de lui.", highlight=False)


def _options(chosen: list[str], out: Path, envoyer: bool, brouillon: bool) -> IssueOptions:
    """The command's options as the issuing takes them, its long steps said with a spinner."""
    from service.prevention.issuing import IssueOptions

    return IssueOptions(formats=chosen, out=out, send=envoyer, record=not brouillon, step=working)


def _every_network(
    settings: Settings, periode: str, *, chosen: list[str], out: Path, envoyer: bool, brouillon: bool
) -> None:
    """``digest --tous``: each active network's digest in turn (:func:`service.prevention.issuing
    .issue_every_network`); a table says what became of each; the exit status is 1 if any was refused."""
    from service.db.vocabulary import load_labels
    from service.prevention.issuing import issue_every_network
    from service.prevention.period import parse_period

    period = parse_period(
        periode, zone=settings.timezone
    )  # once: « mois-dernier » is the same month for every network of the run
    with database(settings) as conn:
        options = _options(chosen, out, envoyer, brouillon)
        outcomes = issue_every_network(conn, settings, load_labels(conn), period, actor=cli_actor(), options=options)
    if not outcomes:
        console.print("Aucun réseau actif : rien à faire (hotspots reseaux ajouter …).", highlight=False)
        return
    table = Table(title=f"Bilans de {counted(len(outcomes), 'réseau', 'réseaux')} — {period.label}")
    for column in ("réseau", "bilan", "e-mail", "noté comme envoyé"):
        table.add_column(column)
    for done in outcomes:
        kinds = ", ".join(f.suffix.lstrip(".").upper() for f in done.files)
        state = "non fait (motif ci-dessous)" if done.error else done.skipped or f"écrit ({kinds or 'aucun fichier'})"
        mailed = f"envoyé à {done.sent_to}" if done.sent_to and not done.error else "—"
        noted = "oui" if done.recorded else "déjà" if done.skipped else "non" if done.error else "non (brouillon)"
        table.add_row(done.name, state, mailed, noted)
    console.print(fitted(table))
    written = [f for done in outcomes for f in done.files]
    if written:
        console.print(
            f"{counted(len(written), 'fichier écrit', 'fichiers écrits')} dans {written[0].parent}", highlight=False
        )
    failed = [d for d in outcomes if d.error]
    for done in failed:
        console.print(f"[red]{escape(done.name)}[/red] : {escape(done.error or '')}", highlight=False)
    if failed:
        console.print(
            f"{counted(len(failed), 'bilan non fait', 'bilans non faits')}, les autres sont faits. Corrigez puis "
            "relancez la même commande : les bilans déjà notés comme envoyés sont passés.",
            highlight=False,
        )
        raise typer.Exit(1)


@app.command("liste")
def list_networks(ctx: typer.Context, json_out: JsonOut = False) -> None:
    """Les réseaux enregistrés (sans les coordonnées des coordinateurs)."""
    from service.prevention.networks import list_networks as networks

    with database(settings_of(ctx)) as conn:
        rows = networks(conn)
    if json_out:
        print_json([{k: v for k, v in r.items() if k != "geom"} for r in rows])
        return
    table = Table(title="Réseaux d'information de quartier")
    for column in ("n°", "nom", "zone", "commune", "surface", "dernier bilan envoyé"):
        table.add_column(column)
    for r in rows:
        spec = r["area_spec"] or {}
        zone = {"polygone": "polygone", "section": f"section {spec.get('section')}"}.get(
            r["area_kind"], counted(len(spec.get("rues", [])), "rue")
        )
        last = f"{r['last_digest']:%d/%m/%Y}" if r["last_digest"] else "—"
        surface = f"{r['area_m2'] / 1e4:.1f} ha".replace(".", ",")
        table.add_row(str(r["id"]), r["name"], zone, r["commune"] or "", surface, last)
    console.print(fitted(table))


@app.command("ajouter")
def add_network(
    ctx: typer.Context,
    nom: str = typer.Argument(..., help="Nom du réseau (unique)."),
    polygone: Path | None = typer.Option(None, "--polygone", help="Zone : fichier GeoJSON d'un polygone (WGS84)."),
    rues: str | None = typer.Option(None, "--rues", help="Zone : rues séparées par des virgules (noms officiels)."),
    section: str | None = typer.Option(None, "--section", help="Zone : une section de commune."),
    commune: str | None = typer.Option(None, "--commune", help="Commune des rues (si un nom existe dans les deux)."),
    coordinateur: str | None = typer.Option(None, "--coordinateur", help="Nom du coordinateur (donnée personnelle)."),
    telephone: str | None = typer.Option(None, "--telephone", help="Téléphone du coordinateur."),
    email: str | None = typer.Option(None, "--email", help="E-mail du coordinateur."),
) -> None:
    """Enregistre un réseau : son nom, sa zone (polygone, liste de rues ou section) et son coordinateur (gardé à
    part, lu seulement avec un motif)."""
    from service.prevention.networks import Coordinator, register_network

    settings = settings_of(ctx)
    data: Any = None
    if polygone is not None:
        try:
            data = json.loads(polygone.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputFileError(
                f"{polygone.name} : fichier GeoJSON illisible ({exc}).", hint="Rien n'a été enregistré."
            ) from exc
    with database(settings) as conn:
        network_id = register_network(
            conn,
            settings,
            nom,
            polygon=data,
            streets=rues.split(",") if rues else None,
            section=section,
            commune=commune,
            coordinator=Coordinator(coordinateur, telephone, email),
            actor=cli_actor(),
        )
        conn.commit()
    console.print(f"Réseau n° {network_id} « {nom.strip()} » enregistré.", highlight=False)


@app.command("nouveautes")
def news(
    ctx: typer.Context,
    reseau: NetworkArg,
    json_out: JsonOut = False,
) -> None:
    """Ce qui a changé dans la zone du réseau depuis le dernier bilan envoyé : nouveaux points sensibles et axes,
    ceux qui s'aggravent, ceux qui sont résolus (à transmettre aux membres)."""
    from service.db.vocabulary import load_labels
    from service.prevention import news_since_last_digest

    settings = settings_of(ctx)
    with database(settings) as conn:
        found, result = news_since_last_digest(conn, settings, load_labels(conn), network=reseau)
    if json_out:
        print_json(result.to_json())
        return
    since = f"depuis le bilan envoyé le {result.since:%d/%m/%Y}" if result.since else "(aucun bilan envoyé jusqu'ici)"
    console.print(f"[bold]Réseau « {found.scope.name} »[/bold] — nouveautés {since}", highlight=False)
    for title, items in (("Nouveaux", result.new), ("En aggravation", result.worse), ("Résolus", result.resolved)):
        console.print(f"{title} : {len(items) or 'aucun'}", highlight=False)
        for item in items:
            console.print(f"  • {item['id']} {item['lieu']} — {item['pourquoi']}", highlight=False)


@app.command("coordinateur")
def coordinator(
    ctx: typer.Context,
    reseau: NetworkArg,
    motif: str = typer.Option(..., "--motif", help="Pourquoi ces données personnelles sont lues (journalisé)."),
) -> None:
    """Les coordonnées du coordinateur d'un réseau (donnée personnelle : la lecture est inscrite au journal)."""
    from service.db.personal import network_coordinator
    from service.prevention.networks import find_network

    if len(motif.strip()) < 5:
        raise InvalidValueError(
            "motif trop court", hint="Dites pourquoi vous lisez ces coordonnées (5 caractères au moins)."
        )
    with database(settings_of(ctx)) as conn:
        network = find_network(conn, reseau)
        contact = network_coordinator(conn, int(network["id"]), actor=cli_actor(), reason=motif.strip())
        conn.commit()
    if contact is None:
        console.print(f"Aucun coordinateur enregistré pour « {network['name']} ».", highlight=False)
        return
    for key, label in (("nom", "Nom"), ("telephone", "Téléphone"), ("email", "E-mail")):
        console.print(f"{label} : {contact.get(key) or '—'}", highlight=False)


@app.command("coordonnees")
def set_coordinator(
    ctx: typer.Context,
    reseau: NetworkArg,
    nom: str | None = typer.Option(None, "--nom", help="Nom du coordinateur (inchangé si absent)."),
    telephone: str | None = typer.Option(None, "--telephone", help="Téléphone (inchangé si absent)."),
    email: str | None = typer.Option(None, "--email", help="E-mail, où partent les bilans (inchangé si absent)."),
) -> None:
    """Enregistre ou corrige les coordonnées du coordinateur d'un réseau (donnée personnelle, gardée à part ; la
    modification est inscrite au journal)."""
    from service.prevention.networks import find_network, update_coordinator

    if nom is None and telephone is None and email is None:
        raise InvalidValueError("rien à changer", hint="Donnez --nom, --telephone ou --email.")
    with database(settings_of(ctx)) as conn:
        network = find_network(conn, reseau)
        update_coordinator(conn, int(network["id"]), name=nom, phone=telephone, email=email, actor=cli_actor())
        conn.commit()
    console.print(f"Coordonnées du coordinateur de « {network['name']} » enregistrées.", highlight=False)
