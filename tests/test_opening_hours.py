"""Opening hours as people write them, and the window they leave a visit within a shift (no database)."""

from __future__ import annotations

import pandas as pd
import pytest

from service.errors import InvalidValueError
from service.hours import parse_opening_hours
from service.settings import Settings

FRIDAY = pd.Timestamp("2026-12-04 07:00", tz="Europe/Brussels")


@pytest.mark.parametrize(
    ("text", "days", "words"),
    [
        ("lun-ven 8h-17h", {0, 1, 2, 3, 4}, "lun-ven 08:00-17:00"),
        ("lun,mer,ven 9h-12h", {0, 2, 4}, "lun,mer,ven 09:00-12:00"),
        ("samedi 9h30-12h", {5}, "sam 09:30-12:00"),
        ("8h-17h", set(range(7)), "tous les jours 08:00-17:00"),
        ("ven-lun 10:00-14:00", {4, 5, 6, 0}, "lun,ven,sam,dim 10:00-14:00"),
        ("Lundi à vendredi 7h30 – 16h", {0, 1, 2, 3, 4}, "lun-ven 07:30-16:00"),
        # a lunch closure, Saturday mornings, a later rule for some days, a day closed
        (
            "lun-ven 8h-12h, 13h-17h ; sam 9h-12h",
            {0, 1, 2, 3, 4, 5},
            "lun-ven 08:00-12:00, 13:00-17:00 et sam 09:00-12:00",
        ),
        ("du lundi au vendredi de 8h à 12h et de 13h à 17h30", {0, 1, 2, 3, 4}, "lun-ven 08:00-12:00, 13:00-17:30"),
        ("lun-sam 8h-17h ; sam 8h-12h", {0, 1, 2, 3, 4, 5}, "lun-ven 08:00-17:00 et sam 08:00-12:00"),
        ("lun-sam 7h-16h, dim fermé ; sam fermé", {0, 1, 2, 3, 4}, "lun-ven 07:00-16:00"),
        ("lun-ven 8-17h", {0, 1, 2, 3, 4}, "lun-ven 08:00-17:00"),
        # Dutch, as the « Openingsuren » column is written
        ("ma-vr 8u-17u", {0, 1, 2, 3, 4}, "lun-ven 08:00-17:00"),
        ("maandag tot vrijdag van 8 tot 12u en van 13 tot 17u", {0, 1, 2, 3, 4}, "lun-ven 08:00-12:00, 13:00-17:00"),
        # every day (public holidays too) against the seven weekdays named (not on a public holiday)
        ("7j/7 6h-22h", set(range(7)), "tous les jours 06:00-22:00"),
        ("lun-dim 6h-22h", set(range(7)), "lun-dim 06:00-22:00"),
        ("lun-ven 8h-17h, fériés 9h-12h", {0, 1, 2, 3, 4}, "lun-ven 08:00-17:00 et fériés 09:00-12:00"),
        ("18h-24h", set(range(7)), "tous les jours 18:00-24:00"),
        # a company's own closings: every year, across the new year, once, several after one word, in Dutch
        ("lun-ven 8h-17h ; fermé du 20/07 au 09/08", {0, 1, 2, 3, 4}, "lun-ven 08:00-17:00 et fermé du 20/07 au 09/08"),
        (
            "lun-ven 7h30-16h, congés du bâtiment du 19/07/2027 au 06/08/2027",
            {0, 1, 2, 3, 4},
            "lun-ven 07:30-16:00 et fermé du 19/07/2027 au 06/08/2027",
        ),
        (
            "lun-sam 8h-18h ; congés annuels du 20/07 au 09/08 et du 24/12 au 01/01",
            {0, 1, 2, 3, 4, 5},
            "lun-sam 08:00-18:00 et fermé du 20/07 au 09/08 et fermé du 24/12 au 01/01",
        ),
        ("fermé le 02/01 ; lun-ven 8h-17h", {0, 1, 2, 3, 4}, "lun-ven 08:00-17:00 et fermé le 02/01"),
        (
            "ma-vr 8u-17u ; gesloten van 24.12 tot 1.1",
            {0, 1, 2, 3, 4},
            "lun-ven 08:00-17:00 et fermé du 24/12 au 01/01",
        ),
    ],
)
def test_opening_hours_read_as_written(text, days, words):
    hours = parse_opening_hours(text)
    assert set(hours.days) == days and hours.words() == words
    assert parse_opening_hours(words) == hours  # the service's own words read back the same


