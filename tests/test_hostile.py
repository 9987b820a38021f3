"""Hostile input: NUL bytes in any text, deeply nested JSON, XLSX bombs, oversized uploads and headers. Each one is
refused with a French message naming what is wrong, and nothing is stored."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from service.api import create_app
from tests.helpers import count

#: Every text query parameter that reaches the database (route, parameter, role needed).
TEXT_PARAMETERS = [
    ("/api/signalements", "categorie", "lecteur"),
    ("/api/signalements", "statut", "lecteur"),
    ("/api/signalements", "source", "lecteur"),
    ("/api/signalements", "commune", "lecteur"),
    ("/api/signalements", "geocodage", "lecteur"),
    ("/api/visites", "resultat", "lecteur"),
    ("/api/visites", "categorie", "lecteur"),
    ("/api/visites", "source", "lecteur"),
    ("/api/visites", "commune", "lecteur"),
    ("/api/visites", "point_sensible", "lecteur"),
    ("/api/visites", "axe", "lecteur"),
    ("/api/permis", "type", "lecteur"),
    ("/api/permis", "source", "lecteur"),
    ("/api/permis", "commune", "lecteur"),
    ("/api/points-sensibles", "etat", "lecteur"),
    ("/api/points-sensibles", "categorie", "lecteur"),
    ("/api/points-sensibles", "tendance", "lecteur"),
    ("/api/points-sensibles", "portee", "lecteur"),
    ("/api/axes", "rue", "lecteur"),
    ("/api/axes", "etat", "lecteur"),
    ("/api/carte/signalements?bbox=5.49,50.58,5.53,50.62&zoom=14", "categorie", "lecteur"),
    ("/api/open311/v2/requests.json", "service_code", None),
    ("/api/journal", "action", "admin"),
]


@pytest.fixture(scope="module")
def client(settings, accounts):
    with TestClient(create_app(settings)) as c:
        yield c


def _refused_for(response, field: str) -> None:
    assert response.status_code == 422, (field, response.status_code, response.text)
    body = response.json()
    assert body["champ"] == field, body
    assert "caractère nul" in body["erreur"] and field in body["erreur"], body
    assert body["conseil"], body


@pytest.mark.parametrize(("path", "field", "role"), TEXT_PARAMETERS)
def test_a_nul_byte_in_a_query_parameter_is_refused_naming_it(client, auth, path, field, role):
    headers = auth[role] if role else {}
    separator = "&" if "?" in path else "?"
    _refused_for(client.get(f"{path}{separator}{field}=abc%00def", headers=headers), field)


def test_a_nul_byte_in_a_path_a_body_or_a_login_is_refused_naming_the_field(client, auth, conn, settings):
    from tests.conftest import DATA
    from tests.helpers import ingest

    ingest(conn, settings, DATA / "formats" / "fixmystreet.csv")
    _refused_for(client.get("/api/points-sensibles/PS%00-1", headers=auth["lecteur"]), "point_id")
    _refused_for(client.get("/api/axes/AX%00", headers=auth["lecteur"]), "axis_id")
    patched = client.patch(
        "/api/signalements/1", json={"description": "sacs\u0000 et matelas"}, headers=auth["planificateur"]
    )
    _refused_for(patched, "description")
    assert conn.execute("SELECT description FROM reports WHERE id = 1").fetchone()[0] != "sacs\x00 et matelas"
    created = client.post(
        "/api/signalements",
        json={"date": "2026-03-01T10:00", "categorie": "graffiti", "lon": 5.5, "lat": 50.6, "adresse": "Rue\u0000"},
        headers=auth["planificateur"],
    )
    _refused_for(created, "adresse")
    visit = client.post(
        "/api/points-sensibles/PS-1/visites",
        json={"date": "2026-03-01T10:00", "resultat": "nettoye", "notes": ["ok", {"x": "\u0000"}]},
        headers=auth["planificateur"],
    )
    _refused_for(visit, "notes.1.x")
    _refused_for(client.post("/api/connexion", json={"identifiant": "agent\u0000", "mot_de_passe": "x"}), "identifiant")
    _refused_for(client.post("/connexion", data={"identifiant": "agent\x00", "mot_de_passe": "x"}), "identifiant")
    assert count(conn, "reports") == 3 and count(conn, "login_failures") == 0
    # the text "\u0000" written out (a backslash and five characters) is not a NUL byte
    fine = client.get("/api/signalements", params={"source": "\\u0000"}, headers=auth["lecteur"])
    assert fine.status_code == 200 and fine.json()["total"] == 0


# -- deeply nested JSON ----------------------------------------------------------------------------------------
DEPTH = 100_000


def _deep_geojson(path):
    nested = "[" * DEPTH + "1" + "]" * DEPTH
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", '
        '"coordinates": [5.5052, 50.6043]}, "properties": {"date": "2026-03-01T10:00", "categorie": "graffiti", '
        f'"x": {nested}}}}}]}}'
    )
    return path


def test_a_deeply_nested_geojson_is_refused_whole_by_the_api_and_the_cli(client, auth, conn, settings, tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT
    from tests.helpers import cli_env

    deep = _deep_geojson(tmp_path / "imbrique.geojson")
    r = client.post(
        "/api/imports/signalements",
        files={"fichier": ("imbrique.geojson", deep.read_bytes())},
        headers=auth["planificateur"],
    )
    assert r.status_code == 422, r.text
    assert "trop imbriqué" in r.json()["erreur"] and r.json()["conseil"]
    done = subprocess.run(
        [sys.executable, "-m", "service", "ingest", "reports", str(deep)],
        env=cli_env(settings),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "trop imbriqué" in done.stderr and "Traceback" not in done.stderr and "RecursionError" not in done.stderr
    refused = conn.execute("SELECT status, error FROM ingestion_batches ORDER BY id").fetchall()
    assert [s for s, _e in refused] == ["refuse", "refuse"] and all("trop imbriqué" in e for _s, e in refused)
    assert count(conn, "reports") == 0


def test_a_deeply_nested_json_body_gets_a_french_answer(client, auth):
    nested = "[" * DEPTH + "]" * DEPTH
    r = client.post(
        "/api/signalements",
        content=f'{{"date": {nested}}}',
        headers={**auth["planificateur"], "Content-Type": "application/json"},
    )
    assert r.status_code == 422 and "trop imbriqué" in r.json()["erreur"], r.text
    r = client.post(
        "/api/open311/v2/requests.json",
        content=f'{{"api_key": {nested}}}',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400 and r.json()[0]["code"] == 400, r.text


# -- oversized uploads and bodies, overlong headers ------------------------------------------------------------
def test_an_oversized_upload_gets_a_413_before_it_is_read(settings, conn, auth):
    small = settings.model_copy(update={"max_upload_mb": 1})
    body = b"id;date;categorie;lat;lon\n" + b"X;2026-03-01T10:00;graffiti;50.6043;5.5052\n" * 60_000  # 2.6 Mo
    with TestClient(create_app(small)) as c:
        r = c.post("/api/imports/signalements", files={"fichier": ("gros.csv", body)}, headers=auth["planificateur"])
        assert r.status_code == 413, r.text
        assert "trop volumineux" in r.json()["erreur"] and "hotspots ingest" in r.json()["conseil"]
        # without Content-Length (sent in chunks): refused as soon as the limit is passed

        def chunks():
            yield b'--b\r\nContent-Disposition: form-data; name="fichier"; filename="gros.csv"\r\n\r\n'
            yield from (body[i : i + 65536] for i in range(0, len(body), 65536))
            yield b"\r\n--b--\r\n"

        r = c.post(
            "/api/imports/signalements",
            content=chunks(),
            headers={**auth["planificateur"], "Content-Type": "multipart/form-data; boundary=b"},
        )
        assert r.status_code == 413 and "trop volumineux" in r.json()["erreur"], r.text
        r = c.post("/api/signalements", json={"description": "x" * (2 << 20)}, headers=auth["planificateur"])
        assert r.status_code == 413 and "trop volumineuse" in r.json()["erreur"], r.text
    assert count(conn, "ingestion_batches") == 0 and count(conn, "reports") == 0


def test_a_header_of_a_million_columns_is_named_for_what_it_is(client, auth, conn, tmp_path):
    path = tmp_path / "colonnes.csv"
    path.write_text(",".join(f"c{i}" for i in range(1, 1_000_001)) + "\n" + ",".join("1" * 1) + "\n")
    r = client.post(
        "/api/imports/signalements",
        files={"fichier": ("colonnes.csv", path.read_bytes())},
        headers=auth["planificateur"],
    )
    assert r.status_code == 422, r.text
    assert "en-tête trop long (1 000 000 colonnes, au plus 1 000)" in r.json()["erreur"], r.json()
    assert "double" not in r.json()["erreur"]


# -- XLSX bombs ------------------------------------------------------------------------------------------------
def _bomb(tmp_path, name: str, member: str, size_mb: int, text: bytes = b"A"):
    """A real workbook (tests/data/formats/patrouille.xlsx) with one member replaced by ``size_mb`` MB of XML."""
    import zipfile

    from tests.conftest import DATA

    path = tmp_path / name
    with (
        zipfile.ZipFile(DATA / "formats" / "patrouille.xlsx") as src,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for info in src.infolist():
            if info.filename != member:
                out.writestr(info, src.read(info.filename))
        with out.open(member, "w") as big:
            big.write(
                b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
            )
            block = (text * ((1 << 20) // len(text) + 1))[: 1 << 20]
            for _ in range(size_mb):
                big.write(block)
            big.write(b"</t></si></sst>")
    return path


def test_xlsx_bombs_are_refused_before_any_parsing(settings, conn, auth, tmp_path, monkeypatch):
    import os

    import openpyxl

    strings = _bomb(tmp_path, "textes.xlsx", "xl/sharedStrings.xml", 64)
    sheet = _bomb(tmp_path, "feuille.xlsx", "xl/worksheets/sheet1.xml", 64)
    noise = _bomb(tmp_path, "gros.xlsx", "xl/worksheets/sheet1.xml", 12, text=os.urandom(1 << 20).hex().encode())
    assert strings.stat().st_size < 1 << 20  # 64 MB of text in less than 1 MB of file

    def never(*_args, **_kwargs):
        raise AssertionError("le classeur a été ouvert par openpyxl")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    limited = settings.model_copy(update={"xlsx_max_uncompressed_mb": 10})
    with TestClient(create_app(limited)) as c:
        for path, words in (
            (strings, ["xl/sharedStrings.xml", "fois"]),
            (sheet, ["xl/worksheets/sheet1.xml", "fois"]),
            (noise, ["décompressé", "au plus 10 Mo"]),
        ):
            r = c.post(
                "/api/imports/signalements",
                files={"fichier": (path.name, path.read_bytes())},
                headers=auth["planificateur"],
            )
            assert r.status_code == 422, (path.name, r.text)
            assert all(w in r.json()["erreur"] for w in words), r.json()
    assert count(conn, "ingestion_batches", "status = 'refuse'") == 3 and count(conn, "reports") == 0


def test_an_ordinary_workbook_still_goes_in(client, auth, conn):
    from tests.conftest import DATA

    r = client.post(
        "/api/imports/signalements",
        files={"fichier": ("patrouille.xlsx", (DATA / "formats" / "patrouille.xlsx").read_bytes())},
        headers=auth["planificateur"],
    )
    assert r.status_code == 200 and r.json()["inserted"] > 0, r.text


def test_a_nul_byte_inside_an_uploaded_file_rejects_its_row_naming_the_column(client, auth, conn):
    """Even in a column the service does not know (kept as it is with the report): the row is rejected, the
    others go in, instead of the whole batch failing in the database."""
    import json

    def feature(ident: str, note: str) -> dict:
        properties = {"id": ident, "date": "2026-03-01T10:00", "categorie": "graffiti", "zz_divers": note}
        return {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [5.5052, 50.6043]},
            "properties": properties,
        }

    body = json.dumps({"type": "FeatureCollection", "features": [feature("A1", "a\x00b"), feature("A2", "rien")]})
    assert "\\u0000" in body
    r = client.post(
        "/api/imports/signalements", files={"fichier": ("nul.geojson", body.encode())}, headers=auth["planificateur"]
    )
    assert r.status_code == 200, r.text
    assert (r.json()["inserted"], r.json()["rejected"]) == (1, 1)
    (reject,) = r.json()["rejets"]
    assert reject["motifs"][0]["champ"] == "zz_divers" and "caractère nul" in reject["motifs"][0]["motif"]
    assert reject["valeurs"]["zz_divers"] == "a\ufffdb"  # kept, with the NUL shown as �
