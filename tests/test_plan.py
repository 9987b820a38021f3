"""Planning shifts on the analysed demo data: choice, order, teams, filters, cool-down, storage, bad input, and the
outcomes of a filled-in sheet coming back in."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
import pandas as pd
import pypdf
import pytest
import shapely

from service.analyse.priority import OUTCOME_FACTOR
from service.cli.common import console
from service.db import connect
from service.db.vocabulary import load_labels
from service.errors import InvalidValueError, NotFoundError
from service.export import render
from service.export.sheet import sheet_from_plan
from service.geocode.apply import batch_geocoder
from service.ingest.pipeline import IngestOptions, ingest_file
from service.ingest.withdraw import withdraw_batch
from service.plan import Filters, ShiftRequest, load_plan, plan_shift, store_plan, summary_json
from service.plan.candidates import CandidateContext, load_candidates
from tests.helpers import NOW, cli_env, load_analysed_demo

#: The service's time zone in these tests (the settings' default).
ZONE = "Europe/Brussels"
BRUSSELS = ZoneInfo("Europe/Brussels")
START = datetime(2026, 11, 20, 8, 0, tzinfo=BRUSSELS)
STATION = "Place Communale 1, 4100 Seraing"


@pytest.fixture(scope="module")
def demo(settings, tmp_path_factory):
    return load_analysed_demo(settings, tmp_path_factory.mktemp("demo_plan"))


@pytest.fixture(scope="module")
def db(settings, demo):
    with connect(settings) as conn:
        yield conn


@pytest.fixture(scope="module")
def geocoder(db):
    found = batch_geocoder(db)
    assert found is not None
    return found.geocoder


def _shift(**options) -> ShiftRequest:
    return ShiftRequest(**{"starts_at": START, "budget_minutes": 240, "start": STATION, **options})


def test_candidates_put_points_axes_reports_and_follow_ups_on_one_scale(settings, db):
    context = CandidateContext(settings=settings, filters=Filters(), now=pd.Timestamp(NOW), labels=load_labels(db))
    candidates, excluded = load_candidates(db, context)
    kinds = set(candidates["kind"])
    # an axis whose reports all lie in a sensitive point is that point's street: the point is proposed instead
    covered = excluded[excluded["reason"].str.startswith("ses signalements sont ceux du point sensible PS-")]
    assert len(covered) and set(covered["kind"]) == {"axe"}
    assert set(covered["motive"]) == {"proposé(s) à travers un point sensible"}
    assert set(covered["site_id"]).isdisjoint(candidates["site_id"])
    assert {"point_sensible", "axe"} <= kinds
    assert candidates["value"].is_monotonic_decreasing
    for row in candidates.to_dict("records"):
        product = 1.0
        for factor in row["components"].values():
            product *= factor
        assert row["value"] == pytest.approx(product, rel=0.01, abs=1e-3), row[
            "site_id"
        ]  # the value is its factors' product
        assert row["reason"] and row["service_min"] > 0
    axes = candidates[candidates["kind"] == "axe"]
    for row in axes.to_dict("records"):  # an axis is walked: 4 km/h plus 5 minutes
        assert row["service_min"] == pytest.approx(row["line"].length / (4000 / 60) + 5, abs=0.01)
        assert row["entry"].equals(shapely.Point(row["line"].coords[0]))


def test_a_shift_collects_more_than_the_naive_plan_within_its_budget(settings, db, geocoder):
    plan = plan_shift(db, settings, _shift(teams=2), geocoder=geocoder, now=NOW)
    assert plan.stops and plan.value >= plan.naive_value
    assert max(plan.team_minutes) <= 240 + 1e-6
    ids = [plan.candidates.iloc[s.candidate]["site_id"] for s in plan.stops]
    assert len(ids) == len(set(ids))  # teams disjoint, no site twice
    assert {s.team for s in plan.stops} == {1, 2}
    for team in (1, 2):
        arrivals = [s.arrival for s in plan.stops if s.team == team]
        assert arrivals == sorted(arrivals) and arrivals[0] >= pd.Timestamp(START)
    # each team's route leaves from the station and comes back to it
    for route in plan.routes.itertuples():
        first, last = route.geometry.coords[0], route.geometry.coords[-1]
        assert shapely.Point(first).distance(shapely.Point(plan.start.x, plan.start.y)) < 1
        assert shapely.Point(last).distance(shapely.Point(plan.end.x, plan.end.y)) < 1
    assert set(plan.dropped["site_id"]).isdisjoint(ids)
    assert len(plan.dropped) + len(ids) == len(plan.candidates)
    assert plan.dropped["reason"].str.contains("durée").all()
    # the minutes each would add and those left to the team that could take it, in so many words
    spent = plan.dropped["reason"].str.fullmatch(
        r"durée épuisée : l'ajouter demanderait \d+ min de plus, il reste \d+ min à l'équipe [12]"
    )
    assert spent.any(), plan.dropped["reason"].tolist()
    assert any("vol d'oiseau × 1,3" in n for n in plan.notes)


def test_start_and_end_places_are_respected(settings, db, geocoder):
    plan = plan_shift(
        db, settings, _shift(end="Rue de la Paix 12, 4120 Neupré", budget_minutes=180), geocoder=geocoder, now=NOW
    )
    assert plan.end.label.startswith("Rue de la Paix") and "Neupré" in plan.end.label
    line = plan.routes.geometry.iloc[0]
    assert shapely.Point(line.coords[-1]).distance(shapely.Point(plan.end.x, plan.end.y)) < 1
    assert shapely.Point(line.coords[0]).distance(shapely.Point(plan.start.x, plan.start.y)) < 1


def test_filters_narrow_the_candidates_and_say_so_when_nothing_is_left(settings, db, geocoder):
    plan = plan_shift(db, settings, _shift(filters=Filters(places=("Neupré",))), geocoder=geocoder, now=NOW)
    assert set(plan.candidates["commune"]) == {"Neupré"}
    only = plan_shift(db, settings, _shift(filters=Filters(kinds=("point_sensible",))), geocoder=geocoder, now=NOW)
    assert set(only.candidates["kind"]) == {"point_sensible"}
    with pytest.raises(NotFoundError) as caught:
        plan_shift(
            db,
            settings,
            _shift(filters=Filters(categories=("pollution_eau",), places=("Plainevaux",), kinds=("axe",))),
            geocoder=geocoder,
            now=NOW,
        )
    message = caught.value.message
    assert "Aucun site à visiter pour ces filtres" in message and "Plainevaux" in message
    assert "Pollution de l'eau" in message or "pollution_eau" in message


def test_filters_take_the_words_a_person_types_and_refuse_a_wrong_one(settings, db, geocoder):
    # the label as printed on the sheets, in another case and without accents, is the category's code
    typed = Filters(categories=("DEPOT CLANDESTIN",), states=("Nouveau",), kinds=("Point sensible", "axe"))
    plan = plan_shift(db, settings, _shift(filters=typed), geocoder=geocoder, now=NOW)
    assert plan.request.filters.categories == ("depot_clandestin",)
    assert plan.request.filters.kinds == ("point_sensible", "axe") and plan.request.filters.states == ("nouveau",)
    assert plan.stops and set(plan.candidates["kind"]) <= {"point_sensible", "axe"}
    assert all("depot_clandestin" in cats for cats in plan.candidates["categories"])
    # a word that is no category is refused, naming it and the valid ones, instead of "no site for these filters"
    with pytest.raises(InvalidValueError) as caught:
        plan_shift(db, settings, _shift(filters=Filters(categories=("depot",))), geocoder=geocoder, now=NOW)
    assert caught.value.message == "catégorie inconnue : « depot »"
    assert "depot_clandestin (Dépôt clandestin)" in caught.value.hint
    with pytest.raises(InvalidValueError, match="état inconnu : « ouvert »"):
        plan_shift(db, settings, _shift(filters=Filters(states=("ouvert",))), geocoder=geocoder, now=NOW)
    # a place is a commune, section or postcode of the zone, typed as one writes it
    section = plan_shift(db, settings, _shift(filters=Filters(places=("ougree",))), geocoder=geocoder, now=NOW)
    assert section.request.filters.places == ("Ougrée",) and section.stops
    with pytest.raises(InvalidValueError) as place:
        plan_shift(db, settings, _shift(filters=Filters(places=("Ougre",))), geocoder=geocoder, now=NOW)
    assert place.value.message == "lieu inconnu dans la zone : « Ougre »"
    assert place.value.hint.startswith("Communes, sections et codes postaux : ")
    assert {"4100", "Ougrée", "Neupré"} <= set(place.value.hint.rstrip(".").split(": ", 1)[1].split(", "))


def test_recently_visited_sites_wait_unless_the_visit_asked_for_a_follow_up(settings, db, geocoder):
    context = CandidateContext(settings=settings, filters=Filters(), now=pd.Timestamp(NOW), labels=load_labels(db))
    candidates, _ = load_candidates(db, context)
    point = candidates[candidates["kind"] == "point_sensible"].iloc[0]
    db.execute(
        "INSERT INTO visits (source, natural_key, content_hash, visited_at, outcome, geom, geocode_status, point_id)"
        " VALUES ('test', 'cooldown-1', 'x', %s, 'nettoye', ST_SetSRID(ST_MakePoint(%s, %s), 31370), 'fourni', %s)",
        (NOW - pd.Timedelta(days=2), point["entry"].x, point["entry"].y, point["site_id"]),
    )
    try:
        after, excluded = load_candidates(db, context)
        assert point["site_id"] not in set(after["site_id"])
        reason = excluded.set_index("site_id").loc[point["site_id"], "reason"]
        assert "pas de nouvelle visite avant 7 jours" in reason and "nettoyé" in reason
        db.execute("UPDATE visits SET outcome = 'a_revoir' WHERE natural_key = 'cooldown-1'")
        again, _ = load_candidates(db, context)
        assert point["site_id"] in set(again["site_id"])
    finally:
        db.rollback()


def test_bad_places_and_budgets_get_french_messages(settings, db, geocoder):
    with pytest.raises(InvalidValueError) as ambiguous:
        plan_shift(db, settings, _shift(start="Rue de la Paix 12"), geocoder=geocoder, now=NOW)
    assert "ambiguë" in ambiguous.value.message and "Seraing" in ambiguous.value.message
    assert "Neupré" in ambiguous.value.message
    # the candidates read as addresses, not as the geocoder's records
    assert "Candidates : Rue de la Paix 12, 4100 Seraing ; Rue de la Paix 12, 4120 Neupré" in ambiguous.value.message
    assert "{" not in ambiguous.value.message and "libelle" not in ambiguous.value.message
    # a typo is read and said (the plan starts from the address as found); a street read only approximately and
    # without its number is asked again rather than used: it may be another street
    typo = plan_shift(
        db, settings, _shift(start="Place Comunale 1, Seraing", budget_minutes=60), geocoder=geocoder, now=NOW
    )
    assert typo.start.label == "Place Communale 1, 4100 Seraing"
    with pytest.raises(InvalidValueError) as unsure:
        plan_shift(db, settings, _shift(start="Av. de l'Abbaye 10, Seraing"), geocoder=geocoder, now=NOW)
    assert unsure.value.message.startswith(
        "Adresse de départ incertaine : « Av. de l'Abbaye 10, Seraing » lue comme « Rue de l'Abbaye, 4100 Seraing »"
    )
    assert "Adresses proches : Rue de l'Abbaye 20, 4100 Seraing" in unsure.value.hint
    with pytest.raises(InvalidValueError) as unknown:
        plan_shift(db, settings, _shift(start="Rue qui n'existe pas 4, 4100 Seraing"), geocoder=geocoder, now=NOW)
    assert "introuvable" in unknown.value.message
    with pytest.raises(InvalidValueError) as short:
        plan_shift(db, settings, _shift(budget_minutes=5), geocoder=geocoder, now=NOW)
    assert "le site le plus proche" in short.value.message and "demande" in short.value.message
    with pytest.raises(InvalidValueError, match="hors de Belgique"):
        plan_shift(db, settings, _shift(start="12.5, 41.9"), geocoder=geocoder, now=NOW)
    with pytest.raises(InvalidValueError, match="hors de la zone de police"):
        plan_shift(db, settings, _shift(start="4.3517, 50.8503"), geocoder=geocoder, now=NOW)  # Brussels
    # coordinates need no geocoder
    plan = plan_shift(db, settings, _shift(start="5.5092, 50.6150", budget_minutes=60), geocoder=None, now=NOW)
    assert plan.stops


def test_a_stored_plan_reads_back_the_same_with_references(settings, db, geocoder):
    plan = plan_shift(db, settings, _shift(teams=2, budget_minutes=150), geocoder=geocoder, now=NOW)
    db.rollback()
    with db.transaction():
        from service.plan import save_plan

        plan_id = save_plan(db, plan)
    stored = load_plan(db, plan_id)
    summary = summary_json(stored)
    assert set(summary) >= {"plan_id", "budget_minutes", "minutes", "value", "naive_value", "stops", "dropped"}
    assert summary["value"] == pytest.approx(plan.value) and summary["budget_minutes"] == 150
    assert [(s["team"], s["order"]) for s in summary["stops"]] == [(s.team, s.order) for s in plan.stops]
    assert summary["stops"][0]["ref"] == f"T{plan_id}-E1-01"
    assert {d["site_id"] for d in summary["dropped"]} == set(plan.dropped["site_id"])
    assert len(stored.routes) == 2 and not any(s["done"] for s in summary["stops"])
    with pytest.raises(NotFoundError, match="Aucune tournée n° 999999"):
        load_plan(db, 999_999)


def test_the_activity_report_counts_a_shift_under_way_by_its_stops_due_so_far(settings, db, geocoder):
    """Read while a shift is under way, the year's report counts the stops already due, not those still to come (it
    said « 0 arrêt fait sur 7 prévus » ten minutes into a shift). Once it is over with no visit recorded, the report
    says that its sheet has not come back (its stops count as not done: the share reads low for that reason)."""
    from service.activity.printed import essentials
    from service.activity.report import read_activity
    from service.plan import save_plan
    from service.prevention.period import parse_period

    plan = plan_shift(db, settings, _shift(budget_minutes=150), geocoder=geocoder, now=NOW)
    db.rollback()
    arrivals = sorted(pd.Timestamp(s.arrival) for s in plan.stops)
    assert len(arrivals) >= 3
    during = arrivals[1] + pd.Timedelta(minutes=1)  # two stops due, the others to come
    later = arrivals[-1] + pd.Timedelta(hours=1)
    year = parse_period("2026", zone=ZONE, now=during.to_pydatetime())
    figures = ("tournees", "arrets", "arrets_faits", "sans_feuille")
    before = [[read_activity(db, year, now=t).shifts[f] for f in figures] for t in (during, later)]
    with db.transaction():
        plan_id = save_plan(db, plan)
    try:  # what this shift adds to the other shifts of the module's database
        added = [
            [read_activity(db, year, now=t).shifts[f] - was for f, was in zip(figures, old, strict=True)]
            for t, old in zip((during, later), before, strict=True)
        ]
        # over, with no visit recorded: its sheet has not come back, and the report says so
        assert added == [[1, 2, 0, 0], [1, len(arrivals), 0, 1]]
        after = read_activity(db, year, now=later)
        unreturned = after.shifts["sans_feuille"]
        said = [line for line in essentials(after) if "aucune visite rentrée" in line]
        assert said == (
            [
                "1 tournée passée n'a aucune visite rentrée : ses arrêts comptent comme non faits tant que sa "
                "feuille n'est pas importée."
            ]
            if unreturned == 1
            else [
                f"{unreturned} tournées passées n'ont aucune visite rentrée : leurs arrêts comptent comme non faits "
                "tant que leurs feuilles ne sont pas importées."
            ]
        )
    finally:
        with db.transaction():
            db.execute("DELETE FROM plans WHERE id = %s", (plan_id,))


def test_a_shift_with_a_break_keeps_it_out_of_the_visits_and_says_where_it_falls(settings, db, geocoder):
    """A 4 h shift of two teams with a 30 min break: each team works (travels and visits) 3 h 30 at most, takes
    the break once, after the first stop that ends at or past half of that (1 h 45), the times after it move by
    the break, and every team is back within the 4 h. The stored plan, the sheet's header, its PDF and the
    terminal's table say where the break falls; a break as long as the shift is refused in French."""
    from service.cli.plan import show_plan
    from service.export.pdf_sheet import render_pdf

    plan = plan_shift(db, settings, _shift(teams=2, pause_minutes=30), geocoder=geocoder, now=NOW)
    start = pd.Timestamp(START)
    for team in (1, 2):
        mine = [stop for stop in plan.stops if stop.team == team]
        taken = [k for k, stop in enumerate(mine) if stop.pause_after]
        assert len(taken) == 1 and mine[taken[0]].pause_after == 30
        k = taken[0]
        assert mine[k].departure - start >= pd.Timedelta(minutes=105)
        assert k == 0 or mine[k - 1].departure - start < pd.Timedelta(minutes=105)
        if k + 1 < len(mine):  # the next stop: its travel after the break
            gap = (mine[k + 1].arrival - mine[k].departure).total_seconds() / 60
            assert gap == pytest.approx(30 + mine[k + 1].travel_min, abs=0.02)
    assert max(plan.team_minutes) <= 240 and all(m > 30 for m in plan.team_minutes)  # the break counted in them
    plain = plan_shift(db, settings, _shift(teams=2), geocoder=geocoder, now=NOW)
    assert plain.value >= plan.value  # half an hour less to visit: never more collected
    stored = store_plan(db, plan)
    assert stored.facts["pause_minutes"] == 30 and summary_json(stored)["pause_minutes"] == 30
    after = [s for s in summary_json(stored)["stops"] if s["pause_after_minutes"]]
    assert [(s["team"], s["pause_after_minutes"]) for s in after] == [(1, 30.0), (2, 30.0)]
    sheet = sheet_from_plan(stored, load_labels(db), zone=ZONE)
    first = stored.stops[stored.stops["pause_after_minutes"] > 0].iloc[0]
    leaves = pd.Timestamp(first["departure"]).tz_convert(BRUSSELS)
    assert sheet.facts["Pause"].startswith(
        f"30 min à mi-tournée : équipe 1 après l'arrêt {int(first['ord'])} ({leaves:%H:%M}), équipe 2 après l'arrêt "
    )
    assert list(sheet.facts)[list(sheet.facts).index("Durée") + 1] == "Pause"
    back = leaves + pd.Timedelta(minutes=30)
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render_pdf(sheet))).pages)
    assert f"Pause de 30 min, de {leaves:%H:%M} à {back:%H:%M}" in " ".join(text.split())
    with console.capture() as said:
        show_plan(stored, zone=ZONE)
    assert "4,0 h dont 30 min de pause" in said.get() and "pause de 30 min" in said.get()
    assert ", 2 équipes en voiture, départ " in said.get()  # the mode in words, as on the printed sheet
    with pytest.raises(InvalidValueError, match="pause de 240 min pour une tournée de 240 min"):
        _shift(pause_minutes=240)


