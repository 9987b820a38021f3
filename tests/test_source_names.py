"""A source typed with other capitals, accents, spaces or punctuation is the source the service already knows: a
partner's file imported again under « asbl_quartier » is not stored a second time beside « ASBL_Quartier »'s
rows."""

from __future__ import annotations

import json

import pytest

from service.ingest.source_names import (
    as_known,
    known_sources,
    near_source_words,
    respelling_words,
    source_key,
    sources_in_use,
    stored_sources,
)
from tests.helpers import cli_env, count, ingest, run_cli, write

#: A neighbourhood association's export: no source column, the source is given on the import.
EXPORT = (
    "Date;Catégorie;Latitude;Longitude;Description\n"
    "01/03/2026 10:00;Dépôt clandestin;50.6097927;5.5120109;Sacs poubelle au pied du mur\n"
    "02/03/2026 09:30;Graffiti;50.6043;5.5052;Tag sur la façade de l'école\n"
)
#: An intercommunal's export with its own source column, written three ways by three of its agents.
WITH_SOURCE_COLUMN = (
    "Date;Catégorie;Latitude;Longitude;Source\n"
    "03/03/2026 08:00;Dépôt clandestin;50.6050;5.5060;INTERCOMMUNALE\n"
    "10/03/2026 08:10;Encombrants;50.6020;5.5100;  intercommunale \n"
    "17/03/2026 08:20;Dépôt clandestin;50.6080;5.5000;Intercommunale\n"
    "24/03/2026 08:30;Graffiti;50.6000;5.5150;Appel citoyen\n"
    "25/03/2026 08:40;Graffiti;50.6010;5.5160;APPEL CITOYEN\n"
    "26/03/2026 08:50;Graffiti;50.6020;5.5170;appel  citoyen\n"
)


def _sources(conn) -> dict[str, int]:
    return dict(conn.execute("SELECT source, count(*) FROM reports GROUP BY source ORDER BY source").fetchall())


def test_a_file_imported_again_under_its_source_typed_otherwise_is_not_stored_twice(conn, settings, tmp_path):
    path = write(tmp_path / "asbl_mars.csv", EXPORT)
    first = ingest(conn, settings, path, source="ASBL_Quartier")
    assert first.inserted == 2 and "source_connue" not in first.details
    assert respelling_words(first.details) is None

    again = ingest(conn, settings, path, source="  asbl_quartier ")
    assert again.inserted == 0 and again.details["doublons_identiques_en_base"] == 2, again.details
    assert _sources(conn) == {"ASBL_Quartier": 2}
    said = (
        "Source « asbl_quartier » rangée sous « ASBL_Quartier », le nom que le service lui connaît déjà (majuscules, "
        "accents, espaces et ponctuation mis à part)."
    )
    assert again.notes()[0] == said
    assert said in again.to_dict()["phrases"]
    assert again.details["source_par_defaut"] == "ASBL_Quartier"

    # nor a third time under its name hyphenated
    hyphen = ingest(conn, settings, path, source="asbl-Quartier")
    assert hyphen.inserted == 0 and hyphen.details["source_connue"]["connue"] == "ASBL_Quartier"

    # nor a fourth time under its acronym written with dots
    dotted = ingest(conn, settings, path, source="A.S.B.L. Quartier")
    assert dotted.inserted == 0 and dotted.details["source_connue"]["connue"] == "ASBL_Quartier"

    # another source is not taken for it, nor pointed out as a misspelling of it
    other = ingest(conn, settings, path, source="ASBL Quartier Nord")
    assert "source_connue" not in other.details and other.details["quasi_doublons_lies"] == 2
    assert "sources_proches" not in other.details and near_source_words(other.details) is None
    assert _sources(conn) == {"ASBL Quartier Nord": 2, "ASBL_Quartier": 2}


