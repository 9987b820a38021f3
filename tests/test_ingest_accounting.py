"""Nothing is lost and nothing counts twice: re-ingest, updates, near-duplicates, rejects round trip."""

from __future__ import annotations

import csv

import pytest

from service.ingest.rejects import export_rejects
from tests.conftest import DATA
from tests.helpers import count, ingest, rejects, write

FMT = DATA / "formats"
HEADER = "id;date;categorie;adresse;lat;lon;description"


def test_reingesting_the_same_file_changes_nothing(conn, settings):
    first = ingest(conn, settings, FMT / "fixmystreet.csv")
    before = conn.execute("SELECT id, content_hash, updated_at FROM reports ORDER BY id").fetchall()
    again = ingest(conn, settings, FMT / "fixmystreet.csv")
    assert (again.inserted, again.updated, again.duplicates, again.rejected) == (0, 0, 3, 0)
    assert again.details["doublons_identiques_en_base"] == 3
    assert conn.execute("SELECT id, content_hash, updated_at FROM reports ORDER BY id").fetchall() == before
    assert first.sha256 == again.sha256


def test_same_external_id_updates_the_row(conn, settings, tmp_path):
    v1 = write(
        tmp_path / "export.csv",
        f"{HEADER}\nX1;2026-03-01T10:00;depot_clandestin;Rue Ferrer 12;50.6097927;"
        "5.5120109;sacs\nX2;2026-03-02T10:00;graffiti;Rue Ferrer 14;50.6098393;5.5119180;tag\n",
    )
    ingest(conn, settings, v1)
    v2 = write(
        tmp_path / "export.csv",
        f"{HEADER}\nX1;2026-03-01T10:00;depot_clandestin;Rue Ferrer 12;50.6097927;"
        "5.5120109;sacs et matelas\nX2;2026-03-02T10:00;graffiti;Rue Ferrer 14;50.6098393;5.5119180;tag\n",
    )
    s = ingest(conn, settings, v2)
    assert (s.inserted, s.updated, s.duplicates) == (0, 1, 1)
    assert count(conn, "reports") == 2
    row = conn.execute("SELECT description, batch_id FROM reports WHERE external_id = 'X1'").fetchone()
    assert row == ("sacs et matelas", s.batch_id)


def test_near_duplicate_from_another_source_is_linked_not_counted_twice(conn, settings, tmp_path):
    app = write(
        tmp_path / "app.csv",
        f"{HEADER}\nA1;2026-03-01T10:00;depot_clandestin;Rue Ferrer 12;50.6097927;5.5120109;tas de déchets\n",
    )
    ingest(conn, settings, app, source="app_citoyenne")
    # 30 m away and 20 h later: same dumping seen by the intercommunale; the graffiti is another matter
    other = write(
        tmp_path / "inter.csv",
        f"{HEADER}\nI1;2026-03-02T06:00;depot_clandestin;Rue Ferrer 14;50.6100;"
        "5.5121;déchets\nI2;2026-03-02T06:00;graffiti;Rue Ferrer 14;50.6100;5.5121;tag\n"
        "I3;2026-03-05T06:00;depot_clandestin;Rue Ferrer 14;50.6100;5.5121;nouveau dépôt\n",
    )
    s = ingest(conn, settings, other, source="intercommunale")
    assert (s.rows_in, s.inserted, s.duplicates, s.details["quasi_doublons_lies"]) == (3, 2, 1, 1)
    linked = conn.execute(
        "SELECT r.external_id, f.external_id FROM reports r JOIN reports f ON f.id = r.duplicate_of"
    ).fetchall()
    assert linked == [("I1", "A1")]
    assert count(conn, "reports") == 4  # stored, but linked: nothing is lost


def test_same_source_reports_are_never_near_duplicates(conn, settings, tmp_path):
    f = write(
        tmp_path / "f.csv",
        f"{HEADER}\nA1;2026-03-01T10:00;depot_clandestin;Rue Ferrer 12;50.6097927;"
        "5.5120109;x\nA2;2026-03-01T12:00;depot_clandestin;Rue Ferrer 12;50.6097927;5.5120109;y\n",
    )
    s = ingest(conn, settings, f)
    assert (s.inserted, s.duplicates) == (2, 0)


