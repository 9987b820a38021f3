"""An IT administrator's day, on a real PostgreSQL that the service does not manage (an « IT department » cluster
listening on TCP with password authentication, an account without superuser rights): what they read at each step.

The cluster runs one port above the test process's own cluster (test_db's lifecycle test takes the same port: in one
process the two run one after the other; two test processes have ports ten apart).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import psycopg
import pytest
from fastapi.testclient import TestClient

import service.db.migrate as migrations
from service import accounts
from service.api import create_app
from service.db import connect
from service.db.cluster import ClusterManager
from service.errors import ConfigError
from service.settings import Settings, load_settings
from tests.conftest import DATA
from tests.helpers import cli_env, run_cli

PASSWORD = "mot-de-passe-du-service-it"
LAST = migrations.available_migrations()[-1].version


def _free_port() -> int:
    """A TCP port free on 127.0.0.1 now: the suite's own port plus one was taken once by another cluster of the
    machine, and every test of this file failed to start."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def it_cluster(settings: Settings) -> Iterator[Settings]:
    """A managed cluster standing for the IT department's PostgreSQL: TCP on 127.0.0.1, scram passwords; the
    account ``commune_app`` may log in, owns databases, and is not a superuser."""
    if not settings.managed:
        pytest.skip("the suite runs on an external database")
    base = Path(tempfile.mkdtemp(prefix="hotspots-it-"))
    base.chmod(0o755)
    it = load_settings(database_url=None, data_dir=base, pg_port=_free_port(), pg_listen_tcp=True)
    manager = ClusterManager(it)
    manager.up()
    try:
        with psycopg.connect(manager.conninfo("postgres"), autocommit=True) as su:
            su.execute(f"CREATE ROLE commune_app LOGIN NOSUPERUSER NOCREATEDB PASSWORD '{PASSWORD}'")
        yield it
    finally:
        manager.down()
        shutil.rmtree(base, ignore_errors=True)


def _new_database(it: Settings, name: str, *, postgis: bool) -> str:
    """A database owned by ``commune_app`` (PostGIS created by the superuser when asked); its DATABASE_URL."""
    manager = ClusterManager(it)
    with psycopg.connect(manager.conninfo("postgres"), autocommit=True) as su:
        su.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        su.execute(f"CREATE DATABASE {name} OWNER commune_app")
    if postgis:
        _superuser_creates_extensions(it, name)
    return f"postgresql://commune_app:{PASSWORD}@127.0.0.1:{it.pg_port}/{name}"


def _superuser_creates_extensions(it: Settings, name: str) -> None:
    with psycopg.connect(ClusterManager(it).conninfo(name), autocommit=True) as su:
        for extension in migrations.EXTENSIONS:
            su.execute(f"CREATE EXTENSION IF NOT EXISTS {extension}")