def test_a_new_source_a_letter_from_a_known_one_is_stored_apart_and_pointed_out(conn, settings, tmp_path):
    """« ASBL Quartiers » typed for « ASBL_Quartier » on April's file: a new source (the service does not guess a
    spelling), whose rows are stored under it, but the account points at the known one and says how to put the rows
    under it — the map's « Annuler cet import », or the command that merges the two names, which then leaves one
    source. The same file imported again under the new spelling is said the same way (its rows near-duplicates)."""
    ingest(conn, settings, write(tmp_path / "asbl_mars.csv", EXPORT), source="ASBL_Quartier")
    april = write(tmp_path / "asbl_avril.csv", EXPORT.replace("/03/2026", "/04/2026"))
    plural = ingest(conn, settings, april, source="ASBL Quartiers")
    assert plural.inserted == 2 and "source_connue" not in plural.details
    assert plural.details["sources_proches"] == [
        {"nouvelle": "ASBL Quartiers", "connue": "ASBL_Quartier", "colonne": False}
    ]
    said = (
        "Attention : source « ASBL Quartiers » nouvelle pour le service, proche de « ASBL_Quartier » qu'il connaît "
        "déjà. Si c'est la même, annulez ce lot et importez le fichier de nouveau sous « ASBL_Quartier », ou rangez "
        'ses lignes sous ce nom : hotspots sources fusionner "ASBL Quartiers" "ASBL_Quartier".'
    )
    assert said in plural.notes() and said in plural.to_dict()["phrases"]
    assert _sources(conn) == {"ASBL Quartiers": 2, "ASBL_Quartier": 2}
    # the command the sentence gives does what it says: one source left, with its four rows
    merged = run_cli("sources", "fusionner", "ASBL Quartiers", "ASBL_Quartier", env=cli_env(settings))
    assert merged.returncode == 0, merged.stderr
    assert _sources(conn) == {"ASBL_Quartier": 4}
    # March's file again under a letter off: its rows stored apart as near-duplicates, the same warning
    again = ingest(conn, settings, tmp_path / "asbl_mars.csv", source="ASBL Quartir")
    assert again.details["quasi_doublons_lies"] == 2
    assert [n["connue"] for n in again.details["sources_proches"]] == ["ASBL_Quartier"]
    # names far enough apart are not pointed out: another district, a number, a short name
    for other in ("ASBL Quartier Sud", "Zone 2", "ASBL"):
        assert "sources_proches" not in ingest(conn, settings, april, source=other).details, other


def test_a_source_column_naming_a_known_source_a_letter_off_is_pointed_out(conn, settings, tmp_path):
    """An intercommunal's file whose source column writes « Intercomunale » for the stored « INTERCOMMUNALE » and
    « Apel citoyen » for « Appel citoyen »: both new sources, stored as written, and the account names each with
    the known one and the commands that put their rows under it; a new source far from any is not named."""
    ingest(conn, settings, write(tmp_path / "mars.csv", WITH_SOURCE_COLUMN))
    april = (
        WITH_SOURCE_COLUMN.replace("/03/2026", "/04/2026")
        .replace(";Intercommunale\n", ";Intercomunale\n")
        .replace(";APPEL CITOYEN\n", ";Apel citoyen\n")
        .replace(";appel  citoyen\n", ";Comité de quartier\n")
    )
    summary = ingest(conn, settings, write(tmp_path / "avril.csv", april))
    assert summary.details["sources_proches"] == [
        {"nouvelle": "Intercomunale", "connue": "INTERCOMMUNALE", "colonne": True},
        {"nouvelle": "Apel citoyen", "connue": "Appel citoyen", "colonne": True},
    ]
    said = (
        "Attention : sources nouvelles pour le service, à une lettre ou deux d'une source qu'il connaît déjà : "
        "« Intercomunale » (proche de « INTERCOMMUNALE »), « Apel citoyen » (proche de « Appel citoyen »). Si ce "
        'sont les mêmes, rangez leurs lignes sous le nom connu : hotspots sources fusionner "Intercomunale" '
        '"INTERCOMMUNALE" ; hotspots sources fusionner "Apel citoyen" "Appel citoyen" (et corrigez la colonne de '
        "source du fichier pour le prochain envoi)."
    )
    assert said in summary.notes()
    assert _sources(conn)["Intercomunale"] == 1 and _sources(conn)["Comité de quartier"] == 1
    # one such source alone is said in the singular
    may = WITH_SOURCE_COLUMN.replace("/03/2026", "/05/2026").replace(";Intercommunale\n", ";Intercommunal\n")
    alone = ingest(conn, settings, write(tmp_path / "mai.csv", may)).notes()
    assert (
        "Attention : source nouvelle pour le service, à une lettre ou deux d'une source qu'il connaît déjà : "
        "« Intercommunal » (proche de « INTERCOMMUNALE »). Si c'est la même, rangez ses lignes sous le nom connu : "
        'hotspots sources fusionner "Intercommunal" "INTERCOMMUNALE" (et corrigez la colonne de source du fichier '
        "pour le prochain envoi)."
    ) in alone, alone


