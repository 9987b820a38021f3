"""Words the demonstration files are made of: category spellings, statuses, outcomes, texts and names.

Every spelling here must map, after lower-casing and removing accents and punctuation, onto a code or a synonym
of ``db/migrations/0002_vocabulary.sql`` (the tests check it), so the importer accepts the files as they are.
Names, companies, phone numbers and e-mail addresses are invented.
"""

from __future__ import annotations

#: Category code → share of all reports (the mix the brief asks for; sums to 1).
CATEGORY_SHARES: dict[str, float] = {
    "depot_clandestin": 0.30,
    "sacs_hors_jour": 0.15,
    "dejections": 0.10,
    "incineration": 0.05,
    "affichage_sauvage": 0.05,
    "graffiti": 0.06,
    "vehicule_abandonne": 0.05,
    "bruit": 0.08,
    "odeurs": 0.04,
    "terrain_malpropre": 0.06,
    "insalubrite": 0.02,
    "pollution_eau": 0.01,
    "pollution_sol": 0.01,
    "activite_sans_permis": 0.01,
    "autre": 0.01,
}
CATEGORIES: tuple[str, ...] = tuple(CATEGORY_SHARES)

#: Official French label of each category (as in the vocabulary migration).
LABELS_FR: dict[str, str] = {
    "depot_clandestin": "Dépôt clandestin",
    "sacs_hors_jour": "Sacs sortis hors collecte",
    "incineration": "Incinération de déchets",
    "dejections": "Déjections canines",
    "affichage_sauvage": "Affichage sauvage",
    "graffiti": "Graffiti et tags",
    "vehicule_abandonne": "Véhicule hors d'usage",
    "bruit": "Bruit",
    "odeurs": "Odeurs",
    "pollution_eau": "Pollution de l'eau",
    "pollution_sol": "Pollution du sol",
    "insalubrite": "Bâtiment insalubre",
    "terrain_malpropre": "Terrain malpropre",
    "activite_sans_permis": "Activité sans permis",
    "autre": "Autre",
}

#: How the commune's cleanliness service types a category: labels and synonyms, messy case and accents.
COMMUNE_SPELLINGS: dict[str, tuple[str, ...]] = {
    "depot_clandestin": (
        "Dépôt clandestin",
        "Dépôt clandestin",
        "depot sauvage",
        "Dépôt sauvage",
        "DEPOT CLANDESTIN",
        "Immondices",
        "Dépôt d'immondices",
        "Déchets abandonnés",
        "encombrants abandonnés",
        "Décharge sauvage",
        "dépôts clandestins",
    ),
    "sacs_hors_jour": (
        "Sacs poubelles hors jour",
        "Sacs hors jour",
        "sacs sortis trop tôt",
        "Sac poubelle",
        "SACS HORS COLLECTE",
        "Poubelles sorties hors jour",
    ),
    "dejections": (
        "Déjections canines",
        "déjections canines",
        "Crottes de chien",
        "DEJECTIONS CANINES",
        "Déjection canine",
    ),
    "incineration": (
        "Incinération de déchets",
        "Brûlage de déchets",
        "brulage",
        "Feu de déchets",
        "Incinération sauvage",
    ),
    "affichage_sauvage": ("Affichage sauvage", "affiches sauvages", "Affichage illégal", "AFFICHAGE"),
    "graffiti": ("Graffiti", "Graffitis", "Tags", "tags sur façade", "Graffiti et tags"),
    "vehicule_abandonne": (
        "Véhicule abandonné",
        "Epave",
        "Épave",
        "Voiture abandonnée",
        "VHU",
        "Véhicule hors d'usage",
    ),
    "bruit": ("Bruit", "Nuisances sonores", "Tapage nocturne", "tapage", "BRUIT"),
    "odeurs": ("Odeurs", "Mauvaises odeurs", "nuisances olfactives", "Odeur"),
    "pollution_eau": ("Pollution cours d'eau", "Pollution de l'eau", "Rejet d'eaux usées"),
    "pollution_sol": ("Pollution du sol", "Déversement d'huile", "huile au sol"),
    "insalubrite": ("Insalubrité", "Logement insalubre", "Bâtiment abandonné", "Immeuble insalubre"),
    "terrain_malpropre": (
        "Terrain malpropre",
        "Terrain non entretenu",
        "Jardin malpropre",
        "Malpropreté",
        "terrain sale",
    ),
    "activite_sans_permis": ("Activité sans permis", "Exploitation sans permis", "sans permis"),
    "autre": ("Autre", "Divers", "autres"),
}

