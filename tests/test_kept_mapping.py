"""A partner's monthly export read the same way without its mapping file: the mapping kept for its source."""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources

import openpyxl
import pytest
from fastapi.testclient import TestClient

from service.api import create_app
from service.errors import InputFileError
from service.ingest.kept_mapping import forget_mapping, keep_mapping, kept_mapping, kept_mappings
from tests.helpers import cli_env, count, ingest, run_cli, write

#: A neighbourhood association's export in its own words (no column the service knows by name), month by month.
MARCH = "Quand;Quoi;Nord;Est\n01/03/2026 10:00;Vieux frigos;50.6097927;5.5120109\n"
APRIL = "Quand;Quoi;Nord;Est\n02/04/2026 10:00;Vieux frigos;50.6043;5.5052\n03/04/2026 11:00;Tag;50.6045;5.5055\n"
#: Its columns renamed in May: the kept mapping no longer fits.
MAY = "Date;Type;Latitude;Longitude\n04/05/2026 10:00;Tag;50.6046;5.5056\n"
MAPPING = (
    '[colonnes]\nobserved_at = "Quand"\ncategory = "Quoi"\nlat = "Nord"\nlon = "Est"\n'
    '[valeurs.category]\n"Vieux frigos" = "depot_clandestin"\n'
)


def _categories(conn, source: str) -> list[str]:
    rows = conn.execute(
        "SELECT category FROM reports WHERE lower(source) = %s ORDER BY observed_at, category", (source,)
    ).fetchall()
    return [c for (c,) in rows]


def test_a_mapping_given_with_its_source_reads_the_source_s_next_files(conn, settings, tmp_path):
    """March's export comes with its mapping file: the mapping is kept for the source, and April's, sent without
    it under the same source written otherwise, is read through it; both accounts say so. May's export, its
    columns renamed, is refused saying that the kept mapping was applied and how to set it aside, and nothing of it
    is stored; set aside, the file is read by its headers alone."""
    mapping = write(tmp_path / "asbl_quartier.toml", MAPPING)
    march = ingest(
        conn, settings, write(tmp_path / "mars.csv", MARCH), source="asbl_quartier", mapping=mapping, actor="dupont"
    )
    assert march.mapping_line() == (
        "Correspondance asbl_quartier.toml gardée pour la source « asbl_quartier » : appliquée à ses prochains "
        "fichiers importés sans correspondance."
    )
    kept = kept_mapping(conn, "asbl_quartier")
    assert kept is not None and (kept.file_name, kept.content, kept.kept_by) == (
        "asbl_quartier.toml",
        MAPPING,
        "dupont",
    )

    april = ingest(conn, settings, write(tmp_path / "avril.csv", APRIL), source="  ASBL_Quartier ")
    assert (april.inserted, april.rejected) == (2, 0)
    today = f"{kept.kept_at:%d/%m/%Y}"
    said = (
        f"Correspondance gardée pour « asbl_quartier » appliquée : asbl_quartier.toml (gardée le {today} par dupont)."
    )
    assert april.mapping_line() == said
    assert said in april.to_dict()["phrases"]
    assert april.details["colonnes"] == {"observed_at": "Quand", "category": "Quoi", "lat": "Nord", "lon": "Est"}
    assert _categories(conn, "asbl_quartier") == ["depot_clandestin", "depot_clandestin", "graffiti"]
    stored = conn.execute("SELECT options FROM ingestion_batches WHERE id = %s", (april.batch_id,)).fetchone()[0]
    assert stored["kept"] == "asbl_quartier.toml (gardée pour « asbl_quartier »)", stored

    before = count(conn, "reports")
    with pytest.raises(InputFileError) as refused:
        ingest(conn, settings, write(tmp_path / "mai.csv", MAY), source="asbl_quartier")
    message = refused.value.message
    assert message.startswith("Correspondance : la colonne 'Quand' (pour observed_at) n'existe pas dans le fichier."), (
        message
    )
    assert refused.value.hint == "Colonnes du fichier : Date, Type, Latitude, Longitude."
    assert message.endswith(
        f" La correspondance gardée pour « asbl_quartier » (asbl_quartier.toml, du {today}) a été appliquée ; si la "
        "source a changé ses colonnes, écartez-la : « Oublier » sous le champ de correspondance (carte), ou "
        "« --sans-correspondance-gardee » (ligne de commande)."
    ), message
    assert count(conn, "reports") == before
    error = conn.execute("SELECT error FROM ingestion_batches WHERE file_name = 'mai.csv'").fetchone()[0]
    assert error.startswith(message)  # the refused batch in the list of batches says the same

    # set aside: read by its own headers (« Date », « Type » are known names), the kept mapping untouched
    may = ingest(conn, settings, tmp_path / "mai.csv", source="asbl_quartier", use_kept=False)
    assert may.mapping_line() is None and may.inserted == 1
    assert may.details["colonnes"]["observed_at"] == "Date"
    assert kept_mapping(conn, "asbl_quartier") is not None