def test_a_source_column_s_spellings_go_under_the_source_already_known(conn, settings, tmp_path):
    ingest(conn, settings, write(tmp_path / "asbl.csv", EXPORT), source="Intercommunale")
    summary = ingest(conn, settings, write(tmp_path / "intercommunale.csv", WITH_SOURCE_COLUMN))
    assert summary.inserted == 6
    # the intercommunal under its stored name; the residents' line, new, under its first spelling in the file
    assert _sources(conn) == {"Appel citoyen": 3, "Intercommunale": 5}
    assert summary.details["sources_reecrites"] == 4
    assert (
        "4 lignes dont la colonne de source écrit autrement (majuscules, accents, ponctuation) une source que le "
        "service connaît, ou déjà lue plus haut dans le fichier : rangées sous ce nom." in summary.notes()
    )


def test_a_new_source_is_stored_as_given_with_its_spaces_reduced(conn, settings, tmp_path):
    summary = ingest(conn, settings, write(tmp_path / "asbl.csv", EXPORT), source="  Comité   de quartier ")
    assert _sources(conn) == {"Comité de quartier": 2}
    assert respelling_words(summary.details) is None
    assert count(conn, "reports", "source = 'Comité de quartier'") == 2


def test_the_sources_stored_are_found_by_their_key_the_first_spelling_when_two_were_kept(conn, settings, tmp_path):
    assert stored_sources(conn, "reports") == {}
    path = write(tmp_path / "asbl.csv", EXPORT)
    ingest(conn, settings, path, source="ASBL")
    # two spellings stored before sources were matched
    conn.execute("UPDATE reports SET source = 'asbl' WHERE id = (SELECT min(id) FROM reports)")
    known = stored_sources(conn, "reports")
    assert known == {"asbl": "ASBL"}, known
    assert source_key("  ASBL   Quartier ") == "asbl quartier"
    # accents and punctuation set aside too, the name's letters kept
    assert {source_key(s) for s in ("ASBL_Quartier", "asbl-quartier", "A.S.B.L. Quartier", "Asbl Quartier")} == {
        "asbl quartier"
    }
    # an acronym written with its dots or spaces is one word; a letter alone, or beside a number, stays apart
    assert source_key("P.Z. Seraing-Neupré") == source_key("PZ Seraing Neupre") == "pz seraing neupre"
    assert source_key("a.s.b.l") == "asbl" and source_key("Zone 5 A B") == "zone 5 ab"
    assert source_key("Quartier A") == "quartier a" and source_key("Lot 3 b 4") == "lot 3 b 4"
    assert source_key("Comité d'Ougrée") == source_key("comite d ougree") == "comite d ougree"
    assert source_key("Œuvre Sœurs") == "oeuvre soeurs" and source_key("Полиция") == "полиция"
    assert source_key(" --- ") == "---"  # punctuation alone stays itself, never an empty key
    assert as_known(" asbl ", known) == "ASBL"
    assert as_known("Police  locale", known) == "Police locale"