def test_a_break_asked_at_an_hour_falls_after_the_stop_under_way_then(settings, db, geocoder):
    """« --pause 30min --pause-vers 11h » in a 08:00–12:00 shift of two teams: each team rests after the first stop
    that ends at or after 11:00 (not at mid-shift), the header says so; a break that cannot end in the shift, an
    hour without a break and an unreadable hour are refused in French."""
    from service.plan.model import parse_pause_at

    at = parse_pause_at("11h", START)
    plan = plan_shift(db, settings, _shift(teams=2, pause_minutes=30, pause_at=at), geocoder=geocoder, now=NOW)
    eleven = pd.Timestamp(START.replace(hour=11))
    for team in (1, 2):
        mine = [stop for stop in plan.stops if stop.team == team]
        (k,) = [k for k, stop in enumerate(mine) if stop.pause_after]
        assert mine[k].departure >= eleven and (k == 0 or mine[k - 1].departure < eleven)
    assert max(plan.team_minutes) <= 240
    stored = store_plan(db, plan)
    assert summary_json(stored)["pause_at"] == "2026-11-20T11:00:00+01:00"
    assert (
        sheet_from_plan(stored, load_labels(db), zone=ZONE)
        .facts["Pause"]
        .startswith("30 min vers 11:00 : équipe 1 après ")
    )
    with pytest.raises(InvalidValueError) as late:
        plan_shift(db, settings, _shift(pause_minutes=30, pause_at=parse_pause_at("11h45", START)), geocoder=geocoder)
    assert late.value.message == "Pause de 30 min vers 11:45 : elle doit tenir dans la tournée (08:00 – 12:00)."
    with pytest.raises(InvalidValueError, match="pause vers 11:00 sans durée de pause"):
        _shift(pause_at=at)
    with pytest.raises(InvalidValueError, match="heure de pause illisible : « midi »"):
        parse_pause_at("midi", START)


