"""The batch in ``ingestion_batches``: the options it is read with, opened with what was received, closed with
its account, or refused.

Every input row ends up counted exactly once: ``rows_in = inserted + updated + duplicates + rejected`` (a
check constraint of the table holds the closed batches to it).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from service.db.queries import load_queries
from service.errors import InputFileError
from service.ingest.columns import Kind
from service.ingest.mapping import KeptMapping
from service.ingest.read import detect_format
from service.ingest.shapes import MAX_EXTENT_M
from service.ingest.source import TableSource, scan_file
from service.ingest.source_names import near_source_words, respelling_words
from service.numbers import french_number
from service.text import counted, plural, spoken_list

_PKG = "service.ingest"


def updated_words(n: int) -> str:
    """« 0 mise à jour », « 10 mises à jour »: the rows a batch updated, as its lines say them."""
    return f"{n} {plural(n, 'mise', 'mises')} à jour"


@dataclass(frozen=True)
class IngestOptions:
    """How to read one file; everything is detected when left to None."""

    kind: Kind
    fmt: str | None = None
    source: str | None = None
    mapping: Path | None = None
    delimiter: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    crs: str | None = None
    #: Records sent one by one (API, Open311): one refused row refuses them all, and nothing is written (not
    #: even the batch); the refusal names every field at fault.
    all_or_nothing: bool = False
    #: Without ``mapping``, the mapping kept for ``source`` is applied (``--sans-correspondance-gardee``: not).
    use_kept: bool = True
    #: The mapping kept for ``source`` and applied (set by :func:`service.ingest.kept_mapping.with_kept_mapping`).
    kept: KeptMapping | None = None
    #: Who imports: a mapping given with a source is kept in their name.
    actor: str | None = None


@dataclass
class BatchSummary:
    """The account of one batch, as stored in ``ingestion_batches`` and printed by the CLI."""

    batch_id: int
    kind: str
    file_name: str
    sha256: str
    format: str
    status: str
    rows_in: int = 0
    inserted: int = 0
    updated: int = 0
    duplicates: int = 0
    rejected: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    #: the first rejected rows to correct (row, reasons), for the summary; not stored with the batch (the rows are)
    to_correct: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The summary as the API and ``--json`` show it, with the geocoding account and the rejects in words, and
        the sentences the terminal prints first (``phrases``: the check of the sum, the sheet read, the geocoding,
        the dates taken at the facts' time, the visits of a cancelled shift)."""
        sentences = [self.check_line(), self.sheet_line(), self.mapping_line(), *geocoding_lines([self]), *self.notes()]
        phrases = [line for line in sentences if line]
        return {**asdict(self), "geocodage": self.geocoding, "bilan_rejets": self.reject_lines(), "phrases": phrases}

    def check_line(self) -> str:
        """The batch's sum, to check that no line is lost: « Contrôle : 5 lignes = 1 insérée + 0 mise à jour + … »."""
        d = self.details
        same, repeated = d.get("doublons_identiques_en_base", 0), d.get("doublons_dans_le_fichier", 0)
        near = counted(d.get("quasi_doublons_lies", 0), "quasi-doublon lié", "quasi-doublons liés")
        return (
            f"Contrôle : {counted(self.rows_in, 'ligne')} = {counted(self.inserted, 'insérée')} + "
            f"{updated_words(self.updated)} + "
            f"{counted(self.duplicates, 'doublon')} ({same} déjà en base, {repeated} "
            f"{plural(repeated, 'répété', 'répétés')} dans le fichier, {near}) + {counted(self.rejected, 'rejetée')}."
        )

    def sheet_line(self, choose: str = "") -> str | None:
        """The sheet read of a workbook that has several, and the others, not read: « Feuille lue : « Janvier »
        (autres feuilles, non lues : « Février », « Mars »). » (None for a single sheet or a file); ``choose``, how
        to read another, goes in the brackets."""
        sheets = self.details.get("feuilles") or []
        if len(sheets) < 2:
            return None
        read = self.details.get("feuille")
        others = ", ".join(f"« {s} »" for s in sheets if s != read)
        return f"Feuille lue : « {read} » (autres feuilles, non lues : {others}{f' ; {choose}' if choose else ''})."

    def notes(self) -> list[str]:
        """What the batch did to rows it kept, when it did: the dates taken at the facts' time, the visits of a
        cancelled shift moved to their sites, the coordinates of words set aside for the address."""
        lines = (
            respelling_words(self.details),
            near_source_words(self.details),
            self.facts_time_line(),
            self.cancelled_line(),
            self.words_line(),
            self.shapes_line(),
        )
        return [line for line in lines if line]

    def mapping_line(self) -> str | None:
        """The mapping kept for the source and applied, or the one given now kept for it (None without)."""
        from service.ingest.kept_mapping import mapping_words  # the kept mappings' module imports this one

        return mapping_words(self.details.get("correspondance"))

    def shapes_line(self) -> str | None:
        """The rows whose feature was a small surface or line, stored at a point inside it (None without)."""
        n = int(self.details.get("formes_ramenees") or 0)
        if not n:
            return None
        return (
            f"{counted(n, 'ligne')} dont l'objet est une surface ou une ligne d'au plus "
            f"{french_number(MAX_EXTENT_M, 0)} m (un bâtiment, un tronçon) : {plural(n, 'placée', 'placées')} en un "
            f"point à l'intérieur (le milieu d'une ligne), la forme gardée avec {plural(n, 'elle', 'elles')} (WKT)."
        )

    def words_line(self) -> str | None:
        """The rows whose coordinates cell held words, no number, placed by their address instead (None without)."""
        n = int(self.details.get("coordonnees_en_mots") or 0)
        if not n:
            return None
        columns = self.details.get("colonnes") or {}
        named = [columns[f] for f in ("coordinates", "lat", "lon", "x", "y") if f in columns]
        where = spoken_list([f"« {c} »" for c in dict.fromkeys(named)], "et") or "des coordonnées"
        return (
            f"{counted(n, 'ligne')} sans nombre dans {where} (« ? », « pas de GPS »…) : "
            f"{plural(n, 'située', 'situées')} par {plural(n, 'son adresse', 'leur adresse')} ; ces mots sont gardés "
            f"avec {plural(n, 'elle', 'elles')}."
        )

    @property
    def to_fix(self) -> int:
        """The rejected rows to correct: all but a plan's stops not made, the empty rows and the total lines (nothing
        to correct)."""
        d = self.details
        apart = ("arrets_non_faits", "lignes_vides", "lignes_de_total")
        return self.rejected - sum(int(d.get(k, 0)) for k in apart)

    def facts_time_line(self) -> str | None:
        """The reports dated at the facts' time where the date column gave another one, the reception's:
        « 3 signalements datés à l'heure de « Heure des faits » : « Date » y porte une autre heure, lue comme celle
        de la réception ; … » (None without any)."""
        n = int(self.details.get("heures_des_faits") or 0)
        if not n:
            return None
        columns = self.details.get("colonnes") or {}
        date, time = columns.get("observed_at", "date"), columns.get("observed_time", "heure")
        return (
            f"{counted(n, 'signalement daté', 'signalements datés')} à l'heure de « {time} » : « {date} » y porte une "
            "autre heure, lue comme celle de la réception ; les faits sont datés de ce jour-là, ou de la veille quand "
            "leur heure vient après."
        )

    def cancelled_line(self) -> str | None:
        """What became of the visits of a cancelled shift's stops: « 2 visites d'arrêts de la tournée n° 12,
        annulée : rattachées à leur site, hors tournée. » (None without any)."""
        n = int(self.details.get("visites_de_tournees_annulees") or 0)
        if not n:
            return None
        shifts = self.details.get("tournees_annulees") or []
        named = spoken_list([f"n° {s}" for s in shifts], "et")
        visits = plural(n, "visite d'un arrêt", "visites d'arrêts")
        return (
            f"{n} {visits} {plural(len(shifts), 'de la tournée', 'des tournées')} {named}, "
            f"{plural(len(shifts), 'annulée')} : "
            f"{plural(n, 'rattachée à son site', 'rattachées à leur site')}, hors tournée."
        )

    @property
    def geocoding(self) -> dict[str, int]:
        """What became of the rows without coordinates: placed, to check (a provisional point), failed (no point;
        to check too), waiting (no address register loaded). The last three are in the review queue or pending."""
        stats = self.details.get("geocodage") or {}
        failed = int(stats.get("failed", 0))
        return {
            "adresses": int(stats.get("attempted", 0)),
            "placees": int(stats.get("placed", 0)),
            "a_verifier": int(stats.get("to_review", 0)) - failed,
            "echecs": failed,
            "en_attente": int(self.details.get("a_geocoder", 0)),
        }

    def reject_lines(self) -> list[str]:
        """The rejected rows in words: a plan's stops not made and empty rows apart (nothing to correct), then each
        row to correct with its field, value and reason (the first ones; the rest are in the batch's rejects)."""
        if not self.rejected:
            return []
        not_done = int(self.details.get("arrets_non_faits", 0))
        empty = int(self.details.get("lignes_vides", 0))
        totals = int(self.details.get("lignes_de_total", 0))
        to_fix = self.to_fix
        if not not_done and not empty and not totals:
            lines = [f"{counted(self.rejected, 'ligne rejetée', 'lignes rejetées')}, à corriger :"]
        else:
            apart = [
                f"{counted(not_done, 'arrêt non fait', 'arrêts non faits')} (ni résultat ni date : rien à encoder, "
                "leurs sites restent à planifier)"
                if not_done
                else "",
                f"{counted(empty, 'ligne vide', 'lignes vides')} (aucune cellule remplie : rien à importer)"
                if empty
                else "",
                f"{counted(totals, 'ligne de total', 'lignes de total')} (« Total », « Sous-total »… au pied du "
                "tableau : rien à importer)"
                if totals
                else "",
            ]
            lines = [
                f"{counted(self.rejected, 'ligne non enregistrée', 'lignes non enregistrées')}, dont "
                + spoken_list([a for a in apart if a], "et")
                + (f" et {to_fix} à corriger :" if to_fix else ".")
            ]
        lines += [f"  • ligne {row['ligne']} — {reject_words(row['motifs'])}" for row in self.to_correct]
        if to_fix > len(self.to_correct):
            lines.append(f"  … et {counted(to_fix - len(self.to_correct), 'autre')}.")
        return lines

    @property
    def balanced(self) -> bool:
        """Whether every input row is counted exactly once."""
        return self.rows_in == self.inserted + self.updated + self.duplicates + self.rejected