#: The same partner's permits file, its name typed as in the reports' imports but in capitals.
PERMITS = (
    "Référence;Type de permis;Classe;Exploitant;Activité;Adresse;Code postal;Commune;Date décision;Fin validité;"
    "X Lambert 72;Y Lambert 72\n"
    "PE/2020/0200;Permis d'environnement;3;Menuiserie Lambert SRL;Menuiserie;Rue Cockerill 5;4100;Seraing;"
    "01/06/2020;31/05/2030;233000;146000\n"
)


def test_a_partner_s_permits_go_under_the_name_its_reports_have_and_the_import_form_offers_it(conn, settings, tmp_path):
    ingest(conn, settings, write(tmp_path / "asbl.csv", EXPORT), source="Ville de Seraing")
    permits = ingest(conn, settings, write(tmp_path / "permis.csv", PERMITS), "permits", source="VILLE DE SERAING")
    assert permits.inserted == 1 and permits.details["source_connue"]["connue"] == "Ville de Seraing"
    assert conn.execute("SELECT DISTINCT source FROM permits").fetchall() == [("Ville de Seraing",)]
    ingest(conn, settings, write(tmp_path / "comite.csv", EXPORT.replace("10:00", "11:00")), source="comité Ougrée")
    assert sources_in_use(conn) == [("comité Ougrée", "signalements"), ("Ville de Seraing", "signalements, permis")]
    # the permits' own spelling first for a permits file: another table's second spelling does not override it
    conn.execute("UPDATE reports SET source = 'VILLE de seraing' WHERE source = 'Ville de Seraing'")
    assert known_sources(conn, "permits")["ville de seraing"] == "Ville de Seraing"
    assert known_sources(conn, "reports")["ville de seraing"] == "VILLE de seraing"


#: The same association's April export: other reports than March's.
APRIL = (
    "Date;Catégorie;Latitude;Longitude;Description\n"
    "01/04/2026 10:30;Dépôt clandestin;50.6098;5.5121;Sacs au même coin\n"
    "03/04/2026 08:00;Déjections canines;50.6050;5.5060;Trottoir devant l'école\n"
)


