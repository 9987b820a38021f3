"""One typed settings object, built once at start and passed explicitly.

Values come from the environment (prefix ``HOTSPOTS_``; ``DATABASE_URL`` without prefix) or a ``.env`` file.
Nothing here is read at import time: call :func:`load_settings`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
#: The service's time zone unless HOTSPOTS_TIMEZONE says otherwise (Belgium has one); the pure functions that
#: take a time zone default to it, the service passes its setting.
DEFAULT_TIMEZONE = "Europe/Brussels"


def _default_data_dir() -> Path:
    """Where the managed cluster and generated files live.

    As root, the PostgreSQL server runs as an unprivileged user that cannot enter root's home, so the
    default is a system directory instead.
    """
    if os.geteuid() == 0:
        return Path("/var/lib/hotspots")
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "hotspots"


class Settings(BaseSettings):
    """Every tunable of the service, with French descriptions for ``hotspots config``."""

    model_config = SettingsConfigDict(env_prefix="HOTSPOTS_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "HOTSPOTS_DATABASE_URL"),
        description="Connexion PostgreSQL/PostGIS existante ; sans elle, le service gère son propre cluster.",
    )
    data_dir: Path = Field(default_factory=_default_data_dir, description="Dossier des données du service.")
    geodata_dir: Path = Field(default=PROJECT_ROOT / "geodata", description="Données géographiques de référence.")
    pg_bin_dir: Path | None = Field(default=None, description="Dossier des binaires PostgreSQL (initdb, pg_ctl).")
    pg_port: int = Field(default=5432, description="Port du cluster géré (socket Unix, et TCP si activé).")
    pg_listen_tcp: bool = Field(default=False, description="Écouter aussi sur 127.0.0.1.")
    pg_system_user: str = Field(default="hotspots", description="Utilisateur système du serveur quand on est root.")
    db_name: str = Field(default="hotspots", description="Nom de la base du cluster géré.")
    statement_timeout_ms: int = Field(default=0, description="Délai maximal d'une requête (0 = aucun).")
    pool_max_size: int = Field(default=8, ge=1, description="Connexions à la base au plus par processus serveur.")
    db_connect_timeout_s: int = Field(
        default=10,
        ge=1,
        le=300,
        description="Délai maximal pour joindre le serveur de base de données (secondes), sauf si DATABASE_URL "
        "donne son propre connect_timeout.",
    )

    zone_communes: tuple[str, ...] = Field(default=("Seraing", "Neupré"), description="Communes de la zone.")
    service_name: str = Field(
        default="service Environnement de la zone de police Seraing-Neupré",
        min_length=3,
        max_length=120,
        description="Nom du service tel qu'il signe : au pied des fiches imprimées et des bilans, sur la page de "
        "connexion.",
    )
    communes_file: Path | None = Field(
        default=None,
        description="Contours des communes de la zone et de leurs voisines (GeoJSON, GeoPackage ou shapefile ; "
        "colonne name_fr ou nom, name_nl facultative) ; sans lui, celui de geodata/ (Seraing, Neupré et leurs "
        "voisines).",
    )
    sections_file: Path | None = Field(
        default=None,
        description="Sections des communes de la zone (CSV : section, commune, codes_postaux, nom_complet), que "
        "le registre ICAR ne nomme pas ; sans lui, celle de geodata/ (Seraing et Neupré).",
    )
    zone_margin_m: float = Field(default=1500.0, ge=0, description="Marge autour de la zone (mètres).")
    crs: str = Field(default="EPSG:31370", description="Système de coordonnées métrique (Lambert belge 72).")
    timezone: str = Field(
        default=DEFAULT_TIMEZONE,
        description="Fuseau horaire du service (nom IANA) : les dates sans décalage des fichiers et des formulaires "
        "y sont lues ; les jours, mois et années des tournées, de la carte, des listes, des fiches imprimées, des "
        "bilans et de l'analyse y sont comptés.",
    )
    min_date: str = Field(default="2000-01-01", description="Date la plus ancienne acceptée.")
    future_tolerance_minutes: int = Field(default=15, description="Tolérance pour les dates dans le futur.")
    bulk_load_min_bytes: int = Field(
        default=8 << 20,
        ge=0,
        description="Taille (octets) à partir de laquelle un fichier de signalements arrivant dans une table vide "
        "y est copié directement, index reconstruits ensuite.",
    )

    near_duplicate_m: float = Field(default=50.0, description="Distance des quasi-doublons (mètres).")
    near_duplicate_hours: float = Field(default=48.0, description="Écart de temps des quasi-doublons (heures).")
    chunk_rows: int = Field(default=100_000, ge=1_000, description="Lignes lues par bloc à l'import.")

    session_hours: float = Field(default=12.0, gt=0, description="Durée d'une session (heures).")
    login_max_failures: int = Field(
        default=5, ge=1, description="Essais de connexion manqués permis par identifiant dans la fenêtre."
    )
    login_max_failures_per_address: int = Field(
        default=30, ge=1, description="Essais de connexion manqués permis par adresse (poste, proxy) dans la fenêtre."
    )
    login_window_minutes: float = Field(
        default=15.0, gt=0, description="Fenêtre des essais manqués, et durée de la suspension (minutes)."
    )
    secure_cookies: bool = Field(default=False, description="Cookies « Secure » (à activer derrière HTTPS).")
    max_upload_mb: int = Field(default=200, ge=1, description="Taille maximale d'un fichier envoyé à l'API (Mo).")
    xlsx_max_uncompressed_mb: int = Field(
        default=1000,
        ge=1,
        description="Classeurs XLSX : taille maximale une fois décompressés (Mo), vérifiée avant lecture.",
    )
    xlsx_max_ratio: float = Field(
        default=100.0,
        gt=1,
        description="Classeurs XLSX : refusés si un élément de plus d'1 Mo se décompresse plus que ce nombre de fois.",
    )
    xlsx_max_shared_strings_mb: int = Field(
        default=100, ge=1, description="Classeurs XLSX : taille maximale des textes partagés (gardés en mémoire, Mo)."
    )

    personal_retention_months: int = Field(
        default=24,
        ge=0,
        le=120,
        description="Coordonnées des déclarants effacées ce nombre de mois après la clôture de leur signalement, et "
        "colonnes personnelles des lignes rejetées autant de mois après leur import (le serveur le fait chaque jour) ; "
        "0 = jamais.",
    )

    open311_public_exact: bool = Field(
        default=False,
        description="Open311 public : adresses et coordonnées exactes des demandes (sinon la rue, sans numéro, et un "
        "point arrondi à 100 m).",
    )
    open311_page_size: int = Field(
        default=100, ge=1, le=1000, description="Open311 public : demandes par page au plus (page, page_size)."
    )

    analysis_algorithm: Literal["dbscan", "hdbscan"] = Field(
        default="dbscan", description="Regroupement des signalements retenus : dbscan ou hdbscan."
    )
    analysis_eps_m: float = Field(
        default=60.0, gt=0, description="Rayon DBSCAN (mètres) ; HDBSCAN : taches plus proches fusionnées."
    )
    analysis_by_category: bool = Field(default=False, description="Chercher aussi les points de chaque catégorie.")
    analysis_window_days: int = Field(default=730, ge=1, description="Fenêtre d'analyse par défaut (jours).")
    analysis_refresh_minutes: int = Field(
        default=15,
        ge=0,
        description="Le serveur relance l'analyse quand elle est due, au plus tard ce délai après (minutes) ; 0 = "
        "jamais (hotspots analyse à la main ou par le planificateur du système).",
    )
    analysis_max_age_hours: int = Field(
        default=24, ge=1, description="Une analyse plus ancienne est refaite même sans nouveau signalement (heures)."
    )

    tile_url: str = Field(
        default="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        description="Adresse des tuiles du fond de carte ({z}/{x}/{y}) ; vide = pas de tuiles : la carte montre "
        "alors les rues et les communes servies par le service (fond vectoriel, hors ligne).",
    )
    tile_attribution: str = Field(
        default="© les contributeurs d'OpenStreetMap", description="Mention de la source des tuiles, sur la carte."
    )
    public_map: bool = Field(
        default=False, description="Publier la carte publique agrégée (/carte/publique), sans connexion."
    )
    public_min_count: int = Field(
        default=5, ge=1, description="Carte publique : mailles de moins de ce nombre de signalements masquées."
    )
    public_cell_m: float = Field(
        default=250.0, ge=50, description="Carte publique : plus petite taille des mailles hexagonales (mètres)."
    )
    map_max_points: int = Field(
        default=3000, ge=10, description="Carte : signalements montrés un par un au plus par vue (sinon mailles)."
    )
    map_cache_seconds: float = Field(
        default=30.0,
        ge=0,
        description="Carte et listes de l'analyse : réponses gardées prêtes (0 = aucune) ; refaites dès que les "
        "signalements, l'analyse ou les visites changent ; quand le processus ne reçoit pas les notifications de "
        "la base, au plus tard après ce délai (secondes).",
    )

    export_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Adresse du service vue des postes : lien « Lien carte » de chaque ligne des exports faits "
        "en ligne de commande (l'API met celle par laquelle on l'appelle).",
    )

    # -- plan: choosing and ordering the sites of a shift (service/plan) ----------------------------------------
    plan_station: str = Field(
        default="Place Communale 1, 4100 Seraing",
        description="Départ et retour par défaut des tournées (adresse géocodée, ou « lon,lat ») : "
        "mettez celle du service.",
    )
    plan_speed_car_kmh: float = Field(default=25.0, gt=0, description="Vitesse moyenne en voiture, en ville (km/h).")
    plan_speed_bicycle_kmh: float = Field(default=14.0, gt=0, description="Vitesse moyenne à vélo (km/h).")
    plan_speed_foot_kmh: float = Field(default=4.5, gt=0, description="Vitesse moyenne à pied (km/h).")
    plan_detour_factor: float = Field(
        default=1.3, ge=1.0, description="Sans réseau routier : distance à vol d'oiseau multipliée par ce facteur."
    )
    plan_snap_max_m: float = Field(
        default=250.0, gt=0, description="Un site plus loin que ceci du réseau routier chargé est relié à vol d'oiseau."
    )
    plan_service_point_min: float = Field(default=15.0, ge=0, description="Temps sur place à un point sensible (min).")
    plan_service_report_min: float = Field(default=10.0, ge=0, description="Temps sur place pour un signalement (min).")
    plan_service_followup_min: float = Field(default=15.0, ge=0, description="Temps sur place pour un suivi (min).")
    plan_service_permit_min: float = Field(
        default=30.0, ge=0, description="Temps sur place pour le contrôle d'un permis (installation, conditions) (min)."
    )
    plan_permit_hours: str = Field(
        default="lun-ven 08:00-17:00",
        description="Heures où l'on contrôle un permis (entreprise ouverte) : « lun-ven 8h-17h », « 8h-17h » (tous "
        "les jours) ; une tournée n'y va qu'à ces heures.",
    )
    plan_axis_walk_kmh: float = Field(default=4.0, gt=0, description="Un axe se parcourt à pied à cette vitesse.")
    plan_service_axis_extra_min: float = Field(
        default=5.0, ge=0, description="Temps ajouté au parcours d'un axe (garer, constater) (min)."
    )
    plan_cooldown_days: int = Field(
        default=7, ge=0, description="Un site visité depuis moins de ce nombre de jours est écarté (sauf « à revoir »)."
    )
    plan_sheet_wait_days: int = Field(
        default=3,
        ge=0,
        description="Une tournée passée sans aucune visite rentrée (sa feuille pas encore importée) garde ses sites "
        "ce nombre de jours : une équipe y est peut-être allée.",
    )
    plan_report_max_age_days: int = Field(
        default=30, ge=1, description="Signalements ouverts proposés seuls : au plus cet âge (jours)."
    )
    plan_solver_seconds: float = Field(default=2.0, gt=0, description="Temps de calcul maximal d'une tournée (s).")

    # -- permits, prevention networks, referrals (service/permits, service/prevention, service/referrals) --------
    permit_link_m: float = Field(
        default=100.0,
        gt=0,
        le=1000,
        description="Un signalement d'une catégorie que le permis concerne est rattaché à l'installation à moins de "
        "cette distance (mètres).",
    )
    permit_expiry_months: int = Field(
        default=6, ge=1, le=60, description="Suivi des permis : ceux qui expirent dans ce nombre de mois."
    )
    permit_complaints_min: int = Field(
        default=3, ge=1, description="Suivi des permis : plaintes répétées à partir de ce nombre de signalements liés."
    )
    permit_complaints_days: int = Field(
        default=365, ge=30, description="Suivi des permis : période où les plaintes sont comptées (jours)."
    )
    permit_check_days: int = Field(
        default=365,
        ge=30,
        description="Suivi des permis : des conditions sont à contrôler quand aucune visite n'a eu lieu depuis ce "
        "nombre de jours.",
    )
    prevention_near_m: float = Field(
        default=200.0, ge=0, le=2000, description="Bilans : points et axes « près » de la zone d'un réseau (mètres)."
    )
    smtp_host: str | None = Field(
        default=None, description="Serveur d'envoi des e-mails (bilans aux coordinateurs) ; vide = pas d'envoi."
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="Port du serveur d'envoi.")
    smtp_security: Literal["starttls", "ssl", "aucune"] = Field(
        default="starttls", description="Chiffrement vers le serveur d'envoi : starttls (587), ssl (465) ou aucune."
    )
    smtp_user: str | None = Field(default=None, description="Identifiant sur le serveur d'envoi (s'il en demande un).")
    smtp_password: SecretStr | None = Field(default=None, description="Mot de passe sur le serveur d'envoi (masqué).")
    smtp_sender: str | None = Field(
        default=None,
        description="Expéditeur des e-mails, par exemple « Service Environnement <environnement@seraing.be> ».",
    )
    digest_day: int = Field(
        default=0,
        ge=0,
        le=28,
        description="Jour du mois où le serveur envoie de lui-même aux coordinateurs les bilans du mois écoulé de "
        "tous les réseaux actifs (1 à 28 ; il réessaie chaque jour ceux qui ont été refusés) ; 0 = jamais (une "
        "minuterie du système ou l'API s'en charge). Demande HOTSPOTS_SMTP_HOST et HOTSPOTS_SMTP_SENDER.",
    )
    advice_radius_m: float = Field(
        default=200.0, ge=25, le=1000, description="Fiche d'avis : rayon par défaut autour de l'adresse (mètres)."
    )
    advice_years: int = Field(
        default=3,
        ge=1,
        le=10,
        description="Fiche d'avis : années d'historique des nuisances (l'année en cours en plus).",
    )
    referral_private_address_m: float = Field(
        default=15.0,
        gt=0,
        le=100,
        description="Règles de renvoi : un signalement à moins de cette distance d'une adresse officielle est à une "
        "adresse privée (mètres).",
    )

    @field_validator("database_url")
    @classmethod
    def _refuse_placeholder(cls, value: str | None) -> str | None:
        if value is not None and ("changeme" in value or "<" in value):
            raise ValueError("DATABASE_URL contient une valeur d'exemple : indiquez la vraie connexion.")
        if value:
            from psycopg import Error
            from psycopg.conninfo import conninfo_to_dict

            try:
                conninfo_to_dict(value)
            except Error:
                raise ValueError(
                    "DATABASE_URL n'est pas une connexion PostgreSQL lisible : écrivez-la "
                    "postgresql://utilisateur:mot-de-passe@serveur:5432/base (ou host=… dbname=… user=…)."
                ) from None
        return value or None

    @field_validator("digest_day")
    @classmethod
    def _mail_for_digests(cls, value: int, info: ValidationInfo) -> int:
        missing = [f"HOTSPOTS_SMTP_{n.upper()}" for n in ("host", "sender") if not info.data.get(f"smtp_{n}")]
        if value > 0 and missing:
            raise ValueError(f"le serveur ne peut envoyer les bilans sans {' et '.join(missing)} (ou mettez 0)")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("fuseau horaire inconnu (un nom IANA, par exemple Europe/Brussels)") from None
        return value

    @property
    def cluster_dir(self) -> Path:
        """Data directory of the managed PostgreSQL cluster."""
        return self.data_dir / "pg"

    @property
    def managed(self) -> bool:
        """True when the service runs its own PostgreSQL cluster."""
        return self.database_url is None


#: pydantic's error types, as a person setting a variable reads them (``{…}`` filled from the error's context).
_PROBLEMS = {
    "int_parsing": "un nombre entier est attendu",
    "float_parsing": "un nombre est attendu (point décimal : 1.5)",
    "bool_parsing": "true ou false est attendu",
    "greater_than": "la valeur doit dépasser {gt}",
    "greater_than_equal": "la valeur doit valoir au moins {ge}",
    "less_than": "la valeur doit rester sous {lt}",
    "less_than_equal": "la valeur doit valoir au plus {le}",
    "literal_error": "valeurs possibles : {expected}",
    "json_invalid": 'une liste JSON est attendue, par exemple ["Seraing", "Neupré"]',
}


def _variable(loc: tuple[int | str, ...]) -> str:
    """The environment variable a validation error is about (``pg_port`` → ``HOTSPOTS_PG_PORT``)."""
    name = str(loc[0]) if loc else "?"
    if name.isupper():
        return name  # an alias, as written: DATABASE_URL
    return "DATABASE_URL" if name == "database_url" else f"HOTSPOTS_{name.upper()}"


def _shown(value: Any) -> str:
    """A bound or a choice as a person writes it: 0 rather than 0.0, « ou » rather than « or »."""
    return f"{value:g}" if isinstance(value, float) else str(value).replace("' or '", "' ou '")


def _problem(error: Any) -> str:
    """One refused setting in French: the variable, the value given (never a connection string), and why."""
    context = error.get("ctx") or {}
    variable = _variable(error["loc"])
    if error["type"] == "value_error":
        why = str(context.get("error", error["msg"]))
    else:
        why = _PROBLEMS.get(error["type"], error["msg"]).format(**{k: _shown(v) for k, v in context.items()})
    if why.startswith(variable):
        return why.rstrip(".")
    shown = "" if variable == "DATABASE_URL" else f" = « {error.get('input')} »"
    return f"{variable}{shown} : {why.rstrip('.')}"


class SettingsRefusedError(ValueError):
    """A setting refused, in French (``message``) with what to do (``hint``): the doors translate it into their
    own error (the command line: a :class:`service.errors.ConfigError`). Defined here because the settings stand
    below every other module, the errors too."""

    def __init__(self, message: str, *, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def _refused(problems: list[str]) -> SettingsRefusedError:
    return SettingsRefusedError(
        "Réglage refusé : " + " ; ".join(problems) + ".",
        hint="Corrigez la variable d'environnement (ou la ligne du fichier .env du dossier courant) ; "
        "« hotspots reglages » montre les réglages, leurs valeurs et leur rôle.",
    )


def load_settings(**overrides: object) -> Settings:
    """Build the settings from the environment, with explicit overrides (tests, CLI options). A refused value is a
    French :class:`SettingsRefusedError` naming the variable and why (never the value of ``DATABASE_URL``: it holds a
    password)."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise _refused([_problem(e) for e in exc.errors()]) from None
    except SettingsError as exc:  # a list (HOTSPOTS_ZONE_COMMUNES) that is not JSON
        field = re.search(r'field "(\w+)"', str(exc))
        variable = _variable((field.group(1),)) if field else "?"
        raise _refused([f"{variable} : {_PROBLEMS['json_invalid']}"]) from None
