"""The official address points (ICAR) the demonstration reports sit on, and the ways people write them.

Every generated report is anchored to one real address point; only its coordinates get a few metres of jitter
and only its written form gets messy, so a geocoder can be scored against the truth.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer

#: Largest distance between a report and its address point (metres).
JITTER_M = 12.0

#: Street types people abbreviate, with the abbreviations seen in exports.
_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "Rue": ("r.", "R.", "Rue", "rue"),
    "Avenue": ("Av.", "Ave", "av."),
    "Boulevard": ("Bd", "Bld"),
    "Place": ("Pl.", "pl."),
    "Chaussée": ("Chée", "Ch."),
    "Route": ("Rte", "Rte."),
    "Impasse": ("Imp.",),
    "Square": ("Sq.",),
    "Allée": ("All.",),
}
_ARTICLE = re.compile(r"^(\S+) (?:de la |de l'|du |des |de |d')", re.IGNORECASE)


@dataclass(frozen=True)
class Projections:
    """The three coordinate systems of the brief, built once per run (never at import time)."""

    to_l72: Transformer
    from_l72: Transformer
    to_l08: Transformer

    @classmethod
    def create(cls) -> Projections:
        """Build the three transformers; each reads the PROJ database, so a run makes them once and passes them on."""
        return cls(
            Transformer.from_crs("EPSG:4326", "EPSG:31370", always_xy=True),
            Transformer.from_crs("EPSG:31370", "EPSG:4326", always_xy=True),
            Transformer.from_crs("EPSG:4326", "EPSG:3812", always_xy=True),
        )


@dataclass(frozen=True)
class AddressBook:
    """ICAR address points as parallel arrays (index = address id inside one run)."""

    street_id: np.ndarray
    street: np.ndarray
    number: np.ndarray
    postcode: np.ndarray
    municipality: np.ndarray
    boxes: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    x: np.ndarray
    y: np.ndarray

    @classmethod
    def load(cls, path: Path, proj: Projections) -> AddressBook:
        """Read the ICAR extract; the file is sorted, so the arrays (and all draws) are reproducible."""
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        lon = frame["lon"].to_numpy(dtype=float)
        lat = frame["lat"].to_numpy(dtype=float)
        x, y = proj.to_l72.transform(lon, lat)
        return cls(
            street_id=frame["icar_street_id"].to_numpy(dtype=np.int64),
            street=frame["street"].to_numpy(dtype=object),
            number=frame["housenumber"].to_numpy(dtype=object),
            postcode=frame["postcode"].to_numpy(dtype=object),
            municipality=frame["municipality"].to_numpy(dtype=object),
            boxes=frame["box_numbers"].to_numpy(dtype=object),
            lon=lon,
            lat=lat,
            x=np.asarray(x),
            y=np.asarray(y),
        )

    def __len__(self) -> int:
        return len(self.street)

    def distances(self, i: int) -> np.ndarray:
        """Metres from address ``i`` to every address."""
        metres: np.ndarray = np.hypot(self.x - self.x[i], self.y - self.y[i])
        return metres

    def label(self, i: int) -> str:
        """``"Rue Ferrer 12, 4100 Seraing"``: the clean form used in the truth file."""
        return f"{self.street[i]} {self.number[i]}, {self.postcode[i]} {self.municipality[i]}"

    def section(self, i: int) -> str:
        """The village people name instead of the commune (ICAR only has the commune)."""
        pc = self.postcode[i]
        if pc == "4100":
            return "Boncelles" if self.lat[i] < 50.578 else "Seraing"
        if pc == "4120":
            return "Ehein" if self.lon[i] < 5.455 else "Rotheux-Rimière"
        return {"4101": "Jemeppe", "4102": "Ougrée", "4121": "Neuville-en-Condroz", "4122": "Plainevaux"}.get(
            pc, str(self.municipality[i])
        )


def jitter(rng: np.random.Generator, n: int, max_m: float = JITTER_M) -> tuple[np.ndarray, np.ndarray]:
    """Offsets uniform in a disc: a report is where the dump is, not at the front door."""
    r = max_m * np.sqrt(rng.random(n))
    a = rng.random(n) * 2 * np.pi
    return r * np.cos(a), r * np.sin(a)


def strip_accents(text: str) -> str:
    """The text in plain ASCII (accents dropped), as some exports and keyboards write names; also for logins."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _abbreviate(rng: np.random.Generator, street: str) -> str:
    kind, _, rest = street.partition(" ")
    choices = _ABBREVIATIONS.get(kind)
    if not choices or not rest:
        return street
    return f"{choices[int(rng.integers(len(choices)))]} {rest}"