#: Statuses of the commune export; age decides which family is drawn.
STATUS_NEW: tuple[str, ...] = ("Nouveau", "ouvert", "Ouvert", "A traiter", "Reçu")
STATUS_PROGRESS: tuple[str, ...] = ("En cours", "en cours", "Pris en charge", "En traitement")
STATUS_CLOSED: tuple[str, ...] = ("Clôturé", "Clos", "CLOTURE", "Traité", "Fermé", "clos", "Résolu")

#: Visit outcome code → spellings officers use in their table.
OUTCOME_SPELLINGS: dict[str, tuple[str, ...]] = {
    "rien_constate": ("RAS", "R.A.S.", "Rien constaté", "Rien à signaler", "néant"),
    "nettoye": ("Nettoyé", "Nettoyage", "Déchets enlevés", "Évacué"),
    "avertissement": ("Avertissement", "Rappel à l'ordre", "Avertissement oral", "Avertissement écrit"),
    "pv": ("PV dressé", "PV", "Procès-verbal", "P.V."),
    "sac": ("SAC", "Constat SAC", "Sanction administrative", "Amende administrative"),
    "transmis": ("Transmis", "Transmis au service propreté", "Transmis à Intradel"),
    "a_revoir": ("À revoir", "A revoir", "Suivi nécessaire", "À recontrôler"),
}

#: Short factual texts per category (descriptions, remarks).
DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "depot_clandestin": (
        "Sacs éventrés et encombrants le long du mur",
        "Matelas et vieux meubles déposés",
        "Pneus et gravats abandonnés",
        "Dépôt de déchets de construction",
        "Sacs noirs jetés dans le talus",
        "Électroménager abandonné sur le trottoir",
        "Déchets verts et plastiques au bout de la rue",
        "Cartons et frigo près des bulles",
    ),
    "sacs_hors_jour": (
        "Sacs sortis deux jours avant la collecte",
        "Sacs non conformes sur le trottoir",
        "Sacs déchirés par les animaux",
        "Sacs sortis le dimanche",
        "Poubelles restées dehors après la collecte",
    ),
    "dejections": (
        "Trottoir souillé de déjections",
        "Déjections devant l'entrée de l'école",
        "Crottes de chien sur la plaine de jeux",
        "Déjections non ramassées malgré les rappels",
    ),
    "incineration": (
        "Feu de déchets dans un jardin, fumée noire",
        "Brûlage de plastiques",
        "Odeur de brûlé, feu de palettes",
        "Incinération de déchets verts et de pneus",
    ),
    "affichage_sauvage": (
        "Affiches collées sur l'armoire électrique",
        "Affichage sauvage sur le pont",
        "Affiches de soirée sur les poteaux",
    ),
    "graffiti": (
        "Tags sur la façade",
        "Graffitis sur l'abribus",
        "Tags sur le mur du parking",
        "Nouveau tag sur la porte de garage",
    ),
    "vehicule_abandonne": (
        "Voiture sans plaque depuis des semaines",
        "Camionnette épave, pneus à plat",
        "Véhicule abandonné, vitres brisées",
    ),
    "bruit": (
        "Musique forte tard le soir",
        "Bruit de chantier le dimanche",
        "Aboiements continus",
        "Tapage nocturne récurrent",
    ),
    "odeurs": ("Odeurs d'égout persistantes", "Odeur de fumier", "Mauvaises odeurs venant d'un atelier"),
    "pollution_eau": ("Eau colorée dans le ruisseau", "Rejet suspect dans le cours d'eau", "Mousse dans le ruisseau"),
    "pollution_sol": (
        "Tache d'huile importante sur le sol",
        "Déversement de produit inconnu",
        "Fûts qui fuient sur un terrain",
    ),
    "insalubrite": (
        "Immeuble abandonné, fenêtres ouvertes",
        "Logement insalubre, présence de rats",
        "Bâtiment délabré, déchets à l'intérieur",
    ),
    "terrain_malpropre": (
        "Terrain envahi de déchets",
        "Jardin non entretenu, déchets divers",
        "Terrain vague jonché de détritus",
    ),
    "activite_sans_permis": (
        "Atelier de mécanique dans un garage privé",
        "Stockage de ferraille sans permis",
        "Démontage de voitures dans une cour",
    ),
    "autre": ("Nuisance à vérifier", "Demande d'intervention", "Situation signalée par un voisin"),
}
EXTRAS: tuple[str, ...] = (
    "",
    "",
    "",
    " depuis plusieurs jours",
    " - photo jointe",
    ", récidive",
    " (signalé par téléphone)",
    ", à vérifier",
)

