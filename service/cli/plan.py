"""``hotspots plan``: plan a shift and write its field pack; ``hotspots tournees``: list plans, export one again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from service.cli.common import JsonOut, cli_actor, console, database, number, print_json, settings_of, working
from service.cli.fit import fitted
from service.db.personal import audit
from service.export.sheet import break_span, meeting_words
from service.export.values import local_time
from service.plan import Filters, ShiftRequest, StoredPlan, cancel_plan, list_plans, load_plan, parse_duration
from service.plan.candidates import motives_counted
from service.plan.model import (
    DEFAULT_STATES,
    KIND_LABELS,
    MODE_LABELS,
    left_out_why,
    parse_appointments,
    parse_pause_at,
    parse_start_time,
    since_date,
)
from service.plan.modes import check_mode
from service.plan.places import parse_coordinates
from service.plan.shift import plan_shift, store_plan
from service.settings import Settings
from service.text import plural

FORMATS = ("csv", "xlsx", "geojson", "gpx", "pdf")

tournees_app = typer.Typer(
    help="Tournées planifiées : les lister, en réécrire les fichiers, en annuler une.",
    no_args_is_help=False,
    invoke_without_command=True,
)


def _list(values: list[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for value in values or []:
        out += [v.strip() for v in value.split(",") if v.strip()]
    return tuple(out)


def _formats(text: str) -> list[str]:
    from service.export import parse_formats

    return list(parse_formats(text))


def _geocoder_if_needed(conn: Any, *places: str | None) -> Any:
    """The offline geocoder, built only when a place is an address (a few seconds on the province's register)."""
    if all(p is None or parse_coordinates(p) is not None for p in places):
        return None
    from service.geocode.apply import batch_geocoder

    found = batch_geocoder(conn)
    return found.geocoder if found is not None else None


def write_files(conn: Any, settings: Settings, stored: StoredPlan, out: Path, formats: list[str]) -> list[Path]:
    """The plan's field pack in ``out`` (one file per format), logged in the access log."""
    from service.db.vocabulary import load_labels
    from service.export import load_sheet_background, write_pack
    from service.export.sheet import sheet_from_plan

    sheet = sheet_from_plan(stored, load_labels(conn), zone=settings.timezone, base_url=settings.export_base_url)
    background = load_sheet_background(conn, settings, sheet) if "pdf" in formats else None
    paths = write_pack(sheet, out, formats, background=background)
    audit(conn, cli_actor(), "export_tournee", tournee=stored.plan_id, formats=formats, arrets=len(stored.stops))
    return paths


def _outcome_words(conn: Any) -> dict[str, str]:
    """Visit outcomes' French labels by code (for a stored plan's results)."""
    from service.db.vocabulary import load_labels

    return load_labels(conn).outcomes


def _result_cell(stop: dict[str, Any], outcomes: dict[str, str] | None, now: datetime) -> str:
    """A stop's result for the table: the outcome's label, « à venir » for a stop of a shift under way not yet
    reached (its planned arrival after ``now``), else « non fait »."""
    code = stop.get("done_outcome")
    if code is None or (isinstance(code, float) and code != code):
        return "à venir" if stop["arrival"] > now else "non fait"
    return (outcomes or {}).get(str(code), str(code))


def _appointment_cell(stop: dict[str, Any], zone: str) -> str:
    """A stop's appointment for the table (« 10:30 » in ``zone``, with the wait before it), empty without one."""
    words = meeting_words(local_time(stop.get("appointment_at"), zone), local_time(stop.get("appointment_until"), zone))
    if words is None:
        return ""
    wait = float(stop["wait_minutes"])
    return words + (f", attente {number(wait)} min" if wait >= 1 else "")


def _say_break(table: Table, stop: dict[str, Any], words: str, meetings: bool, zone: str) -> None:
    """A line of the team's table for its break, at the hour it starts (in ``zone``)."""
    starts = break_span(stop, zone)[0]
    table.add_row("", f"{starts:%H:%M}", *([""] if meetings else []), "", "", "", words)


def show_plan(
    stored: StoredPlan,
    paths: list[Path] | None = None,
    *,
    zone: str,
    outcomes: dict[str, str] | None = None,
    wait_days: int | None = None,
    now: datetime | None = None,
) -> None:
    """The plan as a person reads it in a terminal (times in ``zone``, the service's time zone): one table per
    team, the comparison, what was left out; with ``outcomes`` (code → label) and results already in, each stop's
    result; with ``wait_days`` (``plan_sheet_wait_days``), whether its sheet is still to come back."""
    facts = stored.facts
    summary = facts.get("summary") or {}
    cancelled = facts.get("cancelled_at")
    now = now or datetime.now(UTC)
    if cancelled is not None:
        console.print(
            f"[yellow]Annulée[/yellow] le {cancelled.astimezone(ZoneInfo(zone)):%d/%m/%Y à %H:%M} par "
            f"{facts.get('cancelled_by') or '?'} : ses sites sont libres pour une autre tournée.",
            highlight=False,
        )
    elif wait_days is not None:
        sheet = sheet_line(stored, zone=zone, wait_days=wait_days, now=now)
        if sheet:
            console.print(sheet, highlight=False)
    console.print(
        f"[bold]Tournée n° {facts['id']}[/bold] — {facts['starts_at'].astimezone(ZoneInfo(zone)):%d/%m/%Y %H:%M}, "
        f"{number(float(facts['budget_minutes']) / 60, 1)} h"
        + (f" dont {number(float(facts['pause_minutes']))} min de pause" if float(facts["pause_minutes"]) else "")
        + (f" vers {facts['pause_at'].astimezone(ZoneInfo(zone)):%H:%M}" if facts.get("pause_at") else "")
        + f", {facts['teams']} {plural(int(facts['teams']), 'équipe')} {MODE_LABELS.get(facts['mode'], facts['mode'])}"
        + f", départ {facts['start_label']}",
        highlight=False,
    )
    team_minutes = summary.get("equipes_minutes", [])
    meetings = bool(stored.stops["appointment_at"].notna().any())  # a column of appointments only when there are
    for team, stops in stored.stops.groupby("team", sort=True):
        table = Table(title=f"Équipe {team} — {number(team_minutes[int(team) - 1], 1) if team_minutes else '?'} min")
        results = outcomes is not None and bool(stored.stops["visit_id"].notna().any())
        columns = ["n°", "arrivée", *(["rendez-vous"] if meetings else []), "arrêt", "site", "type", "lieu"]
        for column in [*columns, "priorité", "trajet", "sur place", *(["résultat"] if results else [])]:
            table.add_column(column)
        for s in stops.to_dict("records"):
            done = _result_cell(s, outcomes, now) if results else None
            if float(s["pause_before_minutes"]) > 0:  # the team rests on arrival, before its first stop's window
                _say_break(
                    table, s, f"pause de {number(float(s['pause_before_minutes']))} min à l'arrivée", meetings, zone
                )
            table.add_row(
                str(s["ord"]),
                f"{s['arrival'].astimezone(ZoneInfo(zone)):%H:%M}",
                *([_appointment_cell(s, zone)] if meetings else []),
                s["ref"],
                s["site_id"],
                KIND_LABELS.get(s["site_kind"], s["site_kind"]),
                s["label"] or "",
                number(float(s["value"]), 1),
                f"{number(float(s['travel_minutes']))} min",
                f"{number(float(s['service_minutes']))} min",
                *([done] if done is not None else []),
            )
            if float(s["pause_after_minutes"]) > 0:  # the team's break, where it falls
                _say_break(table, s, f"pause de {number(float(s['pause_after_minutes']))} min", meetings, zone)
        console.print(fitted(table))
    value, naive = float(facts["value"]), float(facts["naive_value"])
    gain = f" (+{number((value / naive - 1) * 100)} %)" if naive > 0 and value > naive else ""
    console.print(
        f"Valeur collectée : {number(value, 1)}{gain} ; plan naïf (les plus prioritaires d'abord, au plus proche) : "
        f"{number(naive, 1)}. Temps de l'équipe la plus chargée : {number(float(facts['minutes']))} min sur "
        f"{number(float(facts['budget_minutes']))}.",
        highlight=False,
    )
    dropped = stored.dropped
    if len(dropped):
        why = left_out_why(dropped["reason"])
        console.print(
            f"{len(dropped)} {plural(len(dropped), 'site laissé', 'sites laissés')} de côté."
            + (f" {why}" if why else "")
            + " Les plus prioritaires :",
            highlight=False,
        )
        for d in dropped.head(5).to_dict("records"):
            console.print(f"  • {d['site_id']} {d['label'] or ''} : {d['reason']}", highlight=False)
    excluded = summary.get("ecartes", [])
    if excluded:
        console.print(
            f"{len(excluded)} {plural(len(excluded), 'site écarté', 'sites écartés')} avant le calcul : "
            f"{_excluded_words(excluded)}.",
            highlight=False,
        )
    for note in summary.get("notes", []):
        console.print(f"[yellow]Note[/yellow] : {note}", highlight=False)
    for path in paths or []:
        console.print(f"Écrit : {path}", highlight=False)


def sheet_line(stored: StoredPlan, *, zone: str, wait_days: int, now: datetime) -> str | None:
    """For a shift over with no visit recorded: its sheet is still to come back, and its sites are held for it
    until when (service/plan/candidates.py); None for any other shift."""
    facts = stored.facts
    ends = facts["starts_at"] + timedelta(minutes=float(facts["budget_minutes"]))
    if ends > now or bool(stored.stops["visit_id"].notna().any()):
        return None
    free = ends + timedelta(days=wait_days)
    held = (
        f"ses sites non visités restent réservés jusqu'au {free.astimezone(ZoneInfo(zone)):%d/%m/%Y à %H:%M}"
        if free > now
        else f"ses sites sont de nouveau libres depuis le {free.astimezone(ZoneInfo(zone)):%d/%m/%Y à %H:%M}"
    )
    return (
        f"Feuille à rentrer : aucune visite enregistrée depuis la fin de la tournée "
        f"({ends.astimezone(ZoneInfo(zone)):%d/%m/%Y à %H:%M}). Importez la feuille remplie (hotspots ingest visits "
        f"FICHIER) ; {held}."
    )


def _excluded_words(excluded: list[dict[str, Any]]) -> str:
    """Why sites were left out before the computation, counted by motive: « 11 visités récemment, 1 fermé pendant
    la tournée (Noël, jour férié) » (the motives keep « (s) », agreed here; a plan stored before the motives were:
    by its reasons in full)."""
    return motives_counted(e.get("motive") or e["reason"] for e in excluded)


def plan(
    ctx: typer.Context,
    duree: str = typer.Option(..., "--duree", help="Durée de la tournée : 4h, 3h30, 90min."),
    pause: str | None = typer.Option(
        None, "--pause", help="Pause de chaque équipe, à mi-tournée, comprise dans la durée : 30min, 1h."
    ),
    pause_vers: str | None = typer.Option(
        None, "--pause-vers", help="Heure de la pause au lieu de la mi-tournée : 12h (après l'arrêt en cours)."
    ),
    depart: str | None = typer.Option(
        None, "--depart", help="Adresse de départ (géocodée) ou « lon, lat » ; défaut : réglage HOTSPOTS_PLAN_STATION."
    ),
    arrivee: str | None = typer.Option(None, "--arrivee", help="Adresse d'arrivée ; défaut : retour au départ."),
    debut: str | None = typer.Option(
        None,
        "--debut",
        help="Début : 2026-12-02 08:00, 02/12/2026 8h, demain 8h ou 14h30 ; défaut : prochain quart d'heure.",
    ),
    equipes: int = typer.Option(1, "--equipes", help="Nombre d'équipes (chacune sa tournée, aucun site deux fois)."),
    rdv: list[str] | None = typer.Option(
        None,
        "--rdv",
        help="Rendez-vous : le site et l'heure ou la plage, « PS-0003 10h30 », « PER-12 entre 9h et 11h » "
        "(répétable) ; la tournée y passe, quels que soient les filtres.",
    ),
    mode: str = typer.Option("voiture", "--mode", help="Déplacement : voiture, velo ou pied."),
    categorie: list[str] | None = typer.Option(None, "--categorie", help="Catégorie(s) (code ou libellé ; répétable)."),
    lieu: list[str] | None = typer.Option(None, "--lieu", help="Commune, section ou code postal (répétable)."),
    etat: list[str] | None = typer.Option(
        None, "--etat", help="État(s) des points et axes ; défaut : nouveau, actif, reouvert."
    ),
    surveilles: bool = typer.Option(False, "--surveilles", help="Prendre aussi les sites « surveillés »."),
    types: str | None = typer.Option(
        None,
        "--types",
        help="Types de sites : point_sensible,axe,signalement,suivi,permis (défaut : les quatre premiers ; "
        "permis = contrôles de permis, sur demande).",
    ),
    non_visite_depuis: str | None = typer.Option(
        None, "--non-visite-depuis", help="Sites pas visités depuis cette date (AAAA-MM-JJ ou JJ/MM/AAAA)."
    ),
    priorite_min: float | None = typer.Option(None, "--priorite-min", help="Priorité minimale."),
    graine: int = typer.Option(1, "--graine", help="Graine du calcul (même graine, même tournée)."),
    temps_calcul: float | None = typer.Option(
        None, "--temps-calcul", help="Temps de calcul maximal (secondes ; défaut : réglage, 2 s)."
    ),
    out: Path | None = typer.Option(None, "--out", help="Dossier où écrire les fichiers de la tournée."),
    formats: str = typer.Option(",".join(FORMATS), "--formats", help="Formats : csv,xlsx,geojson,gpx,pdf."),
    json_out: JsonOut = False,
) -> None:
    """Choisit et ordonne les sites d'une tournée dans la durée donnée, et écrit la liste à emporter."""
    settings = settings_of(ctx)
    chosen_formats = _formats(formats)
    states = _list(etat) or DEFAULT_STATES
    if surveilles and "surveille" not in states:
        states = (*states, "surveille")
    kinds = _list([types]) if types else Filters().kinds  # codes or labels: the plan stage checks them
    since = since_date(non_visite_depuis, settings.timezone)
    starts_at = parse_start_time(debut, settings.timezone)
    request = ShiftRequest(
        starts_at=starts_at,
        appointments=parse_appointments(";".join(rdv or []), starts_at),
        budget_minutes=parse_duration(duree),
        pause_minutes=parse_duration(pause, what="pause") if pause else 0.0,
        pause_at=parse_pause_at(pause_vers, starts_at),
        start=depart,
        end=arrivee,
        mode=check_mode(mode),
        teams=equipes,
        filters=Filters(
            categories=_list(categorie),
            places=_list(lieu),
            states=states,
            kinds=kinds,
            not_visited_since=since,
            min_value=priorite_min,
        ),
        seed=graine,
        time_limit_s=temps_calcul,
        created_by=cli_actor(),
    )
    with database(settings) as conn:
        with working("Calcul de la tournée…"):
            geocoder = _geocoder_if_needed(conn, depart or settings.plan_station, arrivee)
            stored = store_plan(conn, plan_shift(conn, settings, request, geocoder=geocoder))
        paths = write_files(conn, settings, stored, out, chosen_formats) if out else []
    if json_out:
        from service.plan import summary_json

        print_json({**summary_json(stored), "files": [str(p) for p in paths]})
        return
    show_plan(stored, paths, zone=settings.timezone)
    hint = None if debut else night_hint(starts_at, request.budget_minutes)
    if hint:
        console.print(f"[yellow]Note[/yellow] : {hint}", highlight=False)


#: The night, when a shift nobody asked for is most likely a mistake (the default start is the next quarter hour).
NIGHT_HOURS = (22, 6)


def night_hint(starts_at: datetime, minutes: float) -> str | None:
    """What to type when the default start (the next quarter hour) put the shift at night: the plan was made for
    « now », and an officer who runs it in the evening wants tomorrow morning's."""
    ends_at = starts_at + timedelta(minutes=minutes)
    late, early = NIGHT_HOURS
    hour = starts_at.replace(minute=0, second=0, microsecond=0)
    while hour < ends_at:
        if hour.hour >= late or hour.hour < early:
            return (
                f"sans --debut, la tournée part au prochain quart d'heure : de {starts_at:%H:%M} à "
                f'{ends_at:%H:%M}, de nuit. Pour demain matin : --debut "demain 8h" (ou une date et une heure).'
            )
        hour += timedelta(hours=1)
    return None


@tournees_app.callback()
def tournees(
    ctx: typer.Context,
    numero: int | None = typer.Option(None, "--numero", help="Une tournée : son détail (et ses fichiers avec --out)."),
    out: Path | None = typer.Option(None, "--out", help="Dossier où réécrire les fichiers de la tournée --numero."),
    formats: str = typer.Option(",".join(FORMATS), "--formats", help="Formats : csv,xlsx,geojson,gpx,pdf."),
    json_out: JsonOut = False,
) -> None:
    """Liste les dernières tournées, ou montre (et réécrit) l'une d'elles avec les résultats déjà rentrés."""
    if ctx.invoked_subcommand is not None:
        return
    settings = settings_of(ctx)
    with database(settings) as conn:
        if numero is None:
            rows = list_plans(conn)
            if json_out:
                print_json(rows)
                return
            table = Table(title="Tournées")
            for column in ("n°", "début", "durée", "équipes", "départ", "arrêts", "faits", "valeur", "par", "état"):
                table.add_column(column)
            for r in rows:
                table.add_row(
                    str(r["id"]),
                    f"{r['starts_at']:%d/%m/%Y %H:%M}",
                    f"{number(float(r['budget_minutes']) / 60, 1)} h",
                    str(r["teams"]),
                    r["start_label"],
                    str(r["stops"]),
                    str(r["done"]),
                    number(float(r["value"]), 1),
                    r["created_by"],
                    r["state"],
                )
            console.print(fitted(table))
            return
        stored = load_plan(conn, numero)
        paths = write_files(conn, settings, stored, out, _formats(formats)) if out else []
        outcomes = _outcome_words(conn)
    if json_out:
        from service.plan import summary_json

        print_json({**summary_json(stored), "files": [str(p) for p in paths]})
        return
    show_plan(stored, paths, zone=settings.timezone, outcomes=outcomes, wait_days=settings.plan_sheet_wait_days)


@tournees_app.command("annuler")
def annuler(ctx: typer.Context, numero: int = typer.Argument(..., help="Le numéro de la tournée.")) -> None:
    """Annule une tournée (replanifiée autrement, ou décommandée) : elle reste dans la liste, sort du bilan
    d'activité, et ses sites redeviennent libres pour une autre tournée. Une tournée dont des visites sont
    enregistrées a eu lieu : elle ne s'annule pas."""
    settings = settings_of(ctx)
    with database(settings) as conn:
        when = cancel_plan(conn, numero, actor=cli_actor())
        audit(conn, cli_actor(), "annulation_tournee", tournee=numero)
        conn.commit()
    console.print(
        f"Tournée n° {numero} annulée le {when.tz_convert(settings.timezone):%d/%m/%Y à %H:%M} : ses sites sont libres "
        "pour une autre tournée.",
        highlight=False,
    )