def test_no_mapping_is_kept_without_a_source_named_and_another_source_is_not_read_through_it(conn, settings, tmp_path):
    """A mapping given without a source is used for that file only (the file's name changes every month: no key
    to keep it under); a mapping kept for one source is never applied to another's file."""
    mapping = write(tmp_path / "asbl.toml", MAPPING)
    once = ingest(conn, settings, write(tmp_path / "asbl_mars.csv", MARCH), mapping=mapping)
    assert once.inserted == 1 and once.mapping_line() is None
    assert kept_mappings(conn) == []
    ingest(conn, settings, tmp_path / "asbl_mars.csv", source="asbl", mapping=mapping)
    with pytest.raises(InputFileError) as other:
        ingest(conn, settings, write(tmp_path / "avril.csv", APRIL), source="comite_de_quartier")
    assert "correspondance gardée" not in other.value.message
    assert "(--correspondance)" in (other.value.hint or "")


def test_a_broken_mapping_is_refused_before_it_is_kept(conn, tmp_path):
    """What is kept must read: a broken line, a list, a file of another kind are refused with their reason and the
    mapping kept before stays; kept again, the newer one replaces it; forgotten, it is gone."""
    first = keep_mapping(conn, "asbl", "asbl.toml", MAPPING, by="dupont")
    cases = [
        ("asbl.toml", "[colonnes]\nobserved_at = Quand\n", "Fichier de correspondance illisible (asbl.toml)"),
        ("asbl.yaml", "- Quand\n- Quoi\n", "Fichier de correspondance asbl.yaml : un tableau de clés est attendu"),
        ("notes.txt", "Quand = date", "Fichier de correspondance « notes.txt » : un fichier TOML ou YAML est attendu"),
        ("asbl.toml", "[colonne]\nobserved_at = 'Quand'\n", "Fichier de correspondance asbl.toml : sections inconnues"),
    ]
    for name, text, said in cases:
        with pytest.raises(InputFileError) as refused:
            keep_mapping(conn, "asbl", name, text, by="martin")
        assert refused.value.message.startswith(said), refused.value.message
    still = kept_mapping(conn, "ASBL")
    assert still is not None and (still.content, still.kept_by) == (first.content, "dupont")
    as_yaml = "colonnes:\n  observed_at: Quand\n  category: Quoi\n"
    newer = keep_mapping(conn, " Asbl ", "asbl.yml", as_yaml, by="martin")
    assert (newer.source, newer.file_name, newer.kept_by) == ("Asbl", "asbl.yml", "martin")
    assert [k.source for k in kept_mappings(conn)] == ["Asbl"]
    assert forget_mapping(conn, "asbl") and kept_mapping(conn, "asbl") is None
    assert not forget_mapping(conn, "asbl")


def test_every_sheet_of_a_register_is_sought_through_the_kept_mapping(conn, settings, tmp_path):
    """A register kept one sheet per month in the partner's words: with « --toutes-les-feuilles » and no mapping
    given, its sheets are recognised through the mapping kept for its source, on the command line."""
    keep_mapping(conn, "asbl_quartier", "asbl_quartier.toml", MAPPING, by="dupont")
    conn.commit()
    book = openpyxl.Workbook()
    book["Sheet"].title = "Lisez-moi"
    book["Lisez-moi"].append(["Registre de l'association"])
    for month, day in (("Mars", 1), ("Avril", 2)):
        sheet = book.create_sheet(month)
        sheet.append(["Quand", "Quoi", "Nord", "Est"])
        sheet.append([datetime(2026, 2 + day, day, 10), "Vieux frigos", 50.6043 + day / 1e4, 5.5052])
    path = tmp_path / "registre_asbl.xlsx"
    book.save(path)
    env = cli_env(settings, COLUMNS="200")
    done = run_cli("ingest", "reports", str(path), "--toutes-les-feuilles", "--source", "ASBL_quartier", env=env)
    assert done.returncode == 0, done.stderr + done.stdout
    out = " ".join(done.stdout.split())
    assert "2 feuilles importées en autant de lots : 2 enregistrements créés." in out, out
    assert out.count("Correspondance gardée pour « asbl_quartier » appliquée : asbl_quartier.toml") == 2, out
    assert _categories(conn, "asbl_quartier") == ["depot_clandestin", "depot_clandestin"]


