"""A local PostgreSQL + PostGIS cluster managed by the service when no ``DATABASE_URL`` is given.

PostgreSQL refuses to run as root. When the service runs as root, the server runs as an unprivileged system
user (``settings.pg_system_user``, created when missing) who owns the cluster directory; root talks to it
through a Unix socket in that directory.
"""

from __future__ import annotations

import fcntl
import os
import pwd
import re
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from service.errors import ConfigError, DatabaseError
from service.settings import Settings

_CONF_FILE = "hotspots.conf"
#: What initdb says when the account it runs as is not (or no longer) in the account database.
_USER_LOOKUP_FAILED = "could not look up effective user ID"


@dataclass(frozen=True)
class ClusterStatus:
    """What ``hotspots db status`` reports about the managed cluster."""

    cluster_dir: Path
    initialised: bool
    running: bool
    socket_dir: Path
    port: int
    server_user: str
    postgis_installed: bool
    pg_version: str


def _is_root() -> bool:
    return os.geteuid() == 0


def find_bin_dir(settings: Settings) -> Path | None:
    """Locate the PostgreSQL server binaries (initdb, pg_ctl, postgres)."""
    if settings.pg_bin_dir:
        return settings.pg_bin_dir
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    for cand in candidates:
        if (cand / "initdb").exists():
            return cand
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def _major_version(bin_dir: Path) -> str:
    out = subprocess.run([str(bin_dir / "postgres"), "--version"], capture_output=True, text=True, check=True)
    match = re.search(r"(\d+)(?:\.\d+)?", out.stdout)
    if not match:
        raise DatabaseError(f"Version de PostgreSQL illisible : {out.stdout!r}")
    return match.group(1)


def _share_dir(bin_dir: Path, major: str) -> Path:
    pg_config = bin_dir / "pg_config"
    if pg_config.exists():
        out = subprocess.run([str(pg_config), "--sharedir"], capture_output=True, text=True, check=False)
        if out.returncode == 0 and out.stdout.strip():
            return Path(out.stdout.strip())
    return Path(f"/usr/share/postgresql/{major}")


def postgis_installed(bin_dir: Path) -> bool:
    """True when the PostGIS extension files are present for this PostgreSQL version."""
    major = _major_version(bin_dir)
    return (_share_dir(bin_dir, major) / "extension" / "postgis.control").exists()


#: Held while this service installs packages: on a fresh machine, processes started together (the test suite's
#: workers, a server's and a command's) would each run apt-get, and all but one fail on dpkg's lock.
APT_LOCK = Path(tempfile.gettempdir()) / "hotspots-apt-get.lock"