def test_two_spellings_stored_before_are_listed_and_merged_into_one(conn, settings, tmp_path):
    """« ASBL Quartier » and « ASBL-Quartier », stored before sources were matched: « hotspots sources » lists them
    with their rows and says they are one source; merged, the second's rows are the first's, the near-duplicate
    links between them (now one source) are undone — one report counts again, the other is linked to a third
    source's report of the same fact — and its kept mapping follows. Two names holding the same rows (one file
    imported under both) are refused, nothing changed, naming the batch to withdraw first."""
    from service.errors import ConflictError
    from service.ingest.kept_mapping import keep_mapping, kept_mappings
    from service.ingest.source_merge import merge_sources

    march = ingest(conn, settings, write(tmp_path / "mars.csv", EXPORT), source="ASBL Quartier")
    # the intercommunal saw April's dog mess an hour later, at the same door
    seen = "Date;Catégorie;Latitude;Longitude\n03/04/2026 09:00;Déjections canines;50.60502;5.50602\n"
    ingest(conn, settings, write(tmp_path / "interco.csv", seen), source="Intercommunale")
    april = ingest(conn, settings, write(tmp_path / "avril.csv", APRIL), source="ASBL Quartier")
    interco = conn.execute("SELECT id FROM reports WHERE source = 'Intercommunale'").fetchone()[0]
    ids = [r for (r,) in conn.execute("SELECT id FROM reports WHERE batch_id = %s ORDER BY id", (april.batch_id,))]
    assert conn.execute("SELECT duplicate_of FROM reports WHERE id = %s", (ids[1],)).fetchone() == (interco,)
    # as they were kept before: April's under another spelling, each linked as a near-duplicate of a March report
    conn.execute("UPDATE reports SET source = 'ASBL-Quartier' WHERE batch_id = %s", (april.batch_id,))
    march_ids = [
        r for (r,) in conn.execute("SELECT id FROM reports WHERE batch_id = %s ORDER BY id", (march.batch_id,))
    ]
    for report, original in zip(ids, march_ids, strict=True):
        conn.execute("UPDATE reports SET duplicate_of = %s WHERE id = %s", (original, report))
    keep_mapping(conn, "ASBL-Quartier", "asbl.toml", '[colonnes]\nobserved_at = "Date"\n', by="test", kind="visits")
    conn.commit()
    env = cli_env(settings, COLUMNS="200")
    listed = run_cli("sources", env=env)
    assert listed.returncode == 0, listed.stderr
    assert "Même source écrite de plusieurs façons : « ASBL Quartier », « ASBL-Quartier »" in listed.stdout
    assert 'hotspots sources fusionner "ASBL-Quartier" "ASBL Quartier"' in listed.stdout, listed.stdout
    rows = json.loads(run_cli("sources", "--json", env=env).stdout)
    assert rows["sources"] == [
        {"source": "ASBL Quartier", "signalements": 2},
        {"source": "ASBL-Quartier", "signalements": 2},
        {"source": "Intercommunale", "signalements": 1},
    ]

    # a third name holding March's rows again (the file imported under it too): refused, naming its batch
    again = ingest(conn, settings, write(tmp_path / "mars_bis.csv", EXPORT), source="Quartier Nord")
    with pytest.raises(ConflictError) as held, conn.transaction():
        merge_sources(conn, settings, "Quartier Nord", "ASBL Quartier")
    assert held.value.message.startswith(
        f"Sources non fusionnées : 2 signalements de « Quartier Nord » (importés sous ce nom par le lot "
        f"{again.batch_id}) sont déjà enregistrés sous « ASBL Quartier »"
    ), held.value.message
    assert "hotspots annuler-lot N --motif" in held.value.hint
    assert _sources(conn) == {"ASBL Quartier": 2, "ASBL-Quartier": 2, "Intercommunale": 1, "Quartier Nord": 2}

    merged = run_cli("sources", "fusionner", "ASBL-Quartier", "ASBL Quartier", env=env)
    assert merged.returncode == 0, merged.stderr
    said = (
        "Source « ASBL-Quartier » fusionnée dans « ASBL Quartier » : 2 signalements. 2 signalements, liés comme "
        "quasi-doublons d'un signalement de l'autre graphie, désormais de la même source : 1 compte à nouveau et 1 "
        "est lié au signalement d'une autre source qui dit le même fait. "
        "Correspondance gardée pour ses visites reprise sous « ASBL Quartier »."
    )
    assert " ".join(merged.stdout.split()) == said, merged.stdout
    assert _sources(conn) == {"ASBL Quartier": 4, "Intercommunale": 1, "Quartier Nord": 2}
    linked = conn.execute("SELECT id, duplicate_of FROM reports WHERE id = ANY(%s) ORDER BY id", (ids,)).fetchall()
    assert linked == [(ids[0], None), (ids[1], interco)]  # counted again; linked again to the intercommunal's
    assert [(k.source, k.kind) for k in kept_mappings(conn)] == [("ASBL Quartier", "visits")]
    unknown = run_cli("sources", "fusionner", "ASBL-Quartier", "ASBL Quartier", env=env)
    assert unknown.returncode != 0 and "Aucune ligne enregistrée sous la source « ASBL-Quartier »." in unknown.stderr
    logged = conn.execute("SELECT action FROM private.access_log WHERE action = 'sources_fusionnees'").fetchall()
    assert logged == [("sources_fusionnees",)]