def reject_words(reasons: list[dict[str, Any]]) -> str:
    """A rejected row's reasons as one line: the column (or field), the value read, and why."""
    parts = []
    for reason in reasons:
        where = reason.get("colonne") or reason.get("champ") or "ligne"
        value = reason.get("valeur")
        shown = f" « {value} »" if value not in (None, "") else " (vide)"
        parts.append(f"{where}{shown} : {reason.get('motif')}")
    return " ; ".join(parts)


def options_json(options: IngestOptions) -> dict[str, Any]:
    """The options a batch was read with, as stored with it (only those given; a kept mapping by its file's name)."""
    given = {k: str(v) for k, v in asdict(options).items() if v is not None and v is not False and k != "use_kept"}
    if options.kept is not None:
        given["kept"] = f"{options.kept.file_name} (gardée pour « {options.kept.source} »)"
    if not options.use_kept:
        given["use_kept"] = "False"
    return given


def open_batch(conn: psycopg.Connection[Any], source: TableSource, options: IngestOptions) -> int:
    """Record the batch as started (``en_cours``) with what was received; returns its id."""
    row = conn.execute(
        load_queries(_PKG, "batch.sql")["open_batch"],
        {
            "kind": options.kind,
            "file_name": source.path.name,
            "sha256": source.facts.sha256,
            "bytes": source.facts.size,
            "format": source.format,
            "options": json.dumps(options_json(options)),
        },
    ).fetchone()
    assert row is not None
    return int(row[0])


