"""The four report files, each in its channel's real layout, encoding and habits."""

from __future__ import annotations

import csv
import datetime as dt
import json
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from service.demo import addresses as ad
from service.demo.vocab import (
    COMMUNE_SPELLINGS,
    DESCRIPTIONS,
    EXTRAS,
    FIRST_NAMES,
    LABELS_FR,
    LAST_NAMES,
    MAIL_DOMAINS,
    STATUS_CLOSED,
    STATUS_NEW,
    STATUS_NOTES,
    STATUS_PROGRESS,
)

#: The demonstration is set in Seraing: its files and feeds carry Belgian wall clocks and offsets, whatever time
#: zone the service runs in.
BRUSSELS = ZoneInfo("Europe/Brussels")
COMMUNE_HEADER = (
    "N° dossier",
    "Date signalement",
    "Catégorie",
    "Adresse",
    "Code postal",
    "Localité",
    "Description",
    "Statut",
    "Nom déclarant",
    "Téléphone",
    "Courriel",
)
#: The register's own export adds the day each report was closed (the other register files have no such column).
REGISTER_HEADER = (*COMMUNE_HEADER[:8], "Date clôture", *COMMUNE_HEADER[8:])
#: How long the register takes to close a report: log-normal days (median, spread of the logarithm).
CLOSING_MEDIAN_DAYS, CLOSING_SPREAD = 6.0, 1.0
#: The share of closed reports with no closing day (files taken over from an older register).
CLOSING_UNKNOWN = 0.04
PATROL_HEADER = (
    "Référence",
    "Date et heure",
    "Nuisance",
    "Rue",
    "Numéro",
    "Code postal",
    "Commune",
    "X Lambert 72",
    "Y Lambert 72",
    "Remarques",
)
INTERCO_HEADER = ("id", "date", "categorie", "adresse", "commune", "x", "y", "remarque")
AGENCIES = {"Seraing": "Ville de Seraing - Service Propreté", "Neupré": "Commune de Neupré - Service Environnement"}


def pick(rng: np.random.Generator, options: tuple[str, ...] | list[str]) -> str:
    """One of ``options``, drawn with ``rng`` so that the demo is the same for the same seed."""
    return options[int(rng.integers(len(options)))]


def describe(rng: np.random.Generator, cat: str) -> str:
    """A citizen-like description of a ``cat`` report: a phrase of the category and a detail."""
    return pick(rng, DESCRIPTIONS[cat]) + pick(rng, EXTRAS)


def _status(rng: np.random.Generator, age_days: float) -> str:
    p_new, p_prog = (0.05, 0.10) if age_days > 60 else (0.15, 0.35) if age_days > 14 else (0.55, 0.35)
    u = rng.random()
    return pick(rng, STATUS_NEW if u < p_new else STATUS_PROGRESS if u < p_new + p_prog else STATUS_CLOSED)


def _person(rng: np.random.Generator) -> tuple[str, str, str]:
    """An invented declarant: (name, phone, e-mail); anonymous reports leave all three empty."""
    if rng.random() < 0.15:
        return "", "", ""
    first, last = pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES)
    style = rng.random()
    name = (
        f"{first} {last}"
        if style < 0.5
        else f"{last.upper()} {first}"
        if style < 0.8
        else f"{'Mme' if rng.random() < 0.5 else 'M.'} {last}"
    )
    phone = ""
    if rng.random() < 0.7:
        d = rng.integers(0, 10, 8)
        if rng.random() < 0.45:
            phone = f"04 3{d[0]}{d[1]} {d[2]}{d[3]} {d[4]}{d[5]}"
        else:
            prefix = pick(rng, ("0470", "0472", "0476", "0485", "0494", "0497"))
            phone = f"{prefix} {d[0]}{d[1]} {d[2]}{d[3]} {d[4]}{d[5]}"
            if rng.random() < 0.2:
                phone = "+32 " + phone[1:]
    mail = ""
    if rng.random() < 0.45:
        user = ad.strip_accents(f"{first}.{last}").lower().replace(" ", "").replace("-", "")
        if rng.random() < 0.4:
            user = f"{user.split('.')[0][0]}{user.split('.')[1]}{int(rng.integers(10, 99))}"
        mail = f"{user}@{pick(rng, MAIL_DOMAINS)}"
    return name, phone, mail


def closing_day(closing: np.random.Generator, status: str, ts: dt.datetime, end: dt.datetime) -> str:
    """The day a closed report was closed, as the register writes it (« 16/05/2025 », the day alone): some days
    after the report, never after the export (``end``); empty for an open report, and for a few closed ones."""
    if status not in STATUS_CLOSED or closing.random() < CLOSING_UNKNOWN:
        return ""
    days = closing.lognormal(np.log(CLOSING_MEDIAN_DAYS), CLOSING_SPREAD)
    left = (end - ts).total_seconds() / 86400
    if days >= left:
        days = left * closing.random()
    return (ts + dt.timedelta(days=float(days))).strftime("%d/%m/%Y")