def test_rows_without_ids_are_keyed_by_content(conn, settings, tmp_path):
    f = write(
        tmp_path / "sans_id.csv",
        "date;categorie;adresse\n01/03/2026 10:00;Dépôt clandestin;Rue Ferrer 12\n"
        "02/03/2026 11:00;Graffiti;Rue Ferrer 14\n",
    )
    assert ingest(conn, settings, f).inserted == 2
    assert ingest(conn, settings, f).duplicates == 2
    keys = [r[0] for r in conn.execute("SELECT natural_key FROM reports").fetchall()]
    assert all(k.startswith("h:") for k in keys)


def test_rejects_export_can_be_fixed_and_ingested_again(conn, settings, tmp_path):
    s = ingest(conn, settings, DATA / "bad" / "date_impossible.csv")
    out = export_rejects(conn, s.batch_id, tmp_path / "rejets.csv")
    assert out.rows == 1
    with out.path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert rows[0]["ligne"] == "3"
    assert rows[0]["Date signalement"] == "31/02/2026 08:00"
    assert "date impossible" in rows[0]["motifs_rejet"]
    assert list(rows[0])[1:4] == ["N° dossier", "Date signalement", "Catégorie"]  # the file's own order
    rows[0]["Date signalement"] = "28/02/2026 08:00"  # the person's fix
    fixed = tmp_path / "rejets_corriges.csv"
    with fixed.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    again = ingest(conn, settings, fixed, source="bad_date_impossible")
    assert (again.inserted, again.rejected) == (1, 0)
    assert again.details["colonnes_ignorees"] == []


def test_mapping_file_for_an_unknown_export(conn, settings, tmp_path):
    data = write(
        tmp_path / "odd.csv",
        "Quand;Quoi;Où;Nord;Est\n01/03/2026 10:00;Vieux frigos;Rue Ferrer 12;50.6097927;"
        "5.5120109\n02/03/2026 10:00;Tag;Rue Ferrer 14;50.6098393;5.5119180\n",
    )
    toml = write(
        tmp_path / "map.toml",
        '[colonnes]\nobserved_at = "Quand"\ncategory = "Quoi"\naddress = "Où"\n'
        'lat = "Nord"\nlon = "Est"\n[valeurs.category]\n"Vieux frigos" = "depot_clandestin"\n'
        '[defauts]\nsource = "asbl_quartier"\n',
    )
    s = ingest(conn, settings, data, mapping=toml)
    assert (s.inserted, s.rejected) == (2, 0)
    assert conn.execute("SELECT array_agg(category ORDER BY category), min(source) FROM reports").fetchone() == (
        ["depot_clandestin", "graffiti"],
        "asbl_quartier",
    )
    yaml = write(tmp_path / "map.yaml", "colonnes:\n  observed_at: Quand\n  category: Quoi\n  address: Où\n")
    s2 = ingest(conn, settings, data, mapping=yaml, source="autre")
    assert rejects(conn, s2.batch_id) == {
        2: [
            "catégorie: catégorie inconnue ; codes valides : activite_sans_permis, "
            "affichage_sauvage, autre, bruit, bruit_voisinage, dejections, depot_clandestin, graffiti, "
            "incineration, insalubrite, odeurs, pollution_eau, pollution_sol, "
            "sacs_hors_jour, terrain_malpropre, vehicule_abandonne"
        ]
    }


