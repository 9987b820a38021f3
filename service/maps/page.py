"""The map pages, built with folium, that carry no report at all.

folium lays out the Leaflet map, its base tiles (when ``tile_url`` is set) and our element, which adds the
filter panel, the French legend and a small configuration; ``static/hotspots/carte.js`` then loads every layer
from the API for the current view. So the page weighs the same with 0 or 1,000,000 reports.

folium's own defaults load Leaflet, jQuery, Bootstrap and Font Awesome from four CDN hosts (a blank page without
internet); here Leaflet and its plugins come from ``/static/carte`` (see ``static/README.md``), and the only
external address left in a page is the base tile URL.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import folium
from branca.element import Figure
from folium.elements import JSCSSMixin
from jinja2 import Environment, PackageLoader, Template, select_autoescape

from service import __version__
from service.accounts import ROLE_LABELS, User
from service.export.print_map import TEAM_COLOURS
from service.geocode.sections import postcode_labels, service_sections
from service.labels import (
    BATCH_STATE_LABELS,
    INTERVENTION_LABELS,
    INTERVENTION_MARKS,
    STATE_LABELS,
    TREND_LABELS,
)
from service.labels import KIND_LABELS as BATCH_KIND_LABELS
from service.maps.data import PUBLIC_GROUPS
from service.maps.words import (
    GROUP_NAMES,
    LANGUAGES,
    LOCALES,
    NAMES,
    PAGE_WORDS,
    SCRIPT_WORDS,
    communes_named,
    plural_of,
)
from service.plan.model import KIND_LABELS
from service.settings import Settings
from service.zone import zone_bounds, zone_centre

#: Where the vendored assets (Leaflet, its plugins, our scripts and styles) are served from, and where they lie.
STATIC = "/static/carte"
STATIC_DIR = Path(str(resources.files("service.maps").joinpath("static")))
FAVICON = STATIC_DIR / "favicon.ico"
#: Zoom before the first fit to the zone's box (:func:`service.zone.zone_bounds`, its communes' outlines).
ZOOM = 13

#: Colours and labels shared by the legend (rendered here) and the layers (drawn by carte.js).
STYLE: dict[str, Any] = {
    "priorite": {
        "tres_haute": {"seuil": 0.8, "couleur": "#a50f15", "libelle": "priorité très haute (20 % les plus hautes)"},
        "haute": {"seuil": 0.5, "couleur": "#de2d26", "libelle": "priorité haute (les 30 % suivantes)"},
        "moyenne": {"seuil": 0.2, "couleur": "#fb6a4a", "libelle": "priorité moyenne (les 30 % suivantes)"},
        "basse": {"seuil": 0.0, "couleur": "#fcae91", "libelle": "priorité basse (20 % les plus basses)"},
    },
    "tendances": {
        "en_hausse": {
            "codes": ["nouveau", "consecutif", "en_intensification"],
            "couleur": "#54278f",
            "epaisseur": 4,
            "tirets": False,
            "libelle": "nouveau, consécutif ou en intensification",
        },
        "persistant": {
            "codes": ["persistant"],
            "couleur": "#111111",
            "epaisseur": 3,
            "tirets": False,
            "libelle": "persistant",
        },
        "irregulier": {
            "codes": ["oscillant", "sporadique"],
            "couleur": "#555555",
            "epaisseur": 2,
            "tirets": True,
            "libelle": "oscillant ou sporadique",
        },
        "en_baisse": {
            "codes": ["en_diminution", "historique"],
            "couleur": "#1a9850",
            "epaisseur": 2,
            "tirets": True,
            "libelle": "en diminution ou historique",
        },
        "inconnue": {"codes": [], "couleur": "#999999", "epaisseur": 1, "tirets": False, "libelle": "sans tendance"},
    },
    # the cells where the last analysis expects the most reports next quarter, by the share of the zone they fall in
    # (the shares the back-test scores): blues, apart from the priorities' reds
    "prevision": {
        "1 %": {
            "couleur": "#08306b",
            "opacite": 0.85,
            "libelle": "les 1\u00a0% de la zone où le plus de signalements sont attendus",
        },
        "5 %": {"couleur": "#2171b5", "opacite": 0.6, "libelle": "les 5\u00a0% (les suivantes)"},
        "10 %": {"couleur": "#9ecae1", "opacite": 0.35, "libelle": "les 10\u00a0% (les suivantes)"},
    },
    "axe": "#6a3d9a",
    "lieu": "#1f4e79",  # the outline of the place chosen in the filters (the service's blue)
    "resultats": {
        "pv": "#b2182b",
        "sac": "#e66101",
        "avertissement": "#fdb863",
        "nettoye": "#1a9641",
        "rien_constate": "#969696",
        "transmis": "#2c7bb6",
        "a_revoir": "#7b3294",
    },
    "permis": {
        "environnement": {"couleur": "#238b45", "libelle": "permis d'environnement"},
        "urbanisme": {"couleur": "#2171b5", "libelle": "permis d'urbanisme"},
        "unique": {"couleur": "#6a51a3", "libelle": "permis unique"},
    },
}
#: Public map: colour classes as multiples of the suppression threshold k.
PUBLIC_CLASSES = ((1, "#fee5d9"), (2, "#fcae91"), (5, "#fb6a4a"), (10, "#de2d26"), (20, "#a50f15"))


@cache
def _templates() -> Environment:
    return Environment(loader=PackageLoader("service.maps", "templates"), autoescape=select_autoescape(["html"]))


def render(name: str, **values: Any) -> str:
    """A page or fragment of ``templates/`` (autoescaped)."""
    return _templates().get_template(name).render(version=__version__, **values)


def static(path: str) -> str:
    """The URL of a file served by the service, with the version so browsers fetch it again after an update."""
    return f"{STATIC}/{path}?v={__version__}"


def favicon_links() -> str:
    """The service's icon in a page's head: the drawing (SVG) and, for older browsers, /favicon.ico."""
    return (
        f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">'
        '<link rel="icon" href="/favicon.ico" sizes="16x16 32x32">'
    )


class OfflineMap(folium.Map):
    """A folium map whose Leaflet comes from the service itself (no CDN)."""

    default_js = [("leaflet", static("vendor/leaflet/leaflet.js"))]  # noqa: RUF012 (folium's own class attribute)
    default_css = [("leaflet_css", static("vendor/leaflet/leaflet.css"))]  # noqa: RUF012


class _Layers(JSCSSMixin):
    """Our panel (HTML), the layer scripts and their configuration; nothing here depends on the reports."""

    default_css = [("hotspots_css", static("hotspots/carte.css"))]  # noqa: RUF012
    _template = Template(
        "{% macro html(this, kwargs) %}{{ this.panel }}{% endmacro %}"
        "{% macro script(this, kwargs) %}"
        "HotspotsCarte.{{ this.entry }}({{ this._parent.get_name() }}, {{ this.tiles }}, {{ this.config|tojson }});"
        "{% endmacro %}"
    )

    def __init__(
        self, *, entry: str, panel: str, tiles: str, config: dict[str, Any], extra: tuple[str, ...] = ()
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca leaves MacroElement.__init__ unannotated
        self._name = "HotspotsLayers"
        self.default_js = [
            ("leaflet_heat", static("vendor/leaflet-heat/leaflet-heat.js")),
            ("hotspots_js", static("hotspots/carte.js")),
            (f"hotspots_{entry}", static(f"hotspots/{entry}.js")),
            *((f"hotspots_{name}", static(f"hotspots/{name}.js")) for name in extra),
        ]
        self.entry = entry
        self.panel = panel
        self.tiles = tiles
        self.config = config


def _map(settings: Settings, title: str) -> tuple[Figure, OfflineMap, str]:
    figure = Figure(title=title)
    # no folium scale: its miles and feet have no place on a Belgian map (carte.js adds a metric one)
    fmap = OfflineMap(location=zone_centre(settings), zoom_start=ZOOM, tiles=None, control_scale=False, min_zoom=9)
    figure.add_child(fmap)
    tiles = "null"
    if settings.tile_url:
        layer = folium.TileLayer(
            tiles=settings.tile_url,
            attr=settings.tile_attribution,
            name="Fond de carte (tuiles)",
            max_zoom=19,
            control=False,
        )
        layer.add_to(fmap)
        tiles = layer.get_name()
    return figure, fmap, tiles


def script_words(language: str) -> dict[str, Any]:
    """What the map scripts need to speak ``language``: their words and the locale of numbers and dates."""
    return {"langue": language, "locale": LOCALES[language], "mots": SCRIPT_WORDS[language]}


def _html(figure: Figure, language: str = "fr") -> str:
    html = figure.render().replace("<html>", f'<html lang="{language}">', 1)
    return html.replace("<head>", f"<head>\n    {favicon_links()}", 1)


def place_choices(settings: Settings) -> list[dict[str, str]]:
    """The places the planning map's filter offers: the zone's communes, then its postcode sectors named as the
    background's « secteurs » and the activity report name them (« 4102 Ougrée »; a postcode shared by two sections,
    4100 Seraing and Boncelles, is one sector: the register cannot tell them apart). ``couche`` is the background
    layer whose outline the map zooms to (its feature named ``valeur``)."""
    sectors = postcode_labels(service_sections(settings))
    return [{"valeur": c, "libelle": c, "couche": "communes"} for c in settings.zone_communes] + [
        {"valeur": code, "libelle": label, "couche": "secteurs"} for code, label in sorted(sectors.items())
    ]


def place_suggestions(settings: Settings) -> list[tuple[str, str]]:
    """What the shift form's « Lieu » suggests as one types: (value, what it is) for each commune, section and
    postcode of the zone, the words the planner accepts there (``--lieu`` of ``hotspots plan``)."""
    sections = service_sections(settings)
    sectors = postcode_labels(sections)
    return (
        [(c, "commune") for c in settings.zone_communes]
        + [
            (s.name, f"section de {s.municipality}, {' ; '.join(s.postcodes)}")
            for s in sections
            if s.full_name is None and s.name not in settings.zone_communes
        ]
        + [(code, f"secteur {label}") for code, label in sorted(sectors.items())]
    )


def planning_page(settings: Settings, user: User, vocabulary: dict[str, list[list[str]]], *, today: date) -> str:
    """The planning map for ``user``; the visit form is only in the page of a planner (or admin)."""
    can_plan = user.can("planificateur")
    since = (today - timedelta(days=365)).isoformat()
    figure, fmap, tiles = _map(settings, "Carte — Hotspots")
    places = place_choices(settings)
    panel = render(
        "carte.html",
        places=places,
        place_words=place_suggestions(settings),
        user_name=user.full_name or user.login,
        role_label=ROLE_LABELS[user.role],
        depuis=since,
        categories=vocabulary["categories"],
        outcomes=vocabulary["resultats"],
        sources=vocabulary.get("sources", []),
        intervention_kinds=list(INTERVENTION_LABELS.items()),  # a camera, a sign... (service.activity.interventions)
        intervention_marks=INTERVENTION_MARKS,
        style=STYLE,
        can_plan=can_plan,
        station=settings.plan_station,
        site_kinds=[(k, v, k != "permis") for k, v in KIND_LABELS.items()],  # permit checks: on request
        activity_periods=(  # the report a chief asks for, printed (service.activity)
            ("mois-dernier", "mois dernier"),
            ("trimestre-dernier", "trimestre dernier"),
            (str(today.year), f"{today.year} (en cours)"),
        ),
    )
    config = {
        "peut_planifier": can_plan,
        "depuis": since,
        "categories": dict(vocabulary["categories"]),
        "lieux": places,
        "resultats": dict(vocabulary["resultats"]),
        "marques_interventions": INTERVENTION_MARKS,
        "style": STYLE,
        "couleurs_equipes": list(TEAM_COLOURS),  # a team has one colour on the map and on the printed sheet
        "libelles": {
            "tendances": TREND_LABELS,
            "etats": STATE_LABELS,
            "lots": BATCH_STATE_LABELS,  # the recent imports' states and what each holds (tournee.js)
            "types": BATCH_KIND_LABELS,
        },
        "fond_vectoriel_seul": not settings.tile_url,
        "emprise_zone": zone_bounds(settings),
        "utilisateur": user.login,  # the visits kept on a device wait under their officer's login (attente.js)
        "fuseau": settings.timezone,  # dates and hours shown and typed in the service's zone, not the device's
        **script_words("fr"),  # the officers' map speaks French
    }
    extra = ("tournee", "verifications", "attente")
    fmap.add_child(_Layers(entry="planification", panel=panel, tiles=tiles, config=config, extra=extra))
    return _html(figure)


def public_page(settings: Settings, language: str, *, today: date) -> str:
    """The public map in ``language`` (fr, nl or en): hexagon counts only, no login."""
    k = settings.public_min_count
    words = PAGE_WORDS[language]
    classes = []
    for i, (factor, colour) in enumerate(PUBLIC_CLASSES):
        upper = PUBLIC_CLASSES[i + 1][0] * k - 1 if i + 1 < len(PUBLIC_CLASSES) else None
        low = factor * k
        label = plural_of(language, words["de_a" if upper is not None else "ou_plus"], low)
        classes.append({"min": low, "couleur": colour, "libelle": label.format(de=low, a=upper)})
    since = (today - timedelta(days=365)).isoformat()
    page_words = {key: plural_of(language, word, k) for key, word in words.items()}
    page_words["titre"] = page_words["titre"].format(communes=communes_named(language, settings.zone_communes))
    page_words["qui"] = page_words["qui"].format(k=k)
    figure, fmap, tiles = _map(settings, f"{page_words['titre_page']} — Hotspots")
    groups = GROUP_NAMES[language]
    panel = render(
        "publique.html",
        w=page_words,
        groups=[(code, groups[code]) for code in PUBLIC_GROUPS],
        classes=classes,
        depuis=since,
        language=language,
        languages=[(code, NAMES[code]) for code in LANGUAGES],
    )
    config = {
        "depuis": since,
        "classes": classes,
        "groupes": [[code, groups[code]] for code in PUBLIC_GROUPS],  # a list: the page's JSON sorts a dict's keys
        "fond_vectoriel_seul": not settings.tile_url,
        "emprise_zone": zone_bounds(settings),
        "fuseau": settings.timezone,
        **script_words(language),
    }
    fmap.add_child(_Layers(entry="publique", panel=panel, tiles=tiles, config=config))
    return _html(figure, language)