def _cli(
    settings: Settings, url: str | None, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {**cli_env(settings, COLUMNS="250"), **env}
    if url is not None:
        environment["DATABASE_URL"] = url
    return run_cli(*args, env=environment, stdin=stdin)


def _said(done: subprocess.CompletedProcess[str]) -> str:
    """What the person reads (both streams), with the console's line breaks undone."""
    return " ".join((done.stdout + done.stderr).split())


def _external(settings: Settings, url: str) -> Settings:
    return settings.model_copy(update={"database_url": url})


def _reports(url: str) -> int:
    with psycopg.connect(url) as c:
        row = c.execute("SELECT count(*) FROM reports").fetchone()
    assert row is not None
    return int(row[0])


def test_an_it_database_without_the_right_to_create_postgis(settings, it_cluster):
    """Migrating with an account that may not create PostGIS stops before any table, names the account and the
    database, and gives the SQL a superuser must run; once run, migrate works. The password never shows."""
    url = _new_database(it_cluster, "commune_sans_postgis", postgis=False)
    refused = _cli(settings, url, "db", "migrate")
    said = _said(refused)
    assert refused.returncode == 3, said
    assert "L'utilisateur « commune_app » n'a pas le droit de créer l'extension postgis" in said
    assert "dans la base « commune_sans_postgis » : CREATE EXTENSION IF NOT EXISTS postgis;" in said
    assert "relancez « hotspots db migrate »" in said and "Traceback" not in said and PASSWORD not in said
    with psycopg.connect(url) as c:
        assert c.execute("SELECT to_regclass('public.schema_migrations')").fetchone() == (None,)
    served = _cli(settings, url, "serve", "--port", "1")
    assert served.returncode == 3 and f"{len(migrations.available_migrations())} migrations en attente" in _said(served)

    _superuser_creates_extensions(it_cluster, "commune_sans_postgis")
    done = _cli(settings, url, "db", "migrate")
    assert done.returncode == 0, _said(done)
    status = _cli(settings, url, "db", "status")
    said = _said(status)
    assert f"version du schéma : {LAST}" in said and "migrations en attente : aucune" in said
    assert f"connexion : postgresql://commune_app:***@127.0.0.1:{it_cluster.pg_port}/commune_sans_postgis" in said
    assert PASSWORD not in said
    assert PASSWORD not in _said(_cli(settings, url, "db", "url")) + _said(_cli(settings, url, "reglages", "--json"))


def test_connection_refusals_say_where_and_what_to_do(settings, it_cluster):
    """Wrong password, unknown database, nothing listening, a DATABASE_URL that is not one, a setting that is not a
    number: each a French sentence naming the server, the base and the account, and the part to correct."""
    url = _new_database(it_cluster, "commune_refus", postgis=True)
    port = it_cluster.pg_port
    where = f"(serveur 127.0.0.1:{port}, base commune_refus, utilisateur commune_app)"
    wrong = _cli(settings, url.replace(PASSWORD, "mauvais-mot-de-passe"), "db", "migrate")
    said = _said(wrong)
    assert wrong.returncode == 3 and "mauvais-mot-de-passe" not in said
    assert f"Connexion à la base impossible {where} : identifiant ou mot de passe de la base refusé." in said
    assert "Vérifiez l'utilisateur et le mot de passe de DATABASE_URL" in said
    assert "hotspots db up" not in said  # the service does not start someone else's server

    said = _said(_cli(settings, url.replace("/commune_refus", "/commune_nulle"), "users", "list"))
    assert "la base « commune_nulle » n'existe pas sur ce serveur" in said
    assert "demandez à l'administrateur de PostgreSQL de créer ce qui manque" in said

    said = _said(_cli(settings, url.replace(f":{port}/", f":{port + 7}/"), "serve", "--port", "1"))
    assert "aucun serveur n'écoute à cette adresse" in said and "Vérifiez le serveur et le port de DATABASE_URL" in said

    unreadable = _cli(settings, "mysql://commune_app:secret@db/commune", "db", "status")
    said = _said(unreadable)
    assert unreadable.returncode == 1 and "Traceback" not in said and "secret" not in said
    assert "DATABASE_URL n'est pas une connexion PostgreSQL lisible" in said

    bad = _cli(
        settings,
        None,
        "db",
        "status",
        HOTSPOTS_PG_PORT="cinq",
        HOTSPOTS_ZONE_MARGIN_M="-3",
        HOTSPOTS_TIMEZONE="Europe/Bruxelles",
        HOTSPOTS_DIGEST_DAY="2",
    )
    said = _said(bad)
    assert bad.returncode == 1 and "Traceback" not in said
    assert "Réglage refusé : HOTSPOTS_PG_PORT = « cinq » : un nombre entier est attendu" in said
    assert "HOTSPOTS_ZONE_MARGIN_M = « -3 » : la valeur doit valoir au moins 0" in said
    assert "HOTSPOTS_TIMEZONE = « Europe/Bruxelles » : fuseau horaire inconnu (un nom IANA, par exemple" in said
    assert (
        "HOTSPOTS_DIGEST_DAY = « 2 » : le serveur ne peut envoyer les bilans sans HOTSPOTS_SMTP_HOST et "
        "HOTSPOTS_SMTP_SENDER (ou mettez 0)" in " ".join(said.split())
    )
    assert "hotspots reglages" in said


def test_backup_and_restore_without_superuser_all_or_nothing(settings, it_cluster, tmp_path):
    """The service's account restores its own backup (extensions kept as they are); a table a later schema added
    does not survive beside the restored ones; a damaged backup changes nothing."""
    url = _new_database(it_cluster, "commune_sauvegarde", postgis=True)
    assert _cli(settings, url, "ingest", "reports", str(DATA / "formats" / "fixmystreet.csv")).returncode == 0
    dump = tmp_path / "commune.dump"
    assert _cli(settings, url, "db", "backup", str(dump)).returncode == 0
    with psycopg.connect(url) as c:
        c.execute("DELETE FROM private.reporter_contacts")
        c.execute("DELETE FROM reports")
        c.execute("CREATE TABLE ajoutee_plus_tard (v int)")
    restored = _cli(settings, url, "db", "restore", str(dump), "--oui")
    assert restored.returncode == 0, _said(restored)
    assert "Restauration terminée" in _said(restored)
    assert _reports(url) == 3
    with psycopg.connect(url) as c:
        assert c.execute("SELECT to_regclass('public.ajoutee_plus_tard')").fetchone() == (None,)
        assert {r[0] for r in c.execute("SELECT extname FROM pg_extension")} >= set(migrations.EXTENSIONS)
        assert c.execute("SELECT max(version) FROM schema_migrations").fetchone() == (LAST,)

    damaged = tmp_path / "abimee.dump"
    damaged.write_bytes(dump.read_bytes()[:-2000])  # its table of contents readable, its last data cut off
    with psycopg.connect(url) as c:
        c.execute("DELETE FROM reports WHERE id = (SELECT max(id) FROM reports)")
    refused = _cli(settings, url, "db", "restore", str(damaged), "--oui")
    said = _said(refused)
    assert refused.returncode == 3 and "rien n'a été modifié" in said and "La base garde son contenu d'avant" in said
    assert _reports(url) == 2  # neither emptied nor half restored

    wrong_file = _cli(settings, url, "db", "restore", str(DATA / "formats" / "fixmystreet.csv"), "--oui")
    assert "n'est pas une sauvegarde de « hotspots db backup »" in _said(wrong_file)
    assert _reports(url) == 2
    assert not list(tmp_path.glob("*.partiel"))


def _migrate_up_to(url: str, settings: Settings, version: int) -> None:
    """A database as an older release of the service left it: the migrations up to ``version`` only."""
    older = [m for m in migrations.available_migrations() if m.version <= version]
    with (
        mock.patch.object(migrations, "available_migrations", return_value=older),
        connect(_external(settings, url)) as c,
    ):
        migrations.migrate(c)


def test_upgrade_from_an_older_schema_and_back_to_an_older_backup(settings, it_cluster, tmp_path):
    """A database of an older release: the new server refuses it in French, ``db status`` lists what is pending,
    ``db migrate`` brings it up to date with its data; an older backup restored over the new schema migrates
    again (no table of the newer schema is left behind to collide)."""
    url = _new_database(it_cluster, "commune_ancienne", postgis=True)
    older = [m.version for m in migrations.available_migrations()][-4]
    _migrate_up_to(url, settings, older)
    with connect(_external(settings, url)) as c:
        accounts.add_user(c, "agent.ancien", "ancien-secret-1", "planificateur")
    old_dump = tmp_path / "avant-mise-a-jour.dump"
    assert _cli(settings, url, "db", "backup", str(old_dump)).returncode == 0

    served = _cli(settings, url, "serve", "--port", "1")
    said = _said(served)
    assert served.returncode == 3 and "La base n'est pas à jour : 3 migrations en attente" in said
    assert f"dernière appliquée : {older:04d}" in said and "hotspots db migrate" in said
    said = _said(_cli(settings, url, "db", "status"))
    assert f"version du schéma : {older}" in said and "→ Appliquez-les avec « hotspots db migrate »" in said

    migrated = _cli(settings, url, "db", "migrate")
    assert migrated.returncode == 0 and "3 migrations appliquées" in _said(migrated)
    with connect(_external(settings, url)) as c:
        assert accounts.authenticate(c, "agent.ancien", "ancien-secret-1").role == "planificateur"

    assert _cli(settings, url, "db", "restore", str(old_dump), "--oui").returncode == 0
    again = _cli(settings, url, "db", "migrate")
    assert again.returncode == 0 and "3 migrations appliquées" in _said(again), _said(again)


def _admin_client(settings: Settings, url: str) -> Any:
    return TestClient(create_app(_external(settings, url)), headers={"Origin": "http://testserver"})


def test_the_last_administrator_stays_and_account_changes_are_logged(settings, it_cluster):
    """Neither the command line nor the API can disable or demote the last active administrator (an API change
    refused is refused whole: the password sent with it is not changed); every change is in the journal."""
    url = _new_database(it_cluster, "commune_comptes", postgis=True)
    assert _cli(settings, url, "db", "migrate").returncode == 0
    added = _cli(settings, url, "users", "add", "seul.admin", "--role", "admin", "--mot-de-passe-stdin",
                 stdin="admin-secret-seul\n")  # fmt: skip
    assert added.returncode == 0, _said(added)
    for args in (("users", "disable", "seul.admin"), ("users", "role", "seul.admin", "lecteur")):
        refused = _cli(settings, url, *args)
        said = _said(refused)
        assert refused.returncode == 1 and "« seul.admin » est le dernier compte administrateur actif" in said
        assert "hotspots users role <identifiant> admin" in said

    with _admin_client(settings, url) as client:
        token = client.post(
            "/api/connexion", json={"identifiant": "seul.admin", "mot_de_passe": "admin-secret-seul"}
        ).json()["jeton"]
        headers = {"Authorization": f"Bearer {token}"}
        patched = client.patch(
            "/api/comptes/seul.admin", json={"mot_de_passe": "autre-secret-22", "actif": False}, headers=headers
        )
        assert patched.status_code == 409 and "dernier compte administrateur actif" in patched.json()["erreur"]
        assert client.get("/api/moi", headers=headers).status_code == 200  # password unchanged, session kept
        settings_seen = client.get("/api/reglages", headers=headers).json()
        assert settings_seen["database_url"].startswith("postgresql://commune_app:***@127.0.0.1")

    # a role asked wrongly, or a login taken, is said before any password is asked
    said = _said(_cli(settings, url, "users", "add", "agent.y", "--role", "chef"))
    assert "Rôle inconnu : « chef »" in said and "Mot de passe" not in said
    said = _said(_cli(settings, url, "users", "passwd", "personne"))
    assert "Aucun compte « personne »" in said and "Mot de passe" not in said

    _cli(settings, url, "users", "add", "deux.admin", "--role", "admin", "--mot-de-passe-stdin",
         stdin="admin-secret-deux\n")  # fmt: skip
    assert _cli(settings, url, "users", "disable", "seul.admin").returncode == 0
    journal = _cli(settings, url, "journal", "--action", "modification_compte", "--json")
    entries = json.loads(journal.stdout)
    assert entries[0]["qui"].startswith("cli:") and entries[0]["detail"] == {"compte": "seul.admin", "actif": False}


def test_open311_keys_are_listed_renewed_and_withdrawn(settings, it_cluster):
    """A renewed key says the former one stops; a withdrawn key opens nothing; an app without a name is refused."""
    url = _new_database(it_cluster, "commune_open311", postgis=True)
    assert _cli(settings, url, "db", "migrate").returncode == 0
    first = _cli(settings, url, "users", "cle-open311", "Seraing Propre").stdout.strip().splitlines()[-1]
    renewed = _cli(settings, url, "users", "cle-open311", "Seraing Propre")
    second = renewed.stdout.strip().splitlines()[-1]
    assert "L'ancienne clé de Seraing Propre ne fonctionne plus." in _said(renewed)
    with connect(_external(settings, url)) as c:
        assert accounts.open311_client(c, first) is None and accounts.open311_client(c, second) == "Seraing Propre"
    assert _cli(settings, url, "users", "retirer-cle-open311", "Seraing Propre").returncode == 0
    with connect(_external(settings, url)) as c:
        assert accounts.open311_client(c, second) is None
    listed = _said(_cli(settings, url, "users", "cles-open311"))
    assert "Seraing Propre" in listed and "non (retirée)" in listed and second not in listed
    # renewed with an overlap: the app keeps sending with its former key until it is given the new one
    third = _cli(settings, url, "users", "cle-open311", "Seraing Propre").stdout.strip().splitlines()[-1]
    overlap = _cli(settings, url, "users", "cle-open311", "Seraing Propre", "--chevauchement", "7")
    fourth = overlap.stdout.strip().splitlines()[-1]
    until = (datetime.now(ZoneInfo("Europe/Brussels")) + timedelta(days=7)).strftime("%d/%m/%Y")
    assert f"L'ancienne clé de Seraing Propre fonctionne encore jusqu'au {until} " in _said(overlap)
    with connect(_external(settings, url)) as c:
        both = (accounts.open311_client(c, third), accounts.open311_client(c, fourth))
        assert both == ("Seraing Propre", "Seraing Propre")
        c.execute("UPDATE open311_clients SET previous_until = now() - interval '1 minute'")  # the week has passed
        c.commit()
        assert accounts.open311_client(c, third) is None and accounts.open311_client(c, fourth) == "Seraing Propre"
        c.execute("UPDATE open311_clients SET previous_until = now() + interval '1 day'")
        c.commit()
    assert _cli(settings, url, "users", "retirer-cle-open311", "Seraing Propre").returncode == 0
    with connect(_external(settings, url)) as c:  # a withdrawal stops the former key too
        assert accounts.open311_client(c, third) is None and accounts.open311_client(c, fourth) is None
    too_long = _cli(settings, url, "users", "cle-open311", "Seraing Propre", "--chevauchement", "91")
    assert too_long.returncode != 0
    empty = _cli(settings, url, "users", "cle-open311", "   ")
    assert empty.returncode == 1 and "Nom d'application vide." in _said(empty)


def test_a_cluster_running_with_another_port_is_reported(it_cluster):
    """Changing HOTSPOTS_PG_PORT while the managed cluster runs: « db up » says it must be restarted, instead of
    « Base prête » followed by connections to a port where nothing listens."""
    moved = it_cluster.model_copy(update={"pg_port": it_cluster.pg_port + 5})
    with pytest.raises(ConfigError) as info:
        ClusterManager(moved).up()
    assert f"port {it_cluster.pg_port} (demandé : {it_cluster.pg_port + 5})" in info.value.message
    assert "« hotspots db down » puis « hotspots db up »" in (info.value.hint or "")
    assert f"port = {it_cluster.pg_port}" in (ClusterManager(it_cluster).dir / "hotspots.conf").read_text()


def test_reglages_lists_every_setting_with_its_origin(settings):
    """« hotspots reglages » : each variable, its value, given or default, and its role in French."""
    done = _cli(settings, None, "reglages", "--json")
    rows = {r["variable"]: r for r in json.loads(done.stdout)}
    assert rows["HOTSPOTS_PG_PORT"]["origine"] == "donné" and rows["HOTSPOTS_PG_PORT"]["valeur"] == settings.pg_port
    assert rows["HOTSPOTS_MAX_UPLOAD_MB"] == {
        "variable": "HOTSPOTS_MAX_UPLOAD_MB",
        "valeur": 200,
        "origine": "défaut",
        "role": "Taille maximale d'un fichier envoyé à l'API (Mo).",
    }
    assert set(rows) >= {"DATABASE_URL", "HOTSPOTS_DB_CONNECT_TIMEOUT_S", "HOTSPOTS_SECURE_COOKIES"}
    assert rows["DATABASE_URL"]["origine"] == ("donné" if settings.database_url else "défaut")


def test_serving_on_the_network_without_secure_cookies_is_warned(settings, it_cluster):
    """``--host 0.0.0.0`` without HOTSPOTS_SECURE_COOKIES: a French warning says how to serve safely (here the
    server then stops on a database that does not answer)."""
    nowhere = f"postgresql://commune_app:{PASSWORD}@127.0.0.1:{it_cluster.pg_port + 7}/commune"
    said = _said(_cli(settings, nowhere, "serve", "--host", "0.0.0.0", "--port", "1"))
    assert "Attention : le service écoute sur 0.0.0.0, joignable depuis le réseau" in said
    assert "HOTSPOTS_SECURE_COOKIES=true" in said
    quiet = _said(_cli(settings, nowhere, "serve", "--host", "0.0.0.0", "--port", "1", HOTSPOTS_SECURE_COOKIES="true"))
    assert "Attention" not in quiet and "aucun serveur n'écoute" in quiet