def write_commune(
    path: Path,
    rng: np.random.Generator,
    rows: pd.DataFrame,
    book: ad.AddressBook,
    end: dt.datetime,
    closing: np.random.Generator,
) -> None:
    """Cleanliness-service export: ``;``, Windows-1252, CRLF, Belgian dates, no coordinates; the closing days are
    drawn with ``closing``, a generator of their own, so that the rest of the demonstration stays the same."""
    with path.open("w", encoding="cp1252", errors="strict", newline="") as fh:
        out = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        out.writerow(REGISTER_HEADER)
        for r in rows.itertuples(index=False):
            ts = pd.Timestamp(r.ts).to_pydatetime()
            text, pc, town = ad.messy_address(rng, book, int(r.addr))
            desc = describe(rng, r.cat)
            if rng.random() < 0.02:
                desc += "\nRappel du riverain le lendemain"
            spelling = pick(rng, COMMUNE_SPELLINGS[r.cat])
            status = _status(rng, (end - ts).total_seconds() / 86400)
            out.writerow(
                [
                    r.id,
                    ts.strftime("%d/%m/%Y %H:%M"),
                    spelling,
                    text,
                    pc,
                    town,
                    desc,
                    status,
                    closing_day(closing, status, ts, end),
                    *_person(rng),
                ]
            )


def write_patrols(
    path: Path, rng: np.random.Generator, rows: pd.DataFrame, book: ad.AddressBook, frozen_at: dt.datetime
) -> None:
    """Officers' sheet "Constatations": real datetime cells, Lambert 72 coordinates, codes or labels."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Constatations"
    ws.append(PATROL_HEADER)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows.itertuples(index=False):
        i = int(r.addr)
        num = str(book.number[i])
        nuisance = r.cat if rng.random() < 0.5 else LABELS_FR[r.cat]
        ws.append(
            [
                r.id,
                pd.Timestamp(r.ts).to_pydatetime(),
                nuisance,
                book.street[i],
                int(num) if num.isdigit() else num,
                int(book.postcode[i]),
                ad.patrol_locality(rng, book, i),
                round(float(r.x), 2),
                round(float(r.y), 2),
                describe(rng, r.cat) if rng.random() < 0.7 else None,
            ]
        )
    for row in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        row[0].number_format = "DD/MM/YYYY HH:MM"
    for col, width in zip("ABCDEFGHIJ", (16, 18, 24, 32, 9, 12, 20, 14, 14, 50), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    wb.properties.creator = "Zone de police Seraing-Neupré"
    wb.properties.created = frozen_at
    wb.save(path)
    _freeze_zip(path, frozen_at)


def _freeze_zip(path: Path, when: dt.datetime) -> None:
    """openpyxl stamps the save time into the archive; rewrite it so a seed always gives the same bytes."""
    with zipfile.ZipFile(path) as src:
        entries = [(info.filename, src.read(info.filename)) for info in src.infolist()]
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = _replace_modified(data, stamp)
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, data)


def _replace_modified(xml: bytes, stamp: bytes) -> bytes:
    start = xml.find(b"<dcterms:modified")
    if start < 0:
        return xml
    open_end = xml.find(b">", start) + 1
    close = xml.find(b"</dcterms:modified>", open_end)
    return xml[:open_end] + stamp + xml[close:]


def write_open311(
    path: Path, rng: np.random.Generator, rows: pd.DataFrame, book: ad.AddressBook, end: dt.datetime
) -> None:
    """GeoReport v2 ``requests.json``: a JSON list, newest first, WGS84 ``lat``/``long``.

    ``requested_datetime`` never falls between 2 and 6 h, so the wall-clock time is never ambiguous.
    """
    limit = end.replace(tzinfo=BRUSSELS)
    items = []
    for r in rows.iloc[::-1].itertuples(index=False):
        ts = pd.Timestamp(r.ts).to_pydatetime().replace(tzinfo=BRUSSELS)
        room = (limit - ts).total_seconds() - 60
        closed = rng.random() < (0.9 if room > 30 * 86400 else 0.4)
        wait = rng.uniform(2 * 3600, 30 * 86400) if closed else rng.uniform(0, 2 * 3600)
        delay = dt.timedelta(seconds=max(0, int(min(wait, room * rng.uniform(0.5, 1.0)))))
        updated = (ts.astimezone(dt.UTC) + delay).astimezone(BRUSSELS)  # elapsed time, across DST changes
        item: dict[str, object] = {"service_request_id": r.id, "status": "closed" if closed else "open"}
        if closed and rng.random() < 0.5:
            item["status_notes"] = pick(rng, STATUS_NOTES)
        item.update(
            {
                "service_name": LABELS_FR[r.cat],
                "service_code": r.cat,
                "description": describe(rng, r.cat),
                "agency_responsible": AGENCIES[str(book.municipality[int(r.addr)])],
                "requested_datetime": ts.isoformat(),
                "updated_datetime": updated.isoformat(),
                "address": ad.open311_address(rng, book, int(r.addr)),
                "lat": round(float(r.lat), 7),
                "long": round(float(r.lon), 7),
            }
        )
        items.append(item)
    path.write_text(json.dumps(items, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def write_intercommunale(path: Path, rng: np.random.Generator, rows: pd.DataFrame, book: ad.AddressBook) -> None:
    """Waste intercommunale export: UTF-8 with BOM, ``,``, ISO dates, Lambert 2008 coordinates."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh, delimiter=",", lineterminator="\n")
        out.writerow(INTERCO_HEADER)
        for r in rows.itertuples(index=False):
            text, town = ad.intercommunale_address(rng, book, int(r.addr))
            remark = describe(rng, r.cat) if rng.random() < 0.6 else ""
            out.writerow(
                [
                    r.id,
                    pd.Timestamp(r.ts).strftime("%Y-%m-%dT%H:%M:%S"),
                    r.cat,
                    text,
                    town,
                    f"{r.x08:.2f}",
                    f"{r.y08:.2f}",
                    remark,
                ]
            )