def geocoding_lines(summaries: list[BatchSummary]) -> list[str]:
    """The geocoding of the batches in words: placed, to check, failed, waiting, and what to do next."""
    total = {k: sum(s.geocoding[k] for s in summaries) for k in ("adresses", "placees", "a_verifier", "echecs")}
    waiting = sum(s.geocoding["en_attente"] for s in summaries)
    lines = []
    if total["adresses"]:
        queued = total["a_verifier"] + total["echecs"]
        lines.append(
            f"Géocodage : {counted(total['adresses'], 'adresse')} sans coordonnées — "
            f"{counted(total['placees'], 'placée')}, {total['a_verifier']} à vérifier (point provisoire), "
            f"{counted(total['echecs'], 'échec')} (sans point)."
            + (
                f" {_in_queue(queued)} dans la file de vérification : volet « Adresses à vérifier » de la carte, ou "
                "hotspots geocode review"
                if queued
                else ""
            )
        )
    if waiting:
        lines.append(
            f"{counted(waiting, 'ligne attend', 'lignes attendent')} le géocodage (registre des adresses non chargé) : "
            "hotspots gazetteer load FICHIER puis hotspots geocode pending"
        )
    return lines


def _in_queue(count: int) -> str:
    """« Cette adresse est » / « Ces 3 adresses sont »: the review-queue sentence agreeing with the count."""
    return "Cette adresse est" if count == 1 else f"Ces {count} adresses sont"


def close_batch(conn: psycopg.Connection[Any], summary: BatchSummary) -> None:
    """Record the batch's account (``termine``), its details and the time of each step."""
    conn.execute(
        load_queries(_PKG, "batch.sql")["close_batch"],
        {
            "batch": summary.batch_id,
            "rows_in": summary.rows_in,
            "inserted": summary.inserted,
            "updated": summary.updated,
            "duplicates": summary.duplicates,
            "rejected": summary.rejected,
            "details": json.dumps(summary.details, ensure_ascii=False),
            "timings": json.dumps(summary.timings),
        },
    )


def record_refusal(
    conn: psycopg.Connection[Any],
    path: Path,
    options: IngestOptions,
    exc: InputFileError,
    *,
    source: TableSource | None = None,
) -> InputFileError:
    """Keep a trace of a refused file and why (its own small transaction); the refusal to raise, saying that the
    mapping kept for the source was applied when it was."""
    said = options.kept.refusal(exc) if options.kept is not None else exc
    try:
        digest = (source.facts if source else scan_file(path, text=False)).sha256
        size = path.stat().st_size
    except OSError:
        digest, size = "", 0
    conn.rollback()
    with conn.transaction():
        conn.execute(
            load_queries(_PKG, "batch.sql")["refuse_batch"],
            {
                "kind": options.kind,
                "file_name": path.name,
                "sha256": digest,
                "bytes": size,
                "format": source.format if source else (options.fmt or _format_of(path)),
                "error": str(said),
                "options": json.dumps(options_json(options)),
            },
        )
    return said


def _format_of(path: Path) -> str:
    """The format a refused file looks like (a damaged workbook is still one), « inconnu » when nothing says."""
    try:
        return detect_format(path)
    except OSError:
        return "inconnu"
