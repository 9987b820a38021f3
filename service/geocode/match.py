"""The matching cascade: address → street → section/postcode, each result saying how sure it is.

The gazetteer is read once from PostGIS into memory (arrays per street, a dictionary of street keys, a k-d tree
for reverse look-ups); a look-up is then pure Python and numpy, with rapidfuzz for misspelt street names.

Levels, from the most to the least precise: ``adresse`` (the house number is in the register),
``adresse_interpolee`` (placed between its neighbours of the same parity on that street), ``intersection``
("coin rue X et rue Y": where the two streets' addresses meet), ``rue`` (the street's representative address),
``section`` / ``code_postal`` / ``commune``, and ``echec``. ``ambigu`` means several places fit equally well
(the same street name in two communes with no hint): alternatives are given, no point is guessed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache
from itertools import zip_longest
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from rapidfuzz import fuzz, process
from scipy.spatial import cKDTree

from service.db.queries import Queries
from service.errors import NotFoundError
from service.geo import to_lonlat
from service.geocode.answers import LEVEL_WEIGHT, Candidate, GeocodeResult, Street, crossing
from service.geocode.bilingual import SURE, one_street_two_names
from service.geocode.names import SURE_NAME, NameParts
from service.geocode.normalise import (
    ParsedAddress,
    before_where_words,
    fold,
    from_street_word,
    locality_pattern,
    parse_address,
    street_key,
)

MAX_INPUT = 300
FUZZY_CUTOFF = 80.0


_q = Queries("service.geocode", "gazetteer.sql")


#: What a result says of a street that the register does not have (« rue introuvable dans le registre »).
NOT_FOUND = "introuvable dans le registre"
#: The doubt a result carries when the street's name was read approximately (a typo, or another street).
APPROXIMATE_NAME = "nom de rue approché"


#: What a match keeps of its score when its postcode is no one's in the register (« 4010 Seraing »).
_POSTCODE_TYPO = 0.9
#: The similarity a match loses when the number's letter (12B) is not in the register but the number is.
_SUFFIX_PENALTY = 0.97


def _text(value: object) -> str | None:
    """Any cell value as text; None for missing values (None, NaN, NA, empty)."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    text = str(value).strip()
    return text or None


class Geocoder:
    """Offline geocoder over the gazetteer tables. Build it with :meth:`from_db`, then call :meth:`geocode`."""

    def __init__(self, streets: list[Street], localities: list[tuple[str, str, str, tuple[str, ...], float, float]]):
        if not streets:
            raise NotFoundError(
                "Le registre des adresses est vide.",
                hint="Chargez-le d'abord : hotspots gazetteer load geodata/icar_seraing_neupre.csv",
            )
        self.streets = streets
        for i, street in enumerate(streets):
            street.idx = i
        self.by_key: dict[str, list[int]] = defaultdict(list)
        for i, s in enumerate(streets):
            for name in (s.name, *s.other_names):
                if i not in self.by_key[street_key(name)]:
                    self.by_key[street_key(name)].append(i)
        self.keys = sorted(self.by_key)
        self.by_municipality: dict[str, set[int]] = defaultdict(set)
        self.by_postcode: dict[str, set[int]] = defaultdict(set)
        for i, s in enumerate(streets):
            self.by_municipality[fold(s.municipality)].add(i)
            for pc in s.postcodes:
                self.by_postcode[pc].add(i)
        self.localities: dict[str, list[tuple[str, str, str, tuple[str, ...], float, float]]] = defaultdict(list)
        for loc in localities:
            self.localities[fold(loc[1])].append(loc)
        self.locality_names = frozenset(k for k in self.localities if not k.isdigit())
        self._locality_re = locality_pattern(self.locality_names)
        first_words = [k.split()[0] for k in self.keys if " " in k]
        self._street_types = frozenset(w for w in set(first_words) if first_words.count(w) >= 5)
        self._keys_by_core: dict[str, list[str]] = defaultdict(list)
        for k in self.keys:
            self._keys_by_core[self._core(k)].append(k)
        self._all_cores = tuple(sorted(self._keys_by_core))
        names = NameParts(self.keys, self._core)  # « rue Wettinck » for « Rue Joseph Wettinck »
        self._named = lru_cache(maxsize=20_000)(lambda key, pool: tuple(names.matches(key, pool and frozenset(pool))))
        counts = [len(s.numbers) for s in streets]
        self._tree_street = np.repeat(np.arange(len(streets)), counts)
        self._tree_pos = np.concatenate([np.arange(c) for c in counts]) if counts else np.empty(0, dtype=int)
        xs = np.concatenate([s.xs for s in streets])
        ys = np.concatenate([s.ys for s in streets])
        self._tree = cKDTree(np.column_stack([xs, ys])) if len(xs) else None
        self._fuzzy = lru_cache(maxsize=20_000)(self._fuzzy_uncached)
        self._allowed_cached = lru_cache(maxsize=4_096)(self._allowed_uncached)
        self._pool = lru_cache(maxsize=4_096)(self._pool_uncached)
        self._street_keys = [street_key(st.name) for st in streets]
        self._other_keys = {
            i: [street_key(n) for n in st.other_names] for i, st in enumerate(streets) if st.other_names
        }

    # -- construction ----------------------------------------------------------------------------------------
    @classmethod
    def from_db(cls, conn: psycopg.Connection[Any]) -> Geocoder:
        """A geocoder over the gazetteer stored in the database (streets, numbered addresses, localities)."""
        streets: dict[str, Street] = {}
        for sid, name, nl, de, mun, pcs, _sections, x, y in conn.execute(_q("streets")):
            others = tuple(n for n in (nl, de) if n and n != name)
            streets[sid] = Street(sid, name, mun, tuple(pcs), float(x), float(y), others)
        grouped: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        for row in conn.execute(_q("addresses")):
            grouped[row[0]].append(row)
        for sid, rows in grouped.items():
            street = streets.get(sid)
            if street is None:
                continue
            street.numbers = np.array([r[1] for r in rows], dtype=np.int64)
            street.suffixes = tuple(r[2] for r in rows)
            street.house_numbers = tuple(r[3] for r in rows)
            street.address_postcodes = tuple(r[4] for r in rows)
            street.xs = np.array([r[5] for r in rows], dtype=float)
            street.ys = np.array([r[6] for r in rows], dtype=float)
        localities = [(k, n, m, tuple(p), float(x), float(y)) for k, n, m, p, x, y in conn.execute(_q("localities"))]
        return cls(list(streets.values()), localities)

    # -- public ------------------------------------------------------------------------------------------------
    def geocode(self, text: str | None, *, postcode: str | None = None, locality: str | None = None) -> GeocodeResult:
        """Place one address. Never raises on bad text: the result says ``echec`` and why."""
        raw, postcode, locality = _text(text) or "", _text(postcode), _text(locality)
        if len(raw) > MAX_INPUT:
            return GeocodeResult(raw[:80] + "…", "echec", 0.0, reason=f"texte trop long ({len(raw)} caractères)")
        if not re.search(r"[A-Za-zÀ-ÿ]{3}", raw) and not (postcode and str(postcode).strip()):
            return GeocodeResult(raw, "echec", 0.0, reason="aucun nom de rue reconnaissable")
        if "@" in raw or re.search(r"https?://|www\.", raw, re.I):
            return GeocodeResult(raw, "echec", 0.0, reason="ce texte n'est pas une adresse (e-mail ou lien)")
        two = one_street_two_names(raw, lambda part: self._parse(part, postcode, locality), self._surely_named)
        parsed = self._parse(two.text if two else raw, postcode, locality)
        if two:  # « Chaussée de Mons / Bergense Steenweg 475 »: the part with the number, the other name said
            parsed.raw, parsed.notes = raw, [*parsed.notes, two.note]
        return self._resolve(parsed)

    def _parse(self, text: str, postcode: str | None, locality: str | None) -> ParsedAddress:
        return parse_address(text, postcode=postcode, locality=locality, localities=self._locality_re)

    def _surely_named(self, parsed: ParsedAddress) -> set[int]:
        """The streets that ``parsed`` surely names (a misspelling at most), where its postcode and locality say."""
        allowed, _ = self._allowed(parsed)
        return {c.street.idx for c in self._street_candidates(parsed.street, allowed) if c.similarity >= SURE}

    def reverse(self, x: float, y: float) -> dict[str, Any]:
        """Nearest official address to a Lambert 72 point, with its distance in metres."""
        if self._tree is None:
            raise NotFoundError("Le registre des adresses est vide.")
        dist, idx = self._tree.query([x, y])
        street = self.streets[int(self._tree_street[idx])]
        pos = int(self._tree_pos[idx])
        pc = street.address_postcodes[pos]
        return {
            "label": f"{street.name} {street.house_numbers[pos]}, {pc} {street.municipality}",
            "street": street.name,
            "street_id": street.street_id,
            "house_number": street.house_numbers[pos],
            "postcode": pc,
            "municipality": street.municipality,
            "distance_m": round(float(dist), 1),
        }

    def nearby(self, x: float, y: float, k: int = 4, *, radius_m: float = 150.0) -> list[dict[str, Any]]:
        """The official addresses nearest a Lambert 72 point within ``radius_m`` (the one at the point itself left
        out), as review proposals: where a report placed next door or across the road was. Odd and even numbers
        take turns (nearest of each first), since Belgian streets number their two sides apart."""
        if self._tree is None:
            return []
        dist, idx = self._tree.query([x, y], k=3 * k + 1, distance_upper_bound=radius_m)
        sides: dict[int, list[Candidate]] = {0: [], 1: []}
        order: list[int] = []  # the sides by their nearest address
        for d, i in zip(np.atleast_1d(dist), np.atleast_1d(idx), strict=True):
            if not np.isfinite(d) or d < 1.0:
                continue
            street = self.streets[int(self._tree_street[i])]
            pos = int(self._tree_pos[i])
            number = street.house_numbers[pos]
            digits = re.match(r"\d+", str(number))
            near = Candidate(
                street,
                1.0,
                level="adresse",
                score=1.0,
                x=float(street.xs[pos]),
                y=float(street.ys[pos]),
                house_number=number,
                postcode=street.address_postcodes[pos],
            )
            side = int(digits.group()) % 2 if digits else 0
            sides[side].append(near)
            order += [] if side in order else [side]
        order += [side for side in (0, 1) if side not in order]
        turns = [c for pair in zip_longest(sides[order[0]], sides[order[1]]) for c in pair if c is not None]
        return [self._alt(c) for c in turns[:k]]

    # -- cascade -----------------------------------------------------------------------------------------------
    def _allowed(self, parsed: ParsedAddress) -> tuple[frozenset[int] | None, list[str]]:
        return self._allowed_cached(parsed.postcode, parsed.locality)

    def _allowed_uncached(self, postcode: str, locality: str) -> tuple[frozenset[int] | None, list[str]]:
        """Streets compatible with the postcode and locality written, and notes on hints nobody knows."""
        notes: list[str] = []
        allowed: set[int] | None = None
        if postcode:
            if postcode in self.by_postcode:
                allowed = set(self.by_postcode[postcode])
                # a postcode shared by a commune's sections: allow the whole commune (4100 vs 4101 typos)
                muns = {fold(self.streets[i].municipality) for i in allowed}
                for m in muns:
                    allowed |= self.by_municipality[m]
            else:
                notes.append(f"code postal {postcode} absent du registre chargé")
        if locality and locality in self.localities:
            muns = {fold(loc[2]) for loc in self.localities[locality]}
            by_loc: set[int] = set().union(*(self.by_municipality[m] for m in muns))
            allowed = by_loc if allowed is None else (allowed & by_loc or allowed | by_loc)
        return (frozenset(allowed) if allowed is not None else None), notes

    def _core(self, key: str) -> str:
        """The key without its street type ("rue boverie" → "boverie"): names are compared on what is left."""
        first, _, rest = key.partition(" ")
        return rest if rest and first in self._street_types else key

    def _fuzzy_uncached(self, key: str, pool: tuple[str, ...] | None) -> tuple[tuple[str, float], ...]:
        """Street keys whose name is close to ``key``'s (plain edit ratio on the names without their type: a
        shared "rue" must not make two streets look alike)."""
        cores = self._all_cores if pool is None else sorted({self._core(k) for k in pool})
        found = process.extract(self._core(key), cores, scorer=fuzz.ratio, limit=8, score_cutoff=FUZZY_CUTOFF)
        keys = set(pool) if pool is not None else None
        return tuple(
            (name, float(score))
            for core, score, _ in found
            for name in self._keys_by_core[core]
            if keys is None or name in keys
        )

    def _street_candidates(
        self, text: str, allowed: frozenset[int] | None, *, name_parts: bool = True
    ) -> list[Candidate]:
        """The streets ``text`` may name: as written, else misspelt (edit ratio) or without its given name or
        title (``name_parts``: « rue Wettinck » for « Rue Joseph Wettinck »), in ``allowed`` first."""
        key = street_key(text)
        if not key or (key in self._street_types and key not in self.by_key):
            return []  # "rue" alone names no street
        exact = self.by_key.get(key, [])
        candidates = [Candidate(self.streets[i], 1.0) for i in exact if allowed is None or i in allowed]
        if candidates:
            return candidates
        pool = None if allowed is None else self._pool(allowed)
        found = self._fuzzy(key, pool)
        if not found and pool is not None:
            found = self._fuzzy(key, None)
        best: dict[str, float] = {}
        for name, score in found:
            sim = score / 100.0
            # a different street type ("place" for "rue") is a different street: keep it, but lower
            if key.split()[0] != name.split()[0] and len(key.split()) > 1:
                sim *= 0.9
            best[name] = sim
        if name_parts:
            named = self._named(key, pool) or (self._named(key, None) if pool is not None else ())
            found_by_spelling = bool(best)  # then a mere proposal (several fit, « Grand » left out) is no rival
            for name, sim in named:
                if sim >= SURE_NAME or not found_by_spelling:
                    best[name] = max(sim, best.get(name, 0.0))
        return [Candidate(self.streets[i], sim) for name, sim in best.items() for i in self.by_key[name]]

    def _pool_uncached(self, allowed: frozenset[int]) -> tuple[str, ...]:
        """The street keys of a set of streets, sorted (fuzzy ties then resolve the same way every run)."""
        keys = {self._street_keys[i] for i in allowed}
        keys.update(k for i in allowed for k in self._other_keys.get(i, ()))
        return tuple(sorted(keys))

    def _place_number(self, cand: Candidate, parsed: ParsedAddress) -> None:
        s = cand.street
        cand.level, cand.x, cand.y = "rue", s.x, s.y
        if parsed.number is None or len(s.numbers) == 0:
            return
        hits = np.flatnonzero(s.numbers == parsed.number)
        if hits.size:
            exact = [h for h in hits if s.suffixes[h] == parsed.suffix]
            pos = int(exact[0] if exact else hits[0])
            cand.level, cand.x, cand.y = "adresse", float(s.xs[pos]), float(s.ys[pos])
            cand.house_number, cand.postcode = s.house_numbers[pos], s.address_postcodes[pos]
            if not exact:
                cand.similarity *= _SUFFIX_PENALTY
                cand.missing_suffix = parsed.house_number
            return
        same = (s.numbers % 2) == (parsed.number % 2)
        lower = np.flatnonzero(same & (s.numbers < parsed.number))
        upper = np.flatnonzero(same & (s.numbers > parsed.number))
        if lower.size and upper.size:
            lo = lower[np.argmax(s.numbers[lower])]
            hi = upper[np.argmin(s.numbers[upper])]
            t = (parsed.number - s.numbers[lo]) / (s.numbers[hi] - s.numbers[lo])
            cand.level = "adresse_interpolee"
            cand.x = float(s.xs[lo] + t * (s.xs[hi] - s.xs[lo]))
            cand.y = float(s.ys[lo] + t * (s.ys[hi] - s.ys[lo]))
            cand.house_number, cand.postcode = str(parsed.number), s.address_postcodes[lo]

    def _score(self, cand: Candidate, parsed: ParsedAddress, allowed: frozenset[int] | None, hinted: bool) -> None:
        score = cand.similarity * LEVEL_WEIGHT[cand.level]
        if hinted and allowed is not None and cand.street.idx not in allowed:
            score *= 0.7  # the street exists, but not where the postcode/locality says
        if parsed.number is not None and cand.level == "rue":
            score *= 0.85  # a number was given but this street has no such number around
        cand.score = round(min(score, 1.0), 3)

    def _set_aside(self, parsed: ParsedAddress, allowed: frozenset[int] | None) -> list[Candidate]:
        """« Parking rue Ferrer », « Rue Ferrer, devant l'école »: words before or after the street that say where
        on it, set aside and said; only for a street found as written (« Vieille Voie de Tilff » is no « Rue de
        Tilff »)."""
        for split, at in ((from_street_word(parsed.street), 1), (before_where_words(parsed.street), 0)):
            exact = [c for c in self._street_candidates(split[at], allowed) if c.similarity >= 0.95] if split else []
            if split and exact:
                parsed.street = split[at]
                parsed.notes.append(f"« {_as_written(split[1 - at], parsed.raw)} » ignoré")
                return exact
        return []

    def _whole_text(
        self, parsed: ParsedAddress, candidates: list[Candidate], allowed: frozenset[int] | None, notes: list[str]
    ) -> tuple[list[Candidate], frozenset[int] | None, list[str]]:
        """« Rue de Seraing 12 »: the whole text may be the street, the locality word part of its name; kept when
        it names a street at least as surely as the text without the locality."""
        whole_allowed, whole_notes = self._allowed_cached(parsed.postcode, parsed.locality_given)
        whole = self._street_candidates(parsed.street_with_locality, whole_allowed, name_parts=False)
        if not whole or max(c.similarity for c in whole) < max((c.similarity for c in candidates), default=0.0):
            return candidates, allowed, notes
        parsed.street, parsed.locality = parsed.street_with_locality, parsed.locality_given
        return whole, whole_allowed, whole_notes

    def _resolve(self, parsed: ParsedAddress) -> GeocodeResult:
        allowed, notes = self._allowed(parsed)
        candidates = self._street_candidates(parsed.street, allowed) if parsed.street else []
        if parsed.street and not candidates:
            candidates = self._set_aside(parsed, allowed)
        if parsed.street_with_locality:
            candidates, allowed, notes = self._whole_text(parsed, candidates, allowed, notes)
        # a hint only when the register knows it: an unknown locality would silence « même nom de rue dans
        # plusieurs communes » and place the address in the first one
        hinted = bool(parsed.postcode or parsed.locality in self.localities)
        if parsed.locality and parsed.locality not in self.localities:
            written = parsed.locality_written or parsed.locality
            notes = [*notes, f"localité « {written} » inconnue du registre : pas prise en compte"]
        typo = any(n.startswith("code postal") for n in notes)
        if typo:
            if parsed.locality not in self.localities:  # from elsewhere: a street of ours that looks alike is not it
                return GeocodeResult(parsed.raw, "echec", 0.0, reason="; ".join([f"rue {NOT_FOUND}", *notes]))
            town = parsed.locality_written or _as_written(parsed.locality, parsed.raw)  # « 4010 Seraing »: a typo
            notes = [f"{n} : lu d'après la localité « {town} »" for n in notes]
        if parsed.second_street and candidates and parsed.number is None:
            corner = crossing(candidates, self._street_candidates(parsed.second_street, allowed), parsed.raw)
            if corner is not None:
                return corner
        for cand in candidates:
            self._place_number(cand, parsed)
            self._score(cand, parsed, allowed, hinted)
        candidates.sort(key=lambda c: c.score, reverse=True)
        if not candidates:
            return self._coarse(parsed, notes)
        best = candidates[0]
        rivals = [
            c
            for c in candidates[1:]
            if c.street.municipality != best.street.municipality and abs(c.score - best.score) < 0.02
        ]
        alternatives = [self._alt(c) for c in candidates[1:6]]
        if rivals and not hinted:
            return GeocodeResult(
                parsed.raw,
                "ambigu",
                round(best.score * 0.5, 3),
                reason="même nom de rue dans plusieurs communes : précisez la commune ou le code postal",
                alternatives=[self._alt(best), *alternatives][:5],
            )
        result = self._result(parsed.raw, best)
        result.alternatives = alternatives
        if typo:  # the commune named says where, but the postcode said otherwise: a little less sure
            result.score = round(result.score * _POSTCODE_TYPO, 3)
        if best.level == "rue" and parsed.number is not None:
            result.alternatives = [*self._neighbours(best, parsed.number), *alternatives][:5]
        reasons = [*self._doubts(best, parsed, allowed, hinted), *parsed.notes, *notes]
        if reasons:
            result.reason = "; ".join(dict.fromkeys(reasons))
        return result

    def _doubts(
        self, cand: Candidate, parsed: ParsedAddress, allowed: frozenset[int] | None, hinted: bool
    ) -> list[str]:
        """Why a match is less than certain, in words a person checking it can act on."""
        doubts: list[str] = []
        s = cand.street
        if cand.level == "rue" and parsed.number is not None:
            known = f" (numéros du registre : {s.numbers.min()} à {s.numbers.max()})" if len(s.numbers) else ""
            doubts.append(f"numéro {parsed.number} absent du registre pour {s.name}{known} : point provisoire")
        elif cand.level == "rue" and "sans numéro" not in parsed.notes:
            doubts.append("pas de numéro : point provisoire au milieu de la rue")
        if cand.missing_suffix:
            doubts.append(f"numéro {cand.missing_suffix} absent du registre : placé au {cand.house_number}")
        name_similarity = cand.similarity / (_SUFFIX_PENALTY if cand.missing_suffix else 1.0)
        if name_similarity < 0.999:  # the name itself, not the letter of the number
            doubts.append(f"{APPROXIMATE_NAME} : « {parsed.street} » lu comme « {s.name} »")
        if hinted and allowed is not None and s.idx not in allowed:
            doubts.append(f"rue trouvée à {s.municipality}, pas dans la commune ou le code postal indiqués")
        return doubts

    def _neighbours(self, cand: Candidate, number: int) -> list[dict[str, Any]]:
        """The registered numbers nearest a number the street does not have (same side of the street first)."""
        s = cand.street
        if not len(s.numbers):
            return []
        order = np.lexsort((np.abs(s.numbers - number), (s.numbers % 2) != (number % 2)))
        out: list[dict[str, Any]] = []
        for pos in order[:3]:
            near = Candidate(
                s,
                cand.similarity,
                level="adresse",
                score=cand.score,
                x=float(s.xs[pos]),
                y=float(s.ys[pos]),
                house_number=s.house_numbers[pos],
                postcode=s.address_postcodes[pos],
            )
            out.append(self._alt(near))
        return out

    def _coarse(self, parsed: ParsedAddress, notes: list[str]) -> GeocodeResult:
        place = parsed.locality or (parsed.street if parsed.street in self.localities else "")
        for kind, key, level, score in (
            ("section", place, "section", 0.3),
            ("commune", place, "commune", 0.25),
            ("code_postal", parsed.postcode, "code_postal", 0.25),
        ):
            for loc in self.localities.get(fold(key), []) if key else []:
                if loc[0] == kind:
                    lon, lat = to_lonlat(loc[4], loc[5])
                    reason = (
                        "rue introuvable" if parsed.street and parsed.street != place else "pas de rue dans le texte"
                    )
                    return GeocodeResult(
                        parsed.raw,
                        level,
                        score,
                        label=f"{loc[1]} ({loc[2]})",
                        x=round(loc[4], 1),
                        y=round(loc[5], 1),
                        lon=round(lon, 7),
                        lat=round(lat, 7),
                        municipality=loc[2],
                        postcode=loc[3][0] if len(loc[3]) == 1 else None,
                        reason="; ".join([reason, *notes]),
                    )
        reason = f"rue {NOT_FOUND}" if parsed.street else "aucun nom de rue reconnaissable"
        return GeocodeResult(parsed.raw, "echec", 0.0, reason="; ".join([reason, *notes]))

    def _result(self, query: str, cand: Candidate) -> GeocodeResult:
        s = cand.street
        pc = cand.postcode or (s.postcodes[0] if len(s.postcodes) == 1 else None)
        number = f" {cand.house_number}" if cand.house_number and cand.level != "rue" else ""
        label = f"{s.name}{number}, {pc + ' ' if pc else ''}{s.municipality}"
        lon, lat = to_lonlat(cand.x, cand.y)
        return GeocodeResult(
            query,
            cand.level,
            cand.score,
            label=label,
            x=round(cand.x, 1),
            y=round(cand.y, 1),
            lon=round(lon, 7),
            lat=round(lat, 7),
            street_id=s.street_id,
            municipality=s.municipality,
            postcode=pc,
        )

    def _alt(self, cand: Candidate) -> dict[str, Any]:
        r = self._result("", cand)
        return {
            "libelle": r.label,
            "niveau": r.level,
            "score": r.score,
            "x": r.x,
            "y": r.y,
            "lon": r.lon,
            "lat": r.lat,
            "commune": r.municipality,
            "code_postal": r.postcode,
        }


def _as_written(folded: str, raw: str) -> str:
    """The words of ``raw`` that fold to ``folded`` (« ecole » → « École »), to quote a person's own words; the
    folded words when they cannot be found."""
    tokens = re.findall(r"[^\W_]+", raw)
    size = len(folded.split())
    for i in range(len(tokens) - size + 1):
        if fold(" ".join(tokens[i : i + size])) == folded:  # as typed, apostrophes too: « devant l'école »
            written = re.search(r"[\W_]+".join(re.escape(t) for t in tokens[i : i + size]), raw)
            return written.group(0) if written else " ".join(tokens[i : i + size])
    return folded
