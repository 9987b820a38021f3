"""A batch imported by mistake, withdrawn: the wrong file, the wrong month, a partner's export under the wrong
source. Its rows are taken out of their table in one transaction; the batch stays in the list of batches as
« annulé », with who withdrew it, when and why, and its account as it was (what the file held). The file can then
be imported again, corrected.

A withdrawal never takes away what a person did since with the rows: it is refused, saying what holds them, when
a visit follows one of its reports, a shift planned one of its sites, a report was referred, or a person placed an
address by hand; and when the batch updated rows already stored (their version before it is not kept) or a later
batch updated some of its rows. Reports of other batches linked to a withdrawn report as its near-duplicate are
unlinked, then linked again to another source's report of the same fact when there is one. A withdrawn batch of
visits (a shift's sheet of the wrong day) gives the shift its stops to do again, and the sensitive points it
visited the priority of their latest visit left, at once; the sensitive points and axes follow the rest at the next
analysis (the server runs it within ``HOTSPOTS_ANALYSIS_REFRESH_MINUTES``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from service.db.queries import Queries
from service.errors import ConflictError, InvalidValueError, NotFoundError
from service.ingest.dedupe import link_as_near_duplicate
from service.labels import KIND_LABELS
from service.settings import Settings
from service.text import counted, plural, spoken_list

_q = Queries("service.ingest", "withdraw.sql")

#: Shortest reason accepted: a withdrawal says why (« mauvais fichier : février au lieu de mars »).
MIN_REASON = 5
#: How each table's rows are named as sites (the lists, the map, the shifts).
SITE_PREFIX = {"reports": "SIG-", "visits": "SUIVI-", "permits": "PER-"}


#: « 1 visite retirée », « 3 signalements retirés »: each table's rows, agreed.
_GONE = {
    "reports": ("signalement retiré", "signalements retirés"),
    "visits": ("visite retirée", "visites retirées"),
    "permits": ("permis retiré", "permis retirés"),
}


@dataclass(frozen=True)
class Withdrawn:
    """A withdrawn batch: how many rows left its table, and the near-duplicates of other batches unlinked (and
    linked again to another report of the same fact)."""

    batch_id: int
    kind: str
    file_name: str
    rows: int
    #: of the rows, the reports stored as near-duplicates of another (its account counted them as duplicates)
    repeats: int
    unlinked: int
    relinked: int

    def sentence(self) -> str:
        """« Lot n° 12 (mars.csv) annulé : 25 signalements retirés. 1 signalement d'un autre lot, quasi-doublon des
        siens, compte de nouveau. … »"""
        gone = counted(self.rows, *_GONE[self.kind])
        among = f", dont {counted(self.repeats, 'quasi-doublon')} d'autres signalements" if self.repeats else ""
        said = [f"Lot n° {self.batch_id} ({self.file_name}) annulé : {gone}{among}."]
        if self.unlinked:
            one = self.unlinked == 1
            freed = counted(self.unlinked, "signalement d'un autre lot", "signalements d'autres lots")
            again = f" ({self.relinked} lié{'' if self.relinked == 1 else 's'} à un autre signalement du même fait)"
            said.append(
                f"{freed}, quasi-doublon{'' if one else 's'} des siens, {'compte' if one else 'comptent'} de nouveau"
                f"{again if self.relinked else ''}."
            )
        said.append("Les points sensibles et les axes suivront à la prochaine analyse.")
        return " ".join(said)


def withdraw_batch(
    conn: psycopg.Connection[Any], settings: Settings, batch_id: int, *, by: str, reason: str
) -> Withdrawn:
    """Take the rows of batch ``batch_id`` out of their table and mark it withdrawn (``annule``), in the caller's
    transaction; refused, with nothing changed, when something a person did holds its rows."""
    why = " ".join((reason or "").split())
    if len(why) < MIN_REASON:
        raise InvalidValueError(
            "motif d'annulation manquant ou trop court",
            hint="Dites en quelques mots pourquoi le lot est annulé (« mauvais fichier : février au lieu de mars »).",
        )
    row = conn.execute(_q("batch_for_withdrawal"), {"batch": batch_id}).fetchone()
    if row is None:
        raise NotFoundError(f"Lot {batch_id} introuvable.", hint="« hotspots batches » (GET /api/lots) liste les lots.")
    _id, kind, file_name, status, inserted, updated, details, withdrawn_at, withdrawn_by = row
    _check_state(batch_id, file_name, status, withdrawn_at, withdrawn_by, int(updated))
    table = sql.Identifier(kind)
    found = conn.execute(sql.SQL(_q("batch_rows")).format(table=table), {"batch": batch_id}).fetchone()
    ids: list[int] = list(found[0]) if found else []
    stored_by_it = int(inserted) + int((details or {}).get("quasi_doublons_lies") or 0)
    if len(ids) < stored_by_it:
        raise ConflictError(
            f"Lot {batch_id} ({file_name}) : {stored_by_it - len(ids)} de ses {stored_by_it} lignes ont été mises à "
            "jour depuis par un import suivant ; l'annuler retirerait des lignes d'un autre lot.",
            hint="Annulez d'abord les lots suivants qui les ont mises à jour (hotspots batches), ou corrigez par un "
            "nouvel import.",
        )
    sites = [f"{SITE_PREFIX[kind]}{i}" for i in ids]
    held = conn.execute(_q(f"{kind}_held"), {"ids": ids, "sites": sites}).fetchone()
    _check_not_held(batch_id, file_name, kind, held)
    repeats, others, visited = 0, [], []
    if kind == "reports":  # its near-duplicates of others, and others' of its reports (unlinked before they go)
        among = conn.execute(_q("near_duplicates_among"), {"ids": ids}).fetchone()
        repeats = int(among[0]) if among else 0
        freed = conn.execute(_q("unlink_near_duplicates"), {"ids": ids}).fetchall()
        others = [int(i) for i, batch in freed if batch != batch_id]
    if kind == "visits":  # the points whose priority followed its visits
        points = conn.execute(_q("points_of_visits"), {"batch": batch_id}).fetchone()
        visited = list(points[0]) if points else []
    conn.execute(_q("forget_reviews"), {"table": kind, "ids": ids})
    rows = conn.execute(sql.SQL(_q("take_out_rows")).format(table=table), {"batch": batch_id}).rowcount
    if visited:
        from service.analyse.store import unfollow_visit_outcomes  # the analysis is loaded only for visits

        unfollow_visit_outcomes(conn, visited)
    conn.execute(_q("mark_withdrawn"), {"batch": batch_id, "by": by, "reason": why, "rows": rows})
    return Withdrawn(batch_id, kind, file_name, rows, repeats, len(others), _relink(conn, settings, others))


def _check_state(
    batch_id: int, file_name: str, status: str, withdrawn_at: Any, withdrawn_by: str | None, updated: int
) -> None:
    """Only a finished batch that added rows and changed none is withdrawn."""
    if status == "annule":
        raise ConflictError(
            f"Lot {batch_id} ({file_name}) déjà annulé le {withdrawn_at:%d/%m/%Y à %H:%M} par {withdrawn_by}.",
            hint="Rien à faire : ses lignes ont déjà été retirées.",
        )
    if status != "termine":
        state = "refusé : rien n'y a été enregistré" if status == "refuse" else "en cours"
        raise ConflictError(
            f"Lot {batch_id} ({file_name}) {state} ; rien à annuler.",
            hint="« hotspots batches » (GET /api/lots) dit l'état de chaque lot.",
        )
    if updated:
        raise ConflictError(
            f"Lot {batch_id} ({file_name}) : il a mis à jour {counted(updated, 'ligne')} déjà en base, dont la version "
            "d'avant n'est pas gardée ; l'annuler ne la rendrait pas.",
            hint="Importez à nouveau le fichier d'origine de ces lignes (ou le fichier corrigé) : il les remet à jour.",
        )


def _check_not_held(batch_id: int, file_name: str, kind: str, held: Any) -> None:
    """Refuse, naming each, when visits, shifts not cancelled, referrals or hand placements hold the batch's rows."""
    visits, stops, referrals, by_hand = (int(n) for n in held)
    what = [
        f"{counted(visits, 'visite')} qui {plural(visits, 'les suit ou les nomme', 'les suivent ou les nomment')}"
        if visits
        else "",
        counted(stops, "arrêt de tournée planifié", "arrêts de tournée planifiés") if stops else "",
        counted(referrals, "renvoi") if referrals else "",
        counted(by_hand, "adresse placée à la main", "adresses placées à la main") if by_hand else "",
    ]
    if any(what):
        shifts = (
            " ; une tournée pas encore faite s'annule d'abord (« hotspots tournees annuler N », ou « Tournées "
            "récentes » sur la carte)"
            if stops
            else ""
        )
        raise ConflictError(
            f"Lot {batch_id} ({file_name}) non annulé : le travail fait depuis sur ses {KIND_LABELS[kind]} serait "
            f"perdu ({spoken_list([w for w in what if w], 'et')}).",
            hint="Corrigez ses lignes par un nouvel import du fichier corrigé (même source : elles sont mises à "
            f"jour), ou modifiez-les une à une{shifts}.",
        )


def _relink(conn: psycopg.Connection[Any], settings: Settings, reports: list[int]) -> int:
    """Link the reports that were near-duplicates of the withdrawn ones to another source's report of the same
    fact, when there is one (the rule of the import): how many were."""
    return sum(link_as_near_duplicate(conn, settings, report) is not None for report in reports)