STATUS_NOTES: tuple[str, ...] = (
    "Pris en charge par le service Environnement.",
    "Transmis à la police de l'environnement.",
    "Déchets enlevés.",
    "Intervention planifiée.",
    "Merci pour votre signalement.",
)
VISIT_NOTES: tuple[str, ...] = (
    "Passage de contrôle",
    "Contrôle suite à signalement",
    "Surveillance du site",
    "Contact avec les riverains",
    "Photos prises",
    "Propriétaire identifié",
    "Site à surveiller",
    "Fouille des sacs, adresse trouvée",
)

FIRST_NAMES: tuple[str, ...] = (
    "Marie",
    "Jean",
    "Luc",
    "Nathalie",
    "Christian",
    "Isabelle",
    "Michel",
    "Sophie",
    "Philippe",
    "Martine",
    "Giuseppe",
    "Maria",
    "Salvatore",
    "Fatima",
    "Mohamed",
    "Ahmet",
    "Aylin",
    "Julien",
    "Céline",
    "Kevin",
    "Amandine",
    "Thierry",
    "Véronique",
    "Grégory",
    "Anne-Sophie",
    "Jean-Pierre",
    "Rachid",
    "Nadia",
)
LAST_NAMES: tuple[str, ...] = (
    "Dupont",
    "Lambert",
    "Dubois",
    "Martin",
    "Leclercq",
    "Renard",
    "Jacquemin",
    "Collignon",
    "Lejeune",
    "Delhez",
    "Pirotte",
    "Wathelet",
    "Lecomte",
    "Simon",
    "Laurent",
    "Di Marco",
    "Russo",
    "Caruso",
    "Yilmaz",
    "El Amrani",
    "Bensaïd",
    "Gilson",
    "Marchal",
    "Nyssen",
    "Hauzeur",
    "Thonon",
    "Schmitz",
    "Denis",
)
MAIL_DOMAINS: tuple[str, ...] = ("example.com", "example.net", "example.org")

OFFICERS: tuple[str, ...] = (
    "Inp. Lambert",
    "Inp. Collignon",
    "Ag. Renard",
    "Inp. princ. Delhez",
    "Ag. Gilson",
    "Inp. Caruso",
    "Ag. Thonon",
)