def test_the_api_lists_the_sources_and_merges_two_spellings_as_the_map_s_button_does(conn, settings, auth, tmp_path):
    """« Ranger les lignes de « ASBL Quartiers » sous « ASBL_Quartier » » under a map import's account: the API
    lists the sources with their rows and the spellings one key joins, and merges two names (planners, logged);
    refused with the reason when the names are one, when the old one holds nothing, and when both hold the same
    rows (the same file imported under both: its batch to withdraw first)."""
    from fastapi.testclient import TestClient

    from service.api import create_app

    march = write(tmp_path / "asbl_mars.csv", EXPORT)
    ingest(conn, settings, march, source="ASBL_Quartier")
    ingest(
        conn,
        settings,
        write(tmp_path / "asbl_avril.csv", EXPORT.replace("/03/2026", "/04/2026")),
        source="ASBL Quartiers",
    )
    # a spelling kept before sources were matched: one of April's rows under it
    conn.execute("UPDATE reports SET source = 'asbl-quartier' WHERE id = (SELECT max(id) FROM reports)")
    conn.commit()
    planner = auth["planificateur"]
    with TestClient(create_app(settings)) as app:
        listed = app.get("/api/sources", headers=planner).json()
        assert listed == {
            "sources": [
                {"source": "ASBL_Quartier", "signalements": 2},
                {"source": "asbl-quartier", "signalements": 1},
                {"source": "ASBL Quartiers", "signalements": 1},
            ],
            "graphies_voisines": [["ASBL_Quartier", "asbl-quartier"]],
            "graphies_proches": [["ASBL Quartiers", "ASBL_Quartier"]],  # the one with fewer rows first
        }
        said = " ".join(run_cli("sources", env=cli_env(settings, COLUMNS="200")).stdout.split())
        assert (
            "Sources proches (une lettre ou deux) : « ASBL Quartiers » et « ASBL_Quartier » — si c'est la même, "
            '« hotspots sources fusionner "ASBL Quartiers" "ASBL_Quartier" » les réunit.'
        ) in said, said
        same = app.post(
            "/api/sources/fusion", json={"ancienne": "ASBL_Quartier", "nouvelle": " ASBL_Quartier "}, headers=planner
        )
        assert same.status_code == 422 and "deux noms de source différents" in same.json()["erreur"], same.json()
        unknown = app.post(
            "/api/sources/fusion", json={"ancienne": "ASBL Quartier", "nouvelle": "ASBL_Quartier"}, headers=planner
        )
        assert unknown.status_code == 404 and "« ASBL Quartier »" in unknown.json()["erreur"], unknown.json()
        done = app.post(
            "/api/sources/fusion", json={"ancienne": "ASBL Quartiers", "nouvelle": "ASBL_Quartier"}, headers=planner
        )
        assert done.status_code == 200, done.text
        assert done.json() == {
            "ancienne": "ASBL Quartiers",
            "nouvelle": "ASBL_Quartier",
            "lignes": {"signalements": 1, "visites": 0, "permis": 0},
            "phrase": "Source « ASBL Quartiers » fusionnée dans « ASBL_Quartier » : 1 signalement.",
        }
        # March's file imported again under a third spelling: the same rows under two names, refused as it stands
        ingest(conn, settings, march, source="Quartier ASBL")
        held = app.post(
            "/api/sources/fusion", json={"ancienne": "Quartier ASBL", "nouvelle": "ASBL_Quartier"}, headers=planner
        )
        assert held.status_code == 409 and "Annulez d'abord le lot" in held.json()["conseil"], held.json()
    assert _sources(conn) == {"ASBL_Quartier": 3, "Quartier ASBL": 2, "asbl-quartier": 1}
    logged = conn.execute("SELECT detail FROM private.access_log WHERE action = 'sources_fusionnees'").fetchall()
    assert [d["ancienne"] for (d,) in logged] == ["ASBL Quartiers"]
