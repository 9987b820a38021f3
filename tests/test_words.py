"""The map pages' words in French, Dutch, German and English (service.maps.words): the language a page is given, and a
catalogue where no language lacks a word, a placeholder or a plural form that the scripts use."""

from __future__ import annotations

import re
import string

import pytest

from service.maps.data import PUBLIC_GROUPS
from service.maps.page import STATIC_DIR
from service.maps.words import GROUP_NAMES, LANGUAGES, PAGE_WORDS, SCRIPT_WORDS, choose, communes_named, plural_of
from service.settings import Settings
from service.zone import communes_or


@pytest.mark.parametrize(
    ("asked", "header", "expected"),
    [
        (None, None, "fr"),
        ("nl", "fr-BE,fr;q=0.9", "nl"),  # the link the person clicked wins over the browser
        ("NL", None, "nl"),
        ("de", "fr-BE", "de"),  # Belgium's third official language
        ("it", "it-IT,it;q=0.9,en;q=0.5", "en"),  # no Italian: the browser's next language we speak
        (None, "nl-BE,nl;q=0.9,fr-BE;q=0.8", "nl"),
        (None, "en-GB;q=0.4, fr;q=0.7", "fr"),  # by weight, not by order
        (None, "fr;q=0, nl;q=0.2", "nl"),  # q=0 means « not this one »
        (None, "de-BE, it", "de"),
        (None, "it, es", "fr"),
        (None, "en-US;q=abc, nl", "nl"),  # a broken weight counts for nothing, the rest still reads
    ],
)
def test_a_page_speaks_the_language_asked_else_the_browsers_else_french(asked, header, expected):
    assert choose(asked, header) == expected


def _placeholders(word) -> set[str]:
    forms = [word] if isinstance(word, str) else list(word.values())
    return {name for form in forms for _, name, _, _ in string.Formatter().parse(form) if name}


@pytest.mark.parametrize("catalogue", [SCRIPT_WORDS, PAGE_WORDS, GROUP_NAMES], ids=["script", "page", "groupes"])
def test_every_language_has_every_word_with_the_same_placeholders(catalogue):
    assert set(catalogue) == set(LANGUAGES)
    french = catalogue["fr"]
    for language in LANGUAGES:
        words = catalogue[language]
        assert set(words) == set(french), language
        for key, word in words.items():
            assert word, (language, key)
            assert _placeholders(word) == _placeholders(french[key]), (language, key)
            if not isinstance(word, str):
                assert set(word) == {"one", "other"}, (language, key)
        if language != "fr":  # translated, not copied
            same = [k for k, w in words.items() if w == french[k]]
            assert same == [], (language, same)


def test_the_public_groups_are_named_in_every_language():
    for language in LANGUAGES:
        assert list(GROUP_NAMES[language]) == list(PUBLIC_GROUPS)


def test_every_word_the_map_scripts_ask_for_is_in_the_catalogue():
    asked = set()
    for script in (STATIC_DIR / "hotspots").glob("*.js"):
        asked |= set(re.findall(r"""word\(\s*"([a-z_]+)\"""", script.read_text(encoding="utf-8")))
    assert {"zones", "tuiles", "injoignable", "vue_publique"} <= asked
    assert asked <= set(SCRIPT_WORDS["fr"]), asked - set(SCRIPT_WORDS["fr"])


def test_counted_words_take_the_form_of_each_language():
    word = SCRIPT_WORDS["fr"]["signalements"]
    assert plural_of("fr", word, 0) == "{n} signalement" and plural_of("fr", word, 2) == "{n} signalements"
    assert plural_of("nl", SCRIPT_WORDS["nl"]["signalements"], 0) == "{n} meldingen"
    assert plural_of("en", SCRIPT_WORDS["en"]["signalements"], 1) == "{n} report"
    assert plural_of("de", SCRIPT_WORDS["de"]["signalements"], 0) == "{n} Meldungen"
    assert plural_of("de", SCRIPT_WORDS["de"]["signalements"], 1) == "{n} Meldung"


def test_the_zones_communes_are_joined_as_each_language_says_it():
    assert communes_named("fr", ("Seraing", "Neupré")) == "Seraing et Neupré"
    assert communes_named("nl", ("Seraing", "Neupré")) == "Seraing en Neupré"
    assert communes_named("de", ("Seraing", "Neupré")) == "Seraing und Neupré"
    assert communes_named("en", ("Flémalle", "Seraing", "Neupré")) == "Flémalle, Seraing and Neupré"
    assert communes_named("fr", ("Liège",)) == "Liège"
    # the refusals' hints join them with « ou », the same way
    zone = Settings(zone_communes=("Flémalle", "Seraing", "Neupré"))
    assert communes_or(zone) == "Flémalle, Seraing ou Neupré" and communes_or(Settings()) == "Seraing ou Neupré"


def test_french_agrees_a_word_with_its_number_as_printed_for_the_field():
    """Singular below two (French: « 0 signalement », « 1,5 signalement »), plural from two, an irregular plural when
    given; what the shift sheet and the plan's summary print instead of « arrêt(s) »."""
    from service.text import plural

    said = [f"{n} {plural(n, 'signalement')}" for n in (0, 1, 1.5, 2, 183)]
    assert said == ["0 signalement", "1 signalement", "1.5 signalement", "2 signalements", "183 signalements"]
    assert plural(3, "site laissé", "sites laissés") == "sites laissés" and plural(1, "site laissé") == "site laissé"


def test_printed_guillemets_hold_to_their_words():
    """A printed line never ends on « nor starts with » (the follow-up sheet broke « (« » / « Cabine… »): the
    paragraphs of every PDF set no-break spaces inside the guillemets."""
    from reportlab.lib.styles import getSampleStyleSheet

    from service.export.paper import para
    from service.text import french_spaces

    assert french_spaces("conditions (« Bruit limité »)") == "conditions («\u00a0Bruit limité\u00a0»)"
    style = getSampleStyleSheet()["Normal"]
    for width in range(60, 200, 5):
        paragraph = para("conditions à contrôler (« Cabine de peinture avec filtres ») : jamais contrôlées", style)
        paragraph.wrap(width, 1000)
        lines = [" ".join(w.text if hasattr(w, "text") else str(w) for w in line[1]) for line in paragraph.blPara.lines]
        assert not [line for line in lines if line.rstrip().endswith("«") or line.lstrip().startswith("»")], lines


def test_one_open_report_past_its_retention_is_said_in_the_singular():
    """The last line of the demonstration said « 1 signalement(s) encore ouvert(s) … gardent »."""
    from service.db.personal import open_kept_words

    assert open_kept_words(1, "depuis plus de 24 mois", "depuis plus de 24 mois") == (
        "1 signalement encore ouvert, depuis plus de 24 mois, garde les coordonnées de son déclarant : clôturez-le "
        "s'il est traité"
    )