def test_appointments_are_kept_at_their_time_whatever_the_filters_and_the_break(settings, db, geocoder):
    """Two appointments in a 4 h shift of one team with a 30 min break: one at the site a plain plan leaves out
    for its low value (10:30), one at a point outside the shift's category filter (09:00). The team is there at
    each time to the second (waiting if early), the break still falls once and the shift ends in time; the
    stored plan, the JSON, the sheet's header and rows, the PDF, the CSV and the terminal's table name them."""
    from service.cli.plan import show_plan
    from service.export.pdf_sheet import render_pdf
    from service.plan.model import parse_appointments

    plain = plan_shift(db, settings, _shift(pause_minutes=30), geocoder=geocoder, now=NOW)
    low = plain.dropped.sort_values(["value", "site_id"]).iloc[0]["site_id"]
    chosen = {plain.candidates.iloc[s.candidate]["site_id"] for s in plain.stops}
    assert low not in chosen
    points = plain.candidates[plain.candidates["kind"] == "point_sensible"]
    other = points.iloc[-1]  # a point whose category the filter below leaves out
    category = next(c for c in plain.candidates["category"].dropna() if c != other["category"])
    filtered = Filters(categories=(category,))
    narrowed = plan_shift(db, settings, _shift(pause_minutes=30, filters=filtered), geocoder=geocoder, now=NOW)
    assert other["site_id"] not in set(narrowed.candidates["site_id"])

    appointments = parse_appointments(f"{low} à 10h30 ; {other['site_id']} 9h", START)
    request = _shift(pause_minutes=30, filters=filtered, appointments=appointments)
    plan = plan_shift(db, settings, request, geocoder=geocoder, now=NOW)
    by_site = {plan.candidates.iloc[s.candidate]["site_id"]: s for s in plan.stops}
    for site, hour, minute in ((low, 10, 30), (other["site_id"], 9, 0)):
        stop = by_site[site]
        due = pd.Timestamp(START.replace(hour=hour, minute=minute))
        assert stop.appointment == due and stop.arrival == due and stop.wait_min >= 0
        previous = [s for s in plan.stops if s.order == stop.order - 1]
        left = previous[0].departure + pd.Timedelta(minutes=previous[0].pause_after) if previous else START
        assert (stop.arrival - left).total_seconds() / 60 == pytest.approx(stop.travel_min + stop.wait_min, abs=0.05)
    assert sum(1 for s in plan.stops if s.pause_after) == 1 and max(plan.team_minutes) <= 240
    assert all(s.appointment is None for site, s in by_site.items() if site not in {low, other["site_id"]})
    forced = {low, other["site_id"]}
    others = plan.candidates[~plan.candidates["site_id"].isin(forced)]
    assert len(others) and all(category in (cats or {}) for cats in others["categories"])  # the filter still holds

    stored = store_plan(db, plan)
    summary = {s["site_id"]: s for s in summary_json(stored)["stops"]}
    assert summary[low]["appointment"] == "2026-11-20T10:30:00+01:00"
    assert summary[other["site_id"]]["appointment"] == "2026-11-20T09:00:00+01:00"
    sheet = sheet_from_plan(stored, load_labels(db), zone=ZONE)
    first, second = sorted([(9, other["site_id"]), (10, low)])
    assert sheet.facts["Rendez-vous"].startswith(f"09:00 {first[1]} (équipe 1, arrêt ")
    assert f", 10:30 {second[1]} (équipe 1, arrêt " in sheet.facts["Rendez-vous"]
    rows = list(csv.DictReader(io.StringIO(render(sheet, "csv").decode("utf-8-sig")), delimiter=";"))
    assert {r["Site"]: r["Rendez-vous"] for r in rows if r["Rendez-vous"]} == {low: "10:30", other["site_id"]: "09:00"}
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render_pdf(sheet))).pages).split())
    assert " · rendez-vous à 10:30 · " in text and " · rendez-vous à 09:00 · " in text
    with console.capture() as said:
        show_plan(stored, zone=ZONE)
    assert "rendez-vous" in said.get() and "10:30" in said.get()


def test_an_appointment_in_a_time_range_starts_within_it_around_the_break(settings, db, geocoder):
    """« entre 10h et 11h » at two low-value sites of a shift of one team whose break falls at 09:45 or later:
    each visit starts within its range (the team may come at any time in it, or wait for its start), the break
    still falls once and never inside a visit; the sheet writes « 10:00–11:00 » and the PDF the arrival with it."""
    from service.export.pdf_sheet import render_pdf
    from service.plan.model import parse_appointments

    plain = plan_shift(db, settings, _shift(pause_minutes=30), geocoder=geocoder, now=NOW)
    low = list(plain.dropped.sort_values(["value", "site_id"])["site_id"][:2])
    text = f"{low[0]} entre 10h et 11h ; {low[1]} de 9h30 à 10h15"
    plan = plan_shift(
        db,
        settings,
        _shift(pause_minutes=30, appointments=parse_appointments(text, START)),
        geocoder=geocoder,
        now=NOW,
    )
    by_site = {plan.candidates.iloc[s.candidate]["site_id"]: s for s in plan.stops}
    for site, first, last in ((low[0], (10, 0), (11, 0)), (low[1], (9, 30), (10, 15))):
        stop = by_site[site]
        since = pd.Timestamp(START.replace(hour=first[0], minute=first[1]))
        until = pd.Timestamp(START.replace(hour=last[0], minute=last[1]))
        assert stop.appointment == since and stop.appointment_until == until
        assert since <= stop.arrival <= until + pd.Timedelta(minutes=1), (site, stop.arrival)
    (rest,) = [s for s in plan.stops if s.pause_after]
    later = [s for s in plan.stops if s.order > rest.order]
    assert not later or later[0].arrival >= rest.departure + pd.Timedelta(minutes=30)
    assert max(plan.team_minutes) <= 240
    stored = store_plan(db, plan)
    sheet = sheet_from_plan(stored, load_labels(db), zone=ZONE)
    assert dict(zip(sheet.rows["Site"], sheet.rows["Rendez-vous"], strict=True))[low[0]] == "10:00–11:00"
    arrival = by_site[low[0]].arrival.tz_convert(BRUSSELS)
    pdf = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render_pdf(sheet))).pages).split())
    assert f"{arrival:%H:%M} (rendez-vous 10:00–11:00)" in pdf
    assert summary_json(stored)["stops"][by_site[low[0]].order - 1]["appointment_until"] == "2026-11-20T11:00:00+01:00"


def test_a_team_whose_only_stop_is_an_appointment_after_the_break_rests_on_arrival_and_every_sheet_says_so(
    settings, db, geocoder
):
    """A 08:00–11:00 shift with a 30 min break (due at mid-shift) and one appointment at 10:00, nothing else worth
    the trip (a minimum value no site reaches): the team goes there, rests on arrival, waits and starts at 10:00.
    Nothing comes before it to take the break after, so the break is stored before that stop and the header, the
    PDF (above the stop), the terminal's table and the JSON say when it falls."""
    from service.cli.plan import show_plan
    from service.export.pdf_sheet import render_pdf
    from service.plan.model import parse_appointments

    site = plan_shift(db, settings, _shift(budget_minutes=180), geocoder=geocoder, now=NOW).candidates.iloc[0]
    request = _shift(
        budget_minutes=180,
        pause_minutes=30,
        filters=Filters(min_value=1e9),
        appointments=parse_appointments(f"{site['site_id']} 10h", START),
    )
    plan = plan_shift(db, settings, request, geocoder=geocoder, now=NOW)
    (stop,) = plan.stops
    due = pd.Timestamp(START.replace(hour=10))
    assert stop.arrival == due and stop.pause_before == 30 and stop.pause_after == 0
    rests = due - pd.Timedelta(minutes=stop.wait_min + 30)  # on arrival: travel from 08:00, then the break, then wait
    assert (rests - pd.Timestamp(START)).total_seconds() / 60 == pytest.approx(stop.travel_min, abs=0.05)
    stored = store_plan(db, plan)
    assert [s["pause_before_minutes"] for s in summary_json(stored)["stops"]] == [30.0]
    sheet = sheet_from_plan(stored, load_labels(db), zone=ZONE)
    local = rests.tz_convert(BRUSSELS)
    assert sheet.facts["Pause"] == f"30 min à mi-tournée : équipe 1 avant l'arrêt 1 ({local:%H:%M})"
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render_pdf(sheet))).pages).split())
    words = f"Pause de 30 min à l'arrivée, de {local:%H:%M} à {local + pd.Timedelta(minutes=30):%H:%M}"
    assert words in text and text.index(words) < text.index("1 · rendez-vous à 10:00")
    with console.capture() as said:
        show_plan(stored, zone=ZONE)
    lines = said.get().splitlines()
    (rest,) = [k for k, line in enumerate(lines) if "pause de 30 min à l'arrivée" in line]
    assert f"{local:%H:%M}" in lines[rest] and any("10:00" in line for line in lines[rest + 1 :])


def test_appointments_that_cannot_be_kept_are_refused_naming_them(settings, db, geocoder):
    from service.plan.model import parse_appointments

    point = plan_shift(db, settings, _shift(budget_minutes=60), geocoder=geocoder, now=NOW).candidates.iloc[0]
    site = point["site_id"]

    def refused(text: str, **options):
        request = _shift(appointments=parse_appointments(text, START), **options)
        with pytest.raises((InvalidValueError, NotFoundError)) as error:
            plan_shift(db, settings, request, geocoder=geocoder, now=NOW)
        return error.value

    assert refused("PS-9999 10h").message == "Rendez-vous à un site qui n'est pas à visiter : PS-9999."
    late = refused(f"{site} 13h")
    assert late.message == f"Rendez-vous {site} à 13:00 le 20/11 : hors de la tournée (20/11 08:00 – 12:00)."
    early = refused(f"{site} 8h00")
    assert early.message.startswith(f"Rendez-vous impossible : {site} (") and "pour y aller depuis le départ" in (
        early.message
    )
    assert "à 08:00" in early.message and early.hint.startswith("Commencez la tournée plus tôt")
    last = refused(f"{site} 11h59")
    assert "la visite et le retour ne tiennent plus dans la tournée (fin à 12:00)" in last.message
    second = plan_shift(db, settings, _shift(budget_minutes=60), geocoder=geocoder, now=NOW).candidates.iloc[1]
    clash = refused(f"{site} 10h ; {second['site_id']} 10h")
    assert clash.message.startswith("Les rendez-vous ne tiennent pas tous dans la tournée avec 1 équipe : ")
    assert "--equipes" in clash.hint
    both = plan_shift(
        db,
        settings,
        _shift(teams=2, appointments=parse_appointments(f"{site} 10h ; {second['site_id']} 10h", START)),
        geocoder=geocoder,
        now=NOW,
    )
    assert sorted(s.team for s in both.stops if s.appointment is not None) == [1, 2]
    with pytest.raises(InvalidValueError, match="rendez-vous illisible : « PS-0001 vers midi »"):
        parse_appointments("PS-0001 vers midi", START)
    with pytest.raises(InvalidValueError, match="deux rendez-vous au même site : PS-0001"):
        _shift(appointments=parse_appointments("PS-1 10h; ps-0001 11h", START))


