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
    ],
)
def test_opening_hours_read_as_written(text, days, words):
    hours = parse_opening_hours(text)
    assert set(hours.days) == days and hours.words() == words


@pytest.mark.parametrize("text", ["lundi", "truc 8h-17h", "lun-ven 8h-17h le matin", "17h-8h", ""])
def test_unreadable_opening_hours_are_refused_in_french(text):
    with pytest.raises(InvalidValueError) as error:
        parse_opening_hours(text)
    assert "heures d'ouverture" in error.value.message and "lun-ven 8h-17h" in error.value.hint


def test_the_window_is_the_first_opening_in_the_shift_leaving_time_for_the_visit():
    weekdays = parse_opening_hours("lun-ven 8h-17h")
    # a Friday shift from 07:00: from the opening at 08:00 (minute 60) to 16:30 (the visit ends at closing)
    assert weekdays.window(FRIDAY, 240, 30) == (60.0, 570.0)
    # from 16:00 there is still room for a 30-minute visit; from 16:45, none
    assert weekdays.window(FRIDAY.replace(hour=16), 240, 30) == (0.0, 30.0)
    assert weekdays.window(FRIDAY.replace(hour=16, minute=45), 240, 30) is None
    # Friday night and Saturday: closed all through the shift
    assert weekdays.window(FRIDAY.replace(hour=20), 240, 30) is None
    assert weekdays.window(FRIDAY + pd.Timedelta(days=1), 240, 30) is None
    # a night shift into Monday morning meets Monday's opening
    sunday = pd.Timestamp("2026-12-06 22:00", tz="Europe/Brussels")
    assert weekdays.window(sunday, 12 * 60, 30) == (600.0, 1110.0)


def test_a_wrong_setting_is_named_when_a_shift_is_planned():
    from service.plan.timing import permit_hours

    with pytest.raises(InvalidValueError) as error:
        permit_hours(Settings(plan_permit_hours="du matin au soir"))
    assert error.value.message == "HOTSPOTS_PLAN_PERMIT_HOURS : heures d'ouverture illisibles : « du matin au soir »"
    assert permit_hours(Settings(plan_permit_hours="lun-sam 8h-18h")).words() == "lun-sam 08:00-18:00"
