"""Large first loads go straight into the empty table: the same promises as the staging path.

The threshold is lowered to 0 bytes here so that small files take the direct path.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from service.ingest.binary import HEADER, TRAILER, Field, encode_rows
from service.ingest.dedupe import fingerprints
from service.ingest.source import STR
from tests.helpers import count, ingest, rejects, write

HEADER_CSV = "id;date;categorie;adresse;lat;lon;description;nom;telephone"
ROWS = [
    "A1;2026-03-01T10:00;depot_clandestin;Rue Ferrer 12;50.6097927;5.5120109;sacs;Jean Dupont;0470000000",
    "A2;2026-03-02T10:00;graffiti;Rue Ferrer 14;50.6098393;5.5119180;tag;;",
    "A1;2026-03-01T10:00;depot_clandestin;Rue Ferrer 12;50.6097927;5.5120109;sacs;Jean Dupont;0470000000",
    "A2;2026-03-02T10:00;graffiti;Rue Ferrer 14;50.6098393;5.5119180;autre texte;;",
    ";2026-03-03T10:00;bruit;Rue Ferrer 16;;;sans coordonnées;;",
    "A3;2026-03-04T10:00;categorie_inconnue;Rue Ferrer 18;50.6098393;5.5119180;x;;",
]


def _constraints(conn) -> list[tuple[str, str]]:
    return conn.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = 'reports'::regclass OR confrelid = 'reports'::regclass ORDER BY 1"
    ).fetchall()


def _indexes(conn) -> list[tuple[str, str]]:
    return conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'reports' ORDER BY 1").fetchall()


def test_direct_first_load_keeps_every_promise(conn, settings, tmp_path):
    direct = settings.model_copy(update={"bulk_load_min_bytes": 0})
    conn.execute(
        "INSERT INTO visits (source, natural_key, content_hash, visited_at, outcome, geocode_status)"
        " VALUES ('patrouille', 'V1', 'x', now(), 'nettoye', 'a_geocoder')"
    )
    conn.commit()
    constraints, indexes = _constraints(conn), _indexes(conn)
    path = write(tmp_path / "premier.csv", "\n".join([HEADER_CSV, ROWS[0], ROWS[1], ROWS[4], ROWS[5]]) + "\n")

    s = ingest(conn, direct, path)

    assert s.details["chargement_direct"] is True
    assert (s.rows_in, s.inserted, s.updated, s.duplicates, s.rejected) == (4, 3, 0, 0, 1)
    assert list(rejects(conn, s.batch_id)) == [5]
    stored = conn.execute(
        "SELECT row_number, natural_key, geocode_status, geom IS NOT NULL, batch_id FROM reports ORDER BY id"
    ).fetchall()
    assert [r[0] for r in stored] == [2, 3, 4]
    assert stored[2][1].startswith("h:") and stored[2][2:4] == ("a_geocoder", False)
    assert {r[4] for r in stored} == {s.batch_id}
    contacts = conn.execute(
        "SELECT r.external_id, c.name, c.phone FROM private.reporter_contacts c JOIN reports r ON r.id = c.report_id"
    ).fetchall()
    assert contacts == [("A1", "Jean Dupont", "0470000000")]
    # keys, foreign keys and indexes are back exactly as they were; other tables untouched
    assert _constraints(conn) == constraints
    assert _indexes(conn) == indexes
    assert count(conn, "visits") == 1
    assert count(conn, "reports", "geocode_status = 'a_geocoder'") == 1
    # the id sequence moved past the loaded rows
    (last,) = conn.execute("SELECT max(id) FROM reports").fetchone()
    (nxt,) = conn.execute("SELECT nextval('reports_id_seq')").fetchone()
    assert nxt > last
    conn.rollback()

    again = ingest(conn, direct, path)  # the table is no longer empty: staging path, nothing changes
    assert again.details["chargement_direct"] is False
    assert (again.inserted, again.updated, again.duplicates, again.rejected) == (0, 0, 3, 1)
    assert count(conn, "reports") == 3


def test_first_load_repeating_keys_goes_through_staging(conn, settings, tmp_path):
    """The unique key built after a direct load finds the repeats: the load is undone and staged instead."""
    direct = settings.model_copy(update={"bulk_load_min_bytes": 0})
    constraints, indexes = _constraints(conn), _indexes(conn)
    path = write(tmp_path / "repetitions.csv", "\n".join([HEADER_CSV, *ROWS]) + "\n")

    s = ingest(conn, direct, path)

    assert s.details["chargement_direct"] is False
    assert "reprise" in s.timings
    assert (s.rows_in, s.inserted, s.updated, s.duplicates, s.rejected) == (6, 3, 0, 1, 2)
    assert s.details["doublons_dans_le_fichier"] == 1
    assert s.details["rejets_coherence"] == 1
    got = rejects(conn, s.batch_id)
    assert got[5] == [
        "identifiant: identifiant déjà présent à la ligne 3 du fichier avec un contenu différent : "
        "gardez une seule version de la ligne"
    ]
    assert got[7][0].startswith("catégorie: catégorie inconnue")
    assert [r[0] for r in conn.execute("SELECT row_number FROM reports ORDER BY id").fetchall()] == [2, 3, 6]
    assert count(conn, "private.reporter_contacts") == 1
    assert _constraints(conn) == constraints
    assert _indexes(conn) == indexes


def test_small_file_or_filled_table_is_merged_through_staging(conn, settings, tmp_path):
    path = write(tmp_path / "petit.csv", "\n".join([HEADER_CSV, *ROWS[:2]]) + "\n")
    assert ingest(conn, settings, path).details["chargement_direct"] is False  # below the size threshold
    direct = settings.model_copy(update={"bulk_load_min_bytes": 0})
    other = write(tmp_path / "autre.csv", "\n".join([HEADER_CSV, ROWS[4]]) + "\n")
    assert ingest(conn, direct, other).details["chargement_direct"] is False  # the table holds rows


def test_fingerprints_match_the_stored_formula(conn):
    """Reports stored before keys were computed by the loader were fingerprinted by this SQL formula."""
    x = np.array([152345.25, -0.05, 0.15, np.nan, 250000.0])
    good = pd.DataFrame(
        {
            "category": pd.Series(["depot_clandestin", "graffiti", "bruit", "autre", "odeurs"], dtype=STR),
            "observed_at": pd.to_datetime(
                ["2026-03-01T10:00:00Z", "2001-01-01T00:00:00Z", "2026-10-25T01:30:00Z"] * 2, utc=True
            )[:5],
            "status": pd.Series(["nouveau"] * 5, dtype=STR),
            "description": pd.Series(["Sacs éventrés", None, "a|b", "", "x"], dtype=STR),
            "address": pd.Series(["Rue Ferrer 12", None, None, "Chée de Liège", "Pl. des Verriers"], dtype=STR),
            "postcode": pd.Series(["4100", None, "4102", None, "4120"], dtype=STR),
            "commune": pd.Series(["Seraing", None, "Seraing", None, "Neupré"], dtype=STR),
            "x": x,
            "y": x[::-1].copy(),
            "external_id": pd.Series(["X1", None, None, "X4", None], dtype=STR),
        }
    )
    natural_key, content_hash = fingerprints(good)
    expected = conn.execute(
        """SELECT md5(category || '|' || extract(epoch FROM observed_at)::bigint::text || '|' || status || '|' ||
                      coalesce(description, '') || '|' || coalesce(address, '') || '|' || coalesce(postcode, '')
                      || '|' || coalesce(commune, '') || '|' || coalesce(round(x * 10)::bigint::text, '') || '|'
                      || coalesce(round(y * 10)::bigint::text, ''))
           FROM unnest(%s::text[], %s::timestamptz[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[],
                       %s::float8[], %s::float8[])
                AS t(category, observed_at, status, description, address, postcode, commune, x, y)""",
        [
            [None if pd.isna(v) else v for v in good[c]]
            if good[c].dtype != "float64"
            else [None if np.isnan(v) else float(v) for v in good[c]]
            for c in ("category", "observed_at", "status", "description", "address", "postcode", "commune", "x", "y")
        ],
    ).fetchall()
    assert content_hash.tolist() == [r[0] for r in expected]
    assert natural_key.tolist() == ["X1", "h:" + expected[1][0], "h:" + expected[2][0], "X4", "h:" + expected[4][0]]


STAMPS = ["2026-03-01T10:00:00.5Z", None, "1999-12-31T23:00:00Z"]


def test_binary_copy_round_trip(conn):
    x = np.array([1.5, np.nan, -3.25])
    fields = [
        Field("int8", pd.Series([1, 2, 3])),
        Field("int4", pd.Series([7, None, -1], dtype="Int64")),
        Field("text", pd.Series(["é€", None, ""], dtype=STR)),
        Field("jsonb", pd.Series(['{"a": "ü"}', None, "[1]"], dtype=STR)),
        Field("timestamptz", pd.Series(pd.to_datetime(STAMPS, format="ISO8601"))),
        Field("float8", pd.Series([0.1, np.nan, -2.0])),
        Field("point", (x, np.array([2.5, 1.0, 4.0]))),
        Field("text", pd.Series(["ab", "é", "ef"], dtype=STR)),  # one width (in bytes): packed with the fixed fields
        Field("text", pd.Series([None, None, None], dtype=STR)),  # all NULL: packed too
    ]
    conn.execute(
        "CREATE TEMP TABLE t (a bigint, b int, c text, d jsonb, e timestamptz, f float8, g geometry(Point, 31370),"
        " h text, i text)"
    )
    with conn.cursor() as cur, cur.copy("COPY t FROM STDIN (FORMAT binary)") as copy:
        copy.write(HEADER + encode_rows(fields) + TRAILER)
    rows = conn.execute("SELECT a, b, c, d, extract(epoch FROM e), f, ST_AsEWKT(g), h, i FROM t ORDER BY a").fetchall()
    assert rows == [
        (1, 7, "é€", {"a": "ü"}, 1772359200.5, 0.1, "SRID=31370;POINT(1.5 2.5)", "ab", None),
        (2, None, None, None, None, None, None, "é", None),
        (3, -1, "", [1], 946681200.0, -2.0, "SRID=31370;POINT(-3.25 4)", "ef", None),
    ]
    conn.rollback()
