"""The demonstration files: reproducible, real addresses, dates in the window, formats as announced, truth honest.

No database: the files are read back with the standard library, pandas and openpyxl, and checked against the ICAR
extract and the vocabulary migration directly.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import statistics
import unicodedata
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from pyproj import Transformer

from service.demo import DemoFiles, generate_demo, write_bulk_reports
from service.demo.vocab import STATUS_CLOSED

ROOT = Path(__file__).resolve().parents[1]
ICAR = ROOT / "geodata" / "icar_seraing_neupre.csv"
VOCABULARY_SQL = ROOT / "service" / "db" / "migrations" / "0002_vocabulary.sql"
END = dt.date(2026, 6, 30)
N = 1500
SEED = 7
BRUSSELS = ZoneInfo("Europe/Brussels")
TO_L72 = Transformer.from_crs("EPSG:4326", "EPSG:31370", always_xy=True)
L08_TO_L72 = Transformer.from_crs("EPSG:3812", "EPSG:31370", always_xy=True)
MAX_OFFSET_M = 20.0
#: Words that do not identify a street (types and articles), after normalisation.
STREET_WORDS = frozenset(
    {
        "rue",
        "avenue",
        "place",
        "de",
        "la",
        "le",
        "du",
        "des",
        "les",
        "l",
        "d",
        "route",
        "chaussee",
        "boulevard",
        "allee",
        "square",
        "impasse",
        "voie",
    }
)


def normalise(text: str) -> str:
    """Same comparison as the importer: lower case, no accents, punctuation → space."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", " ", ascii_text).strip()


def _sql_vocabularies() -> dict[str, dict[str, str]]:
    """table → {normalised spelling → code}, parsed from the migration (codes, labels and synonyms)."""
    sql = VOCABULARY_SQL.read_text(encoding="utf-8")
    out: dict[str, dict[str, str]] = {}
    for table, body in re.findall(r"INSERT INTO (\w+) \([^)]*\) VALUES(.*?);\s*(?=INSERT|$)", sql, re.S):
        lookup: dict[str, str] = {}
        for row in re.findall(r"\(('[a-z_]+'.*?ARRAY\[.*?\])\)", body, re.S):
            strings = [s.replace("''", "'") for s in re.findall(r"'((?:[^']|'')*)'", row)]
            code = strings[0]
            for spelling in [code, *strings[1:]]:
                lookup[normalise(spelling)] = code
        out[table] = lookup
    return out


@pytest.fixture(scope="module")
def vocab() -> dict[str, dict[str, str]]:
    tables = _sql_vocabularies()
    assert {"categories", "visit_outcomes", "report_statuses"} <= set(tables)
    return tables


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return generate_demo(tmp_path_factory.mktemp("demo"), addresses=ICAR, seed=SEED, n_reports=N, end=END)


