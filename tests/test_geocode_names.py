"""Street names written without the person's given name or title (« rue Wettinck »), or with one the register
does not have (« rue Francisco Ferrer »): each failed (« rue introuvable ») or went to another street."""

from __future__ import annotations

import pytest

from service.geocode.apply import DEFAULT_THRESHOLD
from service.geocode.match import Geocoder
from tests.helpers import registered_geocoder


@pytest.fixture(scope="module")
def geocoder(settings) -> Geocoder:
    return registered_geocoder(settings)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("rue Wettinck 4, Seraing", "Rue Joseph Wettinck 4, 4101 Seraing"),
        ("Place Mercier 12", "Place Cardinal Mercier 12, 4102 Seraing"),
        ("rue salengro 5", "Rue Roger Salengro 5, 4100 Seraing"),
        ("Rue Roosevelt 3 - 4102 Ougrée", "Rue Franklin Roosevelt 3, 4102 Seraing"),
        # « Square Zola » is as close by its name, but the type written is the street's
        ("rue Zola 12", "Rue Émile Zola 12, 4100 Seraing"),
        # « seraing » glued at the end had made it « Rue Jean de Seraing »
        ("avenue Leman 10 seraing", "Avenue Général Leman 10, 4101 Seraing"),
        # the register has the name without its given name
        ("Rue Francisco Ferrer 12", "Rue Ferrer 12, 4100 Seraing"),
        ("Rue Giordano Bruno 136", "Rue Giordano Bruno 136, 4100 Seraing"),
        ("Rue Bruno 136", "Rue Giordano Bruno 136, 4100 Seraing"),
        # initials, either way
        ("rue E. Zola 12", "Rue Émile Zola 12, 4100 Seraing"),
        ("rue F. Roosevelt 3", "Rue Franklin Roosevelt 3, 4102 Seraing"),
        ("rue J.-B. Clément 3", "Rue Clément 3, 4101 Seraing"),
        ("rue Théodore Marcotty 25", "Rue T. Marcotty 25, 4101 Seraing"),
    ],
)
def test_a_name_without_or_with_a_given_name_is_placed_and_said(geocoder, text, label):
    r = geocoder.geocode(text)
    assert (r.level, r.label) == ("adresse", label), r
    assert r.score >= DEFAULT_THRESHOLD, r
    street = label.rsplit(" ", 3)[0]  # « Rue Joseph Wettinck 4, 4101 Seraing » → « Rue Joseph Wettinck »
    if text == "Rue Giordano Bruno 136":
        assert r.score == 1.0 and not r.reason, r  # its « no 136 » was read as « n° 136 », the street as « Bru »
    else:
        assert f"lu comme « {street} »" in (r.reason or ""), r


@pytest.mark.parametrize(
    ("text", "proposed"),
    [
        # two streets fit, each with a word that makes another street: both proposed, none chosen
        ("Rue Vinâve 3, Seraing", {"Rue Grand Vinâve", "Rue Haut Vinâve"}),
        # a place's noun is no given name: « Rue du Moulin » only proposed
        ("Rue Fond du Moulin 7, Seraing", {"Rue du Moulin"}),
        ("Rue Haute de la Station 3, Seraing", {"Rue de la Station"}),
    ],
)
def test_a_word_that_makes_another_street_is_only_a_proposal_to_check(geocoder, text, proposed):
    r = geocoder.geocode(text)
    assert r.score < DEFAULT_THRESHOLD, r  # to the review queue, with its proposals
    labels = [r.label or "", *(a["libelle"] for a in r.alternatives)]
    assert all(any(label.startswith((f"{street} ", f"{street},")) for label in labels) for street in proposed), r


@pytest.mark.parametrize("text", ["Av. Gén. Leman 10", "av gal leman 10"])
def test_an_abbreviated_title_is_the_title(geocoder, text):
    """« Gén. », « Gal » (and « Lt », « Dr » after the street word, « Cdt », « Prof »…) are the titles written out:
    the address is found as written, where it was only a name read approximately (0,82)."""
    r = geocoder.geocode(text)
    assert (r.level, r.label, r.score, r.reason) == ("adresse", "Avenue Général Leman 10, 4101 Seraing", 1.0, None)