def test_the_kept_mappings_from_the_command_line(conn, settings, tmp_path):
    """« hotspots correspondances » lists, shows, keeps and forgets; an import with « --source » and
    « --correspondance » says that it keeps the mapping, the next one that it applied it; an unknown source is
    refused naming it and how to see the others."""
    env = cli_env(settings, COLUMNS="200")
    empty = run_cli("correspondances", "lister", env=env)
    assert empty.returncode == 0 and "Aucune correspondance gardée." in empty.stdout, empty.stdout
    mapping = write(tmp_path / "asbl_quartier.toml", MAPPING)
    march = write(tmp_path / "mars.csv", MARCH)
    first = run_cli(
        "ingest", "reports", str(march), "--source", "asbl_quartier", "--correspondance", str(mapping), env=env
    )
    assert first.returncode == 0, first.stderr
    assert "Correspondance asbl_quartier.toml gardée pour la source « asbl_quartier »" in first.stdout, first.stdout
    april = run_cli(
        "ingest", "reports", str(write(tmp_path / "avril.csv", APRIL)), "--source", "asbl_quartier", env=env
    )
    assert april.returncode == 0, april.stderr
    assert "Correspondance gardée pour « asbl_quartier » appliquée : asbl_quartier.toml (gardée le " in april.stdout
    assert "par cli:" in april.stdout
    listed = run_cli("correspondances", "lister", "--json", env=env)
    rows = json.loads(listed.stdout)
    assert [(r["source"], r["fichier"]) for r in rows] == [("asbl_quartier", "asbl_quartier.toml")]
    assert rows[0]["par"].startswith("cli:")
    shown = run_cli("correspondances", "montrer", "ASBL_Quartier", env=env)
    assert shown.returncode == 0 and '"Vieux frigos" = "depot_clandestin"' in shown.stdout, shown.stdout
    yaml_file = write(tmp_path / "comite.yaml", "colonnes:\n  observed_at: Quand\n  category: Quoi\n")
    kept = run_cli("correspondances", "garder", "Comité de quartier", str(yaml_file), env=env)
    assert kept.returncode == 0, kept.stderr
    assert "Correspondance comite.yaml gardée pour la source « Comité de quartier »" in kept.stdout
    broken = run_cli("correspondances", "garder", "comite", str(write(tmp_path / "x.toml", "[colonnes\n")), env=env)
    assert broken.returncode != 0 and "Fichier de correspondance illisible (x.toml)" in broken.stderr
    gone = run_cli("correspondances", "oublier", "asbl_quartier", env=env)
    assert (
        gone.returncode == 0
        and "Correspondance gardée pour les signalements de « asbl_quartier » oubliée." in gone.stdout
    )
    again = run_cli("correspondances", "oublier", "asbl_quartier", env=env)
    assert again.returncode != 0
    assert "Aucune correspondance gardée pour les signalements de la source « asbl_quartier »." in again.stderr, (
        again.stderr
    )
    assert "hotspots correspondances lister" in again.stderr
    assert [k.source for k in kept_mappings(conn)] == ["Comité de quartier"]