#: Permitted activities: (activity, permit kind, possible environmental classes, operator name patterns).
PERMIT_ACTIVITIES: tuple[tuple[str, str, tuple[int, ...], tuple[str, ...]], ...] = (
    ("Dépôt de mitraille", "environnement", (2,), ("Ferrailles {lieu} SA", "Métaux {lieu} SA")),
    ("Carrosserie", "environnement", (2, 3), ("Carrosserie {nom} SRL",)),
    ("Station-service", "environnement", (2,), ("Station {lieu} SA",)),
    ("Garage", "environnement", (3,), ("Garage {nom} SRL",)),
    ("Stockage de déchets inertes", "environnement", (1, 2), ("Inertes {lieu} SA",)),
    ("Atelier de peinture industrielle", "environnement", (2,), ("Peintures {nom} SRL",)),
    ("Centre de tri de déchets", "environnement", (1,), ("Recyclage {lieu} SA",)),
    ("Dépôt de pneus usagés", "environnement", (2,), ("Pneus {nom} SRL",)),
    ("Menuiserie", "environnement", (3,), ("Menuiserie {nom} SRL",)),
    ("Citerne à mazout de 25 000 l", "environnement", (3,), ("Transports {nom} et Fils SRL",)),
    ("Transformation d'un entrepôt en atelier", "urbanisme", (), ("Transports {nom} et Fils SRL",)),
    ("Construction d'un hangar de stockage", "urbanisme", (), ("Immobilière {lieu} SA",)),
    ("Aménagement d'une aire de parking", "urbanisme", (), ("Garage {nom} SRL",)),
    ("Centre de recyclage de matériaux", "unique", (1,), ("Recyclage {lieu} SA",)),
    ("Démontage de véhicules hors d'usage", "unique", (2,), ("Démolition {nom} SA", "Casse auto {nom} SRL")),
    ("Concassage de gravats", "unique", (2,), ("Inertes {lieu} SA",)),
)
#: Place names that go into company names.
COMPANY_PLACES: tuple[str, ...] = (
    "Meuse",
    "Ougrée",
    "Jemeppe",
    "du Val",
    "Condroz",
    "Mosan",
    "des Trixhes",
    "Saint-Lambert",
    "Cockerill",
)
PERMIT_CONDITIONS: dict[str, tuple[str, ...]] = {
    "environnement": (
        "Conditions intégrales et sectorielles",
        "Stockage sur aire étanche uniquement",
        "Pas d'activité le dimanche",
        "Hauteur de stockage limitée à 3 m",
        "Séparateur d'hydrocarbures à entretenir",
    ),
    "urbanisme": ("Écran de verdure à planter", "Pas de dépôt en zone de recul", "Gabarit à respecter"),
    "unique": (
        "Bruit limité à 55 dB(A) en limite de propriété",
        "Registre des déchets à tenir",
        "Aire étanche et couverte",
    ),
}


#: Opening hours of the companies, by activity, as a permit register writes them (several ways, a lunch closure,
#: Saturday mornings, the building trade's summer leave); none for works and a fuel tank (the service's hours then
#: apply).
ACTIVITY_HOURS = {
    "Station-service": "7j/7 6h-22h",
    "Carrosserie": "du lundi au vendredi 8h-17h30",
    "Carrosserie et cabine de peinture": "du lundi au vendredi 8h-17h30",
    "Garage": "lun-ven 8h-12h, 13h-18h ; sam 9h-12h",
    "Menuiserie": "du lundi au vendredi de 7h30 à 12h et de 12h30 à 16h ; congés du bâtiment du 20/07 au 07/08",
    "Dépôt de mitraille": "lun-sam 7h-16h",
    "Centre de recyclage de matériaux": "Lun-Sam 07:00-18:00",
    "Centre de tri de déchets": "lun-ven 6h-20h",
    "Concassage de gravats": "lun-ven 7h-17h",
    "Démontage de véhicules hors d'usage": "lun-ven 8h-17h",
    "Atelier de peinture industrielle": "lun-ven 7h-15h30",
    "Stockage de déchets inertes": "lun-ven 7h-16h",
    "Dépôt de pneus usagés": "lun, mer, ven 9h-17h ; jours fériés fermé",
}
