"""Geocoding, reverse geocoding, file uploads for ingestion, batches and their rejected rows."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, Literal

import psycopg
from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi import Path as Path_
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.background import BackgroundTask

from service.accounts import User
from service.api.availability import translate
from service.api.deps import AppSettings, Conn, Id, Planner, Reader, audit
from service.api.imports import ImportJob
from service.api.state import state_of
from service.api.writes import geocoder_of
from service.errors import ConfigError, HotspotsError, NotFoundError, TooLargeError
from service.geo import to_lambert
from service.geocode import BatchGeocoder
from service.geocode.apply import GazetteerBatchGeocoder
from service.ingest.archive import ArchiveLimits
from service.ingest.kept_mapping import check_mapping_name, with_kept_mapping
from service.ingest.pipeline import IngestOptions, ProgressFn, ingest_file
from service.ingest.rejects import batch_exists, export_rejects, list_batches, rejected_rows
from service.ingest.sheets import import_each, sheets_words, tables_of
from service.ingest.withdraw import withdraw_batch
from service.settings import Settings

router = APIRouter(prefix="/api", tags=["outils"])
_KINDS = {"signalements": "reports", "visites": "visits", "permis": "permits"}
Kind = Literal["signalements", "visites", "permis"]


def _geocoder(request: Request, conn: psycopg.Connection[Any]) -> GazetteerBatchGeocoder:
    found = geocoder_of(request, conn)
    if not isinstance(found, GazetteerBatchGeocoder):
        raise ConfigError(
            "Aucun registre d'adresses n'est chargé : le géocodage est indisponible.",
            hint="Un administrateur charge le registre avec « hotspots gazetteer load ».",
        )
    return found


@router.get("/geocodage", summary="Géocoder une adresse belge (hors ligne, registre ICAR/BeST)")
def geocode(
    request: Request,
    conn: Conn,
    _user: Reader,
    adresse: Annotated[str, Query(min_length=2, max_length=500, examples=["rue du Charbonnage 12 Seraing"])],
    code_postal: Annotated[str | None, Query(max_length=10)] = None,
    commune: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    """Place une adresse belge avec le registre d'adresses chargé sur le serveur, sans service extérieur. La réponse
    donne le niveau atteint (adresse, rue, localité…), l'adresse retenue, ses coordonnées, les autres candidates et, en
    cas d'échec, le motif ; sans registre chargé, une erreur le dit."""
    result = _geocoder(request, conn).geocoder.geocode(adresse, postcode=code_postal, locality=commune).to_dict()
    return _french_result(result)


def _french_result(result: dict[str, Any]) -> dict[str, Any]:
    names = {
        "query": "requete",
        "level": "niveau",
        "label": "adresse",
        "street_id": "rue_id",
        "municipality": "commune",
        "postcode": "code_postal",
        "reason": "motif",
        "alternatives": "alternatives",
    }
    return {names.get(k, k): v for k, v in result.items()}


@router.get("/geocodage/inverse", summary="Adresse officielle la plus proche d'un point WGS84")
def reverse(
    request: Request,
    conn: Conn,
    _user: Reader,
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
) -> dict[str, Any]:
    """L'adresse officielle la plus proche d'un point (longitude, latitude) et sa distance en mètres, par exemple pour
    nommer un lieu cliqué sur la carte."""
    return _french_result(_geocoder(request, conn).geocoder.reverse(*to_lambert(lon, lat)))


def _safe_name(name: str | None) -> str:
    return re.sub(r"[^\w.\-]+", "_", Path(name or "fichier").name)[:120].strip("._") or "fichier"


def _options(
    type_donnees: Kind,
    source: Annotated[str | None, Query(max_length=100)] = None,
    format: Annotated[
        Literal["csv", "xlsx", "xlsb", "ods", "xls", "geojson", "open311", "gpkg", "shp", "fgb", "kml", "gml"] | None,
        Query(),
    ] = None,
    separateur: Annotated[Literal[",", ";", "\t", "|"] | None, Query()] = None,
    encodage: Annotated[str | None, Query(max_length=30)] = None,
    crs: Annotated[str | None, Query(max_length=30, examples=["EPSG:31370"])] = None,
    feuille: Annotated[str | None, Query(max_length=100, description="Feuille d'un classeur")] = None,
    correspondance_gardee: Annotated[
        bool,
        Query(
            description="sans fichier de correspondance, appliquer celle gardée pour la source (GET "
            "/api/correspondances) ; false : lire les seuls en-têtes, comme « --sans-correspondance-gardee »"
        ),
    ] = True,
) -> IngestOptions:
    """The import's options as ``hotspots ingest`` takes them, from the route's path and query (both routes)."""
    return IngestOptions(
        kind=_KINDS[type_donnees],  # type: ignore[arg-type]
        fmt=format,
        source=source,
        delimiter=separateur,
        encoding=encodage,
        crs=crs,
        sheet=feuille or None,
        use_kept=correspondance_gardee,
    )


