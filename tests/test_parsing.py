"""Pure parsing rules: dates, numbers, coordinate systems, headers and vocabulary spellings."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from service.db.vocabulary import Term
from service.demo.load import first_shift_start
from service.errors import InvalidValueError
from service.geo import LAMBERT72, LAMBERT2008, WGS84, project
from service.ingest.columns import map_columns, names_the_facts, normalise_header
from service.ingest.coords import locate, to_number
from service.ingest.dates import at_time, on_shift, parse_datetimes
from service.ingest.header import header_index
from service.ingest.source import STR
from service.ingest.vocabulary import Vocabulary, normalise_value
from service.plan.model import parse_start_time, since_date
from service.settings import load_settings
from service.zone import zone_polygon

CASES = [
    ("25/11/2026 14:30", "2026-11-25 13:30", None),  # winter: UTC+1
    ("14/07/2026 14:30", "2026-07-14 12:30", None),  # summer: UTC+2
    ("2026-07-14T14:30:00", "2026-07-14 12:30", None),
    ("2026-07-14 14:30", "2026-07-14 12:30", None),
    ("2026-07-14T14:30:00+02:00", "2026-07-14 12:30", None),
    ("2026-07-14T12:30:00Z", "2026-07-14 12:30", None),
    ("14.07.2026 8h15", "2026-07-14 06:15", None),
    ("5/3/25", "2025-03-04 23:00", None),
    ("2026-03-29T02:30:00", "2026-03-29 01:00", None),  # skipped hour: moved forward
    ("31/02/2026 08:00", None, "date impossible"),  # the fast path must not roll over into March
    ("2026-02-31T10:00:00", None, "date impossible"),
    ("29/02/2025", None, "date impossible"),
    ("29/02/2024", "2024-02-28 23:00", None),
    ("30 nov. 2026 17h15", "2026-11-30 16:15", None),  # month in words, as typed in a sheet
    ("lundi 30 Novembre 2026 à 9h", "2026-11-30 08:00", None),
    ("1er août 2026", "2026-07-31 22:00", None),
    ("3 decembre 2026 14:30", "2026-12-03 13:30", None),
    ("31 février 2026", None, "date impossible"),
    ("30 brumaire 2026", None, "date illisible"),
    ("5 mars 2026", "2026-03-04 23:00", None),  # written out by a person, French or Dutch
    ("lundi 9 mars 2026 à 14h30", "2026-03-09 13:30", None),
    ("1er déc. 2025 8h", "2025-12-01 07:00", None),
    ("Le 3 Août 2025, 22:15", "2025-08-03 20:15", None),
    ("5 maart 2026 om 8u15", "2026-03-05 07:15", None),
    ("9 March 2026 14:30", "2026-03-09 13:30", None),  # an English export: its month names too
    ("Saturday 2 May 2026, 9:05", "2026-05-02 07:05", None),
    ("1st December 2025", "2025-11-30 23:00", None),
    ("5 brumaire 2026", None, "date illisible"),
    ("mars 2026", None, "date illisible"),  # no day: a report needs one
    ("hier soir", None, "date illisible"),
    ("2026/14/07", None, "date impossible"),  # year first (2025/03/14 is read): no 14th month
    (None, None, "date manquante"),
    ("  ", None, "date manquante"),
]


@pytest.mark.parametrize(("text", "utc", "reason"), CASES)
def test_dates_in_brussels_time(text, utc, reason):
    stamps, reasons = parse_datetimes(pd.Series([text], dtype=object))
    if utc is None:
        assert pd.isna(stamps.iloc[0])
    else:
        assert stamps.iloc[0].strftime("%Y-%m-%d %H:%M") == utc
    got = reasons.iloc[0]
    assert (None if pd.isna(got) else got) == reason


def test_numbers_with_commas_spaces_and_garbage():
    numbers, bad = to_number(pd.Series(["50,6098", " 230 917,7 ", "", None, "5.5a", "1e3"], dtype=STR))
    assert numbers[:2].tolist() == [50.6098, 230917.7]
    assert np.isnan(numbers[2:5]).all() and numbers[5] == 1000.0
    assert bad.tolist() == [False, False, False, False, True, False]
    # Excel in Belgian French groups thousands with dots before the decimal comma: Lambert 72 metres
    numbers, bad = to_number(pd.Series(["230.917,7", "144.970,3", "-1.234,5", "5.512.010", "50.6098"], dtype=STR))
    assert numbers[:3].tolist() == [230917.7, 144970.3, -1234.5] and numbers[4] == 50.6098
    assert bad.tolist() == [False, False, False, True, False]  # dots without a decimal comma: not a number


def test_crs_is_recognised_from_the_values():
    settings = load_settings(database_url=None)
    zone = zone_polygon(settings)
    x72, y72 = project(np.array([5.5120109]), np.array([50.6097927]), WGS84, LAMBERT72)
    x08, y08 = project(np.array([5.5120109]), np.array([50.6097927]), WGS84, LAMBERT2008)
    cols = {
        "lat": pd.Series(["50.6097927", None, None, "5.5120109", "0"], dtype=STR),
        "lon": pd.Series(["5.5120109", None, None, "50.6097927", "0"], dtype=STR),
        "x": pd.Series([None, f"{x72[0]}", f"{x08[0]}", None, None], dtype=STR),
        "y": pd.Series([None, f"{y72[0]}", f"{y08[0]}", None, None], dtype=STR),
    }
    located = locate(cols, zone=zone)
    assert located.crs.tolist()[:3] == [WGS84, LAMBERT72, LAMBERT2008]
    assert np.allclose(located.x[:3], x72[0], atol=1.5) and np.allclose(located.y[:3], y72[0], atol=1.5)
    assert located.has_coords.tolist() == [True, True, True, False, False]  # swapped; 0/0 means "none"
    assert any("inversées" in str(msg) for mask, _f, _v, msg in located.problems if mask[3])


def test_headers_and_values_are_compared_without_case_accents_or_punctuation():
    assert normalise_header(" N° Dossier ") == "n_dossier"
    assert normalise_header("Catégorie") == "categorie"
    assert normalise_value("  Dépôt   CLANDESTIN ! ") == "depot clandestin"
    cmap = map_columns(["Date", "Date signalement", "Catégorie", "Rue", "Numéro", "Remarques"], "reports")
    assert cmap.fields["observed_at"] == "Date signalement"  # the specific name outranks the generic one
    assert (cmap.fields["street"], cmap.fields["house_number"]) == ("Rue", "Numéro")
    assert cmap.ignored == ["Date"]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (  # a police register's words: the infraction's date, the nature of the facts, what was found
            ["Date de l'infraction", "Lieu", "Nature des faits", "Constatations"],
            {"observed_at": "Date de l'infraction", "address": "Lieu", "category": "Nature des faits"},
        ),
        (
            ["Date", "Heure", "Rue et numéro", "CP", "Commune", "Type d'infraction", "Remarques"],
            {"address": "Rue et numéro", "category": "Type d'infraction", "observed_time": "Heure"},
        ),
        (
            ["Datum vaststelling", "Straat", "Huisnummer", "Postcode", "Gemeente", "Aard", "Omschrijving"],
            {"observed_at": "Datum vaststelling", "category": "Aard", "description": "Omschrijving"},
        ),
        (  # the facts' date outranks the reception's; a reception date alone is the report's date
            ["Date de réception", "Date des faits", "Adresse des faits", "Catégorie"],
            {"observed_at": "Date des faits"},
        ),
        (["Reçu le", "Localisation", "Problème", "Commentaire"], {"observed_at": "Reçu le", "category": "Problème"}),
        (["Date/heure", "Adresse complète", "Type de dépôt"], {"category": "Type de dépôt"}),
        (  # what a header says in brackets, and a header on two lines of its cell
            ["Date (jj/mm/aaaa)", "Catégorie [code]", "Lieu (rue et n°)", "Date\nclôture"],
            {"observed_at": "Date (jj/mm/aaaa)", "category": "Catégorie [code]", "address": "Lieu (rue et n°)"},
        ),
        (  # a police register: its date named with the time beside it, its rows numbered by their PV
            ["N° PV", "Date/heure constat", "Nature", "Lieu", "Agent"],
            {"external_id": "N° PV", "observed_at": "Date/heure constat", "category": "Nature", "address": "Lieu"},
        ),
        (
            ["PV", "Date et heure du signalement", "Type de nuisance"],
            {"external_id": "PV", "observed_at": "Date et heure du signalement"},
        ),
        (["Proces-verbaal", "Datum/uur vaststelling", "Soort"], {"observed_at": "Datum/uur vaststelling"}),
        (  # the second chance is for a required field only: the date named, the facts' column is no time column
            ["Date", "Date et heure des faits", "Catégorie"],
            {"observed_at": "Date", "observed_time": None},
        ),
        (  # a whole header line read as one column (wrong separator) is not taken for its date
            ["N° dossier;Date signalement;Catégorie;Adresse;Code postal"],
            {"observed_at": None, "category": None},
        ),
    ],
)
def test_the_headers_registers_write_are_recognised(headers, expected):
    """Each of these registers had its date, its category or its place left « non reconnue », and every row
    refused for it."""
    fields = map_columns(headers, "reports").fields
    assert {name: fields.get(name) for name in expected} == expected


@pytest.mark.parametrize(
    ("kind", "headers", "expected"),
    [
        (
            "visits",
            ["Date du passage", "Lieu contrôlé", "Résultat du contrôle", "Agent verbalisant", "Remarques"],
            {"visited_at": "Date du passage", "outcome": "Résultat du contrôle", "officer": "Agent verbalisant"},
        ),
        (
            "visits",
            ["Date d'intervention", "Adresse", "Suite réservée", "Inspecteur", "Observations"],
            {"visited_at": "Date d'intervention", "outcome": "Suite réservée"},
        ),
        (
            "visits",
            ["Datum controle", "Adres", "Resultaat controle", "Agent", "Opmerkingen"],
            {"visited_at": "Datum controle", "outcome": "Resultaat controle"},
        ),
        (
            "visits",
            ["Date", "Heure de passage", "Site", "Résultat", "Agent(s)"],
            {"visited_time": "Heure de passage", "officer": "Agent(s)"},
        ),
        (
            "permits",
            ["N° de permis", "Nature du permis", "Rubrique", "Situation du bien", "Octroyé le", "Valable jusqu'au"],
            {"permit_type": "Nature du permis", "address": "Situation du bien", "decision_date": "Octroyé le"},
        ),
        (  # an optional field that names itself alone, with words more than its aliases
            "permits",
            ["Référence", "Type de permis", "Date de la décision du collège", "Date de fin des travaux"],
            {"decision_date": "Date de la décision du collège", "valid_until": None},
        ),
        (
            "reports",
            ["N° PV", "Date/heure constat", "Nature", "Date et heure des faits", "Date/heure clôture"],
            {"observed_at": "Date/heure constat", "closed_at": "Date/heure clôture", "observed_time": None},
        ),
        (  # three words more than « date de clôture »: not taken for it
            "reports",
            ["Date", "Catégorie", "Date de clôture prévue par le service technique"],
            {"closed_at": None},
        ),
    ],
)
def test_the_headers_of_visit_and_permit_registers_are_recognised(kind, headers, expected):
    """A visit register without a recognised date or outcome had every row refused; a permit's type, place and
    decision were kept aside as unrecognised."""
    fields = map_columns(headers, kind).fields
    assert {name: fields.get(name) for name in expected} == expected


@pytest.mark.parametrize(
    ("rows", "header"),
    [
        ([["Export des plaintes"], ["Édité le", "01/12/2026"], [], ["date", "type", "rue"], ["1", "2", "3"]], 3),
        ([["date", "type"], ["1", "2"]], 0),  # a two-column table is not a title
        ([["date", "type"], ["1", "2", "3"], ["1", "2"]], 0),  # nor when one row is too wide
        ([["date", "type", "", "", "x"], ["1", "2", "3", "4", "5"]], 0),  # a header with unnamed columns
        ([["Export"], ["seule colonne"]], None),  # no table: the reader keeps its first line (and says why)
        ([[f"note {i}"] for i in range(12)] + [["date", "type"], ["1", "2"]], None),  # too far down
    ],
)
def test_header_row_below_titles_and_blank_rows(rows, header):
    assert header_index(rows) == header


EVENING = datetime(2026, 12, 1, 21, 30, tzinfo=ZoneInfo("Europe/Brussels"))


@pytest.mark.parametrize(
    ("typed", "start"),
    [
        ("2026-12-03 08:00", "03/12 08:00"),
        ("03/12/2026 8h", "03/12 08:00"),
        ("8h", "02/12 08:00"),  # typed in the evening: tomorrow morning
        ("8 h 30", "02/12 08:30"),
        ("22h", "01/12 22:00"),  # later today
        ("21h00", "01/12 21:00"),  # less than an hour past: still today
        ("demain 7h45", "02/12 07:45"),
        ("Demain à 14h", "02/12 14:00"),
        ("demain", "02/12 08:00"),
        ("aujourd'hui 23h", "01/12 23:00"),
        ("8u15", "02/12 08:15"),
        ("03/12/2026", "03/12 08:00"),  # a day alone: when the service's day starts
        ("2026-12-03", "03/12 08:00"),
    ],
)
def test_a_shift_starts_as_an_officer_types_it(typed, start):
    assert parse_start_time(typed, "Europe/Brussels", now=EVENING).strftime("%d/%m %H:%M") == start


@pytest.mark.parametrize("typed", ["25h", "08:61", "demain matin", "la semaine prochaine"])
def test_an_unreadable_start_is_refused_with_examples(typed):
    with pytest.raises(InvalidValueError, match=f"début de tournée illisible : « {typed} »") as refused:
        parse_start_time(typed, "Europe/Brussels", now=EVENING)
    assert "demain 8h" in (refused.value.hint or "")


@pytest.mark.parametrize(
    ("hour", "start"), [(5, "01/12 08:00"), (9, "01/12 09:15"), (14, "01/12 14:15"), (16, "02/12 08:00")]
)
def test_the_demo_plans_the_shift_the_service_would_go_out_on(hour, start):
    now = datetime(2026, 12, 1, hour, 5, tzinfo=ZoneInfo("Europe/Brussels"))
    assert first_shift_start("Europe/Brussels", now).strftime("%d/%m %H:%M") == start


def test_the_not_visited_since_day_starts_at_midnight():
    assert since_date("15/11/2026", "Europe/Brussels").strftime("%d/%m %H:%M") == "15/11 00:00"
    assert since_date("2026-11-15", "Europe/Brussels").strftime("%d/%m %H:%M") == "15/11 00:00"
    assert since_date("  ", "Europe/Brussels") is None


def test_a_date_without_its_day_or_year_is_completed_from_its_shift():
    """An hour alone falls in the 24 hours from 6 hours before the shift's start; a day and month in the year
    nearest it; anything else, or a row without a shift, is left as written (and refused as it is if it must be)."""
    cases = [
        ("17h30", "2026-12-06 08:00", "06/12/2026 17:30"),
        ("20h30", "2026-12-06 08:00", "06/12/2026 20:30"),  # a long day, not the evening before
        ("23h30", "2026-11-20 00:00", "19/11/2026 23:30"),  # a shift starting at midnight
        ("1h30", "2026-12-06 22:00", "07/12/2026 01:30"),  # a night shift
        ("17 h 05", "2026-12-06 08:00", "06/12/2026 17:05"),
        ("9u15", "2026-12-06 08:00", "06/12/2026 09:15"),
        ("6/12 17:30", "2026-12-06 08:00", "06/12/2026 17:30"),
        ("2/1 8h", "2026-12-30 08:00", "02/01/2027 8h"),  # the new year's day after a shift of 30 December
        ("06/12/2026 17h", "2026-12-06 08:00", "06/12/2026 17h"),
        ("25h", "2026-12-06 08:00", "25h"),
        ("31/02", "2026-12-06 08:00", "31/02"),
        ("17h30", None, "17h30"),
    ]
    values = pd.Series([c[0] for c in cases], dtype="string")
    starts = pd.Series([pd.Timestamp(c[1]) if c[1] else pd.NaT for c in cases])
    assert on_shift(values, starts).tolist() == [c[2] for c in cases]
    parsed, reasons = parse_datetimes(on_shift(values, starts), tz="Europe/Brussels")
    assert parsed.iloc[2] == pd.Timestamp("2026-11-19 22:30", tz="UTC") and reasons.iloc[-1] == "date illisible"


def test_a_time_of_day_in_a_column_of_its_own_completes_a_date_alone():
    """« Date » and « Heure » in two columns: a date alone, or a spreadsheet's date cell (midnight), takes the time
    beside it, in Brussels wall-clock time across the change of hour; a date with its own time keeps it when the
    time beside it says the same, and is said to differ when it does not; a time that cannot be read is said so."""
    written = ["02/12/2026", "2026-12-02T00:00:00", "02/12/2026 09:15", "02/12/2026 09:15", "02/12/2026"]
    dates, _ = parse_datetimes(pd.Series([*written, "29/03/2026", None]), tz="Europe/Brussels")
    times = pd.Series(["14h30", "14:30:00", "9h15", "10:00", "midi", "02:30", "14:30"], dtype="string")
    stamps, reasons = at_time(dates, times, tz="Europe/Brussels")
    local = [None if pd.isna(t) else f"{t.tz_convert('Europe/Brussels'):%d/%m %H:%M}" for t in stamps]
    assert local == ["02/12 14:30", "02/12 14:30", "02/12 09:15", "02/12 09:15", "02/12 00:00", "29/03 03:00", None]
    assert reasons.where(reasons.notna(), None).tolist() == [
        None,
        None,
        None,
        "heure différente",
        "heure illisible",
        None,
        None,
    ]


def test_the_facts_time_beside_a_reception_date_dates_the_facts():
    """« Date » with the reception's time beside « Heure des faits »: the facts' time on the date's day, the day
    before when it comes after the reception (the facts came first), also across the change of hour; a date alone
    still takes the time beside it that day; the same minute is no note."""
    written = ["14/03/2026 09:12", "14/03/2026 08:05", "14/03/2026", "14/03/2026 10:00", "29/03/2026 07:00"]
    dates, _ = parse_datetimes(pd.Series(written), tz="Europe/Brussels")
    times = pd.Series(["02h30", "23:40", "21h", "10h00", "23h15"], dtype="string")
    stamps, reasons = at_time(dates, times, tz="Europe/Brussels", facts=True)
    local = [f"{t.tz_convert('Europe/Brussels'):%d/%m %H:%M}" for t in stamps]
    assert local == ["14/03 02:30", "13/03 23:40", "14/03 21:00", "14/03 10:00", "28/03 23:15"]
    noted = ["heure des faits", "heure des faits", None, None, "heure des faits"]
    assert reasons.where(reasons.notna(), None).tolist() == noted
    headers = ["Heure des faits", "Heure du constat", "Tijdstip feiten", "Heure", "Heure de visite", "Date des faits"]
    assert [names_the_facts(h) for h in headers] == [True, True, True, False, False, True]
    dutch = map_columns(["Datum", "Tijdstip feiten", "Categorie", "Adres"], "reports").fields
    assert (dutch["observed_at"], dutch["observed_time"]) == ("Datum", "Tijdstip feiten")


def test_dates_as_exports_and_people_write_them_around_the_belgian_form():
    """A Dutch Excel's « 14-mrt-2025 », a year first with slashes or dots, « 9u12 », « 9 h 12 », « 09.12 » and
    « 9 heures », an English Excel's « 09:12:00 PM », a leading « le » or weekday, a dash between the day and the
    hour, a fraction of a second: each was « date illisible ». A spreadsheet's day count (« 45730 ») is not
    read by guess: it has a reason of its own, which the refusal explains."""
    written = [
        "14-mrt-2025 09:12",
        "14-mars-25",
        "2025/03/14 09:12",
        "14-03-2025 9u12",
        "14/03/2025 9 h 12",
        "14/03/2025 09:12:00 PM",
        "14/03/2025 12:05 AM",
        "le 14/03/2025",
        "14/03/2025 14:30 PM",
        "ven. 14/03/2025 09:12",
        "Vr 14/03/2025",
        "14/03/2025 - 09:12",
        "14.03.2025 09.12",
        "14/03/2025 09:12:33.000",
        "14/03/2025 à 9 heures",
        "2025.03.14",
        "45730",
    ]
    stamps, reasons = parse_datetimes(pd.Series(written, dtype="string"), tz="Europe/Brussels")
    local = [None if pd.isna(t) else f"{t.tz_convert('Europe/Brussels'):%d/%m/%Y %H:%M}" for t in stamps]
    assert local == [
        "14/03/2025 09:12",
        "14/03/2025 00:00",
        "14/03/2025 09:12",
        "14/03/2025 09:12",
        "14/03/2025 09:12",
        "14/03/2025 21:12",
        "14/03/2025 00:05",
        "14/03/2025 00:00",
        "14/03/2025 14:30",  # an afternoon hour with its PM
        "14/03/2025 09:12",
        "14/03/2025 00:00",
        "14/03/2025 09:12",
        "14/03/2025 09:12",
        "14/03/2025 09:12",
        "14/03/2025 09:00",
        "14/03/2025 00:00",
        None,
    ]
    assert reasons.where(reasons.notna(), None).tolist()[-1] == "date tableur"


def _term(code: str, label: str, *synonyms: str) -> Term:
    return Term(code, label, None, None, None, list(synonyms), 1.0, True)


def test_a_label_written_without_its_small_words_is_known_but_never_guessed_between_two_codes():
    """« incinération déchets » is « Incinération de déchets »; « dépôt sur voie publique » is the synonym « dépôt
    sur la voie publique »; a bare form two codes share (« bruit du voisinage », « bruit de voisinage ») is left to
    a person."""
    vocabulary = Vocabulary.from_terms(
        "catégories",
        [
            _term("incineration", "Incinération de déchets"),
            _term("depot_clandestin", "Dépôt clandestin", "dépôt sur la voie publique"),
            _term("b1", "Bruit de voisinage"),
            _term("b2", "Bruit du voisinage"),
        ],
    )
    typed = pd.Series(
        ["incinération déchets", "Incinérations des déchets", "DÉPÔT SUR VOIE PUBLIQUE", "bruit voisinage", "x"],
        dtype=STR,
    )
    assert vocabulary.map(typed).fillna("?").tolist() == ["incineration", "incineration", "depot_clandestin", "?", "?"]
