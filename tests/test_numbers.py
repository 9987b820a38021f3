"""Numbers as a French reader writes them, with each place's thousands separator."""

from __future__ import annotations

import pytest

from service.numbers import NARROW, SPACE, french_number


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        (12060, {"group": SPACE}, "12 060"),
        (12060, {"group": NARROW}, "12\u202f060"),
        (1234567.891, {"digits": 2}, "1234567,89"),  # a spreadsheet cell: no separator, decimal comma
        (0.158, {"digits": 1, "sign": True}, "+0,2"),
        (-3.04, {"digits": 1, "sign": True}, "-3,0"),
        (3.2, {"digits": 2, "trim": True}, "3,2"),
        (3.0, {"digits": 2, "trim": True}, "3"),
        (100, {"trim": True}, "100"),  # no decimals: nothing to trim
        (1500.5, {"digits": 2, "group": SPACE, "trim": True}, "1 500,5"),
    ],
)
def test_french_numbers(value, kwargs, expected):
    assert french_number(value, **kwargs) == expected


def test_the_forecast_settings_read_in_french():
    """What the back-test prints under « Réglages de la prévision »: a share keeps its second decimal."""
    from service.cli.summary import settings_in_words

    words = settings_in_words(
        {"demi_vie_mois": 6.0, "part_long_terme": 0.25, "mise_en_commun": "adresses", "score_validation": 0.7031}
    )
    assert words == (
        "demi-vie (mois) : 6 ; part du long terme : 0,25 ; mise en commun des petits comptes (voisinage ou "
        "adresses) : adresses ; score de validation : 0,7"
    )
