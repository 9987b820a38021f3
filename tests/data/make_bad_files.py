"""Writes the malformed input files under tests/data/bad/ (kept in the repository; run again to refresh).

Each file holds one kind of problem, on real Seraing addresses, as it arrives from real exports.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).parent / "bad"
H = "N° dossier;Date signalement;Catégorie;Adresse;Code postal;Localité;Description;Latitude;Longitude"
GOOD = "S-100;12/03/2026 09:15;Dépôt clandestin;Rue Ferrer 12;4100;Seraing;sacs et planches;50.6097927;5.5120109"
GOOD2 = "S-101;13/03/2026 10:00;Déjections canines;Place des Verriers 3;4100;Seraing;trottoir;50.5905173;5.4955959"


def csv(name: str, *rows: str, encoding: str = "utf-8", header: str = H) -> None:
    (HERE / name).write_bytes(("\r\n".join([header, *rows]) + "\r\n").encode(encoding))


def main() -> None:
    HERE.mkdir(exist_ok=True)
    (HERE / "vide.csv").write_bytes(b"")
    csv("entete_seule.csv")
    csv("mauvais_separateur.csv", GOOD, GOOD2)  # ingested with --separateur ','
    (HERE / "encodage_mixte.csv").write_bytes(
        (H + "\r\n" + GOOD + "\r\n").encode("utf-8")
        + "S-102;14/03/2026 08:00;Dépôt clandestin;Rue Ferrer 14;4100;Seraing;déchets;50.6098393;5.5119180\r\n".encode(
            "cp1252"
        )
    )
    (HERE / "binaire.csv").write_bytes(b"\x00\x01\x02PK\x00\x00garbage\x00" * 20)
    csv(
        "colonne_date_absente.csv",
        "S-100;Dépôt clandestin;Rue Ferrer 12;4100;Seraing;x;50.6097927;5.5120109",
        header="N° dossier;Catégorie;Adresse;Code postal;Localité;Description;Latitude;Longitude",
    )
    csv("colonnes_en_double.csv", GOOD, header=H.replace("Description", "Adresse"))
    csv(
        "categorie_inconnue.csv",
        GOOD,
        "S-102;14/03/2026 08:00;Pokémon;Rue Ferrer 14;4100;Seraing;x;;",
        "S-103;15/03/2026 10:00;Dégections canines;Rue Ferrer 16;4100;Seraing;devant la porte;;",  # a letter off
        "S-104;16/03/2026 11:00;Dépot sauvage de pneus;Rue Ferrer 18;4100;Seraing;4 pneus;;",  # a synonym, and more
    )
    csv("categorie_manquante.csv", GOOD, "S-102;14/03/2026 08:00;;Rue Ferrer 14;4100;Seraing;x;;")
    csv("lat_lon_inversees.csv", GOOD, "S-102;14/03/2026 08:00;Graffiti;;;;tag;5.5119180;50.6098393")
    csv("hors_zone.csv", GOOD, "S-102;14/03/2026 08:00;Graffiti;Grand-Place 1;1000;Bruxelles;tag;50.8467;4.3525")
    csv("date_impossible.csv", GOOD, "S-102;31/02/2026 08:00;Graffiti;Rue Ferrer 14;4100;Seraing;tag;;")
    csv("date_future.csv", GOOD, "S-102;14/03/2031 08:00;Graffiti;Rue Ferrer 14;4100;Seraing;tag;;")
    csv("date_illisible.csv", GOOD, "S-102;hier soir;Graffiti;Rue Ferrer 14;4100;Seraing;tag;;")
    csv("date_manquante.csv", GOOD, "S-102;;Graffiti;Rue Ferrer 14;4100;Seraing;tag;;")
    # the date and the time of day in two columns, as many registers export them; « midi » is no time
    with_hour = H.replace("Date signalement;", "Date signalement;Heure;")
    csv(
        "heure_illisible.csv",
        "S-100;12/03/2026;09h15;Dépôt clandestin;Rue Ferrer 12;4100;Seraing;sacs et planches;50.6097927;5.5120109",
        "S-102;12/03/2026;midi;Graffiti;Rue Ferrer 14;4100;Seraing;tag;;",
        header=with_hour,
    )
    # a date with its own time and another one beside it: which is right is for a person to say
    csv(
        "heure_differente.csv",
        "S-100;12/03/2026;09h15;Dépôt clandestin;Rue Ferrer 12;4100;Seraing;sacs et planches;50.6097927;5.5120109",
        "S-101;12/03/2026 10:30;10h30;Déjections canines;Rue Ferrer 20;4100;Seraing;trottoir;50.6098;5.5125",
        "S-102;12/03/2026 14:00;09:30;Graffiti;Rue Ferrer 14;4100;Seraing;tag;;",
        header=with_hour,
    )
    csv("date_trop_ancienne.csv", GOOD, "S-102;14/03/1987 08:00;Graffiti;Rue Ferrer 14;4100;Seraing;tag;;")
    csv("identifiant_en_double.csv", GOOD, GOOD2, GOOD.replace("sacs et planches", "matelas"))
    csv("ligne_en_double_identique.csv", GOOD, GOOD2, GOOD)
    csv("caractere_de_controle.csv", GOOD, "S-102;14/03/2026 08:00;Graffiti;Rue Ferrer 14;4100;Seraing;tag\x07 rouge;;")
    csv(
        "formule_tableur.csv",
        GOOD,
        'S-102;14/03/2026 08:00;Graffiti;Rue Ferrer 14;4100;Seraing;=HYPERLINK("http://x");;',
    )
    csv("sans_lieu.csv", GOOD, "S-102;14/03/2026 08:00;Graffiti;;;;tag;;")
    csv("nombre_de_champs.csv", GOOD, "S-102;14/03/2026 08:00;Graffiti;Rue Ferrer;14;4100;Seraing;tag;;", GOOD2)
    csv("coordonnee_incomplete.csv", GOOD, "S-102;14/03/2026 08:00;Graffiti;;;;tag;50.6098393;")
    csv("coordonnee_illisible.csv", GOOD, "S-102;14/03/2026 08:00;Graffiti;;;;tag;50,6098a;5.5119180")
    csv("statut_inconnu.csv", GOOD, "S-102;14/03/2026 08:00;Graffiti;Rue Ferrer 14;4100;Seraing;tag;;", header=H)
    (HERE / "statut_inconnu.csv").write_bytes(
        (
            "\r\n".join(
                [
                    H + ";Statut",
                    GOOD + ";Nouveau",
                    "S-102;14/03/2026 08:00;Graffiti;Rue Ferrer 14;4100;Seraing;tag;;;peut-être",
                ]
            )
            + "\r\n"
        ).encode()
    )
    # XLSX: a truncated archive, and a workbook with an empty sheet
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Référence", "Date et heure", "Nuisance", "Rue", "Numéro"])
    ws.append(["P-1", "12/03/2026 09:00", "depot_clandestin", "Rue Ferrer", "12"])
    wb.save(HERE / "_complet.xlsx")
    data = (HERE / "_complet.xlsx").read_bytes()
    (HERE / "classeur_tronque.xlsx").write_bytes(data[: len(data) // 2])
    (HERE / "_complet.xlsx").unlink()
    openpyxl.Workbook().save(HERE / "classeur_vide.xlsx")
    with zipfile.ZipFile(HERE / "pas_un_classeur.xlsx", "w") as zf:
        zf.writestr("hello.txt", "ceci n'est pas un classeur")
    # GeoJSON
    feature = {
        "type": "Feature",
        "properties": {"id": "G-1", "date": "2026-03-12T09:15:00", "categorie": "depot_clandestin"},
        "geometry": {"type": "Point", "coordinates": [5.5120109, 50.6097927]},
    }
    bad_geoms = [
        {
            **feature,
            "properties": {**feature["properties"], "id": "G-2"},
            "geometry": {"type": "Point", "coordinates": ["5.51", None]},
        },
        {
            **feature,
            "properties": {**feature["properties"], "id": "G-3"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[5.51, 50.60], [5.52, 50.60], [5.52, 50.61], [5.51, 50.60]]],
            },
        },
        {**feature, "properties": {**feature["properties"], "id": "G-4"}, "geometry": {"coordinates": [5.5, 50.6]}},
    ]
    (HERE / "geometrie_invalide.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature, *bad_geoms]}, ensure_ascii=False), "utf-8"
    )
    (HERE / "geojson_tronque.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature]})[:-20], "utf-8"
    )
    (HERE / "geojson_sans_collection.geojson").write_text(json.dumps(feature), "utf-8")
    # visits and permits
    (HERE / "visite_resultat_inconnu.csv").write_bytes(
        "N° visite;Date visite;Agent;Adresse;Latitude;Longitude;Résultat\r\n"
        "V-1;15/03/2026 10:00;Inspecteur Lambert;Rue Ferrer 12;50.6097927;5.5120109;Nettoyé\r\n"
        "V-2;15/03/2026 11:00;Inspecteur Lambert;Rue Ferrer 14;50.6098393;5.5119180;Parti en vacances\r\n".encode()
    )
    (HERE / "permis_sans_classe.csv").write_bytes(
        "Référence;Type de permis;Classe;Exploitant;Activité;Adresse;Code postal;Commune;Date décision;Fin validité\r\n"
        "PE/2024/0001;Permis d'environnement;2;Carrosserie Ferrer SRL;carrosserie;Rue Ferrer 45;4100;Seraing;"
        "12/01/2024;12/01/2044\r\n"
        "PE/2024/0002;Permis d'environnement;;Garage du Centenaire SA;garage;Avenue du Centenaire 4;4102;Seraing;"
        "03/05/2024;03/05/2034\r\n"
        "PU/2023/0100;Permis d'urbanisme;;Dupont;véranda;Rue Ferrer 8;4100;Seraing;20/06/2023;10/01/2020\r\n".encode()
    )


if __name__ == "__main__":
    main()
