"""The words of the map pages in French, Dutch, German and English, and the choice of a page's language.

The public map speaks to residents of a Belgian zone: French first, then Belgium's other official languages,
Dutch and German (the German-speaking Community lies in the province of Liège), and English. Its page and the
shared map script (``carte.js``: layer names, background notices, errors) take every word from here, so that one
catalogue holds them all; the officers' map keeps French (it passes the French words). A value is a string, or
``{"one": …, "other": …}`` where it counts something (the script picks the form with the browser's plural rules,
:func:`counted` does the same here). ``{name}`` marks a value filled in.
"""

from __future__ import annotations

from typing import Final

from service.text import french_singular, spoken_list

#: The languages a page can be asked in (``?langue=``), the first one being the default.
LANGUAGES: Final = ("fr", "nl", "de", "en")

#: The locale numbers and dates are written in, per language (a Belgian reader's, English as in the UK).
LOCALES: Final = {"fr": "fr-BE", "nl": "nl-BE", "de": "de-BE", "en": "en-GB"}

#: Each language's name in itself, for the page's language links.
NAMES: Final = {"fr": "Français", "nl": "Nederlands", "de": "Deutsch", "en": "English"}

Word = str | dict[str, str]

#: The words of the shared map script (carte.js) and of the public map's script (publique.js).
SCRIPT_WORDS: Final[dict[str, dict[str, Word]]] = {
    "fr": {
        "couche_en_erreur": "Couche « {couche} » : {erreur}",
        "session_expiree": "Session expirée : rechargez la page pour vous reconnecter.",
        "erreur_service": "Le service a rencontré une erreur ({statut}) : réessayez dans un moment.",
        "reponse_inattendue": "Réponse inattendue du service ({statut}) : rechargez la page.",
        "injoignable": "Le service ne répond pas (réseau coupé ou serveur arrêté) : réessayez dans un moment.",
        "hors_ligne": "Hors ligne : la carte et les couches telles que gardées sur cet appareil le {le} ; les "
        "visites encodées attendent le réseau.",
        "fond_rues": "Rues (fond hors ligne)",
        "tuiles": "Tuiles en ligne",
        "fond_reglage": "Fond de carte hors ligne : rues et communes servies par le service.",
        "tuiles_muettes": "Les tuiles en ligne ne répondent pas : fond hors ligne affiché (rues et communes du "
        "service). Pour réessayer : « {tuiles} » dans la liste des couches (en haut à droite).",
        "tuiles_injoignables": "Tuiles en ligne injoignables (pas d'internet ?) : fond hors ligne affiché (rues "
        "et communes du service). Pour réessayer : « {tuiles} » dans la liste des couches (en haut à droite).",
        "limites_communes": "Limites des communes",
        "zoom_avant": "Zoom avant",
        "zoom_arriere": "Zoom arrière",
        "couches": "Couches",
        "fermer": "Fermer",
        "zones": "Signalements par zone",
        "signalements": {"one": "{n} signalement", "other": "{n} signalements"},
        "moins_de": "moins de {seuil}",
        "vue_publique": {
            "one": "{n} signalement dans la vue ; {masques} dans des zones de moins de {seuil}, non affichées.",
            "other": "{n} signalements dans la vue ; {masques} dans des zones de moins de {seuil}, non affichées.",
        },
    },
    "nl": {
        "couche_en_erreur": "Laag ‘{couche}’: {erreur}",
        "session_expiree": "Sessie verlopen: laad de pagina opnieuw om opnieuw aan te melden.",
        "erreur_service": "De dienst kreeg een fout ({statut}): probeer het zo dadelijk opnieuw.",
        "reponse_inattendue": "Onverwacht antwoord van de dienst ({statut}): laad de pagina opnieuw.",
        "injoignable": "De dienst antwoordt niet (netwerk weg of server gestopt): probeer het zo dadelijk opnieuw.",
        "hors_ligne": "Offline: de kaart en de lagen zoals bewaard op dit toestel op {le}; ingevoerde bezoeken "
        "wachten op het netwerk.",
        "fond_rues": "Straten (offline achtergrond)",
        "tuiles": "Online kaarttegels",
        "fond_reglage": "Offline achtergrondkaart: straten en gemeenten van de dienst zelf.",
        "tuiles_muettes": "De online kaarttegels antwoorden niet: offline achtergrond getoond (straten en "
        "gemeenten van de dienst). Opnieuw proberen: ‘{tuiles}’ in de lijst van lagen (rechtsboven).",
        "tuiles_injoignables": "Online kaarttegels onbereikbaar (geen internet?): offline achtergrond getoond "
        "(straten en gemeenten van de dienst). Opnieuw proberen: ‘{tuiles}’ in de lijst van lagen (rechtsboven).",
        "limites_communes": "Gemeentegrenzen",
        "zoom_avant": "Inzoomen",
        "zoom_arriere": "Uitzoomen",
        "couches": "Lagen",
        "fermer": "Sluiten",
        "zones": "Meldingen per zone",
        "signalements": {"one": "{n} melding", "other": "{n} meldingen"},
        "moins_de": "minder dan {seuil}",
        "vue_publique": {
            "one": "{n} melding in beeld; {masques} in zones met minder dan {seuil}, niet getoond.",
            "other": "{n} meldingen in beeld; {masques} in zones met minder dan {seuil}, niet getoond.",
        },
    },
    "de": {
        "couche_en_erreur": "Ebene „{couche}“: {erreur}",
        "session_expiree": "Sitzung abgelaufen: Laden Sie die Seite neu, um sich wieder anzumelden.",
        "erreur_service": "Beim Dienst ist ein Fehler aufgetreten ({statut}): Versuchen Sie es gleich noch einmal.",
        "reponse_inattendue": "Unerwartete Antwort des Dienstes ({statut}): Laden Sie die Seite neu.",
        "injoignable": "Der Dienst antwortet nicht (Netz unterbrochen oder Server angehalten): Versuchen Sie es "
        "gleich noch einmal.",
        "hors_ligne": "Offline: Karte und Ebenen, wie sie am {le} auf diesem Gerät gespeichert wurden; erfasste "
        "Besuche warten auf das Netz.",
        "fond_rues": "Straßen (Offline-Hintergrund)",
        "tuiles": "Online-Kartenkacheln",
        "fond_reglage": "Offline-Hintergrundkarte: Straßen und Gemeinden, vom Dienst selbst bereitgestellt.",
        "tuiles_muettes": "Die Online-Kartenkacheln antworten nicht: Offline-Hintergrund angezeigt (Straßen und "
        "Gemeinden des Dienstes). Erneut versuchen: „{tuiles}“ in der Liste der Ebenen (oben rechts).",
        "tuiles_injoignables": "Online-Kartenkacheln nicht erreichbar (kein Internet?): Offline-Hintergrund "
        "angezeigt (Straßen und Gemeinden des Dienstes). Erneut versuchen: „{tuiles}“ in der Liste der Ebenen "
        "(oben rechts).",
        "limites_communes": "Gemeindegrenzen",
        "zoom_avant": "Vergrößern",
        "zoom_arriere": "Verkleinern",
        "couches": "Ebenen",
        "fermer": "Schließen",
        "zones": "Meldungen pro Zone",
        "signalements": {"one": "{n} Meldung", "other": "{n} Meldungen"},
        "moins_de": "weniger als {seuil}",
        "vue_publique": {
            "one": "{n} Meldung im Bild; {masques} in Zonen mit weniger als {seuil}, nicht angezeigt.",
            "other": "{n} Meldungen im Bild; {masques} in Zonen mit weniger als {seuil}, nicht angezeigt.",
        },
    },
    "en": {
        "couche_en_erreur": "Layer “{couche}”: {erreur}",
        "session_expiree": "Session expired: reload the page to log in again.",
        "erreur_service": "The service ran into an error ({statut}): try again in a moment.",
        "reponse_inattendue": "Unexpected answer from the service ({statut}): reload the page.",
        "injoignable": "The service does not answer (network down or server stopped): try again in a moment.",
        "hors_ligne": "Offline: the map and layers as kept on this device on {le}; visits entered wait for the "
        "network.",
        "fond_rues": "Streets (offline background)",
        "tuiles": "Online tiles",
        "fond_reglage": "Offline base map: streets and municipalities served by the service itself.",
        "tuiles_muettes": "The online tiles do not answer: offline background shown (the service's streets and "
        "municipalities). To try again: “{tuiles}” in the list of layers (top right).",
        "tuiles_injoignables": "Online tiles out of reach (no internet?): offline background shown (the service's "
        "streets and municipalities). To try again: “{tuiles}” in the list of layers (top right).",
        "limites_communes": "Municipal boundaries",
        "zoom_avant": "Zoom in",
        "zoom_arriere": "Zoom out",
        "couches": "Layers",
        "fermer": "Close",
        "zones": "Reports per area",
        "signalements": {"one": "{n} report", "other": "{n} reports"},
        "moins_de": "fewer than {seuil}",
        "vue_publique": {
            "one": "{n} report in view; {masques} in areas with fewer than {seuil}, not shown.",
            "other": "{n} reports in view; {masques} in areas with fewer than {seuil}, not shown.",
        },
    },
}