def test_the_kept_mappings_through_the_api(settings, conn, auth):
    """A planner lists, keeps (a file sent) and forgets; a broken file is refused with its reason and nothing is
    kept; a reader may not; an import from the map applies the kept mapping and says so, or sets it aside when asked."""
    planner = auth["planificateur"]
    with TestClient(create_app(settings)) as app:
        assert app.get("/api/correspondances", headers=planner).json() == []
        assert app.get("/api/correspondances", headers=auth["lecteur"]).status_code == 403
        broken = app.put(
            "/api/correspondances/asbl", files={"fichier": ("asbl.toml", b"[colonnes\n", "text/plain")}, headers=planner
        )
        assert broken.status_code == 422 and broken.json()["erreur"].startswith(
            "Fichier de correspondance illisible (asbl.toml)"
        )
        assert app.get("/api/correspondances", headers=planner).json() == []
        put = app.put(
            "/api/correspondances/ASBL quartier",
            files={"fichier": ("asbl.toml", MAPPING.encode(), "application/toml")},
            headers=planner,
        )
        assert put.status_code == 200, put.text
        assert (put.json()["source"], put.json()["fichier"], put.json()["par"]) == (
            "ASBL quartier",
            "asbl.toml",
            "test.planificateur",
        )
        sent = {"fichier": ("avril.csv", APRIL.encode(), "text/csv")}
        r = app.post("/api/imports/signalements?source=asbl%20quartier", files=sent, headers=planner)
        assert r.status_code == 200, r.text
        assert "Correspondance gardée pour « ASBL quartier » appliquée : asbl.toml (gardée le " in " ".join(
            r.json()["phrases"]
        )
        aside = app.post(
            "/api/imports/signalements?source=asbl%20quartier&correspondance_gardee=false", files=sent, headers=planner
        )
        assert aside.status_code == 422 and "correspondance gardée" not in aside.json()["erreur"]
        assert app.delete("/api/correspondances/asbl%20quartier", headers=auth["lecteur"]).status_code == 403
        gone = app.delete("/api/correspondances/Asbl%20Quartier", headers=planner)
        assert gone.status_code == 200 and gone.json() == {
            "source": "ASBL quartier",
            "type": "signalements",
            "oubliee": True,
        }
        assert app.delete("/api/correspondances/asbl%20quartier", headers=planner).status_code == 404
        # a mapping per kind of file: the permits' one beside the reports', forgotten alone
        for kind, name in (("signalements", "plaintes.toml"), ("permis", "permis.toml")):
            text = MAPPING if kind == "signalements" else '[colonnes]\nreference = "Dossier"\n'
            put = app.put(
                f"/api/correspondances/Ville%20de%20Seraing?type={kind}",
                files={"fichier": (name, text.encode(), "application/toml")},
                headers=planner,
            )
            assert put.status_code == 200 and put.json()["type"] == kind, put.text
        listed = app.get("/api/correspondances", headers=planner).json()
        assert [(k["cle"], k["type"], k["fichier"]) for k in listed] == [
            ("ville de seraing", "signalements", "plaintes.toml"),
            ("ville de seraing", "permis", "permis.toml"),
        ]
        assert app.delete("/api/correspondances/ville-de-seraing?type=visites", headers=planner).status_code == 404
        assert app.delete("/api/correspondances/Ville%20de%20Seraing?type=inconnu", headers=planner).status_code == 422
        gone = app.delete("/api/correspondances/ville-de-seraing?type=permis", headers=planner)
        assert gone.json() == {"source": "Ville de Seraing", "type": "permis", "oubliee": True}, gone.text
        listed = app.get("/api/correspondances", headers=planner).json()
        assert [(k["type"], k["fichier"]) for k in listed] == [("signalements", "plaintes.toml")]
        logged = conn.execute(
            "SELECT action FROM private.access_log WHERE action LIKE 'correspondance%%' ORDER BY id"
        ).fetchall()
        said = ["gardee", "oubliee", "gardee", "gardee", "oubliee"]
        assert [a for (a,) in logged] == [f"correspondance_{w}" for w in said]


def test_a_mapping_is_found_under_its_source_typed_with_other_punctuation_and_named_as_the_service_knows_it(
    conn, settings, tmp_path
):
    mapping = write(tmp_path / "m.toml", MAPPING)
    first = ingest(conn, settings, write(tmp_path / "mars.csv", MARCH), source="ASBL_Quartier", mapping=mapping)
    assert first.inserted == 1, first.details
    # the next month typed with a hyphen and an accent: the same source, read through its mapping, named as known
    april = ingest(conn, settings, write(tmp_path / "avril.csv", APRIL), source="asbl-quartiér")
    assert april.inserted == 2 and april.details["correspondance"]["etat"] == "appliquee", april.details
    assert april.mapping_line().startswith("Correspondance gardée pour « ASBL_Quartier » appliquée : m.toml")
    assert [k.source for k in kept_mappings(conn)] == ["ASBL_Quartier"]
    assert forget_mapping(conn, "Asbl Quartier") == "ASBL_Quartier" and kept_mappings(conn) == []