def test_visits_attach_to_their_reports(conn, settings, tmp_path):
    ingest(conn, settings, FMT / "commune_cp1252.csv")
    ingest(conn, settings, FMT / "fixmystreet.csv")
    visits = write(
        tmp_path / "visites.csv",
        "N° visite;Date visite;Agent;N° signalement;Adresse;Latitude;Longitude;"
        "Résultat\nV1;05/02/2026 10:00;Insp. Collard;FMS-1;;;;Nettoyé\nV2;06/03/2026 09:00;Insp. Collard;"
        "2026/0001;r. Ferrer 12;;;PV dressé\nV3;07/03/2026 09:00;Insp. Collard;INCONNU;;;;RAS\n",
    )
    s = ingest(conn, settings, visits, kind="visits")
    assert (s.inserted, s.rejected) == (2, 1)
    assert s.details["visites_liees_a_un_signalement"] == 2
    assert rejects(conn, s.batch_id)[4][0].startswith("signalement: signalement introuvable")
    rows = conn.execute(
        "SELECT v.external_id, v.outcome, r.external_id, v.geocode_status, v.geom IS NOT NULL FROM visits v "
        "JOIN reports r ON r.id = v.report_id ORDER BY v.external_id"
    ).fetchall()
    assert rows == [("V1", "nettoye", "FMS-1", "signalement", True), ("V2", "pv", "2026/0001", "a_geocoder", False)]


#: The near-duplicate rule written the plain way, one look-up per new report (how the service once ran it): the
#: reference the set-based join of ``sql/reports.sql`` must agree with, pair for pair.
_RULE_ONE_BY_ONE = """
SELECT r.id,
       (SELECT o.id FROM reports o
        WHERE o.category = r.category AND o.source <> r.source AND o.geom IS NOT NULL
          AND (o.duplicate_of IS NULL OR o.batch_id = %(batch)s)
          AND o.observed_at BETWEEN r.observed_at - interval '48 hours' AND r.observed_at + interval '48 hours'
          AND ST_DWithin(o.geom, r.geom, 50)
          AND (o.batch_id <> %(batch)s OR o.id < r.id)
        ORDER BY o.observed_at, o.id LIMIT 1)
FROM reports r WHERE r.batch_id = %(batch)s AND r.geom IS NOT NULL ORDER BY r.id
"""


@pytest.mark.parametrize("one_by_one", [False, True], ids=["cellules", "index_un_par_un"])
def test_near_duplicates_of_a_large_mixed_file_follow_the_rule_pair_for_pair(
    conn, settings, tmp_path, monkeypatch, one_by_one
):
    """4,000 stored reports, then 6,000 of two sources in one file over the same three weeks: hundreds of
    near-duplicates, against stored reports and against earlier rows of the other source in the file. The
    set-based cell join (large batches) and the look-up one by one in the index (few new reports: a record
    sent through the API) link the very same pairs."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from service.demo import write_bulk_reports
    from service.ingest import dedupe
    from tests.conftest import ROOT

    monkeypatch.setattr(dedupe, "FEW_NEW_REPORTS", 100_000 if one_by_one else 0)

    addresses = ROOT / "geodata" / "icar_seraing_neupre.csv"
    stored, mixed = tmp_path / "stored.csv", tmp_path / "mixed.csv"
    write_bulk_reports(stored, 4_000, addresses=addresses, seed=21, years=0.06)
    write_bulk_reports(mixed, 6_000, addresses=addresses, seed=22, years=0.06)
    table = pacsv.read_csv(mixed)
    table = table.append_column("source", pa.array(["app", "patrouille"] * 3_000))
    pacsv.write_csv(table, mixed)
    ingest(conn, settings, stored, source="commune", now=None)
    s = ingest(conn, settings, mixed, now=None)

    found = dict(conn.execute("SELECT id, duplicate_of FROM reports WHERE batch_id = %s", (s.batch_id,)).fetchall())
    expected = dict(conn.execute(_RULE_ONE_BY_ONE, {"batch": s.batch_id}).fetchall())
    linked = {k: v for k, v in found.items() if v is not None}
    assert linked == {k: v for k, v in expected.items() if v is not None}
    assert s.details["quasi_doublons_lies"] == len(linked) > 200
    within_file = conn.execute(
        "SELECT count(*) FROM reports r JOIN reports f ON f.id = r.duplicate_of WHERE f.batch_id = r.batch_id"
    ).fetchone()[0]
    assert within_file > 50  # "earlier in this file" is exercised, not only stored reports
