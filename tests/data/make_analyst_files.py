"""Writes the files under tests/data/analyste/ (kept in the repository; run again to refresh).

Files as they reach the environment service of a police zone, on real ICAR addresses of Seraing: an Excel
export saved as CSV (Windows-1252, ``;``, decimal commas, dates written out, plural category labels, a row
typed twice), a CSV with a title and a blank line above its header, and a workbook that opens on a note and
keeps its table on a second sheet below blank rows and a title, a CSV whose header ends with empty names, a
register numbered « N° » with its addresses whole, one whose « Adresse » holds the street and « N° » the house, and
a police register's workbook (« N° PV », « Date/heure constat », labels without their small words, a total line
at its foot).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl

HERE = Path(__file__).parent / "analyste"

EXCEL_ROWS = [
    "N° de dossier;Date du constat;Catégorie;Adresse;Code postal;Localité;Description;Latitude;Longitude",
    "ENV/2026/0001;lundi 2 mars 2026 à 08h27;Dépôts sauvages;Rue Ferrer 12;4100;Seraing;sacs éventrés;"
    "50,6097927;5,5120109",
    "ENV/2026/0002;3 mars 2026;Déjections canines;Place des Verriers 3;4100;Seraing;trottoir « sale »;"
    "50,5905173;5,4955959",
    "ENV/2026/0003;1er déc. 2025 14h05;dépôt clandestin;r. de la Station 12 B;;Seraing;pneus;;",
    "ENV/2026/0004;04/03/2026 09:10;Affichages sauvages;Av. Gén. Leman 4/2;4101;Jemeppe;affiches;;",
    "ENV/2026/0005;5 mars 2026 09:20;Dépôts clandestins;Rue de la Station 20;;Luik;gravats;;",
    "ENV/2026/0005;5 mars 2026 09:20;Dépôts clandestins;Rue de la Station 20;;Luik;gravats;;",
]

#: A register numbered in its first column « N° », the address whole in « Adresse »: the number is the row's.
NUMBERED = [
    "N°;Date du signalement;Type de nuisance;Adresse;Commentaire",
    "1;3/03/2026;dépôt sauvage;rue ferrer 12 seraing;sacs poubelles",
    "2;04-03-2026 14h30;Dejections canines;Av. de la Concorde 11, 4100;",
    "3;05/03/2026;tags;Place des Verriers 3 4100 SERAING;graffiti sur la façade",
]

#: The street in « Adresse », its house number in « N° » beside it: the number is the house's.
SPLIT_NUMBER = [
    "Date;Catégorie;Adresse;N°;CP;Localité",
    "02/03/2026 10:00;Dépôt clandestin;Rue Ferrer;12;4100;Seraing",
    "03/03/2026 11:00;Graffiti;Place des Verriers;3;4100;Seraing",
    "04/03/2026 12:00;Graffiti;Rue de la Station 20;;4101;Seraing",
]

TITLED = [
    "Export des plaintes - Service Environnement;;;;;",
    "Édité le;01/12/2026;;;;",
    ";;;;;",
    "Date;Type;Rue;Numéro;CP;Commune",
    "02/03/2026 10:00;graffiti;Rue Ferrer;12;4100;Seraing",
    "hier soir;graffiti;Place des Verriers;3;4100;Seraing",
    "12 mars 2026 14:30;incinération;Rue de la Station;20;4101;Seraing",
]


#: Excel writes separators after the last titled column when cells beyond it were ever formatted.
TRAILING = [
    "Date;Type;Rue;Numéro;CP;Commune;;",
    "02/03/2026 10:00;graffiti;Rue Ferrer;12;4100;Seraing;;",
    "03/03/2026 11:00;graffiti;Place des Verriers;3;4100;Seraing;;",
]


def main() -> None:
    """Write the files."""
    HERE.mkdir(exist_ok=True)
    (HERE / "export_excel_cp1252.csv").write_bytes(("\r\n".join(EXCEL_ROWS) + "\r\n").encode("cp1252"))
    (HERE / "titre_au_dessus.csv").write_bytes(("\r\n".join(TITLED) + "\r\n").encode("utf-8-sig"))
    (HERE / "colonnes_vides_en_fin.csv").write_bytes(("\r\n".join(TRAILING) + "\r\n").encode("cp1252"))
    (HERE / "registre_numerote.csv").write_bytes(("\r\n".join(NUMBERED) + "\r\n").encode("cp1252"))
    (HERE / "adresse_et_numero.csv").write_bytes(("\r\n".join(SPLIT_NUMBER) + "\r\n").encode("cp1252"))
    book = openpyxl.Workbook()
    note = book.active
    assert note is not None
    note.title = "Lisez-moi"
    note.append(["Signalements de mars, voir la feuille « Données »"])
    data = book.create_sheet("Données")
    data.append([])
    data.append([])
    data.append(["Patrouilles de mars 2026"])
    data.append(["Date du constat", "Catégorie", "Adresse", "Commune"])
    data.append([datetime(2026, 3, 2, 10, 30), "Dépôts sauvages", "Rue Ferrer 12", "Seraing"])
    data.append(["3 mars 2026 11h", "déjections", "Place des Verriers 3", "Seraing"])
    data.append(["04/03/2026", "catégorie inventée", "Rue de la Station 20", "Seraing"])
    book.save(HERE / "deux_feuilles.xlsx")
    police_register().save(HERE / "registre_pv.xlsx")


def police_register() -> openpyxl.Workbook:
    """A police records system's export: its title, a blank row, « Date/heure constat » and « Date/heure
    clôture » (no alias names them whole), labels typed without their small words, an empty row and the count at
    the foot."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Export"
    sheet.append(["Zone de police Seraing-Neupré — constats environnement, mars 2026"])
    sheet.append([])
    sheet.append(
        ["N° PV", "Date/heure constat", "Nature", "Lieu", "Commune", "Agent", "Remarques", "Date/heure clôture"]
    )
    sheet.append(
        [
            "PV/2026/0412",
            datetime(2026, 3, 2, 9, 15),
            "DEPOT CLANDESTIN",
            "Rue Ferrer 12",
            "4100 SERAING",
            "Insp. Dubois",
            "sacs + matelas",
            datetime(2026, 3, 5, 11, 0),
        ]
    )
    sheet.append(
        [
            "PV/2026/0413",
            "03/03/2026 14h",
            "incinération déchets",
            "Place des Verriers 3",
            "Seraing",
            "Insp. Dubois",
            "feu de jardin",
        ]
    )
    sheet.append(
        [
            "PV/2026/0414",
            datetime(2026, 3, 4, 16, 40),
            "dépôt sur voie publique",
            "Rue de la Station 20",
            "Seraing",
            "Insp. Martin",
            "gravats",
        ]
    )
    sheet.append([])
    sheet.append(["Total : 3 constats", None, None, None, None, None, None, None])
    return book


if __name__ == "__main__":
    main()