@pytest.mark.parametrize(
    "text", ["lundi", "truc 8h-17h", "lun-ven 8h-17h le matin", "17h-8h", "", "lun-ven 8h-12h, 11h-17h", "8h70-9h"]
)
def test_unreadable_opening_hours_are_refused_in_french(text):
    with pytest.raises(InvalidValueError) as error:
        parse_opening_hours(text)
    assert "heures d'ouverture" in error.value.message and "lun-ven 8h-17h" in error.value.hint


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("fermé du 20/07 au 09/08", "des dates de fermeture sans heures d'ouverture"),
        ("lun-ven 8h-17h ; fermé du 31/02 au 09/08", "« 31/02 » n'est pas une date"),
        ("lun-ven 8h-17h ; fermé du 20/07/2027 au 09/08", "« du 20/07/2027 au 09/08 » : l'année aux deux dates"),
        (
            "lun-ven 8h-17h ; fermé du 20/08/2027 au 09/08/2027",
            "« du 20/08/2027 au 09/08/2027 » : la fin précède le début",
        ),
    ],
)
def test_unreadable_closing_dates_are_named(text, problem):
    with pytest.raises(InvalidValueError) as error:
        parse_opening_hours(text)
    assert error.value.message.startswith(f"heures d'ouverture « {text} » : {problem}")
    assert "fermé du 20/07 au 09/08" in error.value.hint


def test_a_company_closes_on_its_own_dates_every_year_or_once():
    joinery = parse_opening_hours("lun-ven 7h30-16h ; congés du bâtiment du 20/07 au 07/08")
    for year in (2027, 2028):  # every year, whatever the weekday
        leave = pd.Timestamp(f"{year}-07-27 08:00", tz="Europe/Brussels")
        assert joinery.windows(leave, 240, 30) == []
        assert joinery.closings_during(leave, 240) == ["fermé du 20/07 au 07/08"]
    # the first and the last day are closed; the Monday after, open again
    assert joinery.windows(pd.Timestamp("2027-07-20 08:00", tz="Europe/Brussels"), 240, 30) == []
    assert joinery.windows(pd.Timestamp("2027-08-06 08:00", tz="Europe/Brussels"), 240, 30) == []
    back = pd.Timestamp("2027-08-09 08:00", tz="Europe/Brussels")
    assert joinery.windows(back, 240, 30) == [(0.0, 450.0)] and joinery.closings_during(back, 240) == []
    # across the new year; a night shift from the last closed day meets the next morning's opening
    winter = parse_opening_hours("lun-sam 8h-18h ; fermé du 24/12 au 03/01")
    assert winter.windows(pd.Timestamp("2027-12-30 08:00", tz="Europe/Brussels"), 240, 30) == []
    night = pd.Timestamp("2028-01-03 22:00", tz="Europe/Brussels")  # Monday night into Tuesday 4 January
    assert winter.windows(night, 12 * 60, 30) == [(600.0, 1170.0)]
    # once, with the year: closed that year only
    works = parse_opening_hours("lun-ven 8h-17h ; fermé du 19/07/2027 au 06/08/2027")
    assert works.windows(pd.Timestamp("2027-07-27 08:00", tz="Europe/Brussels"), 240, 30) == []
    assert works.windows(pd.Timestamp("2028-07-27 08:00", tz="Europe/Brussels"), 240, 30) == [(0.0, 510.0)]