#: The words of the public map's page (its panels), filled in by the template.
PAGE_WORDS: Final[dict[str, dict[str, Word]]] = {
    "fr": {
        "titre_page": "Carte publique",
        "titre": "Nuisances environnementales signalées — {communes}",
        "et": "et",
        "qui": {
            "one": "Comptes par zone, sans aucune donnée personnelle ; les zones de moins de {k} signalement ne "
            "sont pas affichées.",
            "other": "Comptes par zone, sans aucune donnée personnelle ; les zones de moins de {k} signalements ne "
            "sont pas affichées.",
        },
        "chargement": "Chargement…",
        "langues": "Langue",
        "filtres": "Filtres",
        "type": "Type de nuisance",
        "toutes": "Toutes",
        "depuis": "Depuis le",
        "appliquer": "Appliquer",
        "legende": "Légende",
        "par_zone": "Signalements par zone hexagonale :",
        "de_a": "{de} à {a}",
        "ou_plus": "{de} ou plus",
        "commune": "commune",
        "non_publiee_titre": "Carte publique non publiée",
        "non_publiee": "La carte publique n'est pas activée sur ce service.",
        "non_publiee_conseil": "Les agents se connectent sur /carte. Pour la publier : HOTSPOTS_PUBLIC_MAP=true.",
    },
    "nl": {
        "titre_page": "Publieke kaart",
        "titre": "Gemelde milieuhinder — {communes}",
        "et": "en",
        "qui": {
            "one": "Aantallen per zone, zonder enig persoonsgegeven; zones met minder dan {k} melding worden niet "
            "getoond.",
            "other": "Aantallen per zone, zonder enig persoonsgegeven; zones met minder dan {k} meldingen worden "
            "niet getoond.",
        },
        "chargement": "Laden…",
        "langues": "Taal",
        "filtres": "Filters",
        "type": "Soort hinder",
        "toutes": "Alle",
        "depuis": "Sinds",
        "appliquer": "Toepassen",
        "legende": "Legende",
        "par_zone": "Meldingen per zeshoekige zone:",
        "de_a": "{de} tot {a}",
        "ou_plus": "{de} of meer",
        "commune": "gemeente",
        "non_publiee_titre": "Publieke kaart niet gepubliceerd",
        "non_publiee": "De publieke kaart is niet geactiveerd op deze dienst.",
        "non_publiee_conseil": "Agenten melden zich aan op /carte. Om ze te publiceren: HOTSPOTS_PUBLIC_MAP=true.",
    },
    "de": {
        "titre_page": "Öffentliche Karte",
        "titre": "Gemeldete Umweltbelästigungen — {communes}",
        "et": "und",
        "qui": {
            "one": "Anzahl pro Zone, ohne jegliche personenbezogene Daten; Zonen mit weniger als {k} Meldung werden "
            "nicht angezeigt.",
            "other": "Anzahl pro Zone, ohne jegliche personenbezogene Daten; Zonen mit weniger als {k} Meldungen "
            "werden nicht angezeigt.",
        },
        "chargement": "Wird geladen…",
        "langues": "Sprache",
        "filtres": "Filter",
        "type": "Art der Belästigung",
        "toutes": "Alle",
        "depuis": "Seit dem",
        "appliquer": "Anwenden",
        "legende": "Legende",
        "par_zone": "Meldungen pro sechseckiger Zone:",
        "de_a": "{de} bis {a}",
        "ou_plus": "{de} oder mehr",
        "commune": "Gemeinde",
        "non_publiee_titre": "Öffentliche Karte nicht veröffentlicht",
        "non_publiee": "Die öffentliche Karte ist bei diesem Dienst nicht aktiviert.",
        "non_publiee_conseil": "Beamte melden sich unter /carte an. Zum Veröffentlichen: HOTSPOTS_PUBLIC_MAP=true.",
    },
    "en": {
        "titre_page": "Public map",
        "titre": "Reported environmental nuisances — {communes}",
        "et": "and",
        "qui": {
            "one": "Counts per area, with no personal data; areas with fewer than {k} report are not shown.",
            "other": "Counts per area, with no personal data; areas with fewer than {k} reports are not shown.",
        },
        "chargement": "Loading…",
        "langues": "Language",
        "filtres": "Filters",
        "type": "Type of nuisance",
        "toutes": "All",
        "depuis": "Since",
        "appliquer": "Apply",
        "legende": "Legend",
        "par_zone": "Reports per hexagonal area:",
        "de_a": "{de} to {a}",
        "ou_plus": "{de} or more",
        "commune": "municipality",
        "non_publiee_titre": "Public map not published",
        "non_publiee": "The public map is not enabled on this service.",
        "non_publiee_conseil": "Officers sign in at /carte. To publish it: HOTSPOTS_PUBLIC_MAP=true.",
    },
}