def _box(rng: np.random.Generator, boxes: str) -> str:
    real = [b.lstrip("0") or "0" for b in boxes.split() if len(b.lstrip("0")) <= 3]
    if real:
        return real[int(rng.integers(len(real)))]
    return str(int(rng.integers(1, 4)))


def _locality(rng: np.random.Generator, book: AddressBook, i: int) -> str:
    roll = rng.random()
    if roll < 0.04:
        return ""
    name = book.section(i) if roll < 0.55 else str(book.municipality[i])
    if name == "Jemeppe" and rng.random() < 0.4:
        name = "Jemeppe-sur-Meuse"
    style = rng.random()
    if style < 0.15:
        return name.upper()
    if style < 0.25:
        return name.lower()
    if style < 0.32:
        return strip_accents(name)
    return name


def messy_address(rng: np.random.Generator, book: AddressBook, i: int) -> tuple[str, str, str]:
    """How a counter clerk types address ``i``: (Adresse, Code postal, Localité), as in the design notes."""
    pc = str(book.postcode[i])
    roll = rng.random()
    with_pc = rng.random() < 0.85
    if 0.48 <= roll < 0.55:
        text, with_pc = _number_first(rng, book, i)
    else:
        text = _messy_line(rng, book, i, roll)
    return _messy_case(rng, text), pc if with_pc else "", _locality(rng, book, i)


def _number_first(rng: np.random.Generator, book: AddressBook, i: int) -> tuple[str, bool]:
    """``"12 rue ferrer 4100 seraing"``: the whole address on one line, so the postcode field is mostly left empty."""
    town = (book.section(i) if rng.random() < 0.5 else str(book.municipality[i])).lower()
    text = f"{book.number[i]} {str(book.street[i]).lower()} {book.postcode[i]} {town}"
    return text, rng.random() < 0.4


def _messy_line(rng: np.random.Generator, book: AddressBook, i: int, roll: float) -> str:
    """The address line in one of the ways clerks write it, chosen by ``roll`` (the number-first way aside)."""
    street, num = str(book.street[i]), str(book.number[i])
    if roll < 0.26:
        return f"{street} {num}"
    if roll < 0.42:
        return f"{_abbreviate(rng, street)} {num}"
    if roll < 0.48:
        short = _ARTICLE.sub(r"\1 ", street)
        return f"{short},{num} bte {_box(rng, book.boxes[i])}"
    if roll < 0.59:
        return f"{_abbreviate(rng, street)} (face au n°{num})"
    if roll < 0.64:
        return f"{street} {('SN', 's/n', 'SN')[int(rng.integers(3))]}"
    if roll < 0.68:
        return f"{street} {num}-{int(num) + 2}" if num.isdigit() else f"{street} {num}"
    if roll < 0.72:
        return f"{street} {num}/{_box(rng, book.boxes[i])}"
    if roll < 0.80:
        return f"{street}, {num}"
    if roll < 0.85:
        return f"{street} n°{num}"
    if roll < 0.91:
        return f"{strip_accents(street)} {num}"
    if roll < 0.97:
        return f"{street} {num} bte {_box(rng, book.boxes[i])}"
    return f"{street} {num}, coin {_corner(book, i)}"


def _messy_case(rng: np.random.Generator, text: str) -> str:
    """Some clerks type in capitals, a few all in lower case."""
    case = rng.random()
    if case < 0.08:
        return text.upper()
    if case < 0.15:
        return text.lower()
    return text