def test_a_window_opens_with_the_company_and_leaves_time_for_the_visit():
    weekdays = parse_opening_hours("lun-ven 8h-17h")
    # a Friday shift from 07:00: from the opening at 08:00 (minute 60) to 16:30 (the visit ends at closing)
    assert weekdays.windows(FRIDAY, 240, 30) == [(60.0, 570.0)]
    # from 16:00 there is still room for a 30-minute visit; from 16:45, none
    assert weekdays.windows(FRIDAY.replace(hour=16), 240, 30) == [(0.0, 30.0)]
    assert weekdays.windows(FRIDAY.replace(hour=16, minute=45), 240, 30) == []
    # Friday night and Saturday: closed all through the shift
    assert weekdays.windows(FRIDAY.replace(hour=20), 240, 30) == []
    assert weekdays.windows(FRIDAY + pd.Timedelta(days=1), 240, 30) == []
    # a night shift into Monday morning meets Monday's opening
    sunday = pd.Timestamp("2026-12-06 22:00", tz="Europe/Brussels")
    assert weekdays.windows(sunday, 12 * 60, 30) == [(600.0, 1110.0)]


def test_a_lunch_closure_leaves_two_windows_in_a_day_shift():
    garage = parse_opening_hours("lun-ven 8h-12h, 13h-18h ; sam 9h-12h")
    # 11:00-15:00: the end of the morning (a 30-minute visit from 11:00 to 11:30) and the afternoon from 13:00
    assert garage.windows(FRIDAY.replace(hour=11), 240, 30) == [(0.0, 30.0), (120.0, 390.0)]
    # 07:00-11:00: only the morning (from 08:00 to 11:30, when a visit still ends by noon)
    assert garage.windows(FRIDAY, 240, 30) == [(60.0, 270.0)]
    # 11:45-15:45: no visit fits before noon any more
    assert garage.windows(FRIDAY.replace(hour=11, minute=45), 240, 30) == [(75.0, 345.0)]
    # a visit across noon is not open all the time; one in the morning is
    morning = FRIDAY.replace(hour=11, minute=45)
    assert not garage.is_open(morning, morning + pd.Timedelta(minutes=30))
    assert garage.is_open(morning - pd.Timedelta(minutes=30), morning + pd.Timedelta(minutes=15))
    # Saturday: the morning only; Sunday: closed
    assert garage.windows(FRIDAY + pd.Timedelta(days=1), 600, 30) == [(120.0, 270.0)]
    assert garage.windows(FRIDAY + pd.Timedelta(days=2), 600, 30) == []


def test_public_holidays_close_what_does_not_say_otherwise():
    national_day = pd.Timestamp("2027-07-21 08:00", tz="Europe/Brussels")  # a Wednesday
    weekdays = parse_opening_hours("lun-ven 8h-17h")
    assert weekdays.windows(national_day, 240, 30) == []
    assert weekdays.closed_holidays(national_day, 240) == ["Fête nationale"]
    assert parse_opening_hours("lun-ven 8h-17h ; fériés 9h-12h").windows(national_day, 240, 30) == [(60.0, 210.0)]
    assert parse_opening_hours("tous les jours 6h-22h").windows(national_day, 240, 30) == [(0.0, 240.0 + 570.0)]
    assert parse_opening_hours("lun-dim 6h-22h").closed_holidays(national_day, 240) == ["Fête nationale"]
    # Easter Monday moves every year
    assert weekdays.closed_holidays(pd.Timestamp("2027-03-29 08:00", tz="Europe/Brussels"), 240) == ["Lundi de Pâques"]
    assert weekdays.windows(pd.Timestamp("2027-03-30 08:00", tz="Europe/Brussels"), 240, 30) == [(0.0, 510.0)]


def test_a_wrong_setting_is_named_when_a_shift_is_planned():
    from service.plan.timing import permit_hours

    with pytest.raises(InvalidValueError) as error:
        permit_hours(Settings(plan_permit_hours="du matin au soir"))
    assert error.value.message == "HOTSPOTS_PLAN_PERMIT_HOURS : heures d'ouverture « du matin au soir » : illisibles"
    assert permit_hours(Settings(plan_permit_hours="lun-sam 8h-18h")).words() == "lun-sam 08:00-18:00"
