"""A street written in two languages, as Brussels and the language-border communes write them, and a commune
written in two languages after the address (the register's BeST layout, French and Dutch names)."""

from __future__ import annotations

import pytest

from service.geocode.match import Geocoder
from tests.conftest import DATA, ROOT
from tests.helpers import registered_geocoder


@pytest.fixture(scope="module")
def geocoder(settings) -> Geocoder:
    return registered_geocoder(settings, ROOT / "geodata" / "icar_seraing_neupre.csv", DATA / "best_address_sample.csv")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        # was a crossing of the street with itself, its number lost
        ("Chaussée de Mons / Bergense Steenweg 475, 1070 Anderlecht", "« Chaussée de Mons » mis de côté"),
        ("Chée de Mons - Bergensesteenweg 475 Anderlecht", "« Chée de Mons » mis de côté"),
        ("Chaussée de Mons 475 / Bergense Steenweg 475", "« Bergense Steenweg 475 » mis de côté"),
        # a commune in two languages, or a name the register does not give, after the postcode: was « introuvable »
        ("Chaussée de Mons 475 Anderlecht/Anderlecht", ""),
        ("Chaussée de Mons 475 - 1070 Brussel", "« Brussel » ignoré (ni rue ni commune du registre)"),
    ],
)
def test_one_street_in_two_languages_is_placed_at_its_number(geocoder, text, said):
    r = geocoder.geocode(text)
    assert (r.level, r.label) == ("adresse", "Chaussée de Mons 475, 1070 Anderlecht"), r
    assert said in (r.reason or ""), r


def test_two_different_streets_stay_a_crossing(geocoder):
    r = geocoder.geocode("Rue Ferrer / Rue Cockerill, Seraing")
    assert r.level == "intersection" and r.label == "Rue Ferrer / Rue Cockerill, Seraing", r