#: The public map's category groups (service.maps.data.PUBLIC_GROUPS), named in each language.
GROUP_NAMES: Final[dict[str, dict[str, str]]] = {
    "fr": {
        "dechets": "Déchets et dépôts",
        "proprete": "Propreté de l'espace public",
        "nuisances": "Bruit et odeurs",
        "pollution": "Pollution et insalubrité",
        "autres": "Autres",
    },
    "nl": {
        "dechets": "Afval en sluikstort",
        "proprete": "Netheid van de openbare ruimte",
        "nuisances": "Lawaai en geurhinder",
        "pollution": "Vervuiling en onbewoonbare panden",
        "autres": "Andere",
    },
    "de": {
        "dechets": "Abfall und wilde Müllablagerungen",
        "proprete": "Sauberkeit des öffentlichen Raums",
        "nuisances": "Lärm und Gerüche",
        "pollution": "Verschmutzung und unbewohnbare Gebäude",
        "autres": "Sonstiges",
    },
    "en": {
        "dechets": "Waste and dumping",
        "proprete": "Cleanliness of public space",
        "nuisances": "Noise and smells",
        "pollution": "Pollution and unfit housing",
        "autres": "Other",
    },
}


def choose(asked: str | None, accept_language: str | None) -> str:
    """The language of a page: the one asked for (``?langue=nl``), else the browser's first language we speak
    (its ``Accept-Language``, by weight), else French."""
    if asked and asked.lower() in LANGUAGES:
        return asked.lower()
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        primary = tag.strip().split("-")[0].lower()
        if primary in LANGUAGES and weight > 0:
            ranked.append((-weight, i, primary))
    return min(ranked)[2] if ranked else LANGUAGES[0]


def plural_of(language: str, word: Word, n: int) -> str:
    """The form of ``word`` for ``n`` things in ``language`` (as the browser's Intl.PluralRules chooses it)."""
    if isinstance(word, str):
        return word
    one = french_singular(n) if language == "fr" else n == 1
    return word["one"] if one else word["other"]


def communes_named(language: str, communes: tuple[str, ...]) -> str:
    """The zone's communes as a reader says them: « Seraing et Neupré », « Seraing en Neupré »."""
    word = PAGE_WORDS[language]["et"]
    assert isinstance(word, str)  # a conjunction has no plural
    return spoken_list(communes, word)