#: The options of a file sent for import, from the route's path and query: the same for both import routes.
ImportOptions = Annotated[IngestOptions, Depends(_options)]
#: A mapping file sent beside the file (``--correspondance``): which column feeds which field, value spellings.
MappingUpload = Annotated[
    UploadFile | None,
    File(
        description="Fichier de correspondance des colonnes (TOML ou YAML), comme « hotspots ingest --correspondance »"
    ),
]
#: Each sheet of a workbook that holds a table of the kind, imported as its own batch (``--toutes-les-feuilles``).
EverySheet = Annotated[
    bool,
    Query(
        description="chaque feuille du classeur qui porte un tableau de ce type, chacune en un lot (un registre tenu "
        "par mois), comme « hotspots ingest --toutes-les-feuilles »"
    ),
]


def _with_mapping(options: IngestOptions, upload: UploadFile | None, folder: Path, settings: Settings) -> IngestOptions:
    """``options`` reading the columns through the mapping file sent beside the file (none: unchanged); the
    mapping is kept in a folder of its own, so that it never takes the data file's name."""
    if upload is None or not upload.filename:
        return options
    check_mapping_name(upload.filename, "rien n'est importé")
    folder = folder / "correspondance"
    folder.mkdir()
    return replace(options, mapping=_saved(upload, folder, settings))


@router.post(
    "/imports/{type_donnees}",
    summary="Importer un fichier (CSV, XLSX, XLSB, ODS, XLS, GeoJSON, Open311, SIG) comme un lot",
)
def upload(
    fichier: UploadFile,
    options: ImportOptions,
    request: Request,
    conn: Conn,
    settings: AppSettings,
    user: Planner,
    correspondance: MappingUpload = None,
    toutes_les_feuilles: EverySheet = False,
) -> dict[str, Any]:
    """Le fichier est importé exactement comme par ``hotspots ingest`` : la réponse donne le bilan du lot, ses
    phrases telles que le terminal les écrit (``phrases`` : le contrôle de la somme, les visites d'une tournée
    annulée ; ``bilan_rejets`` : les lignes non enregistrées) et ses lignes rejetées (100 au plus). Un fichier
    ``correspondance`` (TOML ou YAML) dit, comme ``--correspondance``, quelle colonne donne quel champ ; avec une
    ``source``, il est gardé pour elle, et ses prochains fichiers envoyés sans correspondance sont lus par lui (la
    phrase du bilan le dit ; ``correspondance_gardee=false`` l'écarte). Avec ``toutes_les_feuilles``, chaque
    feuille du classeur qui porte un tableau de ce type est importée en un lot : la réponse donne alors ``lots`` (le
    bilan de chacun), ``feuilles_non_lues`` (les autres et pourquoi), ``feuilles_refusees`` (celles refusées en
    entier, comme un mois pas encore rempli) et ``phrases``."""
    with tempfile.TemporaryDirectory(prefix="hotspots-upload-") as tmp:
        options = _with_mapping(replace(options, actor=user.login), correspondance, Path(tmp), settings)
        path = _saved(fichier, Path(tmp), settings)
        return _imported(
            conn, path, options, settings, user, geocoder_of(request, conn), every_sheet=toutes_les_feuilles
        )