@pytest.fixture(scope="module")
def truth(demo: DemoFiles) -> dict:
    return json.loads(demo.truth.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def reports(truth: dict) -> pd.DataFrame:
    table = truth["reports"]
    return pd.DataFrame(table["rows"], columns=table["columns"]).set_index("id")


@pytest.fixture(scope="module")
def icar() -> pd.DataFrame:
    frame = pd.read_csv(ICAR, dtype=str, keep_default_na=False)
    x, y = TO_L72.transform(frame["lon"].astype(float).to_numpy(), frame["lat"].astype(float).to_numpy())
    return frame.assign(x=x, y=y)


@pytest.fixture(scope="module")
def icar_index(icar: pd.DataFrame) -> dict[tuple[str, str, str], tuple[float, float]]:
    return {(r.street, r.housenumber, r.postcode): (r.x, r.y) for r in icar.itertuples()}


def _commune_rows(demo: DemoFiles) -> list[dict[str, str]]:
    text = demo.commune_csv.read_bytes().decode("cp1252")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


def _open311(demo: DemoFiles) -> list[dict]:
    return json.loads(demo.open311_json.read_text(encoding="utf-8"))


def _interco(demo: DemoFiles) -> pd.DataFrame:
    return pd.read_csv(demo.intercommunale_csv, encoding="utf-8-sig", dtype=str, keep_default_na=False)


def _patrols(demo: DemoFiles) -> list[dict]:
    wb = load_workbook(demo.patrols_xlsx, read_only=True)
    ws = wb["Constatations"]
    rows = list(ws.iter_rows(values_only=True))
    wb.close()
    header = rows[0]
    return [dict(zip(header, r, strict=True)) for r in rows[1:]]


def _window_bounds() -> tuple[dt.datetime, dt.datetime]:
    start = END - dt.timedelta(days=round(2 * 365.25))
    return dt.datetime.combine(start, dt.time()), dt.datetime.combine(END, dt.time())


# --- reproducibility -------------------------------------------------------------------------------------------


def test_same_seed_gives_same_bytes_and_another_seed_does_not(demo: DemoFiles, tmp_path: Path) -> None:
    again = generate_demo(tmp_path / "again", addresses=ICAR, seed=SEED, n_reports=N, end=END)
    for a, b in zip(vars(demo).values(), vars(again).values(), strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    other = generate_demo(tmp_path / "other", addresses=ICAR, seed=SEED + 1, n_reports=N, end=END)
    for a, b in zip(demo.report_files, other.report_files, strict=True):
        assert a.read_bytes() != b.read_bytes(), a.name


def test_counts_match_the_truth_and_the_brief(demo: DemoFiles, truth: dict) -> None:
    counts = truth["counts"]
    assert counts[demo.commune_csv.name] == len(_commune_rows(demo))
    assert counts[demo.open311_json.name] == len(_open311(demo))
    assert counts[demo.intercommunale_csv.name] == len(_interco(demo))
    assert counts[demo.patrols_xlsx.name] == len(_patrols(demo))
    total = sum(counts[p.name] for p in demo.report_files)
    assert total == N == len(truth["reports"]["rows"])
    shares = {p.name: counts[p.name] / N for p in demo.report_files}
    assert 0.24 < shares[demo.commune_csv.name] < 0.36
    assert 0.15 < shares[demo.patrols_xlsx.name] < 0.25
    assert 0.29 < shares[demo.open311_json.name] < 0.41
    assert 0.10 < shares[demo.intercommunale_csv.name] < 0.20
    assert 0.10 * N <= counts[demo.visits_csv.name] <= 0.15 * N


# --- formats ---------------------------------------------------------------------------------------------------


def test_commune_file_is_cp1252_semicolon_crlf(demo: DemoFiles) -> None:
    raw = demo.commune_csv.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8", errors="strict")
    text = raw.decode("cp1252", errors="strict")
    header = text.split("\r\n", 1)[0]
    assert header == (
        "N° dossier;Date signalement;Catégorie;Adresse;Code postal;Localité;Description;Statut;Date clôture;"
        "Nom déclarant;Téléphone;Courriel"
    )
    rows = _commune_rows(demo)
    assert raw.count(b"\r\n") == len(rows) + 1  # one CRLF per record; line breaks inside cells are bare LF
    assert all(re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", r["Date signalement"]) for r in rows)
    office = sum(8 <= int(r["Date signalement"][11:13]) < 17 for r in rows)
    assert office / len(rows) > 0.8
    assert not any("lat" in h.lower() or h.lower() == "x" for h in rows[0])


def test_the_register_closes_the_closed_reports_some_days_after_and_never_after_the_export(demo: DemoFiles) -> None:
    """The « Date clôture » column: the day alone, empty for an open report, on or after the report's day and no
    later than the export; a week or so in the middle, a long tail, a few closed reports without one."""
    rows = _commune_rows(demo)
    closed = [r for r in rows if r["Statut"] in STATUS_CLOSED]
    assert all(r["Date clôture"] == "" for r in rows if r["Statut"] not in STATUS_CLOSED)
    dated = [r for r in closed if r["Date clôture"]]
    assert all(re.fullmatch(r"\d{2}/\d{2}/\d{4}", r["Date clôture"]) for r in dated)

    def day(text: str) -> dt.date:
        return dt.datetime.strptime(text[:10], "%d/%m/%Y").date()

    days = [(day(r["Date clôture"]) - day(r["Date signalement"])).days for r in dated]
    assert min(days) >= 0 and 0.9 < len(dated) / len(closed) < 1
    assert 3 <= statistics.median(days) <= 10 and max(days) > 30
    assert max(day(r["Date clôture"]) for r in dated) < END  # the export is made at the start of END


def test_other_files_have_their_layouts(demo: DemoFiles) -> None:
    assert demo.intercommunale_csv.read_bytes().startswith(b"\xef\xbb\xbfid,date,categorie,adresse,commune,x,y,")
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00", d) for d in _interco(demo)["date"])
    visits = demo.visits_csv.read_text(encoding="utf-8").splitlines()[0]
    assert visits == "N° visite;Date visite;Agent;N° signalement;Adresse;Latitude;Longitude;Résultat;Remarques"
    permits = pd.read_csv(demo.permits_csv, sep=";", dtype=str, keep_default_na=False)
    assert list(permits.columns) == [
        "Référence",
        "Type de permis",
        "Classe",
        "Exploitant",
        "Activité",
        "Adresse",
        "Code postal",
        "Commune",
        "Date décision",
        "Fin validité",
        "Conditions",
        "Heures d'ouverture",
        "Latitude",
        "Longitude",
    ]
    assert len(permits) == 32  # 30, and the two facilities of the prevention side (service/demo/prevention.py)
    assert permits["Référence"].str.fullmatch(r"(PE|URB|PUN)/\d{4}/\d{4}").all()
    kinds = dict(zip(permits["Type de permis"], permits["Classe"], strict=True))
    assert set(kinds) <= {"Permis d'environnement", "Permis d'urbanisme", "Permis unique"}
    env = permits[permits["Type de permis"] == "Permis d'environnement"]["Classe"]
    assert set(env) <= {"1", "2", "3"} and len(env) > 0
    assert (permits[permits["Type de permis"] == "Permis d'urbanisme"]["Classe"] == "").all()
    patrols = _patrols(demo)
    assert list(patrols[0]) == [
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
    ]
    assert all(isinstance(r["Date et heure"], dt.datetime) for r in patrols)


def test_every_value_maps_onto_the_vocabulary(demo: DemoFiles, reports: pd.DataFrame, vocab: dict) -> None:
    cats, outcomes, statuses = vocab["categories"], vocab["visit_outcomes"], vocab["report_statuses"]
    for r in _commune_rows(demo):
        assert cats.get(normalise(r["Catégorie"])) == reports.loc[r["N° dossier"], "category"], r["Catégorie"]
        assert normalise(r["Statut"]) in statuses, r["Statut"]
    for r in _patrols(demo):
        assert cats.get(normalise(r["Nuisance"])) == reports.loc[r["Référence"], "category"]
    for item in _open311(demo):
        assert item["service_code"] == reports.loc[item["service_request_id"], "category"]
        assert cats[normalise(item["service_name"])] == item["service_code"]
        assert item["status"] in {"open", "closed"}
    interco = _interco(demo)
    assert (interco["categorie"].to_numpy() == reports.loc[interco["id"], "category"].to_numpy()).all()
    visits = pd.read_csv(demo.visits_csv, sep=";", dtype=str, keep_default_na=False)
    assert visits["Résultat"].map(lambda v: normalise(v) in outcomes).all()
    assert len(set(visits["Résultat"].map(lambda v: outcomes[normalise(v)]))) == 7


# --- addresses and coordinates -----------------------------------------------------------------------------------


def test_truth_addresses_are_real_and_reports_sit_next_to_them(reports: pd.DataFrame, icar_index: dict) -> None:
    for rid, r in reports.iterrows():
        key = (r["street"], r["housenumber"], r["postcode"])
        assert key in icar_index, (rid, key)
        x, y = icar_index[key]
        assert np.hypot(r["x"] - x, r["y"] - y) <= MAX_OFFSET_M, rid
        lx, ly = TO_L72.transform(r["lon"], r["lat"])
        assert np.hypot(lx - r["x"], ly - r["y"]) < 0.5


def test_patrol_rows_give_real_addresses_and_lambert72(demo: DemoFiles, icar_index: dict) -> None:
    for r in _patrols(demo):
        key = (r["Rue"], str(r["Numéro"]), str(r["Code postal"]))
        assert key in icar_index, key
        x, y = icar_index[key]
        assert np.hypot(r["X Lambert 72"] - x, r["Y Lambert 72"] - y) <= MAX_OFFSET_M


def test_open311_addresses_parse_back_to_nearby_points(demo: DemoFiles, icar: pd.DataFrame) -> None:
    by_street: dict[tuple[str, str], list[tuple[str, float, float]]] = {}
    for r in icar.itertuples():
        by_street.setdefault((r.street, r.housenumber), []).append((r.postcode, r.x, r.y))
    for item in _open311(demo):
        m = re.fullmatch(r"(?P<street>.+) (?P<num>\S+), (?:(?P<pc>\d{4}) )?(?P<town>.+)", item["address"])
        assert m, item["address"]
        points = [(px, py) for pc, px, py in by_street[(m["street"], m["num"])] if m["pc"] in (None, pc)]
        x, y = TO_L72.transform(item["long"], item["lat"])
        assert min(np.hypot(px - x, py - y) for px, py in points) <= MAX_OFFSET_M, item["address"]


def test_intercommunale_uses_lambert_2008_near_the_address(demo: DemoFiles, reports: pd.DataFrame) -> None:
    interco = _interco(demo)
    x, y = L08_TO_L72.transform(interco["x"].astype(float).to_numpy(), interco["y"].astype(float).to_numpy())
    truth = reports.loc[interco["id"]]
    assert (np.hypot(x - truth["x"].to_numpy(), y - truth["y"].to_numpy()) < 2.0).all()
    assert interco["x"].astype(float).between(650_000, 760_000).all()  # Lambert 2008, not 72
    for text, (street, num) in zip(
        interco["adresse"], truth[["street", "housenumber"]].itertuples(index=False), strict=True
    ):
        assert normalise(text) == normalise(f"{street} {num}")


def test_messy_commune_addresses_still_name_the_street_and_number(demo: DemoFiles, reports: pd.DataFrame) -> None:
    forms = {"abbreviated": 0, "no_number": 0, "range": 0, "box": 0, "postcode_in_text": 0}
    for r in _commune_rows(demo):
        t = reports.loc[r["N° dossier"]]
        text = normalise(r["Adresse"])
        last = [w for w in normalise(t["street"]).split() if w not in STREET_WORDS][-1]
        assert last in text.split(), (r["Adresse"], t["street"])
        if re.search(r"(^| )(sn|s n)$", text) or text == normalise(t["street"]):
            forms["no_number"] += 1
            continue
        assert re.search(rf"(?<![0-9]){re.escape(normalise(t['housenumber']))}(?![0-9])", text), (r["Adresse"], t)
        assert r["Code postal"] in ("", t["postcode"])
        forms["abbreviated"] += bool(re.match(r"(?i)(r|av|pl|chée|ch|rte|bd|imp|sq)\.? ", r["Adresse"]))
        forms["range"] += bool(re.search(r"\d+-\d+", r["Adresse"]))
        forms["box"] += bool(re.search(r"(?i)bte|/\d", r["Adresse"]))
        forms["postcode_in_text"] += t["postcode"] in r["Adresse"]
    assert all(v > 0 for v in forms.values()), forms
    towns = {r["Localité"] for r in _commune_rows(demo)}
    assert {"Jemeppe", "Ougrée"} & towns and "" in towns


# --- dates ---------------------------------------------------------------------------------------------------------


def test_all_dates_are_inside_the_window(demo: DemoFiles) -> None:
    start, stop = _window_bounds()
    now = dt.datetime.now()
    stamps = [dt.datetime.strptime(r["Date signalement"], "%d/%m/%Y %H:%M") for r in _commune_rows(demo)]
    stamps += [r["Date et heure"] for r in _patrols(demo)]
    stamps += [dt.datetime.fromisoformat(i["requested_datetime"]).replace(tzinfo=None) for i in _open311(demo)]
    stamps += [dt.datetime.fromisoformat(d) for d in _interco(demo)["date"]]
    assert len(stamps) == N
    assert all(start <= s < stop and s < now for s in stamps)
    for item in _open311(demo):
        requested = dt.datetime.fromisoformat(item["requested_datetime"])
        updated = dt.datetime.fromisoformat(item["updated_datetime"])
        assert requested <= updated < stop.replace(tzinfo=BRUSSELS)
    visits = pd.read_csv(demo.visits_csv, sep=";", dtype=str, keep_default_na=False)
    visited = pd.to_datetime(visits["Date visite"], format="%d/%m/%Y %H:%M")
    assert (visited >= start).all() and (visited < stop).all()


def test_open311_offsets_follow_brussels_summer_time(demo: DemoFiles) -> None:
    seen = set()
    for item in _open311(demo):
        for key in ("requested_datetime", "updated_datetime"):
            stamp = dt.datetime.fromisoformat(item[key])
            naive = stamp.replace(tzinfo=None)
            assert stamp.utcoffset() == naive.replace(tzinfo=BRUSSELS).utcoffset(), item[key]
            assert item[key].endswith(("+01:00", "+02:00"))
            seen.add(item[key][-6:])
    assert seen == {"+01:00", "+02:00"}


def test_visits_follow_the_reports_they_name(demo: DemoFiles) -> None:
    commune = {
        r["N° dossier"]: dt.datetime.strptime(r["Date signalement"], "%d/%m/%Y %H:%M") for r in _commune_rows(demo)
    }
    citizen = {
        i["service_request_id"]: dt.datetime.fromisoformat(i["requested_datetime"]).replace(tzinfo=None)
        for i in _open311(demo)
    }
    known = commune | citizen
    visits = pd.read_csv(demo.visits_csv, sep=";", dtype=str, keep_default_na=False)
    linked = visits[visits["N° signalement"] != ""]
    assert 0.2 * len(visits) < len(linked) < 0.9 * len(visits)
    assert visits["N° visite"].is_unique
    for ref, when in zip(linked["N° signalement"], linked["Date visite"], strict=True):
        assert ref in known, ref
        assert dt.datetime.strptime(when, "%d/%m/%Y %H:%M") > known[ref]


# --- planted truth -------------------------------------------------------------------------------------------------


def test_the_historical_corner_ends_after_the_service_acted_there(demo: DemoFiles, truth: dict) -> None:
    """Its first visit (a fine, a camera, the dumps taken away) comes two weeks before its last dumping, and no
    visit comes before it; no other corner has one."""
    spot = next(s for s in truth["sensitive_points"] if s["profile"] == "historical")
    action = dt.date.fromisoformat(spot["action"])
    assert action + dt.timedelta(days=14) == dt.date.fromisoformat(spot["active_before"])
    assert dt.date.fromisoformat(spot["last_report"][:10]) < dt.date.fromisoformat(spot["active_before"])
    assert [s["action"] for s in truth["sensitive_points"]].count(None) == len(truth["sensitive_points"]) - 1
    visits = pd.read_csv(demo.visits_csv, sep=";", dtype=str, keep_default_na=False)
    x, y = TO_L72.transform(visits["Longitude"].astype(float).to_numpy(), visits["Latitude"].astype(float).to_numpy())
    near = visits[np.hypot(x - spot["centre"]["x"], y - spot["centre"]["y"]) <= spot["radius_m"] + MAX_OFFSET_M]
    days = pd.to_datetime(near["Date visite"], format="%d/%m/%Y %H:%M").dt.date
    assert days.min() == action and len(near) > 3
    first = near[days == action].iloc[0]
    assert first["Résultat"] == "PV dressé" and "caméra de surveillance placée" in first["Remarques"]


def test_planted_near_duplicates_are_close_in_space_and_time(demo: DemoFiles, truth: dict) -> None:
    citizen = {i["service_request_id"]: i for i in _open311(demo)}
    interco = _interco(demo).set_index("id")
    pairs = truth["near_duplicates"]
    assert len(pairs) == round(N / 100)
    for p in pairs:
        a, b = citizen[p["open311"]], interco.loc[p["intercommunale"]]
        assert a["service_code"] == b["categorie"] == p["category"]
        ax, ay = TO_L72.transform(a["long"], a["lat"])
        bx, by = L08_TO_L72.transform(float(b["x"]), float(b["y"]))
        assert np.hypot(ax - bx, ay - by) <= 50
        hours = (
            dt.datetime.fromisoformat(b["date"]).replace(tzinfo=BRUSSELS)
            - dt.datetime.fromisoformat(a["requested_datetime"])
        ).total_seconds() / 3600
        assert 0.9 <= hours <= 48


def test_bad_rows_are_where_the_truth_says(demo: DemoFiles, truth: dict, vocab: dict) -> None:
    text = demo.errors_csv.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    header = rows[0]
    col = {name: k for k, name in enumerate(header)}
    assert header[-2:] == ["Latitude", "Longitude"]
    defects = {d["row"]: d for d in truth["bad_rows"]["rows"]}
    kinds = {d["kind"] for d in defects.values()}
    assert kinds == {
        "unknown_category",
        "impossible_date",
        "future_date",
        "unreadable_date",
        "missing_date",
        "missing_category",
        "no_location",
        "control_character",
        "duplicate_id",
        "out_of_zone",
        "swapped_lat_lon",
    }
    start, stop = _window_bounds()

    def date_ok(value: str) -> bool:
        try:
            return start <= dt.datetime.strptime(value, "%d/%m/%Y %H:%M") < stop
        except ValueError:
            return False

    def is_future(value: str) -> bool:
        return dt.datetime.strptime(value, "%d/%m/%Y %H:%M").date() > max(END, dt.date.today())

    def coordinate(value: str) -> float:
        return float(value) if value else float("nan")

    for number, row in enumerate(rows[1:], start=2):
        v = {name: row[k] for name, k in col.items()}
        defect = defects.get(number)
        if defect is None:
            assert date_ok(v["Date signalement"]) and normalise(v["Catégorie"]) in vocab["categories"], row
            assert v["Adresse"] and "\x07" not in v["Description"]
            continue
        kind = defect["kind"]
        if kind == "duplicate_id":
            original = rows[defect["original_row"] - 1]
            assert defect["original_row"] < number and original[0] == v["N° dossier"] and original != row
            continue
        checks = {
            "unknown_category": lambda v: v["Catégorie"] == "Pokémon",
            "impossible_date": lambda v: v["Date signalement"].startswith("31/02/"),
            "future_date": lambda v: is_future(v["Date signalement"]),
            "unreadable_date": lambda v: v["Date signalement"] == "hier soir",
            "missing_date": lambda v: v["Date signalement"] == "",
            "missing_category": lambda v: v["Catégorie"] == "",
            "no_location": lambda v: (
                not any(v[k] for k in ("Adresse", "Code postal", "Localité", "Latitude", "Longitude"))
            ),
            "control_character": lambda v: "\x07" in v["Description"],
            "out_of_zone": lambda v: (v["Latitude"], v["Longitude"]) == ("50.846700", "4.352500"),
            "swapped_lat_lon": lambda v: (
                5.3 < coordinate(v["Latitude"]) < 5.7 and 50.4 < coordinate(v["Longitude"]) < 50.7
            ),
        }
        assert checks[kind](v), (number, kind, row)
    ids = [r[0] for r in rows[1:]]
    assert len(ids) - len(set(ids)) == 1


def test_sensitive_points_axes_and_rhythms_are_planted(truth: dict, reports: pd.DataFrame) -> None:
    spots = truth["sensitive_points"]
    assert 6 <= len(spots) <= 8
    profiles = [s["profile"] for s in spots]
    assert profiles.count("emerging") == 1 and profiles.count("historical") == 1
    centres = np.array([[s["centre"]["x"], s["centre"]["y"]] for s in spots])
    gaps = np.hypot(*(centres[:, None, :] - centres[None, :, :]).transpose(2, 0, 1))
    assert gaps[np.triu_indices(len(spots), 1)].min() >= 900
    for s in spots:
        own = reports[reports["origin"] == s["id"]]
        assert len(own) == s["n_reports"] > 0
        assert 30 <= s["radius_m"] <= 60
        d = np.hypot(own["x"] - s["centre"]["x"], own["y"] - s["centre"]["y"])
        assert (d <= s["radius_m"] + MAX_OFFSET_M).all()
        assert set(own["category"]) <= {"depot_clandestin", "incineration", "terrain_malpropre"}
        first = dt.date.fromisoformat(s["first_report"][:10])
        last = dt.date.fromisoformat(s["last_report"][:10])
        if s["profile"] == "emerging":
            assert first >= END - dt.timedelta(days=122)
        if s["profile"] == "historical":
            assert last <= END - dt.timedelta(days=330)
    axes = truth["problem_axes"]
    assert 3 <= len(axes) <= 4
    for a in axes:
        own = reports[reports["origin"] == a["id"]]
        assert len(own) == a["n_reports"] > 0
        assert (own["icar_street_id"] == a["icar_street_id"]).all() and (own["category"] == a["category"]).all()
        assert own["housenumber"].nunique() > 0.3 * min(a["n_addresses"], len(own))
    assert (reports["origin"] == "background").mean() > 0.45
    shares = reports["category"].value_counts(normalize=True)
    assert 0.25 < shares["depot_clandestin"] < 0.35 and 0.11 < shares["sacs_hors_jour"] < 0.19
    stamps = pd.to_datetime(reports["datetime"])
    dumping = stamps[reports["category"] == "depot_clandestin"]
    assert (dumping.dt.day_of_week == 0).sum() > 1.3 * (dumping.dt.day_of_week == 2).sum()
    summer, winter = stamps.dt.month.isin([5, 6, 7, 8]), stamps.dt.month.isin([11, 12, 1, 2])
    noise, dogs = reports["category"] == "bruit", reports["category"] == "dejections"
    assert (noise & summer).sum() > 1.4 * (noise & winter).sum()
    assert (dogs & winter).sum() > 1.4 * (dogs & summer).sum()


def test_end_in_the_future_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="futur"):
        generate_demo(tmp_path, addresses=ICAR, end=dt.date.today() + dt.timedelta(days=1))


# --- bulk ----------------------------------------------------------------------------------------------------------


def test_bulk_writer_gives_unique_ids_and_points_in_the_zone(tmp_path: Path, icar: pd.DataFrame) -> None:
    path = tmp_path / "bulk.csv"
    n = 30_001
    write_bulk_reports(path, n, addresses=ICAR, seed=3, chunk=7_000, end=END)
    assert path.read_text(encoding="utf-8").split("\n", 1)[0] == (
        "id,date,categorie,adresse,code_postal,commune,lat,lon,description"
    )
    frame = pd.read_csv(path, dtype={"id": str, "code_postal": str, "date": str})
    assert len(frame) == n and frame["id"].is_unique
    assert frame["id"].str.fullmatch(r"B\d{7}").all()
    lat, lon = icar["lat"].astype(float), icar["lon"].astype(float)
    assert frame["lat"].between(lat.min() - 0.001, lat.max() + 0.001).all()
    assert frame["lon"].between(lon.min() - 0.001, lon.max() + 0.001).all()
    start, stop = _window_bounds()
    stamps = pd.to_datetime(frame["date"], format="%Y-%m-%dT%H:%M:%S")
    assert (stamps >= start).all() and (stamps < stop).all()
    assert set(frame["categorie"]) <= set(_sql_vocabularies()["categories"].values())
    assert frame["code_postal"].isin(["4100", "4101", "4102", "4120", "4121", "4122"]).all()
    again = tmp_path / "again.csv"
    write_bulk_reports(again, n, addresses=ICAR, seed=3, chunk=7_000, end=END)
    assert again.read_bytes() == path.read_bytes()