@contextmanager
def apt_lock() -> Iterator[None]:
    """One installation at a time between this service's processes (the others wait for it)."""
    with APT_LOCK.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _apt_install(packages: list[str], *, installed: Callable[[], bool]) -> None:
    """Install ``packages`` unless ``installed()`` says another process did it while this one waited."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    wait = ["-o", "DPkg::Lock::Timeout=300"]  # and wait for any other apt-get on the machine (a system upgrade)
    with apt_lock():
        if installed():
            return
        for cmd in (["apt-get", *wait, "update", "-qq"], ["apt-get", *wait, "install", "-y", "-qq", *packages]):
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise ConfigError(
                    f"L'installation de {' '.join(packages)} a échoué : {done.stderr.strip()[-500:]}",
                    hint=f"Installez-les à la main : apt-get install {' '.join(packages)}",
                )


def ensure_server_software(settings: Settings) -> Path:
    """Make sure PostgreSQL and PostGIS are installed; install them with apt-get when root.

    Returns the directory of the server binaries.
    """
    bin_dir = find_bin_dir(settings)
    if bin_dir is None:
        if not _is_root() or not shutil.which("apt-get"):
            raise ConfigError(
                "PostgreSQL n'est pas installé sur cette machine.",
                hint="Installez-le (Debian/Ubuntu : sudo apt-get install postgresql postgresql-15-postgis-3) "
                "ou indiquez une base existante avec DATABASE_URL.",
            )
        _apt_install(["postgresql", "postgresql-contrib"], installed=lambda: find_bin_dir(settings) is not None)
        bin_dir = find_bin_dir(settings)
        if bin_dir is None:
            raise ConfigError("PostgreSQL reste introuvable après installation.")
    if not postgis_installed(bin_dir):
        package = f"postgresql-{_major_version(bin_dir)}-postgis-3"
        if not _is_root() or not shutil.which("apt-get"):
            raise ConfigError(
                "L'extension PostGIS n'est pas installée pour ce PostgreSQL.",
                hint=f"Installez-la : sudo apt-get install {package}",
            )
        _apt_install([package], installed=lambda: postgis_installed(bin_dir))
        if not postgis_installed(bin_dir):
            raise ConfigError(f"PostGIS reste introuvable après l'installation de {package}.")
    return bin_dir


def _ensure_system_user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    nologin = "/usr/sbin/nologin" if Path("/usr/sbin/nologin").exists() else "/bin/false"
    done = subprocess.run(
        ["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell", nologin, name],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 and "already exists" not in done.stderr:
        raise ConfigError(f"Impossible de créer l'utilisateur système {name!r} : {done.stderr.strip()}")
    return pwd.getpwnam(name)


def _unreachable_parent(path: Path, uid: int, gid: int) -> Path | None:
    """First ancestor of ``path`` that user ``uid`` cannot traverse, if any."""
    for parent in [*reversed(path.parents)]:
        st = parent.stat()
        mode = st.st_mode
        if st.st_uid == uid:
            ok = bool(mode & stat.S_IXUSR)
        elif st.st_gid == gid:
            ok = bool(mode & stat.S_IXGRP)
        else:
            ok = bool(mode & stat.S_IXOTH)
        if not ok:
            return parent
    return None


class ClusterManager:
    """Create, start, stop and describe the managed cluster (idempotent operations)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.dir = settings.cluster_dir.resolve() if settings.cluster_dir.exists() else settings.cluster_dir
        self.socket_dir = self.dir / "run"
        self.log_file = self.dir / "log" / "server.log"

    # -- identity -------------------------------------------------------------------------------------------
    def server_user(self) -> pwd.struct_passwd:
        """The account the server runs as: the configured system user as root, else the current user."""
        if _is_root():
            return _ensure_system_user(self.settings.pg_system_user)
        return pwd.getpwuid(os.geteuid())

    def _run(self, args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a server binary as the server user."""
        user: int | None = None
        group: int | None = None
        extra_groups: list[int] | None = None
        if _is_root():
            account = self.server_user()
            user, group, extra_groups = account.pw_uid, account.pw_gid, []
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C.UTF-8"
        done = subprocess.run(
            args,
            capture_output=True,
            text=True,
            check=False,
            env=env,
            cwd="/",
            user=user,
            group=group,
            extra_groups=extra_groups,
        )
        if check and done.returncode != 0:
            raise DatabaseError(
                f"La commande {Path(args[0]).name} a échoué (code {done.returncode}) : "
                f"{(done.stderr or done.stdout).strip()[-800:]}",
                hint=f"Journal du serveur : {self.log_file}",
            )
        return done

    # -- state ----------------------------------------------------------------------------------------------
    def initialised(self) -> bool:
        """Whether the cluster's data directory has been created (``initdb`` done)."""
        return (self.dir / "PG_VERSION").exists()

    def running(self) -> bool:
        """Whether the server of this cluster answers ``pg_ctl status``."""
        bin_dir = find_bin_dir(self.settings)
        if bin_dir is None or not self.initialised():
            return False
        return self._run([str(bin_dir / "pg_ctl"), "status", "-D", str(self.dir)], check=False).returncode == 0

    def status(self) -> ClusterStatus:
        """Where the cluster lives, whether it runs, and as whom, for ``hotspots db status``."""
        bin_dir = find_bin_dir(self.settings)
        return ClusterStatus(
            cluster_dir=self.dir,
            initialised=self.initialised(),
            running=self.running(),
            socket_dir=self.socket_dir,
            port=self.settings.pg_port,
            server_user=self.server_user().pw_name,
            postgis_installed=bool(bin_dir and postgis_installed(bin_dir)),
            pg_version=_major_version(bin_dir) if bin_dir else "absent",
        )

    def conninfo(self, dbname: str | None = None) -> str:
        """The libpq connection string to this cluster through its socket, as the server user."""
        user = self.server_user().pw_name
        return (
            f"host={self.socket_dir} port={self.settings.pg_port} dbname={dbname or self.settings.db_name} user={user}"
        )

    # -- lifecycle ------------------------------------------------------------------------------------------
    def _prepare_dirs(self) -> None:
        user = self.server_user()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.dir = self.dir.resolve()
        self.socket_dir = self.dir / "run"
        self.log_file = self.dir / "log" / "server.log"
        if _is_root():
            blocked = _unreachable_parent(self.dir, user.pw_uid, user.pw_gid)
            if blocked is not None:
                raise ConfigError(
                    f"Le serveur PostgreSQL tourne sous l'utilisateur {user.pw_name!r}, qui ne peut pas entrer "
                    f"dans {blocked}.",
                    hint="Choisissez un dossier accessible, par exemple HOTSPOTS_DATA_DIR=/var/lib/hotspots.",
                )
        for sub in (self.dir, self.dir / "run", self.dir / "log"):
            sub.mkdir(exist_ok=True)
            if _is_root():
                os.chown(sub, user.pw_uid, user.pw_gid)
        self.dir.chmod(0o700)

    def _write_conf(self) -> None:
        listen = "127.0.0.1" if self.settings.pg_listen_tcp else ""
        conf = "\n".join(
            [
                "# Written by hotspots: settings of the managed cluster.",
                f"listen_addresses = '{listen}'",
                f"port = {self.settings.pg_port}",
                f"unix_socket_directories = '{self.socket_dir}'",
                "unix_socket_permissions = 0700",
                "shared_buffers = '256MB'",
                "work_mem = '32MB'",
                "maintenance_work_mem = '256MB'",
                "max_parallel_maintenance_workers = 2",
                # No replica and no WAL archive (backups are pg_dump files): the write-ahead log only has to
                # make commits durable, so a table emptied or created in the loading transaction (a first
                # load) and the indexes built there are written once, to their files, not twice.
                "wal_level = 'minimal'",
                "max_wal_senders = 0",
                "max_wal_size = '2GB'",
                "checkpoint_timeout = '15min'",
                f"timezone = '{self.settings.timezone}'",
                f"log_timezone = '{self.settings.timezone}'",
                "",
            ]
        )
        conf_path = self.dir / _CONF_FILE
        conf_path.write_text(conf, encoding="utf-8")
        main_conf = self.dir / "postgresql.conf"
        text = main_conf.read_text(encoding="utf-8")
        if f"include_if_exists = '{_CONF_FILE}'" not in text:
            main_conf.write_text(text + f"\ninclude_if_exists = '{_CONF_FILE}'\n", encoding="utf-8")
        if _is_root():
            user = self.server_user()
            os.chown(conf_path, user.pw_uid, user.pw_gid)

    def init(self, bin_dir: Path) -> None:
        """Run initdb once (trust on the private Unix socket only)."""
        self._prepare_dirs()
        if self.initialised():
            return
        if any(p.name not in {"run", "log"} for p in self.dir.iterdir()):
            raise ConfigError(
                f"Le dossier {self.dir} n'est pas vide et ne contient pas de cluster PostgreSQL.",
                hint="Videz-le ou choisissez un autre HOTSPOTS_DATA_DIR.",
            )
        try:
            self._initdb(bin_dir)
        except DatabaseError as exc:
            if _USER_LOOKUP_FAILED not in exc.message:
                raise
            # the account database changed between our look-up of the server's user and initdb's (seen once on
            # a fresh machine, while packages added their own system users): look it up again, give it the
            # folder again, and run initdb once more
            self._prepare_dirs()
            self._initdb(bin_dir)
        self._prepare_dirs()

    def _initdb(self, bin_dir: Path) -> None:
        # initdb wants an empty directory: keep run/ and log/ aside (recreated by _prepare_dirs).
        for sub in ("run", "log"):
            (self.dir / sub).rmdir()
        self._run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(self.dir),
                "-U",
                self.server_user().pw_name,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                # byte-order sorting (fast keys and joins); UTF-8 character classes for upper/lower
                "--lc-collate=C",
                "--lc-ctype=C.UTF-8",
            ]
        )

    def _started_with(self) -> tuple[int, str] | None:
        """Port and listening address of the running server (``postmaster.pid``); None when unreadable."""
        try:
            lines = (self.dir / "postmaster.pid").read_text(encoding="utf-8").splitlines()
            return int(lines[3]), lines[5].strip()
        except (OSError, IndexError, ValueError):
            return None

    def _refuse_stale_settings(self) -> None:
        """A server started with another port or listening address than the settings now ask is not silently kept:
        every connection would go to a port where nothing listens."""
        found = self._started_with()
        wanted = (self.settings.pg_port, "127.0.0.1" if self.settings.pg_listen_tcp else "")
        if found is None or found == wanted:
            return
        raise ConfigError(
            f"La base tourne déjà avec d'autres réglages que ceux demandés : port {found[0]} "
            f"(demandé : {wanted[0]}), TCP {'oui' if found[1] else 'non'} (demandé : {'oui' if wanted[1] else 'non'}).",
            hint="Redémarrez-la pour appliquer les nouveaux réglages : « hotspots db down » puis « hotspots db up » ; "
            "relancez ensuite « hotspots serve ».",
        )

    def start(self, bin_dir: Path) -> None:
        """Start the server with the service's settings (written again first); when it runs already, check that it
        runs with them (:meth:`_refuse_stale_settings`)."""
        running = self.running()
        if running:
            self._refuse_stale_settings()
        self._write_conf()
        if running:
            return
        self._run([str(bin_dir / "pg_ctl"), "-D", str(self.dir), "-l", str(self.log_file), "-w", "-t", "120", "start"])

    def up(self) -> str:
        """Install what is missing, initialise, start, create the database. Returns the conninfo."""
        bin_dir = ensure_server_software(self.settings)
        self.init(bin_dir)
        self.start(bin_dir)
        self._create_database()
        return self.conninfo()

    def down(self) -> bool:
        """Stop the server (fast shutdown). Returns False when it was not running."""
        bin_dir = find_bin_dir(self.settings)
        if bin_dir is None or not self.running():
            return False
        self._run([str(bin_dir / "pg_ctl"), "-D", str(self.dir), "-m", "fast", "-w", "stop"])
        return True

    def _create_database(self) -> None:
        import psycopg

        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.settings.db_name,)).fetchone()
            if not exists:
                from psycopg import sql

                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.settings.db_name)))