def test_the_migration_writes_the_kept_mappings_keys_with_punctuation_set_aside(conn):
    """Mappings kept before the keys set punctuation and accents aside: each found again under its new key, named
    as it was shown; of two that become one key, the last kept stays."""
    sql = resources.files("service.db").joinpath("migrations/0087_source_key_punctuation.sql").read_text()
    with conn.transaction(force_rollback=True):
        conn.execute("ALTER TABLE source_mappings DROP COLUMN name")
        conn.execute(
            """INSERT INTO source_mappings (source, kind, file_name, content, kept_at) VALUES
               ('asbl_quartier', 'reports', 'vieux.toml', '[colonnes]', '2026-01-01'),
               ('asbl quartier', 'reports', 'neuf.toml', '[colonnes]', '2026-02-01'),
               ('comité d''ougrée', 'reports', 'comite.toml', '[colonnes]', '2026-01-15'),
               ('---', 'reports', 'tirets.toml', '[colonnes]', '2026-01-15')"""
        )
        conn.execute(sql)
        rows = conn.execute("SELECT source, name, file_name FROM source_mappings ORDER BY source").fetchall()
        assert rows == [
            ("---", "---", "tirets.toml"),
            ("asbl quartier", "asbl quartier", "neuf.toml"),
            ("comite d ougree", "comité d'ougrée", "comite.toml"),
        ]
        assert kept_mapping(conn, "Comité-d'Ougrée").file_name == "comite.toml"
        assert kept_mapping(conn, "ASBL_QUARTIER").source == "asbl quartier"


#: The commune's permits register, in its own words too: kept beside its reports' mapping, not in its place.
PERMITS = (
    "Dossier;Genre;Classe;Exploitant;Activité;Adresse;Code postal;Commune;Date décision;Fin validité;X;Y\n"
    "PE/2020/0200;Permis d'environnement;3;Menuiserie Lambert SRL;Menuiserie;Rue Cockerill 5;4100;Seraing;"
    "01/06/2020;31/05/2030;233000;146000\n"
)
PERMITS_MAPPING = '[colonnes]\nreference = "Dossier"\npermit_type = "Genre"\nx = "X"\ny = "Y"\n'


def test_a_source_keeps_one_mapping_per_kind_of_file(conn, settings, tmp_path):
    """A commune sends its complaints and its permits, each laid out its own way: the permits' mapping is kept
    beside the reports', and each next file is read through its own kind's (before, the permits' replaced the
    reports', and the next reports file was refused through it). The command line lists, shows and forgets them
    by kind."""
    reports_mapping = write(tmp_path / "plaintes.toml", MAPPING)
    march = ingest(
        conn, settings, write(tmp_path / "mars.csv", MARCH), source="Ville de Seraing", mapping=reports_mapping
    )
    permits = ingest(
        conn,
        settings,
        write(tmp_path / "permis.csv", PERMITS),
        "permits",
        source="VILLE DE SERAING",
        mapping=write(tmp_path / "permis.toml", PERMITS_MAPPING),
    )
    assert (march.inserted, permits.inserted) == (1, 1), permits.details
    assert [(k.source, k.kind, k.file_name) for k in kept_mappings(conn)] == [
        ("Ville de Seraing", "reports", "plaintes.toml"),
        ("Ville de Seraing", "permits", "permis.toml"),
    ]
    april = ingest(conn, settings, write(tmp_path / "avril.csv", APRIL), source="ville de seraing")
    assert april.inserted == 2 and april.mapping_line().startswith(
        "Correspondance gardée pour « Ville de Seraing » appliquée : plaintes.toml"
    )
    later = PERMITS.replace("PE/2020/0200", "PE/2021/0014").replace("Rue Cockerill 5", "Rue Cockerill 7")
    again = ingest(conn, settings, write(tmp_path / "permis_2.csv", later), "permits", source="Ville de Seraing")
    assert again.inserted == 1 and again.mapping_line().startswith(
        "Correspondance gardée pour « Ville de Seraing » appliquée : permis.toml"
    )
    assert kept_mapping(conn, "ville de seraing", "visits") is None
    env = cli_env(settings, COLUMNS="200")
    listed = json.loads(run_cli("correspondances", "lister", "--json", env=env).stdout)
    assert [(r["source"], r["type"], r["fichier"]) for r in listed] == [
        ("Ville de Seraing", "signalements", "plaintes.toml"),
        ("Ville de Seraing", "permis", "permis.toml"),
    ]
    shown = run_cli("correspondances", "montrer", "Ville de Seraing", "--type", "permis", env=env)
    assert shown.returncode == 0 and 'reference = "Dossier"' in shown.stdout, shown.stdout
    wrong = run_cli("correspondances", "oublier", "Ville de Seraing", "--type", "plaintes", env=env)
    assert wrong.returncode != 0 and "type de fichiers inconnu : « plaintes »" in wrong.stderr, wrong.stderr
    gone = run_cli("correspondances", "oublier", "Ville de Seraing", "--type", "permis", env=env)
    assert "Correspondance gardée pour les permis de « Ville de Seraing » oubliée." in gone.stdout, gone.stdout
    assert [(k.kind, k.file_name) for k in kept_mappings(conn)] == [("reports", "plaintes.toml")]


