"""Malformed files, one kind of problem each (tests/data/bad/, written by make_bad_files.py).

Row-level problems: the good rows are stored, the bad row is rejected with the exact reason, counts add up.
File-level problems: nothing is stored, the refusal is recorded as a batch with its reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from service.errors import InputFileError
from service.ingest.pipeline import IngestOptions, ingest_file
from tests.conftest import DATA
from tests.helpers import NOW, count, ingest, rejects

BAD = DATA / "bad"
BAD_HEADER = "N° dossier;Date signalement;Catégorie;Adresse;Code postal;Localité;Description;Latitude;Longitude"

# file, options, {row number: expected reason}, stored rows
ROW_CASES = [
    (
        "categorie_inconnue.csv",
        {},
        {
            3: "catégorie: catégorie inconnue ; codes valides : activite_sans_permis",  # nothing near « Pokémon »
            # a letter off, or one word of a label: the nearest is said, and still refused (no silent guess)
            4: "catégorie: catégorie inconnue ; la plus proche : « Déjections canines » (dejections), à écrire "
            "ainsi ou à donner dans un fichier de correspondance (--correspondance) ; codes valides : ",
            5: "catégorie: catégorie inconnue ; la plus proche : « Dépôt clandestin » (depot_clandestin)",
        },
        1,
    ),
    ("categorie_manquante.csv", {}, {3: "catégorie: catégorie manquante"}, 1),
    ("lat_lon_inversees.csv", {}, {3: "lat/lon: latitude et longitude inversées"}, 1),
    ("hors_zone.csv", {}, {3: "lat/lon: point hors de la zone de police (à 8"}, 1),
    ("date_impossible.csv", {}, {3: "date: date impossible (ce jour n'existe pas)"}, 1),
    ("date_future.csv", {}, {3: "date: date dans le futur"}, 1),
    ("date_illisible.csv", {}, {3: "date: date illisible (formats acceptés : 25/11/2026 14:30"}, 1),
    ("date_manquante.csv", {}, {3: "date: date manquante"}, 1),
    (  # a date cell formatted as a number: said with the day it stands for, never read by guess
        "date_nombre_de_tableur.csv",
        {},
        {
            3: "date: date écrite en nombre de jours de tableur (45730,38 = 14/03/2025) : donnez à la colonne le "
            "format Date dans le tableur, enregistrez, puis importez à nouveau"
        },
        2,
    ),
    ("heure_illisible.csv", {}, {3: "heure: heure illisible (formats acceptés : 14:30, 14h30, 14h, 14:30:00)"}, 1),
    (
        "heure_differente.csv",
        {},
        {
            4: "heure: la date porte déjà une heure, 14:00, autre que celle de la colonne « Heure » : gardez la "
            "bonne heure dans une seule des deux colonnes"
        },
        2,
    ),
    ("date_trop_ancienne.csv", {}, {3: "date: date trop ancienne (avant le 01/01/2000)"}, 1),
    (
        "identifiant_en_double.csv",
        {},
        {4: "identifiant: identifiant déjà présent à la ligne 2 du fichier avec un contenu différent"},
        2,
    ),
    ("caractere_de_controle.csv", {}, {3: "description: caractère de contrôle invisible (U+0007)"}, 1),
    ("sans_lieu.csv", {}, {3: "localisation: ni coordonnées ni adresse : impossible de situer la ligne"}, 1),
    ("nombre_de_champs.csv", {}, {3: "ligne: nombre de champs incorrect (10 champs au lieu de 9)"}, 2),
    ("coordonnee_incomplete.csv", {}, {3: "coordonnées: coordonnée incomplète (une seule des deux valeurs)"}, 1),
    ("coordonnee_illisible.csv", {}, {3: "lat: coordonnée illisible (lat)"}, 1),
    (  # both in one cell, as copied from a map or a phone: decimal, degrees-minutes-seconds or Lambert are read
        "coordonnees_dans_une_cellule.csv",
        {},
        {
            5: "coordonnées: coordonnées illisibles : deux nombres attendus, comme « 50.6098, 5.5120 » (latitude "
            "puis longitude)",
            6: "lat/lon: latitude et longitude inversées",
        },
        3,
    ),
    ("statut_inconnu.csv", {}, {3: "statut: statut inconnu ; codes valides : clos, en_cours, nouveau"}, 1),
    (
        "geometrie_invalide.geojson",
        {},
        {
            2: "géométrie: coordonnées de point invalides",
            3: "géométrie: 1 318 m d'étendue : trop grand pour un seul lieu (au plus 250 m) ; dessinez un point",
            4: "géométrie: géométrie GeoJSON sans « type »",
        },
        1,
    ),
]


@pytest.mark.parametrize(("name", "options", "expected", "stored"), ROW_CASES, ids=[c[0] for c in ROW_CASES])
def test_bad_row_is_rejected_with_its_reason(conn, settings, name, options, expected, stored):
    summary = ingest(conn, settings, BAD / name, **options)
    got = rejects(conn, summary.batch_id)
    assert sorted(got) == sorted(expected)
    for row, reason in expected.items():
        assert any(r.startswith(reason) for r in got[row]), (row, got[row])
    assert summary.rejected == len(expected)
    assert summary.inserted == stored == count(conn, "reports")
    assert summary.rows_in == summary.inserted + summary.updated + summary.duplicates + summary.rejected


def test_the_time_of_day_of_its_own_column_is_stored_with_the_date(conn, settings):
    """The good row of « Date » and « Heure » in two columns is stored at 09:15 Brussels, not at midnight."""
    ingest(conn, settings, BAD / "heure_illisible.csv")
    local = "to_char(observed_at AT TIME ZONE 'Europe/Brussels', 'DD/MM/YYYY HH24:MI')"
    assert conn.execute(f"SELECT {local} FROM reports").fetchall() == [("12/03/2026 09:15",)]


def test_a_date_with_its_own_time_keeps_it_when_the_hour_beside_it_agrees(conn, settings):
    """« 12/03/2026 10:30 » beside « 10h30 » is one instant; « 12/03/2026 14:00 » beside « 09:30 » is rejected
    (above), the date alone beside « 09h15 » takes it."""
    ingest(conn, settings, BAD / "heure_differente.csv")
    local = "to_char(observed_at AT TIME ZONE 'Europe/Brussels', 'DD/MM/YYYY HH24:MI')"
    stored = conn.execute(f"SELECT external_id, {local} FROM reports ORDER BY external_id").fetchall()
    assert stored == [("S-100", "12/03/2026 09:15"), ("S-101", "12/03/2026 10:30")]


def test_a_register_with_the_reception_in_date_and_the_facts_hour_beside_it(conn, settings):
    """A register saved from Excel (Windows-1252) whose « Date » is when the report came in, with its time, and
    « Heure des faits » when the facts happened: each report is dated at the facts' time (the day before when the
    facts' time comes after the reception's), the import says so with the columns' names, and only the time that
    cannot be read is refused."""
    summary = ingest(conn, settings, BAD / "date_reception_heure_des_faits.csv")
    got = rejects(conn, summary.batch_id)
    assert list(got) == [6] and got[6][0].startswith("heure: heure illisible (formats acceptés : 14:30"), got
    local = "to_char(observed_at AT TIME ZONE 'Europe/Brussels', 'DD/MM/YYYY HH24:MI')"
    stored = conn.execute(f"SELECT external_id, {local} FROM reports ORDER BY external_id").fetchall()
    assert stored == [
        ("S-200", "14/03/2026 02:30"),
        ("S-201", "13/03/2026 23:40"),
        ("S-202", "14/03/2026 21:00"),
        ("S-203", "14/03/2026 10:00"),
    ]
    said = "2 signalements datés à l'heure de « Heure des faits » : « Date » y porte une autre heure, lue comme celle "
    assert summary.to_dict()["phrases"][1].startswith(said), summary.to_dict()["phrases"]


def test_coordinates_in_one_cell_are_placed_where_they_say(conn, settings):
    """« 50.6097927, 5.5120109 » (a map), « 50°36'35.3"N 5°30'43.2"E » (a phone) and « 230917,7 144970,3 »
    (Lambert, from a GIS) name one place in front of Rue Ferrer 12: each report is stored there, given."""
    ingest(conn, settings, BAD / "coordonnees_dans_une_cellule.csv")
    rows = conn.execute(
        "SELECT external_id, round(ST_X(geom)), round(ST_Y(geom)), geocode_status FROM reports ORDER BY external_id"
    ).fetchall()
    assert [r[0] for r in rows] == ["S-100", "S-101", "S-102"] and {r[3] for r in rows} == {"fourni"}
    assert all(abs(x - 230918) <= 3 and abs(y - 144970) <= 3 for _, x, y, _ in rows), rows


def test_empty_rows_of_an_export_are_told_apart_from_the_rows_to_correct(conn, settings):
    """« ;;;;;;;; » between blocks or at the end of an export: each was rejected with every field missing, among
    the rows « à corriger ». An empty row has one reason, and the summary counts it apart, as nothing to import; so
    does a footer (« Total : 1 signalement »), a total line with one reason of its own."""
    summary = ingest(conn, settings, BAD / "lignes_vides_et_total.csv")
    got = rejects(conn, summary.batch_id)
    empty = (
        "ligne: ligne vide : aucune cellule remplie (une ligne de séparation ou de fin de tableau) ; rien à importer"
    )
    total = "ligne: ligne de total : le pied du tableau, pas un enregistrement ; rien à importer"
    assert got == {3: [empty], 4: [empty], 5: [total]}, got
    assert (summary.inserted, summary.rejected, summary.details["lignes_vides"]) == (1, 3, 2)
    assert summary.details["lignes_de_total"] == 1 and summary.to_fix == 0
    assert summary.reject_lines() == [
        "3 lignes non enregistrées, dont 2 lignes vides (aucune cellule remplie : rien à importer) et 1 ligne de "
        "total (« Total », « Sous-total »… au pied du tableau : rien à importer)."
    ]


def test_identical_repeated_row_is_a_duplicate_not_a_reject(conn, settings):
    summary = ingest(conn, settings, BAD / "ligne_en_double_identique.csv")
    assert (summary.rows_in, summary.inserted, summary.duplicates, summary.rejected) == (3, 2, 1, 0)
    assert summary.details["doublons_dans_le_fichier"] == 1


def test_formula_like_text_is_not_a_bad_row(conn, settings):
    """Stored as given; neutralised on the way out (tests/test_formulas.py)."""
    summary = ingest(conn, settings, BAD / "formule_tableur.csv")
    assert (summary.inserted, summary.rejected) == (2, 0)
    assert conn.execute("SELECT description FROM reports WHERE external_id = 'S-102'").fetchone() == (
        '=HYPERLINK("http://x")',
    )


def test_visit_with_unknown_outcome(conn, settings):
    summary = ingest(conn, settings, BAD / "visite_resultat_inconnu.csv", kind="visits")
    got = rejects(conn, summary.batch_id)
    assert list(got) == [3]
    assert got[3][0].startswith("résultat: résultat inconnu ; codes valides : a_revoir, avertissement")
    assert count(conn, "visits") == 1


def test_permits_class_and_validity(conn, settings):
    summary = ingest(conn, settings, BAD / "permis_sans_classe.csv", kind="permits")
    got = rejects(conn, summary.batch_id)
    assert got == {
        3: ["classe: classe manquante pour un permis d'environnement (1, 2 ou 3)"],
        4: ["fin de validité: fin de validité antérieure à la décision"],
    }
    assert count(conn, "permits") == 1


def test_a_class_3_declaration_is_an_environmental_one(conn, settings, tmp_path):
    """« Déclaration de classe 3 » (or Dutch « Melding klasse 3 ») as the type was refused as an unknown type of
    permit; it is the environmental declaration, class 3."""
    path = tmp_path / "declarations.csv"
    path.write_text(
        "Référence;Type de permis;Classe;Exploitant;Adresse;Date décision;Latitude;Longitude\r\n"
        "D3/2025/0001;Déclaration de classe 3;;Boulangerie Ferrer;Rue Ferrer 12;14/03/2025;50.6097927;5.5120109\r\n"
        "D3/2025/0002;Melding klasse 3;;Garage Janssens;Rue Ferrer 14;15/03/2025;50.6098393;5.5119180\r\n",
        encoding="utf-8",
    )
    summary = ingest(conn, settings, path, kind="permits")
    assert (summary.inserted, summary.rejected) == (2, 0), rejects(conn, summary.batch_id)
    stored = conn.execute("SELECT permit_type, env_class FROM permits ORDER BY reference").fetchall()
    assert stored == [("environnement", 3), ("environnement", 3)]


def test_permits_opening_hours_read_or_refused(conn, settings):
    """A company's opening hours are kept as the service writes them (a lunch closure and Saturday mornings too);
    unreadable ones refuse the row, naming the value, what is wrong in it and how to write it; a permit without hours
    keeps none (the service's apply)."""
    summary = ingest(conn, settings, BAD / "permis_horaires_illisibles.csv", kind="permits")
    examples = (
        "écrivez par exemple « lun-ven 8h-17h », « lun-ven 8h-12h, 13h-17h ; sam 9h-12h » ou « 8h-17h » (tous les "
        "jours)"
    )
    assert rejects(conn, summary.batch_id) == {
        3: [f"heures d'ouverture: heures d'ouverture illisibles ; {examples}"],
        6: [
            "heures d'ouverture: heures d'ouverture : deux plages se chevauchent (l'une ouvre à 12:00, avant que "
            f"l'autre ferme à 12:30) ; {examples}"
        ],
        8: [f"heures d'ouverture: heures d'ouverture : « 31/06 » n'est pas une date ; {examples}"],
    }
    stored = dict(conn.execute("SELECT reference, opening_hours FROM permits ORDER BY reference").fetchall())
    assert stored == {
        "PE/2024/0011": "lun-ven 08:00-17:30",
        "PE/2024/0013": None,
        "PE/2024/0014": "lun-ven 08:00-12:00, 13:00-18:00 et sam 09:00-12:00",
        "PE/2024/0016": "lun-ven 07:30-16:00 et fermé du 20/07 au 07/08",  # the building trade's leave, every year
    }
    raw = conn.execute("SELECT raw FROM rejected_rows WHERE batch_id = %s", (summary.batch_id,)).fetchone()[0]
    assert raw["Heures d'ouverture"] == "en semaine, le matin"


FILE_CASES = [
    ("vide.csv", {}, "vide.csv : le fichier est vide (0 octet)."),
    ("entete_seule.csv", {}, "entete_seule.csv : seulement une ligne d'en-tête, aucune donnée."),
    ("mauvais_separateur.csv", {"delimiter": ","}, "mauvais_separateur.csv : colonnes obligatoires absentes"),
    ("encodage_mixte.csv", {}, "encodage_mixte.csv : encodage mixte"),
    ("binaire.csv", {}, "binaire.csv : le fichier contient des octets nuls"),
    ("colonne_date_absente.csv", {}, "colonne_date_absente.csv : colonne obligatoire absente : date"),
    ("colonnes_en_double.csv", {}, "colonnes_en_double.csv : colonnes en double dans l'en-tête : 'Adresse'"),
    ("classeur_tronque.xlsx", {}, "classeur_tronque.xlsx : classeur XLSX illisible ou endommagé"),
    ("pas_un_classeur.xlsx", {}, "pas_un_classeur.xlsx : classeur XLSX illisible ou endommagé"),
    ("classeur_vide.xlsx", {}, "classeur_vide.xlsx : la feuille 'Sheet' est vide."),
    ("geojson_tronque.geojson", {}, "geojson_tronque.geojson : JSON invalide à la ligne 1"),
    ("geojson_sans_collection.geojson", {}, "geojson_sans_collection.geojson : GeoJSON sans FeatureCollection"),
]


@pytest.mark.parametrize(("name", "options", "message"), FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_unusable_file_is_refused_whole(conn, settings, name, options, message):
    with pytest.raises(InputFileError) as info:
        ingest_file(conn, BAD / name, IngestOptions(kind="reports", **options), settings, now=NOW)
    assert info.value.message.startswith(message), info.value.message
    assert count(conn, "reports") == 0
    assert count(conn, "rejected_rows") == 0
    row = conn.execute("SELECT status, error, rows_in FROM ingestion_batches").fetchall()
    assert len(row) == 1 and row[0][0] == "refuse" and row[0][1].startswith(message) and row[0][2] == 0


def test_wrong_separator_hint_names_the_separator(conn, settings):
    with pytest.raises(InputFileError) as info:
        ingest_file(
            conn, BAD / "mauvais_separateur.csv", IngestOptions(kind="reports", delimiter=","), settings, now=NOW
        )
    assert info.value.hint is not None and "séparateur" in info.value.hint


def test_every_bad_file_is_covered():
    covered = (
        {c[0] for c in ROW_CASES}
        | {c[0] for c in FILE_CASES}
        | {"ligne_en_double_identique.csv", "visite_resultat_inconnu.csv", "permis_sans_classe.csv"}
        | {"permis_horaires_illisibles.csv"}
        | {"date_reception_heure_des_faits.csv"}  # dated at the facts' time (test_a_register_with_the_reception…)
        | {"lignes_vides_et_total.csv"}  # test_empty_rows_of_an_export_are_told_apart_from_the_rows_to_correct
        | {"formule_tableur.csv"}  # not bad: stored as given (test_formula_like_text_is_not_a_bad_row)
        | {"coordonnees_en_mots.csv", "latitude_en_mots.csv"}  # test_coordinates_written_in_words_beside_an_address…
    )
    assert covered == {p.name for p in Path(BAD).iterdir()}


def test_the_words_registers_use_for_common_categories_are_known(conn, settings, tmp_path):
    """« encombrants » and a bare « dépôt » were refused as unknown categories; they are the service's daily
    dumping, as Belgian « crasses », Dutch « grofvuil » and German « Sperrmüll » are; « crottes » and a garden
    « feu » too."""
    words = {
        "encombrants": "depot_clandestin",
        "Dépôt": "depot_clandestin",
        "crasses": "depot_clandestin",
        "Grofvuil": "depot_clandestin",
        "Sperrmüll": "depot_clandestin",
        "Crottes": "dejections",
        "Feu de jardin": "incineration",
    }
    stored = _register_of_words(conn, settings, tmp_path / "registre.csv", words, "reports")
    assert stored == {f"T-{i}": code for i, code in enumerate(words.values())}


def test_the_outcomes_other_communes_write_are_known(conn, settings, tmp_path):
    """Outcomes met in other communes' visit registers were refused: a written notice, a demand to clean up, an
    administrative report, a problem set right, a place in order, a dump still there, nobody met."""
    words = {
        "Mise en demeure": "avertissement",
        "Propriétaire contacté": "avertissement",
        "Nettoyage demandé": "avertissement",
        "Aanmaning": "avertissement",
        "Rapport administratif": "sac",
        "GAS-boete": "sac",
        "Régularisé": "nettoye",
        "Nettoyage effectué": "nettoye",
        "Situation en ordre": "rien_constate",
        "Toujours présent": "a_revoir",
        "Personne absente": "a_revoir",
        "Transmis au service travaux": "transmis",
        "PV - avertissement": None,  # two outcomes: refused below, for a person to choose
    }
    known = {word: code for word, code in words.items() if code}
    stored = _register_of_words(conn, settings, tmp_path / "visites.csv", known, "visits")
    assert stored == {f"V-{i}": code for i, code in enumerate(known.values())}
    path = tmp_path / "deux.csv"
    path.write_text(
        VISIT_HEADER + "\r\nV-99;15/03/2026 10:00;Inspecteur Lambert;Rue Ferrer 2;50.6097927;5.5120109;"
        "PV - avertissement\r\n",
        encoding="utf-8",
    )
    summary = ingest(conn, settings, path, kind="visits")
    assert summary.rejected == 1 and "résultat" in rejects(conn, summary.batch_id)[2][0]


def test_the_statuses_other_communes_write_are_known(conn, settings, tmp_path):
    """« En attente », « transmis », « réceptionné », « terminé », « classé sans suite », « lopend » each refused
    its report; a report the source cancelled is still refused, to be left out by whom imports it."""
    path = tmp_path / "statuts.csv"
    statuses = {"En attente": "en_cours", "Transmis": "en_cours", "Lopend": "en_cours", "Réceptionné": "nouveau",
                "Terminé": "clos", "Classé sans suite": "clos", "Annulé": None}  # fmt: skip
    rows = [
        f"S-{i};14/03/2026 08:00;Dépôt clandestin;Rue Ferrer {10 + 2 * i};4100;Seraing;x;50.6097927;5.5120109;{word}"
        for i, word in enumerate(statuses)
    ]
    path.write_text("\r\n".join([BAD_HEADER + ";Statut", *rows]) + "\r\n", encoding="utf-8")
    summary = ingest(conn, settings, path)
    stored = dict(conn.execute("SELECT external_id, status FROM reports").fetchall())
    assert stored == {f"S-{i}": code for i, code in enumerate(statuses.values()) if code}
    assert rejects(conn, summary.batch_id)[8] == [
        "statut: statut inconnu : un signalement « Annulé » à la source n'est pas une nuisance à compter ; retirez la "
        "ligne du fichier, ou donnez-lui un statut (clos, en_cours, nouveau) dans un fichier de correspondance "
        "(--correspondance) s'il faut le garder"
    ]
    assert summary.rejected == 1


def test_the_labels_of_other_communes_registers_are_known(conn, settings, tmp_path):
    """Labels met in other communes' registers were refused as unknown: a label in two parts (« Dépôt clandestin -
    encombrants », « Tags / graffitis », « Incivilité : déjections »), tyres and asbestos dumped, bags that are not
    the commune's, a « voiture ventouse », a « chancre », litter, barking, a noisy building site, oil spilled."""
    words = {
        "Dépôt clandestin - encombrants": "depot_clandestin",
        "Tags / graffitis": "graffiti",
        "Incivilité : déjections": "dejections",
        "Épave (véhicule abandonné)": "vehicule_abandonne",
        "Divers : bruit": "bruit",
        "Bulles à verre - dépôts": "depot_clandestin",
        "Dépôt de pneus": "depot_clandestin",
        "Dépôt d'amiante": "depot_clandestin",
        "Vidanges sauvages": "depot_clandestin",
        "Sacs poubelles non conformes": "sacs_hors_jour",
        "Voiture ventouse": "vehicule_abandonne",
        "Verlaten voertuig": "vehicule_abandonne",
        "Chancre": "insalubrite",
        "Immeuble abandonné": "insalubrite",
        "Terrain en friche": "terrain_malpropre",
        "Mégots": "terrain_malpropre",
        "Aboiements": "bruit_voisinage",
        "Chantier bruyant": "bruit",
        "Huile de vidange déversée": "pollution_sol",
        "Brandend afval": "incineration",
    }
    stored = _register_of_words(conn, settings, tmp_path / "registre.csv", words, "reports")
    assert stored == {f"T-{i}": code for i, code in enumerate(words.values())}


def test_a_sub_category_is_read_first_and_its_category_where_it_says_nothing_known(conn, settings, tmp_path):
    """Platforms export « Catégorie » (« Propreté ») and « Sous-catégorie » (« Dépôt clandestin »): the category
    alone refused every row as unknown. The sub-category is read first; the category where the sub-category is
    empty or unknown; a row where neither is known is refused."""
    path = tmp_path / "plateforme.csv"
    rows = [
        "Date;Catégorie;Sous-catégorie;Latitude;Longitude",
        "14/03/2026 08:00;Propreté;Dépôt clandestin;50.6097927;5.5120109",
        "14/03/2026 08:10;Dépôts clandestins;;50.6097927;5.5120109",
        "14/03/2026 08:20;Graffiti;Façade d'école;50.6097927;5.5120109",
        "14/03/2026 08:30;Propreté;Sacs PMC;50.6097927;5.5120109",
    ]
    path.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8")
    summary = ingest(conn, settings, path)
    stored = conn.execute("SELECT category, category_raw FROM reports ORDER BY observed_at").fetchall()
    assert stored == [
        ("depot_clandestin", "Dépôt clandestin"),
        ("depot_clandestin", "Dépôts clandestins"),
        ("graffiti", "Façade d'école"),
    ]
    assert summary.rejected == 1 and rejects(conn, summary.batch_id)[5][0].startswith("catégorie: catégorie inconnue")


def test_a_label_in_two_parts_that_say_two_things_is_refused(conn, settings, tmp_path):
    """« Graffiti / dépôt clandestin » names two categories: which one is for a person to say, not a guess."""
    path = tmp_path / "registre.csv"
    path.write_text(
        BAD_HEADER + "\r\nT-1;14/03/2026 08:00;Graffiti / dépôt clandestin;Rue Ferrer 12;4100;Seraing;x;50.6097927;"
        "5.5120109\r\n",
        encoding="utf-8",
    )
    summary = ingest(conn, settings, path)
    assert summary.rejected == 1 and rejects(conn, summary.batch_id)[2][0].startswith("catégorie: catégorie inconnue")


#: A visits register's header, and the row of one word of a register of each kind ({i}, {word}, a house number {n}).
VISIT_HEADER = "N° visite;Date visite;Agent;Adresse;Latitude;Longitude;Résultat"
_ROW_OF_A_WORD = {
    "reports": (BAD_HEADER, "T-{i};14/03/2026 08:00;{word};Rue Ferrer {n};4100;Seraing;x;50.6097927;5.5120109"),
    "visits": (VISIT_HEADER, "V-{i};15/03/2026 10:00;Inspecteur Lambert;Rue Ferrer {n};50.6097927;5.5120109;{word}"),
}


def _register_of_words(conn, settings, path, words: dict[str, str], kind: str) -> dict:
    """A register of ``kind`` with one row per word, imported whole: what each row was stored as (its number → its
    category or outcome code)."""
    header, row = _ROW_OF_A_WORD[kind]
    rows = [row.format(i=i, word=word, n=10 + 2 * i) for i, word in enumerate(words)]
    path.write_text("\r\n".join([header, *rows]) + "\r\n", encoding="utf-8")
    summary = ingest(conn, settings, path, kind=kind)
    assert (summary.inserted, summary.rejected) == (len(words), 0), rejects(conn, summary.batch_id)
    column = "category" if kind == "reports" else "outcome"
    return dict(conn.execute(f"SELECT external_id, {column} FROM {kind}").fetchall())


def test_the_words_officers_write_for_an_outcome_are_known(conn, settings, tmp_path):
    """« averti verbalement », « verbalisé », « pas d'infraction », « ramassé » and « à suivre » were refused as
    unknown outcomes (the whole visit lost until typed again); they are what officers write in a visits register."""
    words = {
        "Averti verbalement": "avertissement",
        "Mise en garde": "avertissement",
        "Verbalisé": "pv",
        "Pro justitia": "pv",
        "Pas d'infraction": "rien_constate",
        "Ramassé": "nettoye",
        "À suivre": "a_revoir",
        "PV opgesteld": "pv",
    }
    stored = _register_of_words(conn, settings, tmp_path / "registre_visites.csv", words, "visits")
    assert stored == {f"V-{i}": code for i, code in enumerate(words.values())}


def test_coordinates_written_in_words_beside_an_address_give_way_to_the_address(conn, settings):
    """« pas de GPS », « ? », « - », « néant » in the coordinates refused a row that has an address. They say there
    are no coordinates: the row is placed by its address, and the words stay with it. Without an address, or with
    digits that do not make two numbers, the row is still refused."""
    s = ingest(conn, settings, BAD / "coordonnees_en_mots.csv")
    assert (s.rows_in, s.inserted, s.rejected) == (5, 3, 2), s
    got = rejects(conn, s.batch_id)
    assert sorted(got) == [4, 5] and all(r[0].startswith("coordonnées: coordonnées illisibles") for r in got.values())
    rows = conn.execute(
        "SELECT external_id, geocode_status, extra->>'Coordonnées GPS' FROM reports ORDER BY external_id"
    ).fetchall()
    assert rows == [("S-200", "a_geocoder", "pas de GPS"), ("S-201", "a_geocoder", "?"), ("S-204", "fourni", None)]
    assert s.notes() == [
        "2 lignes sans nombre dans « Coordonnées GPS » (« ? », « pas de GPS »…) : situées par leur adresse ; ces "
        "mots sont gardés avec elles."
    ]
    two = ingest(conn, settings, BAD / "latitude_en_mots.csv")  # Windows-1252, two columns
    assert (two.rows_in, two.inserted, two.rejected) == (3, 2, 1), two
    assert rejects(conn, two.batch_id) == {4: ["lat: coordonnée illisible (lat)", "lon: coordonnée illisible (lon)"]}
    assert "2 lignes sans nombre dans « Latitude » et « Longitude »" in two.notes()[0]
