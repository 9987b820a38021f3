"""Personal data in free text, as people write it in a report's description: what is found and replaced, and what
must stay (dates and hours, quantities, addresses, the service's own numbers, a function without a name)."""

from __future__ import annotations

import re

import pytest

from service.db.redact import MAYBE_PERSONAL, redact


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("rappeler M. Dumont au 0472 18 33 90", "rappeler M. [nom effacé] au [téléphone effacé]"),
        ("Mme Schmitz, 04 337 45 12 ou 04/337.45.12", "Mme [nom effacé], [téléphone effacé] ou [téléphone effacé]"),
        ("tél. +32 472 18 33 90 / 0032 (0)4 337 45 12", "tél. [téléphone effacé] / [téléphone effacé]"),
        ("par madame Leroy (leroy.m@example.be)", "par madame [nom effacé] ([e-mail effacé])"),
        ("Mme Van den Broeck a vu la camionnette", "Mme [nom effacé] a vu la camionnette"),
        ("Dhr. Janssens belde, Mevrouw De Smet ook", "Dhr. [nom effacé] belde, Mevrouw [nom effacé] ook"),
        ("voiture 1-ABC-123 et remorque XYZ-987", "voiture [plaque effacée] et remorque [plaque effacée]"),
        ("NN 85.07.30-033.28 ou 85073003328", "NN [numéro national effacé] ou [numéro national effacé]"),
        # typed without capitals on a phone: the name after a title written in full went through
        ("rappeler mme dumont demain", "rappeler mme [nom effacé] demain"),
        ("madame leroy a vu la camionnette", "madame [nom effacé] a vu la camionnette"),
        ("mme van den broeck et mevrouw de smet", "mme [nom effacé] et mevrouw [nom effacé]"),
    ],
)
def test_what_a_pattern_can_tell_of_a_person_is_replaced_by_what_it_was(written, kept):
    assert redact(written)[0] == kept
    assert redact(kept) == (kept, 0)  # a second pass finds nothing more


@pytest.mark.parametrize(
    "written",
    [
        "Vu le 04/12/2024 08:40, puis le 04.12.2024 08h30",
        "3 sacs, 12 m², 0,5 m3 devant le n° 21, rue du Pairay, 4100 Seraing, à 50 m Rue de la Province",
        "M. le bourgmestre prévenu ; Monsieur le Commissaire aussi",
        "madame la directrice de l'école prévenue, monsieur a vu les sacs, madame signale un dépôt",
        "mevrouw de burgemeester verwittigd ; 3 m de sacs",
        "une madame de passage a vu le dépôt ; monsieur de garde prévenu",
        "voir SIG-123 et le permis PER-12 (PE/2006/0570)",
    ],
)
def test_dates_quantities_places_functions_and_the_service_s_numbers_stay(written):
    assert redact(written) == (written, 0)


def test_the_database_s_first_look_lets_every_personal_text_through():
    """The SQL filter (PostgreSQL's ``~*``, read here with Python's ``re`` for its common part) must never leave
    out a text the patterns would change."""
    first_look = re.compile(MAYBE_PERSONAL.replace(r"\m", r"\b").replace(r"\M", r"\b"), re.IGNORECASE)
    for text in ("Mme Renard est passée", "contact : a@b.be", "0472 18 33 90", "Meneer Peeters"):
        assert redact(text)[1] and first_look.search(text)


def test_the_reporter_s_name_is_found_in_any_case_when_two_of_its_words_follow_each_other():
    """The register's « DUMONT Jean »: « rappeler jean dumont » went through (a name was found only capitalised);
    one of its words alone in lower case stays (« un sac rose » for a Mme Rose), as before."""
    assert redact("rappeler jean dumont lundi", ("DUMONT Jean",)) == ("rappeler [nom effacé] lundi", 1)
    assert redact("dumont jean repasse", ("DUMONT Jean",)) == ("[nom effacé] repasse", 1)
    assert redact("Dumont repasse", ("DUMONT Jean",)) == ("[nom effacé] repasse", 1)
    assert redact("un sac rose près du mont", ("ROSE Marie",)) == ("un sac rose près du mont", 0)
