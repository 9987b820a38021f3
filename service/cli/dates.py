"""One rule for the dates of every analysis option: a day, in the service's time zone, **included**.

``--depuis 2026-01-01 --jusqua 2026-01-31`` and ``--train-until 2026-01-31`` all name whole days: the first day
and the last day are both in the window. Internally the end becomes the start of the next day (an exclusive
bound), so that a report at 23:59 on the last day is counted and one at 00:00 the next day is not.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from service.errors import InputFileError

#: said in the help of every date option
RULE = "AAAA-MM-JJ, jour compris"


def parse_day(value: str, option: str) -> date:
    """The day ``value`` (AAAA-MM-JJ); InputFileError naming the option if unreadable."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputFileError(
            f"{option} « {value} » n'est pas une date.", hint="Écrivez-la AAAA-MM-JJ, par exemple 2026-01-31."
        ) from None


def day_start(value: str, option: str, zone: str) -> pd.Timestamp:
    """The first instant (UTC) of the day ``value`` in ``zone``; InputFileError naming the option if unreadable."""
    return pd.Timestamp(parse_day(value, option), tz=zone).tz_convert("UTC")


def day_end(value: str, option: str, zone: str) -> pd.Timestamp:
    """The first instant (UTC) after the day ``value`` in ``zone``: the exclusive bound of a window ending that
    day."""
    return (day_start(value, option, zone).tz_convert(zone) + pd.DateOffset(days=1)).tz_convert("UTC")