def test_the_migration_gives_each_mapping_kept_before_the_kind_its_fields_name(conn):
    """One mapping per source before: each is given the kind of file its fields say (a visit's outcome, a permit's
    reference, else reports), in TOML as in YAML."""
    sql = resources.files("service.db").joinpath("migrations/0088_mapping_per_kind.sql").read_text()
    with conn.transaction(force_rollback=True):
        conn.execute("ALTER TABLE source_mappings DROP CONSTRAINT source_mappings_pkey, DROP COLUMN kind")
        conn.execute("ALTER TABLE source_mappings ADD PRIMARY KEY (source)")
        conn.execute(
            "INSERT INTO source_mappings (source, name, file_name, content) VALUES (%s, %s, %s, %s), "
            "(%s, %s, %s, %s), (%s, %s, %s, %s)",
            (
                *("asbl quartier", "ASBL Quartier", "asbl.toml", MAPPING),
                *("police", "Police", "pv.yaml", "colonnes:\n  visited_at: Quand\n  outcome: Suite\n"),
                *("ville de seraing", "Ville de Seraing", "permis.toml", PERMITS_MAPPING),
            ),
        )
        conn.execute(sql)
        kinds = conn.execute("SELECT source, kind FROM source_mappings ORDER BY source").fetchall()
        assert kinds == [("asbl quartier", "reports"), ("police", "visits"), ("ville de seraing", "permits")]
        assert kept_mapping(conn, "Police", "visits").file_name == "pv.yaml"


def test_the_migration_joins_the_acronyms_of_the_kept_mappings_keys(conn):
    """Keys written before acronyms were one word (« a s b l quartier », as 0087 left « A.S.B.L. Quartier »): each
    found again under its acronym joined, per kind; of two of one kind that become one key, the last kept stays; a
    letter standing alone (« d » of « Comité d'Ougrée ») and a number between letters are left as they were."""
    sql = resources.files("service.db").joinpath("migrations/0089_source_key_acronyms.sql").read_text()
    with conn.transaction(force_rollback=True):
        conn.execute(
            """INSERT INTO source_mappings (source, name, kind, file_name, content, kept_at) VALUES
               ('a s b l quartier', 'A.S.B.L. Quartier', 'reports', 'vieux.toml', '[colonnes]', '2026-01-01'),
               ('asbl quartier', 'ASBL_Quartier', 'reports', 'neuf.toml', '[colonnes]', '2026-02-01'),
               ('a s b l quartier', 'A.S.B.L. Quartier', 'visits', 'visites.toml', '[colonnes]', '2026-01-01'),
               ('comite d ougree', 'Comité d''Ougrée', 'reports', 'comite.toml', '[colonnes]', '2026-01-15'),
               ('p z seraing neupre', 'P.Z. Seraing-Neupré', 'visits', 'pz.toml', '[colonnes]', '2026-01-15'),
               ('zone 5 a b', 'Zone 5 A B', 'reports', 'zone.toml', '[colonnes]', '2026-01-15')"""
        )
        conn.execute(sql)
        rows = conn.execute("SELECT source, kind, file_name FROM source_mappings ORDER BY source, kind").fetchall()
        assert rows == [
            ("asbl quartier", "reports", "neuf.toml"),
            ("asbl quartier", "visits", "visites.toml"),
            ("comite d ougree", "reports", "comite.toml"),
            ("pz seraing neupre", "visits", "pz.toml"),
            ("zone 5 ab", "reports", "zone.toml"),
        ]
        assert kept_mapping(conn, "A.S.B.L.-Quartier", "visits").file_name == "visites.toml"
        assert kept_mapping(conn, "PZ Seraing-Neupré", "visits").file_name == "pz.toml"
        assert kept_mapping(conn, "Comité d'Ougrée").file_name == "comite.toml"
