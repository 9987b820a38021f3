"""German column headers of the exports (Belgium's third official language, spoken in the east of the province of
Liège), kept apart from the French, Dutch and English aliases of :mod:`service.ingest.aliases`, which appends
them after every other alias of their field: only a German export meets them."""

from __future__ import annotations

#: Written as :func:`service.ingest.columns.normalise_header` leaves them (« Längengrad » → ``langengrad``,
#: « Straße » → ``strasse``).
_LOCATION: dict[str, list[str]] = {
    "address": ["anschrift", "ort_der_meldung", "tatort"],
    "street": ["strasse", "strassenname"],
    "house_number": ["hausnummer", "hausnr", "haus_nr"],
    "postcode": ["postleitzahl", "plz"],
    "commune": ["gemeinde", "ortschaft", "ort", "stadt"],
    "lat": ["breitengrad"],
    "lon": ["langengrad"],
}
GERMAN: dict[str, dict[str, list[str]]] = {
    "reports": {
        "external_id": ["meldungsnummer", "meldungs_nr", "meldung_nr", "aktenzeichen"],
        "observed_at": ["meldungsdatum", "datum_der_meldung", "datum_uhrzeit", "zeitpunkt"],
        "observed_time": ["uhrzeit", "zeit"],
        "category": ["kategorie", "meldungsart", "art_der_meldung", "art_der_belastigung"],
        "description": ["beschreibung", "sachverhalt"],
        "status": ["zustand", "bearbeitungsstand"],
        "closed_at": ["abschlussdatum", "abgeschlossen_am", "erledigt_am"],
        "source": ["quelle", "eingangskanal"],
        "reporter_name": ["name_des_meldenden", "melder"],
        "reporter_phone": ["telefon", "telefonnummer"],
        **_LOCATION,
    },
    "visits": {
        "visited_at": ["besuchsdatum", "datum_des_besuchs", "kontrolldatum", "datum"],
        "visited_time": ["uhrzeit", "zeit"],
        "outcome": ["ergebnis", "massnahme"],
        "officer": ["beamter", "bediensteter", "kontrolleur"],
        "notes": ["bemerkungen", "bemerkung", "notizen"],
        "category": ["kategorie"],
        **_LOCATION,
    },
    "permits": {
        "reference": ["aktenzeichen", "genehmigungsnummer"],
        "permit_type": ["genehmigungsart", "art_der_genehmigung"],
        "operator": ["betreiber", "antragsteller"],
        "activity": ["tatigkeit", "betrieb"],
        "decision_date": ["entscheidungsdatum", "datum_der_entscheidung"],
        "valid_until": ["gultig_bis", "gultigkeit_bis", "ablaufdatum"],
        "conditions": ["auflagen", "betriebsbedingungen"],
        "opening_hours": ["offnungszeiten"],
        **_LOCATION,
    },
}