def _sheet_csv(stored, path, outcomes: dict[int, tuple[str, str]], extra_rows=()) -> None:
    """A filled-in sheet as an officer sends it back (what the XLSX holds, written as CSV)."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(
            [
                "Ordre",
                "Arrêt",
                "Site",
                "Lieu",
                "Latitude",
                "Longitude",
                "Résultat",
                "Date de visite",
                "Agent",
                "Remarques",
                "Source",
            ]
        )
        for i, s in enumerate(stored.stops.to_dict("records")):
            outcome, when = outcomes.get(i, ("", ""))
            writer.writerow(
                [s["ord"], s["ref"], s["site_id"], s["label"], "", "", outcome, when, "Agent Dupont", "", "tournee"]
            )
        for row in extra_rows:
            writer.writerow(row)


def _shift_with_a_point(db, settings, geocoder) -> tuple:
    """A two-hour shift stored: its stops' kinds, the row and id of its sensitive point, that point's priority and
    factors before any visit."""
    stored = store_plan(db, plan_shift(db, settings, _shift(budget_minutes=120), geocoder=geocoder, now=NOW))
    kinds = list(stored.stops["site_kind"])
    point_row = kinds.index("point_sensible")
    point_id = stored.stops["site_id"].iloc[point_row]
    before = db.execute("SELECT priority, priority_components FROM sensitive_points WHERE id = %s", (point_id,))
    priority, components = before.fetchone()
    return stored, kinds, point_row, point_id, priority, components


def test_outcomes_of_a_filled_in_sheet_come_back_and_update_the_sites(settings, db, geocoder, tmp_path):
    stored, kinds, point_row, point_id, priority, components = _shift_with_a_point(db, settings, geocoder)
    not_done = next(i for i in range(len(kinds)) if i != point_row)
    done = {
        i: ("PV dressé" if i == point_row else "Rien constaté", "20/11/2026 09:30")
        for i in range(len(kinds))
        if i != not_done
    }
    sheet = tmp_path / "tournee_remplie.csv"
    _sheet_csv(
        stored,
        sheet,
        done,
        extra_rows=[[9, "T999-E1-01", "PS-9999", "", "", "", "Nettoyé", "20/11/2026 10:00", "", "", "tournee"]],
    )
    summary = ingest_file(db, sheet, IngestOptions(kind="visits"), settings, geocoder=None, now=NOW)
    assert summary.balanced and summary.inserted == len(done) and summary.rejected == 2
    reasons = {
        r[0]: r[1]
        for r in db.execute("SELECT row_number, reasons FROM rejected_rows WHERE batch_id = %s", (summary.batch_id,))
    }
    assert "arrêt non fait" in reasons[not_done + 2][0]["motif"] and len(reasons[not_done + 2]) == 1
    assert "arrêt inconnu" in reasons[len(kinds) + 2][0]["motif"]
    assert summary.details["visites_de_tournee"] == len(done)
    # the plan shows what was done; the point's visit is on the point, with the stop's place
    again = load_plan(db, stored.plan_id)
    flags = [s["done"] for s in summary_json(again)["stops"]]
    assert flags == [i != not_done for i in range(len(kinds))]
    visit = db.execute(
        "SELECT v.point_id, v.outcome, ST_Distance(v.geom, s.geom) FROM visits v JOIN plan_stops s "
        "ON s.id = v.plan_stop_id WHERE s.site_id = %s AND s.plan_id = %s",
        (point_id, stored.plan_id),
    ).fetchone()
    assert visit[0] == point_id and visit[1] == "pv" and visit[2] < 1
    # its priority follows the outcome at once: the visit factor becomes that of a police report (0.8)
    after, new_components = db.execute(
        "SELECT priority, priority_components FROM sensitive_points WHERE id = %s", (point_id,)
    ).fetchone()
    assert new_components["suite_visite"] == 0.8
    assert after == pytest.approx(priority / components["suite_visite"] * 0.8, rel=1e-3)
    # the stop not made stays a candidate (its sheet is back); the sites just visited wait for the cool-down. (The
    # module's other shifts of that morning, whose sheets are not back, are called off first: they hold their
    # sites, see test_a_past_shift_whose_sheet_is_not_back_keeps_its_sites_a_few_days)
    others = db.execute(
        "UPDATE plans p SET cancelled_at = now() WHERE p.id <> %s AND p.cancelled_at IS NULL AND NOT EXISTS "
        "(SELECT 1 FROM visits v JOIN plan_stops s ON s.id = v.plan_stop_id WHERE s.plan_id = p.id) RETURNING p.id",
        (stored.plan_id,),
    ).fetchall()
    context = CandidateContext(
        settings=settings, filters=Filters(), now=pd.Timestamp(NOW) + pd.Timedelta(hours=3), labels=load_labels(db)
    )
    candidates, excluded = load_candidates(db, context)
    assert stored.stops["site_id"].iloc[not_done] in set(candidates["site_id"])
    assert point_id in set(excluded["site_id"])
    assert excluded.set_index("site_id").loc[point_id, "motive"] == "visité(s) récemment"
    db.execute("UPDATE plans SET cancelled_at = NULL WHERE id = ANY(%s)", ([r[0] for r in others],))
    # the same sheet again changes nothing; a corrected outcome updates the visit, not a second one
    twice = ingest_file(db, sheet, IngestOptions(kind="visits"), settings, geocoder=None, now=NOW)
    assert twice.inserted == 0 and twice.duplicates == len(done)
    done[point_row] = ("Nettoyé", "20/11/2026 09:30")
    _sheet_csv(stored, sheet, done)
    fixed = ingest_file(db, sheet, IngestOptions(kind="visits"), settings, geocoder=None, now=NOW)
    assert fixed.updated == 1 and fixed.inserted == 0
    count = db.execute(
        "SELECT count(*) FROM visits v JOIN plan_stops s ON s.id = v.plan_stop_id WHERE s.plan_id = %s",
        (stored.plan_id,),
    ).fetchone()[0]
    assert count == len(done)


def test_a_filled_in_sheet_withdrawn_gives_the_shift_its_stops_to_do_and_the_points_their_priority(
    settings, db, geocoder, tmp_path
):
    """The sheet of another day imported by mistake: withdrawn, its visits are gone, the shift's stops are to do
    again and the point visited has the priority it had before the sheet."""
    stored, kinds, point_row, point_id, priority, components = _shift_with_a_point(db, settings, geocoder)
    done = {i: ("PV dressé" if i == point_row else "Rien constaté", "20/11/2026 09:30") for i in range(len(kinds))}
    sheet = tmp_path / "tournee_remplie.csv"
    _sheet_csv(stored, sheet, done)
    summary = ingest_file(db, sheet, IngestOptions(kind="visits"), settings, geocoder=None, now=NOW)
    assert summary.inserted == len(done)
    assert all(s["done"] for s in summary_json(load_plan(db, stored.plan_id))["stops"])
    lowered = db.execute("SELECT priority FROM sensitive_points WHERE id = %s", (point_id,)).fetchone()[0]
    assert lowered == pytest.approx(priority / components["suite_visite"] * 0.8, rel=1e-3)
    db.commit()

    gone = withdraw_batch(db, settings, summary.batch_id, by="dupont", reason="feuille du mauvais jour")
    db.commit()
    assert gone.rows == len(done)
    assert not any(s["done"] for s in summary_json(load_plan(db, stored.plan_id))["stops"])
    after, factors = db.execute(
        "SELECT priority, priority_components FROM sensitive_points WHERE id = %s", (point_id,)
    ).fetchone()
    latest = db.execute(
        "SELECT outcome FROM visits WHERE point_id = %s ORDER BY visited_at DESC, id DESC LIMIT 1", (point_id,)
    ).fetchone()
    expected = OUTCOME_FACTOR.get(latest[0] if latest else None, 1.0)
    assert factors["suite_visite"] == expected
    assert after == pytest.approx(priority / components["suite_visite"] * expected, rel=1e-3)


def test_a_batch_whose_site_a_shift_plans_is_withdrawn_once_the_shift_is_cancelled(settings, db, geocoder):
    """A report a shift not yet made goes to holds its batch (the team would go to a site that is gone); the shift
    cancelled, it no longer does (a cancelled shift keeps its stops' words, not a claim on the sites)."""
    from service.errors import ConflictError
    from service.ingest.withdraw import _q as withdrawal_queries

    stored = store_plan(db, plan_shift(db, settings, _shift(budget_minutes=120), geocoder=geocoder, now=NOW))
    stops = stored.stops
    report = next((s for k, s in zip(stops["site_kind"], stops["site_id"], strict=True) if k == "signalement"), None)
    assert report is not None, list(stops["site_kind"])
    batch, report_id = db.execute("SELECT batch_id, id FROM reports WHERE id = %s", (int(report[4:]),)).fetchone()
    ids = [i for (i,) in db.execute("SELECT id FROM reports WHERE batch_id = %s", (batch,))]
    sites = [f"SIG-{i}" for i in ids]

    def held() -> int:
        return int(db.execute(withdrawal_queries("reports_held"), {"ids": ids, "sites": sites}).fetchone()[1])

    planned = held()
    assert planned >= 1
    with pytest.raises(ConflictError) as refused:
        withdraw_batch(db, settings, batch, by="dupont", reason="mauvais fichier")
    assert (
        "arrêt de tournée planifié" in refused.value.message or "arrêts de tournée planifiés" in refused.value.message
    )
    assert "« hotspots tournees annuler N », ou « Tournées récentes » sur la carte" in refused.value.hint
    db.rollback()
    db.execute("UPDATE plans SET cancelled_at = now() WHERE id = %s", (stored.plan_id,))
    ours = sum(
        k == "signalement" and site in sites for k, site in zip(stops["site_kind"], stops["site_id"], strict=True)
    )
    assert ours >= 1 and held() == planned - ours and report_id in ids
    db.rollback()


def test_cli_plans_a_shift_and_prints_json(settings, demo):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "service",
            "plan",
            "--duree",
            "2h",
            "--pause",
            "15min",
            "--depart",
            "5.5092, 50.6150",
            "--equipes",
            "2",
            "--debut",
            "2026-11-20 08:00",
            "--json",
        ],
        env=cli_env(settings),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    assert {"plan_id", "budget_minutes", "minutes", "value", "naive_value", "stops", "dropped"} <= set(body)
    assert body["budget_minutes"] == 120 and body["minutes"] <= 120 and body["pause_minutes"] == 15
    assert all({"team", "order", "site_id", "arrival"} <= set(s) for s in body["stops"])
    assert body["stops"][0]["arrival"].startswith("2026-11-20T08:")
    bad = subprocess.run(
        [sys.executable, "-m", "service", "plan", "--duree", "quatre heures"],
        env=cli_env(settings),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert bad.returncode == 1 and "durée illisible" in bad.stderr and "Traceback" not in bad.stderr


@pytest.fixture(scope="module")
def planner(settings, demo, auth):
    from fastapi.testclient import TestClient

    from service.api import create_app

    with TestClient(create_app(settings), headers=dict(auth["planificateur"])) as client:
        yield client


def test_the_api_plans_a_shift_and_serves_its_field_pack(planner, auth):
    created = planner.post(
        "/api/tournees",
        json={
            "duree": "3h",
            "debut": "2026-11-20 08:00",
            "depart": STATION,
            "equipes": 2,
            "types": ["point_sensible", "axe", "signalement"],
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    plan_id = body["tournee"]["plan_id"]
    assert created.headers["location"] == f"/api/tournees/{plan_id}"
    roles = [f["properties"]["role"] for f in body["features"]]
    assert roles.count("arret") == len(body["tournee"]["stops"]) > 0 and roles.count("itineraire") == 2
    stops = [f for f in body["features"] if f["properties"]["role"] == "arret"]
    lon, lat = stops[0]["geometry"]["coordinates"]
    assert 5.4 < lon < 5.6 and 50.5 < lat < 50.65  # WGS84
    assert {f["properties"]["Type"] for f in stops} <= {"Point sensible", "Axe problématique", "Signalement à vérifier"}
    again = planner.get(f"/api/tournees/{plan_id}", headers=auth["lecteur"])
    assert again.status_code == 200 and again.json()["tournee"]["stops"] == body["tournee"]["stops"]
    listed = planner.get("/api/tournees", headers=auth["lecteur"]).json()
    assert listed[0]["id"] == plan_id and listed[0]["stops"] == len(stops) and listed[0]["done"] == 0
    pdf = planner.get(f"/api/tournees/{plan_id}/export", params={"format": "pdf"})
    assert (
        pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == "application/pdf"
    )
    assert (
        planner.get(f"/api/tournees/{plan_id}/export", params={"format": "xlsx"}, headers=auth["lecteur"]).status_code
        == 403
    )
    # the filters as a person types them: a French date, a category's label; a wrong one is named in French
    since = planner.post(
        "/api/tournees",
        json={
            "duree": "2h",
            "debut": "2026-11-20 08:00",
            "non_visite_depuis": "15/11/2026",
            "categories": ["Graffiti"],
        },
    )
    assert since.status_code == 201, since.text
    filters = planner.get(f"/api/tournees/{since.json()['tournee']['plan_id']}").json()["tournee"]
    assert filters["filters"]["non_visite_depuis"].startswith("2026-11-15")
    assert filters["filters"]["categories"] == ["graffiti"]
    unreadable = planner.post("/api/tournees", json={"duree": "4h", "non_visite_depuis": "la semaine passée"})
    assert unreadable.status_code == 422
    assert unreadable.json()["erreur"] == "date « pas visité depuis » illisible : « la semaine passée »"
    assert unreadable.json()["conseil"] == "Écrivez par exemple 2026-11-15 ou 15/11/2026."
    as_text = planner.post("/api/tournees", json={"duree": "4h", "categories": "depot_clandestin"})
    assert as_text.status_code == 422 and "liste attendue" in as_text.json()["erreur"]
    bad = planner.post("/api/tournees", json={"duree": "demain"})
    assert bad.status_code == 422 and "durée illisible" in bad.json()["erreur"]
    rest = planner.post("/api/tournees", json={"duree": "4h", "pause": "une demi-heure"})
    assert rest.status_code == 422 and rest.json()["erreur"] == "pause illisible : « une demi-heure »"
    meeting = planner.post(
        "/api/tournees",
        json={"duree": "3h", "debut": "2026-11-20 08:00", "depart": STATION, "rendez_vous": "PS-0001 à 9h15"},
    )
    assert meeting.status_code == 201, meeting.text
    (kept,) = [s for s in meeting.json()["tournee"]["stops"] if s["appointment"]]
    assert kept["site_id"] == "PS-0001" and kept["arrival"] == kept["appointment"] == "2026-11-20T09:15:00+01:00"
    (feature,) = [f for f in meeting.json()["features"] if f["properties"].get("Rendez-vous")]
    assert feature["properties"]["Rendez-vous"] == "09:15"
    vague = planner.post("/api/tournees", json={"duree": "4h", "rendez_vous": "PS-0001 dans la matinée"})
    assert vague.status_code == 422 and vague.json()["erreur"].startswith("rendez-vous illisible")
    far = planner.post("/api/tournees", json={"duree": "4h", "depart": "Grand-Place 1, 1000 Bruxelles"})
    assert far.status_code == 422 and "Adresse de départ" in far.json()["erreur"]
    assert planner.get("/api/tournees/999999").status_code == 404


def test_the_filled_in_xlsx_comes_back_through_the_upload_endpoint(settings, db, geocoder, planner, tmp_path):
    from io import BytesIO

    from openpyxl import load_workbook

    from service.export import render
    from service.export.sheet import sheet_from_plan

    stored = store_plan(db, plan_shift(db, settings, _shift(budget_minutes=90), geocoder=geocoder, now=NOW))
    book = load_workbook(BytesIO(render(sheet_from_plan(stored, load_labels(db), zone=ZONE), "xlsx")))
    table = book.worksheets[0]
    header = [c.value for c in table[1]]
    col = {name: header.index(name) + 1 for name in ("Arrêt", "Résultat", "Date de visite", "Agent")}
    n = table.max_row - 1
    assert n == len(stored.stops)
    for row in range(2, table.max_row):  # every stop but the last: done
        table.cell(row, col["Résultat"]).value = "Nettoyé"
        table.cell(row, col["Date de visite"]).value = datetime(2026, 11, 20, 9, 30)
        table.cell(row, col["Agent"]).value = "Agent Lambert"
    filled = tmp_path / "tournee_remplie.xlsx"
    book.save(filled)
    with filled.open("rb") as fh:
        answer = planner.post(
            "/api/imports/visites",
            files={"fichier": (filled.name, fh, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")},
        )
    assert answer.status_code == 200, answer.text
    batch = answer.json()
    assert batch["inserted"] == n - 1 and batch["rejected"] == 1, batch
    assert batch["details"]["arrets_non_faits"] == 1 and batch["bilan_rejets"] == [
        "1 ligne non enregistrée, dont 1 arrêt non fait (ni résultat ni date : rien à encoder, leurs sites "
        "restent à planifier)."
    ]
    summary = summary_json(load_plan(db, stored.plan_id))
    assert [s["done"] for s in summary["stops"]] == [True] * (n - 1) + [False]
    assert {s["outcome"] for s in summary["stops"][:-1]} == {"nettoye"}


def test_with_the_liege_road_network_the_east_of_seraing_follows_the_streets(settings, db, geocoder):
    """The shared OSM ways of Liège reach the east of Seraing (Ougrée, Sclessin): a shift starting there travels
    along them, and the sites the file does not reach fall back to the straight line, counted on the sheet."""
    from service.plan.network import load_network

    db.rollback()
    load_network(db, settings.geodata_dir / "osm_streets_liege.geojson", settings=settings)
    db.commit()
    try:
        plan = plan_shift(
            db,
            settings,
            _shift(start="Rue Califice 25, 4102 Seraing", budget_minutes=120, filters=Filters(places=("4102",))),
            geocoder=geocoder,
            now=NOW,
        )
        assert plan.travel_source in ("reseau", "mixte")
        assert plan.notes[0].startswith("Temps de trajet calculés sur le réseau routier")
        if plan.travel_source == "mixte":
            assert "reliés en distance à vol d'oiseau × 1,3" in plan.notes[0] or "relié en" in plan.notes[0]
        route = plan.routes.geometry.iloc[0]
        stops = [plan.candidates.iloc[s.candidate]["entry"] for s in plan.stops if s.team == 1]
        straight = sum(
            a.distance(b) for a, b in zip([shapely.Point(plan.start.x, plan.start.y), *stops], stops, strict=False)
        )
        assert route.length > straight  # the legs on the network follow the streets, not the straight line
    finally:
        db.rollback()
        db.execute("TRUNCATE road_edges, road_vertices, road_network_loads RESTART IDENTITY")
        db.commit()


def test_a_sheet_filled_in_by_hand_comes_back_with_a_summary_a_person_can_act_on(settings, db, geocoder, tmp_path):
    stored = store_plan(db, plan_shift(db, settings, _shift(budget_minutes=150, teams=2), geocoder=geocoder, now=NOW))
    book = openpyxl.load_workbook(io.BytesIO(render(sheet_from_plan(stored, load_labels(db), zone=ZONE), "xlsx")))
    ws = book["Tournée"]
    col = {cell.value: cell.column for cell in ws[1]}
    refs = [ws.cell(r, col["Arrêt"]).value for r in range(2, ws.max_row + 1)]
    assert len(refs) >= 10
    # as typed in the field: labels without accents or in capitals, French dates, a real date cell
    typed = {
        0: ("nettoye", "20/11/2026 8h30"),
        1: ("RIEN CONSTATE", "20-11-2026 8h45"),
        2: ("a revoir", "20/11/26 9h05"),
        3: ("Procès verbal", datetime(2026, 11, 20, 9, 20)),
        4: (None, "20/11/2026 9h40"),  # a date but no result
        5: ("Avertissement", "20.11.2026 10:00"),
        6: ("Rien constaté", "19/11/2026 16h00"),  # the day before the shift: a date typed wrong
        7: ("Nettoyé", "20/11/2026 10h30"),
        8: ("Nettoyé", None),  # a result but no date
    }
    for i, (outcome, when) in typed.items():
        ws.cell(i + 2, col["Résultat"], outcome)
        ws.cell(i + 2, col["Date de visite"], when)
        ws.cell(i + 2, col["Agent"], "Dupont")
    ws.cell(5 + 2, col["Arrêt"], refs[5].lower().replace("-0", "-"))  # "t12-e1-6": still that stop
    ws.cell(7 + 2, col["Arrêt"], "T999-E1-01")  # no plan has it
    ws.cell(1, ws.max_column + 1, "Photo")  # a column the officer added
    sheet = tmp_path / "tournee_remplie.xlsx"
    book.save(sheet)

    summary = ingest_file(db, sheet, IngestOptions(kind="visits"), settings, geocoder=None, now=NOW)
    assert summary.balanced and summary.inserted == 5 and summary.rejected == len(refs) - 5
    not_done = len(refs) - 9
    lines = summary.reject_lines()
    assert not_done >= 2
    assert lines[0] == (
        f"{len(refs) - 5} lignes non enregistrées, dont {not_done} arrêts non faits (ni résultat ni date : "
        "rien à encoder, leurs sites restent à planifier) et 4 à corriger :"
    )
    assert lines[1].startswith("  • ligne 6 — Résultat (vide) : résultat manquant : la date de visite est remplie")
    assert "choisissez-le dans la liste de la colonne « Résultat »" in lines[1]
    assert lines[2] == (
        "  • ligne 8 — date de visite « 19/11/2026 (tournée du 20/11/2026) » : date de visite antérieure au jour de "
        "la tournée : l'arrêt n'était pas encore planifié ; corrigez la date (ou effacez la référence d'arrêt si la "
        "visite n'était pas celle de la tournée)"
    )
    assert lines[3].startswith("  • ligne 9 — arrêt de tournée « T999-E1-01 » : arrêt inconnu")
    assert lines[4] == (
        "  • ligne 10 — Date de visite (vide) : date de visite manquante : le résultat est rempli mais pas la date ; "
        "indiquez le jour et l'heure de la visite (par exemple 30/11/2026 14h30)"
    )
    assert len(lines) == 5
    # the sheet's own columns (order, priority, why…) come back with it: only the added one is reported as unknown
    assert summary.details["colonnes_ignorees"] == ["Photo"]
    # each visit is on its own stop, with the outcome's code and the time as written (Brussels)
    visits = db.execute(
        "SELECT s.ref, v.outcome, to_char(v.visited_at AT TIME ZONE 'Europe/Brussels', 'DD/MM HH24:MI'), v.officer"
        " FROM visits v JOIN plan_stops s ON s.id = v.plan_stop_id WHERE s.plan_id = %s ORDER BY s.ref",
        (stored.plan_id,),
    ).fetchall()
    assert visits == sorted(
        [
            (refs[0], "nettoye", "20/11 08:30", "Dupont"),
            (refs[1], "rien_constate", "20/11 08:45", "Dupont"),
            (refs[2], "a_revoir", "20/11 09:05", "Dupont"),
            (refs[3], "pv", "20/11 09:20", "Dupont"),
            (refs[5], "avertissement", "20/11 10:00", "Dupont"),
        ]
    )
    # the plan read back in the terminal shows each stop's result
    db.commit()
    shown = subprocess.run(
        [sys.executable, "-m", "service", "tournees", "--numero", str(stored.plan_id)],
        env=cli_env(settings, COLUMNS="220"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    row = next(line for line in shown.stdout.splitlines() if refs[3] in line)
    assert row.rstrip(" │").endswith("Procès-verbal") and "résultat" in shown.stdout
    assert next(line for line in shown.stdout.splitlines() if refs[6] in line).rstrip(" │").endswith("non fait")
    # the same file again stores nothing new and says the same
    again = ingest_file(db, sheet, IngestOptions(kind="visits"), settings, geocoder=None, now=NOW)
    assert again.inserted == 0 and again.updated == 0 and again.duplicates == 5
    assert again.reject_lines() == lines
    # an untouched sheet is only stops not made: nothing to correct
    blank = tmp_path / "tournee_vierge.xlsx"
    blank.write_bytes(render(sheet_from_plan(stored, load_labels(db), zone=ZONE), "xlsx"))
    untouched = ingest_file(db, blank, IngestOptions(kind="visits"), settings, geocoder=None, now=NOW)
    assert untouched.reject_lines() == [
        f"{len(refs)} lignes non enregistrées, dont {len(refs)} arrêts non faits (ni résultat ni date : "
        "rien à encoder, leurs sites restent à planifier)."
    ]


def test_a_shift_starting_at_midnight_takes_the_visits_of_its_hour_before(settings, db, geocoder, tmp_path):
    """A shift planned late in the evening starts at midnight: a stop seen at 23:30 the day before is the shift's
    (taken), one seen at 22:00 is a date typed wrong (refused, with the shift's day)."""
    midnight = datetime(2026, 11, 20, 0, 0, tzinfo=BRUSSELS)
    stored = store_plan(
        db, plan_shift(db, settings, _shift(starts_at=midnight, budget_minutes=90), geocoder=geocoder, now=NOW)
    )
    sheet = tmp_path / "tournee_de_nuit.csv"
    _sheet_csv(stored, sheet, {0: ("Rien constaté", "19/11/2026 23h30"), 1: ("Nettoyé", "19/11/2026 22h00")})
    summary = ingest_file(db, sheet, IngestOptions(kind="visits"), settings, geocoder=None, now=NOW)
    assert summary.balanced and summary.inserted == 1
    reasons = {
        r[0]: r[1]["motif"]
        for r in db.execute(
            "SELECT row_number, reasons -> 0 FROM rejected_rows WHERE batch_id = %s", (summary.batch_id,)
        )
    }
    assert reasons[3].startswith("date de visite antérieure au jour de la tournée")
    done = [s["done"] for s in summary_json(load_plan(db, stored.plan_id))["stops"]]
    assert done[:2] == [True, False]


def test_a_stop_s_hour_alone_falls_on_the_shift_s_day(settings, db, geocoder, tmp_path):
    """The printed sheet asks for the hour of each stop (« Heure ____ »), and that is what an officer copies into the
    workbook: « 9h05 » falls on the shift's day, « 20/11 10h » in its year; on a shift starting at midnight « 23h30 »
    is the evening before. On the row of a stop of no known shift, the hour alone is refused saying why."""
    stored = store_plan(db, plan_shift(db, settings, _shift(budget_minutes=150), geocoder=geocoder, now=NOW))
    sheet = tmp_path / "heures_seules.csv"
    unknown = ["", "T999-E1-01", "PS-0001", "", "", "", "Nettoyé", "9h30", "Agent Dupont", "", "tournee"]
    _sheet_csv(stored, sheet, {0: ("Nettoyé", "9h05"), 1: ("À revoir", "20/11 10h")}, extra_rows=[unknown])
    summary = ingest_file(db, sheet, IngestOptions(kind="visits"), settings, geocoder=None, now=NOW)
    assert summary.balanced and summary.inserted == 2
    visits = db.execute(
        "SELECT s.ref, to_char(v.visited_at AT TIME ZONE 'Europe/Brussels', 'DD/MM/YYYY HH24:MI')"
        " FROM visits v JOIN plan_stops s ON s.id = v.plan_stop_id WHERE s.plan_id = %s ORDER BY s.ref",
        (stored.plan_id,),
    ).fetchall()
    refs = list(stored.stops["ref"])
    assert visits == [(refs[0], "20/11/2026 09:05"), (refs[1], "20/11/2026 10:00")]
    # in the workbook, « 10:40 » typed into the date cell is a time for the spreadsheet (day 0 of its calendar)
    book = openpyxl.load_workbook(io.BytesIO(render(sheet_from_plan(stored, load_labels(db), zone=ZONE), "xlsx")))
    ws = book["Tournée"]
    col = {cell.value: cell.column for cell in ws[1]}
    ws.cell(4, col["Résultat"], "Rien constaté")
    ws.cell(4, col["Date de visite"], datetime(1899, 12, 30, 10, 40)).number_format = "hh:mm"
    typed = tmp_path / "heure_excel.xlsx"
    book.save(typed)
    assert ingest_file(db, typed, IngestOptions(kind="visits"), settings, geocoder=None, now=NOW).inserted == 1
    third = db.execute(
        "SELECT to_char(v.visited_at AT TIME ZONE 'Europe/Brussels', 'DD/MM/YYYY HH24:MI') FROM visits v"
        " JOIN plan_stops s ON s.id = v.plan_stop_id WHERE s.ref = %s",
        (refs[2],),
    ).fetchall()
    assert third == [("20/11/2026 10:40",)]
    said = (
        "Date de visite « 9h30 » : l'heure seule (ou le jour sans l'année) se lit au jour de la tournée de l'arrêt, "
        "mais cet arrêt n'est d'aucune tournée enregistrée : vérifiez la colonne « Arrêt »"
    )
    assert any(said in line for line in summary.reject_lines()), summary.reject_lines()
    assert not any("illisible" in line for line in summary.reject_lines())
    loose = tmp_path / "visite_sans_tournee.csv"
    loose.write_text("Date de visite;Résultat;Adresse;Code postal;Commune\n14h30;Nettoyé;Rue Ferrer 12;4100;Seraing\n")
    refused = ingest_file(db, loose, IngestOptions(kind="visits"), settings, geocoder=None, now=NOW).reject_lines()
    assert "« 14h30 » : l'heure seule (ou le jour sans l'année) ne se lit que sur la ligne d'un arrêt" in refused[1]
    midnight = datetime(2026, 11, 20, 0, 0, tzinfo=BRUSSELS)
    night = store_plan(
        db, plan_shift(db, settings, _shift(starts_at=midnight, budget_minutes=90), geocoder=geocoder, now=NOW)
    )
    late = tmp_path / "nuit.csv"
    _sheet_csv(night, late, {0: ("Rien constaté", "23h30")})
    assert ingest_file(db, late, IngestOptions(kind="visits"), settings, geocoder=None, now=NOW).inserted == 1
    seen = db.execute(
        "SELECT to_char(v.visited_at AT TIME ZONE 'Europe/Brussels', 'DD/MM/YYYY HH24:MI') FROM visits v"
        " JOIN plan_stops s ON s.id = v.plan_stop_id WHERE s.plan_id = %s",
        (night.plan_id,),
    ).fetchall()
    assert seen == [("19/11/2026 23:30",)]


def test_a_stop_s_outcome_is_recorded_in_the_field_once(settings, db, geocoder, planner):
    """On the phone at a stop of the shift: the visit goes to the stop (the shift counts it as done) and to its site
    (a point's priority follows the outcome), at the stop's place; sent again with the device's key (a lost answer)
    it is stored once; a stop that is not in the shift, or a key already used elsewhere, is refused in French."""
    # planned once the cool-down of the visits recorded by the tests above is over: its points are candidates again
    later = NOW + pd.Timedelta(days=settings.plan_cooldown_days + 1)
    stored = store_plan(db, plan_shift(db, settings, _shift(budget_minutes=90), geocoder=geocoder, now=later))
    db.commit()
    stops = stored.stops.sort_values(["team", "ord"])
    point = stops[stops["site_kind"] == "point_sensible"].iloc[0]
    other = stops[stops["ref"] != point["ref"]].iloc[0]
    url = f"/api/tournees/{stored.plan_id}/arrets/{point['ref']}/visites"
    body = {"date": "2026-11-20 09:40", "resultat": "pv", "agent": "INP Lambert", "identifiant": "vfield0000001"}
    priority = db.execute("SELECT priority FROM sensitive_points WHERE id = %s", (point["site_id"],)).fetchone()[0]
    first = planner.post(url, json=body)
    again = planner.post(url, json=body)
    assert first.status_code == 201, first.text
    assert again.status_code == 200 and again.json()["deja_recue"] and again.json()["id"] == first.json()["id"]
    visit = first.json()["properties"]
    assert (visit["resultat"], visit["point_sensible"], visit["agent"]) == ("pv", point["site_id"], "INP Lambert")
    db.commit()
    rows = db.execute(
        "SELECT count(*), min(geocode_status), min(ST_Distance(v.geom, s.geom)) FROM visits v JOIN plan_stops s "
        "ON s.id = v.plan_stop_id WHERE s.plan_id = %s",
        (stored.plan_id,),
    ).fetchone()
    assert rows == (1, "tournee", 0.0)  # once, at the stop's place
    summary = summary_json(load_plan(db, stored.plan_id))
    assert [s["done"] for s in summary["stops"] if s["ref"] == point["ref"]] == [True]
    assert sum(s["done"] for s in summary["stops"]) == 1
    after = db.execute("SELECT priority FROM sensitive_points WHERE id = %s", (point["site_id"],)).fetchone()[0]
    assert after != priority  # the « suite de visite » factor of a procès-verbal
    missing = planner.post(f"/api/tournees/{stored.plan_id}/arrets/T999-E1-01/visites", json=body)
    assert missing.status_code == 404
    assert missing.json()["erreur"] == f"Pas d'arrêt « T999-E1-01 » dans la tournée n° {stored.plan_id}."
    misread = planner.post(f"/api/tournees/{stored.plan_id}/arrets/PS-0001/visites", json=body)
    assert misread.status_code == 422  # in French, not the pattern the reference must match
    assert misread.json()["erreur"] == "Valeur refusée pour « stop_ref » : forme non reconnue", misread.json()
    elsewhere = planner.post(f"/api/tournees/{stored.plan_id}/arrets/{other['ref']}/visites", json=body)
    assert elsewhere.status_code == 409 and "déjà reçu pour un autre lieu" in elsewhere.json()["erreur"]


def test_a_visit_file_names_its_sites_as_the_lists_do(settings, db, tmp_path):
    """Officers visit the sensitive points outside any shift and write the site's number in a « Site » column:
    it was ignored, and the row refused for having no place. Now each visit takes its site's place, a point or an
    axis is attached (its history and priority see it), an unknown or unreadable site is refused with why."""
    point, axis = db.execute(
        "SELECT (SELECT id FROM sensitive_points ORDER BY priority DESC LIMIT 1), "
        "(SELECT id FROM problem_axes ORDER BY id LIMIT 1)"
    ).fetchone()
    report, permit = db.execute("SELECT (SELECT min(id) FROM reports), (SELECT min(id) FROM permits)").fetchone()
    priority = db.execute("SELECT priority FROM sensitive_points WHERE id = %s", (point,)).fetchone()[0]
    typed = point.lower().replace("-000", " ")  # « ps 1 », as typed
    rows = [
        "Date de visite;Site;Constat;Agent",
        f"20/11/2026 11:50;{typed};PV dressé;INP Dupont",  # the point's latest visit (the API's was at 09:40)
        f"20/11/2026 10:00;{axis};RAS;INP Dupont",
        f"20/11/2026 10:30;SIG-{report};nettoyé;INP Lejeune",
        f"20/11/2026 11:00;PER-{permit};avertissement;INP Lejeune",
        "20/11/2026 11:30;PS-9999;RAS;INP Dupont",
        "20/11/2026 11:40;rue Ferrer;RAS;INP Dupont",
    ]
    path = tmp_path / "visites_hors_tournee.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    summary = ingest_file(db, path, IngestOptions(kind="visits"), settings, now=NOW)
    db.commit()
    assert (summary.inserted, summary.rejected) == (4, 2)
    assert summary.details["visites_liees_a_un_site"] == 4 and summary.details["points_repriorises"] == 1
    reasons = dict(
        db.execute(
            "SELECT row_number, reasons -> 0 ->> 'motif' FROM rejected_rows WHERE batch_id = %s", (summary.batch_id,)
        ).fetchall()
    )
    assert reasons[6].startswith("site inconnu : aucun point sensible, axe, signalement, permis ou suivi")
    assert reasons[7].startswith("site illisible : écrivez PS-0001 (point sensible), AX-0005 (axe)")
    stored = {
        r[0]: r[1:]
        for r in db.execute(
            "SELECT v.site_ref, v.point_id, v.axis_id, v.report_id, v.geocode_status, round(ST_Distance(v.geom, "
            "coalesce(p.point, ST_PointOnSurface(a.geom), r.geom, pe.geom))) FROM visits v "
            "LEFT JOIN sensitive_points p ON p.id = v.point_id LEFT JOIN problem_axes a ON a.id = v.axis_id "
            "LEFT JOIN reports r ON r.id = v.report_id "
            "LEFT JOIN permits pe ON v.site_ref = 'PER-' || pe.id WHERE v.batch_id = %s",
            (summary.batch_id,),
        ).fetchall()
    }
    assert stored == {
        point: (point, None, None, "site", 0),
        axis: (None, axis, None, "site", 0),
        f"SIG-{report}": (None, None, report, "site", 0),
        f"PER-{permit}": (None, None, None, "site", 0),
    }
    after = db.execute("SELECT priority FROM sensitive_points WHERE id = %s", (point,)).fetchone()[0]
    assert after != priority  # a procès-verbal: the « suite de visite » factor
    # a visit with its own number imported again with another site moves to it, and leaves the first
    for site in (point, axis):
        numbered = tmp_path / "visite_numerotee.csv"
        numbered.write_text(f"N° visite;Date de visite;Site;Constat\nV-1;20/11/2026 09:00;{site};RAS\n", "utf-8")
        ingest_file(db, numbered, IngestOptions(kind="visits"), settings, now=NOW)
        db.commit()
    moved = db.execute("SELECT site_ref, point_id, axis_id FROM visits WHERE external_id = 'V-1'").fetchall()
    assert moved == [(axis, None, axis)]


def test_a_site_already_in_a_shift_is_left_to_it_until_that_shift_is_cancelled(
    settings, db, geocoder, planner, tmp_path
):
    """Planned twice for the same afternoon, the two shifts sent two teams to the same sites, and the first one
    could not be called off: it stayed in the lists and in the activity report's « arrêts prévus ». A site at a stop
    of a shift not over is left out, saying which shift; cancelled, that shift frees its sites, leaves the report's
    counts and records the visits of its sheet (or of a phone) at their sites, outside it; a shift with visits
    recorded took place and is not cancelled."""
    from service.activity import read_activity
    from service.errors import ConflictError
    from service.plan import cancel_plan
    from service.plan.candidates import PLANNED
    from service.prevention.period import parse_period

    afternoon = datetime(2026, 11, 20, 13, 0, tzinfo=BRUSSELS)
    request = _shift(starts_at=afternoon, budget_minutes=120)
    first = store_plan(db, plan_shift(db, settings, request, geocoder=geocoder, now=NOW))
    again = plan_shift(db, settings, request, geocoder=geocoder, now=NOW)
    taken = set(first.stops["site_id"])
    assert taken and taken.isdisjoint(_sites(again))
    left = again.excluded.set_index("site_id")
    assert taken <= set(left.index) and set(left.loc[list(taken), "motive"]) == {PLANNED}
    some = first.stops.iloc[0]
    assert left.loc[some["site_id"], "reason"] == (
        f"déjà prévu dans la tournée n° {first.plan_id} (arrêt {some['ref']}, le 20/11/2026 vers "
        f"{pd.Timestamp(some['arrival']).tz_convert('Europe/Brussels'):%H:%M}) : pour le planifier ici, annulez-la "
        f"d'abord (hotspots tournees annuler {first.plan_id})"
    )
    period = parse_period("2026-11", zone="Europe/Brussels", now=pd.Timestamp("2026-12-06", tz="UTC"))
    before = read_activity(db, period).shifts

    cancelled = planner.post(f"/api/tournees/{first.plan_id}/annulation")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["tournee"] == first.plan_id and cancelled.json()["par"] == "test.planificateur"
    twice = planner.post(f"/api/tournees/{first.plan_id}/annulation")
    assert twice.status_code == 409 and twice.json()["erreur"].startswith(f"La tournée n° {first.plan_id} est déjà")
    # a phone still showing the cancelled shift, or a visit kept on it out of the network: the team was there, the
    # visit is a fact (it was refused, 409), recorded at the stop's site, outside the shift, which stays cancelled
    late_visit = {"date": "2026-11-20 14:10", "resultat": "avertissement", "agent": "INP Lambert"}
    late_url = f"/api/tournees/{first.plan_id}/arrets/{some['ref']}/visites"
    late = planner.post(late_url, json=late_visit | {"identifiant": "k3f9x2a7q1m8"})
    assert late.status_code == 201, late.text
    assert late.json()["lot"]["phrases"][-1] == (
        f"1 visite d'un arrêt de la tournée n° {first.plan_id}, annulée : rattachée à son site, hors tournée."
    )
    stored_late = db.execute(
        "SELECT plan_stop_id, site_ref, extra ->> 'arret_tournee_annulee' FROM visits WHERE id = %s",
        (late.json()["id"],),
    ).fetchone()
    db.rollback()
    assert stored_late == (None, some["site_id"], some["ref"])
    again_sent = planner.post(late_url, json=late_visit | {"identifiant": "k3f9x2a7q1m8"})  # its answer was lost
    assert again_sent.status_code == 200 and again_sent.json()["deja_recue"] is True, again_sent.text
    assert again_sent.json()["id"] == late.json()["id"]
    shown = planner.get(f"/api/tournees/{first.plan_id}").json()["tournee"]  # what the map and the phone draw
    assert shown["cancelled_at"].startswith(cancelled.json()["annulee_le"][:16])
    # its sheet printed again (or opened from the list) says so first: a team must not go out with it
    when = pd.Timestamp(cancelled.json()["annulee_le"]).tz_convert("Europe/Brussels")
    pdf = planner.get(f"/api/tournees/{first.plan_id}/export", params={"format": "pdf"})
    text = " ".join(pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text().split())
    assert text.startswith(f"ANNULÉE — Tournée n° {first.plan_id} — 20/11/2026, 13:00–15:00"), text[:120]
    assert f"Annulée le {when:%d/%m/%Y à %H:%M} : ne pas emporter" in text, text[:600]
    xlsx = planner.get(f"/api/tournees/{first.plan_id}/export", params={"format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames[0] == "Tournée ANNULÉE" and book.worksheets[0].sheet_properties.tabColor.rgb == "00B00020"
    sheet_rows = list(book.worksheets[1].iter_rows(values_only=True))
    assert sheet_rows[0][0].startswith(f"ANNULÉE — Tournée n° {first.plan_id}")
    assert ("Annulée", f"le {when:%d/%m/%Y à %H:%M} : ne pas emporter") in [tuple(r[:2]) for r in sheet_rows]
    db.rollback()
    freed = plan_shift(db, settings, request, geocoder=geocoder, now=NOW)
    assert taken & _sites(freed)  # the best sites are the first shift's again
    after = read_activity(db, period).shifts
    assert after["tournees"] == before["tournees"] - 1 and after["arrets"] == before["arrets"] - len(first.stops)
    listed = {p["id"]: p for p in planner.get("/api/tournees", params={"limite": 500}).json()}
    assert listed[first.plan_id]["cancelled_at"].startswith(cancelled.json()["annulee_le"][:10])
    assert all(p["cancelled_at"] is None for n, p in listed.items() if n != first.plan_id)  # null, not « NaT »

    # the team went all the same, with the sheet printed before: its visits are facts, recorded at their sites
    # (before, each row was refused, and had to be typed again without its stop); the shift stays cancelled
    sheet = tmp_path / "feuille.csv"
    sheet.write_text(f"Arrêt;Date de visite;Résultat\n{some['ref']};20/11/2026 12:50;RAS\n", encoding="utf-8")
    summary = ingest_file(db, sheet, IngestOptions(kind="visits"), settings, now=NOW)
    db.commit()
    assert (summary.inserted, summary.rejected) == (1, 0)
    assert summary.cancelled_line() == (
        f"1 visite d'un arrêt de la tournée n° {first.plan_id}, annulée : rattachée à son site, hors tournée."
    )
    recorded = db.execute(
        "SELECT plan_stop_id, site_ref, extra ->> 'arret_tournee_annulee', geom IS NOT NULL, point_id, axis_id, "
        "'SIG-' || report_id FROM visits WHERE batch_id = %s",
        (summary.batch_id,),
    ).fetchall()
    assert [r[:4] for r in recorded] == [(None, some["site_id"], some["ref"], True)]
    # a point, an axis or a report sees it in its history (a follow-up or a permit has no such link)
    attached = dict(zip(("PS", "AX", "SIG"), recorded[0][4:], strict=True))
    kind = some["site_id"].split("-")[0]
    assert attached.get(kind, some["site_id"]) == some["site_id"], (kind, attached)
    listed = {p["id"]: p for p in planner.get("/api/tournees", params={"limite": 500}).json()}
    assert listed[first.plan_id]["done"] == 0 and listed[first.plan_id]["cancelled_at"] is not None

    done = store_plan(db, freed)  # a shift with a visit recorded took place
    stop = done.stops.iloc[0]
    visit = planner.post(
        f"/api/tournees/{done.plan_id}/arrets/{stop['ref']}/visites",
        json={"date": "2026-11-20 13:20", "resultat": "rien_constate", "agent": "INP Lambert"},
    )
    assert visit.status_code == 201, visit.text
    db.rollback()
    with pytest.raises(ConflictError, match="a déjà 1 visite enregistrée : elle a eu lieu"):
        cancel_plan(db, done.plan_id, actor="test")
    db.rollback()


def _sites(plan) -> set[str]:
    return {plan.candidates.iloc[stop.candidate]["site_id"] for stop in plan.stops}


def test_a_past_shift_whose_sheet_is_not_back_keeps_its_sites_a_few_days(settings, db, geocoder, tmp_path):
    """Yesterday's shift is over, its sheet not typed in yet: a team may have been at its sites, and the next
    morning's shift sent another one there (its stops went back into the pool the minute the shift ended). Its
    sites not visited are held for it, saying why and until when, while no visit of it is recorded; once its sheet
    is back (a visit recorded), the stops it did not make are free, and say that they waited; with no sheet after
    three days, all are free."""
    from service.cli.plan import sheet_line
    from service.plan.candidates import AWAITING

    yesterday = datetime(2026, 11, 19, 8, 0, tzinfo=BRUSSELS)
    past = store_plan(
        db,
        plan_shift(db, settings, _shift(starts_at=yesterday, budget_minutes=120), geocoder=geocoder, now=yesterday),
    )
    held = set(past.stops["site_id"])
    assert len(held) >= 3
    today = _shift(starts_at=datetime(2026, 11, 20, 8, 0, tzinfo=BRUSSELS), budget_minutes=120)
    try:
        morning = plan_shift(db, settings, today, geocoder=geocoder, now=yesterday + pd.Timedelta(hours=12))
        assert held.isdisjoint(_sites(morning))
        left = morning.excluded.set_index("site_id")
        kept_out = held & set(left.index)  # (a report may have aged out of the candidates overnight)
        assert len(kept_out) >= 3 and set(left.loc[list(kept_out), "motive"]) == {AWAITING}
        first = past.stops[past.stops["site_id"].isin(kept_out)].iloc[0]
        assert left.loc[first["site_id"], "reason"] == (
            f"dans la tournée n° {past.plan_id} du 19/11/2026 (arrêt {first['ref']}), passée sans aucune visite "
            "rentrée : une équipe y est peut-être allée ; importez d'abord sa feuille (hotspots ingest visits "
            f"FICHIER), ou annulez-la si elle n'a pas eu lieu (hotspots tournees annuler {past.plan_id}) ; sinon "
            "le site redevient libre le 22/11/2026 à 10:00"
        )
        # the shift's detail says so, and until when its sites are held
        detail = [
            sheet_line(past, zone=ZONE, wait_days=settings.plan_sheet_wait_days, now=pd.Timestamp(t, tz=BRUSSELS))
            for t in ("2026-11-19 09:00", "2026-11-20 09:00", "2026-11-23 09:00")
        ]
        said = (
            "Feuille à rentrer : aucune visite enregistrée depuis la fin de la tournée (19/11/2026 à 10:00). Importez "
        )
        assert detail == [
            None,  # under way
            f"{said}la feuille remplie (hotspots ingest visits FICHIER) ; ses sites non visités restent réservés "
            "jusqu'au 22/11/2026 à 10:00.",
            f"{said}la feuille remplie (hotspots ingest visits FICHIER) ; ses sites sont de nouveau libres depuis le "
            "22/11/2026 à 10:00.",
        ]
        # three days on, no sheet: the shift did not happen, or its sheet is lost
        late = CandidateContext(
            settings=settings,
            filters=Filters(),
            now=pd.Timestamp("2026-11-22 10:01", tz=BRUSSELS),
            labels=load_labels(db),
        )
        _, excluded = load_candidates(db, late)
        assert held.isdisjoint(excluded.loc[excluded["motive"] == AWAITING, "site_id"])
        # the sheet comes back with one stop made: the others were missed, and are free at once
        sheet = tmp_path / "feuille_revenue.csv"
        sheet.write_text(f"Arrêt;Date de visite;Résultat\n{first['ref']};19/11/2026 08:30;RAS\n", encoding="utf-8")
        summary = ingest_file(db, sheet, IngestOptions(kind="visits"), settings, now=NOW)
        assert (summary.inserted, summary.rejected) == (1, 0)
        again = plan_shift(db, settings, today, geocoder=geocoder, now=yesterday + pd.Timedelta(hours=12))
        assert sheet_line(load_plan(db, past.plan_id), zone=ZONE, wait_days=3, now=NOW) is None
        waiting = again.excluded.loc[again.excluded["motive"] == AWAITING, "site_id"]
        assert held.isdisjoint(waiting)
        missed = held - {first["site_id"]}
        assert missed & _sites(again)  # the best of them planned again
        # each says that it waited: the officers know why it is back (unless visited since, another way: an
        # earlier test of this module may have recorded a visit there after the shift)
        reasons = again.candidates.set_index("site_id")["reason"]
        last = again.candidates.set_index("site_id")["last_visit"]
        stops = past.stops.set_index("site_id")["ref"]
        waited = [s for s in missed & set(reasons.index) if pd.isna(last[s]) or pd.Timestamp(last[s]) < yesterday]
        assert waited, (missed, last)
        for site in waited:
            said = f"prévu le 19/11/2026 dans la tournée n° {past.plan_id}, arrêt {stops[site]}, pas fait"
            assert reasons[site].endswith(f" ; {said}") or reasons[site] == said, reasons[site]
        assert not any("pas fait" in why for site, why in reasons.items() if site not in missed)
    finally:
        db.rollback()