@router.post(
    "/imports/{type_donnees}/suivi",
    status_code=202,
    summary="Importer un fichier en arrière-plan, avec le suivi de son avancement",
)
def upload_followed(
    type_donnees: Kind,
    fichier: UploadFile,
    options: ImportOptions,
    request: Request,
    settings: AppSettings,
    user: Planner,
    correspondance: MappingUpload = None,
    toutes_les_feuilles: EverySheet = False,
) -> dict[str, Any]:
    """Le même import que ``POST /api/imports/{type}``, lancé en arrière-plan : la réponse (202) donne tout de suite
    son ``suivi``, que ``GET /api/imports/suivis/{suivi}`` lit (la part du fichier lue, puis le bilan du lot) ;
    c'est ce que fait la carte, pour montrer une barre d'avancement. 429 quand deux imports sont déjà en cours."""
    state = state_of(request)
    tmp = Path(tempfile.mkdtemp(prefix="hotspots-upload-"))  # the job's to remove once it ends; here until it starts
    try:
        options = _with_mapping(replace(options, actor=user.login), correspondance, tmp, settings)
        path = _saved(fichier, tmp, settings)

        def work(job: ImportJob) -> dict[str, Any]:
            try:
                with state.pooled() as conn:
                    done = _imported(
                        conn,
                        path,
                        options,
                        settings,
                        user,
                        state.geocoder(conn),
                        every_sheet=toutes_les_feuilles,
                        progress=job.progress,
                        on_sheet=job.sheet,
                    )
                    state.watcher.sync(conn)  # the map's next reads see the new rows
                    return done
            finally:
                shutil.rmtree(tmp, ignore_errors=True)

        def failed(exc: BaseException) -> HotspotsError:
            if isinstance(exc, psycopg.OperationalError):
                return translate(state.database, exc)
            return HotspotsError(
                f"L'import de {path.name} s'est arrêté sur une erreur imprévue : rien de ce fichier n'est enregistré.",
                hint="Réessayez ; si l'erreur revient, importez-le avec « hotspots ingest » et transmettez son "
                "message.",
            )

        job = state.imports.start(user.login, path.name, type_donnees, work, failed=failed)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {"suivi": job.id, "url": f"/api/imports/suivis/{job.id}", "fichier": path.name}


@router.get("/imports/suivis/{suivi}", summary="Où en est un import lancé en arrière-plan")
def upload_progress(
    suivi: Annotated[str, Path_(pattern=r"^[0-9a-f]{32}$")], request: Request, user: Planner
) -> dict[str, Any]:
    """``etat`` : ``lecture`` (``lu`` octets sur ``total``), ``enregistrement`` (géocodage et écriture du lot),
    ``fini`` (``resultat`` : le bilan, comme ``POST /api/imports/{type}`` le donne) ou ``erreur`` (``erreur``,
    ``conseil``) ; ``feuille`` : la feuille en cours quand toutes les feuilles sont importées (``nom``, ``rang``,
    ``sur`` : chacune est lue depuis son début). Seul celui qui l'a lancé le lit ; un import fini reste suivi une
    heure."""
    return state_of(request).imports.get(suivi, user.login)


#: How the map's import options name the choices a sentence about the sheets suggests.
MAP_SHEET_CHOICE = "choisir : option « Feuille », ou toutes : « Toutes les feuilles »"