def _corner(book: AddressBook, i: int) -> str:
    """Nearest other street, for "coin rue X": the address keeps its number, the corner is a hint."""
    d = book.distances(i)
    d[book.street_id == book.street_id[i]] = np.inf
    j = int(np.argmin(d))
    return str(book.street[j]).lower() if d[j] < 150 else "le parking"


def patrol_locality(rng: np.random.Generator, book: AddressBook, i: int) -> str:
    """Officers write the commune, sometimes the village."""
    return book.section(i) if rng.random() < 0.35 else str(book.municipality[i])


def open311_address(rng: np.random.Generator, book: AddressBook, i: int) -> str:
    """Citizen apps reverse-geocode, so the address is clean: ``"Rue X 12, 4100 Seraing"``."""
    town = book.section(i) if rng.random() < 0.3 else str(book.municipality[i])
    if rng.random() < 0.1:
        return f"{book.street[i]} {book.number[i]}, {town}"
    return f"{book.street[i]} {book.number[i]}, {book.postcode[i]} {town}"


def intercommunale_address(rng: np.random.Generator, book: AddressBook, i: int) -> tuple[str, str]:
    """Collection crews type in capitals: (adresse, commune)."""
    text = f"{book.street[i]} {book.number[i]}"
    town = book.section(i) if rng.random() < 0.5 else str(book.municipality[i])
    if rng.random() < 0.6:
        return strip_accents(text).upper(), strip_accents(town).upper()
    return text, town


def evaluation_set(addresses: Path, *, n: int = 2000, seed: int = 7) -> pd.DataFrame:
    """``n`` clean and ``n`` messy queries (:func:`messy_address`) with their true Lambert 72 point, to judge a
    geocoder (:func:`service.geocode.evaluate.evaluate`)."""
    rng = np.random.default_rng(seed)
    book = AddressBook.load(addresses, Projections.create())
    picks = rng.choice(len(book), size=min(n, len(book)), replace=False)
    rows = []
    for i in picks:
        rows.append(
            {
                "kind": "propre",
                "query": book.label(i),
                "postcode": None,
                "locality": None,
                "x": book.x[i],
                "y": book.y[i],
            }
        )
        text, pc, loc = messy_address(rng, book, int(i))
        rows.append(
            {
                "kind": "desordonne",
                "query": text,
                "postcode": pc or None,
                "locality": loc or None,
                "x": book.x[i],
                "y": book.y[i],
            }
        )
    return pd.DataFrame(rows)


def person_street_set(addresses: Path, *, seed: int = 7) -> pd.DataFrame:
    """One address on each street named after a person (« Rue Joseph Wettinck »: a street word, then two
    capitalised words or more), written as people shorten it: without the given names or titles (« Rue
    Wettinck 4 », kind ``sans_prenom``) and with their initials (« Rue J. Wettinck 4 », kind ``initiales``),
    with the postcode and the commune; with the true Lambert 72 point, as :func:`evaluation_set`."""
    rng = np.random.default_rng(seed)
    book = AddressBook.load(addresses, Projections.create())
    rows = []
    for street in sorted(set(book.street)):
        words = str(street).split()
        if len(words) < 3 or any(w[:1].islower() or "'" in w for w in words[1:]):
            continue
        on_it = np.flatnonzero(book.street == street)
        i = int(on_it[int(rng.integers(len(on_it)))])
        initials = " ".join(w[0] + "." for w in words[1:-1])
        for kind, name in (
            ("sans_prenom", f"{words[0]} {words[-1]}"),
            ("initiales", f"{words[0]} {initials} {words[-1]}"),
        ):
            rows.append(
                {
                    "kind": kind,
                    "query": f"{name} {book.number[i]}",
                    "postcode": str(book.postcode[i]),
                    "locality": str(book.municipality[i]),
                    "x": book.x[i],
                    "y": book.y[i],
                }
            )
    return pd.DataFrame(rows)