def _imported(
    conn: psycopg.Connection[Any],
    path: Path,
    options: IngestOptions,
    settings: Settings,
    user: User,
    geocoder: BatchGeocoder | None,
    *,
    every_sheet: bool = False,
    progress: ProgressFn | None = None,
    on_sheet: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """One file imported as ``hotspots ingest`` does it, logged: the batch's account and its first rejected rows,
    as both import routes answer them. ``every_sheet`` (``--toutes-les-feuilles``): each sheet of the workbook
    that holds a table of the kind is its own batch (``lots``), the others said with their reason; ``on_sheet(name,
    rank, of)`` is told each sheet as its import starts (the page's bar starts again with each)."""

    def batch(chosen: IngestOptions, alone: bool) -> dict[str, Any]:
        """One batch (the file, or one sheet of it when every sheet is: not ``alone``), its account in the map's
        words: the sheet read and how to choose another, or the sheet's name only."""
        summary = ingest_file(conn, path, chosen, settings, progress=progress, geocoder=geocoder)
        audit(conn, user, "import_fichier", lot=summary.batch_id, fichier=path.name, lignes=summary.rows_in)
        account = summary.to_dict()
        plain = summary.sheet_line()
        if plain:
            instead = (
                summary.sheet_line(MAP_SHEET_CHOICE) if alone else f"Feuille « {summary.details.get('feuille')} »."
            )
            account["phrases"] = [instead if line == plain else line for line in account["phrases"]]
        return {**account, "rejets": rejected_rows(conn, summary.batch_id, limit=100)}

    if not every_sheet:
        return batch(options, True)
    options = with_kept_mapping(conn, options)  # the sheets are sought through the source's kept mapping, as read
    found = tables_of(path, options, ArchiveLimits.of(settings), option="« Toutes les feuilles »")

    def sheet(name: str) -> dict[str, Any]:
        if on_sheet is not None:
            on_sheet(name, found.tables.index(name) + 1, len(found.tables))
        return batch(replace(options, sheet=name), False)

    lots, refused = import_each(found, sheet)
    said = sheets_words(found, len(lots), sum(int(lot["inserted"]) for lot in lots), refused)
    return {"lots": lots, "feuilles_non_lues": found.left, "feuilles_refusees": refused, "phrases": said}


def _saved(upload: UploadFile, folder: Path, settings: Settings) -> Path:
    """The uploaded file written in ``folder`` under a safe name; refused beyond the size limit."""
    limit = settings.max_upload_mb * 1024 * 1024
    path = folder / _safe_name(upload.filename)
    written = 0
    with path.open("wb") as out:
        while chunk := upload.file.read(1 << 20):
            written += len(chunk)
            if written > limit:
                raise TooLargeError(
                    f"Fichier trop volumineux (plus de {settings.max_upload_mb} Mo).",
                    hint="Importez-le avec « hotspots ingest » sur le serveur, ou découpez-le.",
                )
            out.write(chunk)
    return path


@router.get("/lots", summary="Derniers lots importés et leur bilan")
def batches(
    conn: Conn, _user: Reader, limite: Annotated[int, Query(ge=1, le=500)] = 50, fichiers: bool = False
) -> list[dict[str, Any]]:
    """Les lots les plus récents d'abord (50 par défaut) et leur bilan : type, fichier, état, lignes lues, insérées,
    mises à jour, doublons et rejetées, début, fin, erreur éventuelle et, pour un lot annulé, qui, quand, pourquoi
    et combien de lignes retirées. ``fichiers=true`` : les fichiers importés seulement, sans les enregistrements
    envoyés un à un par l'API (chacun son lot)."""
    return list_batches(conn, limit=limite, files_only=fichiers)


class BatchWithdrawalIn(BaseModel):
    """Pourquoi le lot est annulé (obligatoire)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    motif: str = Field(min_length=5, max_length=2000, examples=["Mauvais fichier : février au lieu de mars"])


@router.post("/lots/{lot}/annulation", summary="Annuler un lot importé par erreur (ses lignes retirées)")
def withdraw(lot: Id, body: BatchWithdrawalIn, conn: Conn, settings: AppSettings, user: Planner) -> dict[str, Any]:
    """Retire de leur table les lignes que le lot a enregistrées et le marque annulé (qui, quand, pourquoi), en une
    transaction ; le fichier corrigé s'importe ensuite à nouveau. Refusé (409), sans rien changer, quand le lot a mis
    à jour des lignes déjà en base, qu'un import suivant en a mis à jour, ou que des visites, des tournées, des
    renvois ou des adresses placées à la main tiennent à ses lignes ; 404 si le lot n'existe pas. Journalisé."""
    with conn.transaction():
        done = withdraw_batch(conn, settings, lot, by=user.login, reason=body.motif)
    audit(conn, user, "lot_annule", lot=lot, fichier=done.file_name, lignes=done.rows, motif=body.motif)
    return {"lot": lot, "lignes_retirees": done.rows, "quasi_doublons_delies": done.unlinked, "phrase": done.sentence()}


@router.get("/lots/{lot}/rejets", summary="Lignes rejetées d'un lot, avec leurs motifs (JSON ou CSV à corriger)")
def batch_rejects(
    lot: Id,
    conn: Conn,
    user: Planner,
    format: Literal["json", "csv"] = "json",
    limite: Annotated[int, Query(ge=1, le=100_000)] = 1000,
) -> Any:
    """Les lignes refusées d'un lot avec leur numéro, leurs valeurs et les motifs : en JSON, ou en CSV à corriger puis à
    importer à nouveau (sans les coordonnées des déclarants ; export journalisé). 404 si le lot n'existe pas."""
    if not batch_exists(conn, lot):
        raise NotFoundError(f"Lot {lot} introuvable.", hint="GET /api/lots liste les lots.")
    if format == "json":
        return {"lot": lot, "rejets": rejected_rows(conn, lot, limit=limite)}
    tmp = Path(tempfile.mkdtemp(prefix="hotspots-rejects-"))
    out = tmp / f"rejets_lot_{lot}.csv"
    result = export_rejects(conn, lot, out, actor=user.login)
    audit(conn, user, "export_rejets", lot=lot, lignes=result.rows)
    return FileResponse(
        out,
        media_type="text/csv; charset=utf-8",
        filename=out.name,
        background=BackgroundTask(shutil.rmtree, tmp, ignore_errors=True),
    )
