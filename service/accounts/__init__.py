"""Accounts, roles and sessions, shared by the API, the map pages and ``hotspots users``.

Passwords are hashed with Argon2id (argon2-cffi, the algorithm OWASP recommends first); session tokens and
Open311 keys are random 256-bit strings of which only the SHA-256 digest is stored, so a copy of the database
gives no way in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import psycopg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from service.db.queries import Queries
from service.errors import (
    AuthenticationError,
    ConflictError,
    InvalidValueError,
    NotFoundError,
    TooManyAttemptsError,
)

Role = Literal["lecteur", "planificateur", "admin"]
ROLES: tuple[Role, ...] = ("lecteur", "planificateur", "admin")
#: Each role as a person reads it (messages, the map's header).
ROLE_LABELS: dict[str, str] = {"lecteur": "lecteur", "planificateur": "planificateur", "admin": "administrateur"}
MIN_PASSWORD = 10
_HASHER = PasswordHasher()
#: Verified against when the login is unknown, so that an unknown login takes as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("mot-de-passe-factice")


@dataclass(frozen=True)
class User:
    """A person with an account, as the API and the commands see them (no password)."""

    id: int
    login: str
    full_name: str | None
    role: Role

    def can(self, role: Role) -> bool:
        """True when this user's role includes ``role`` (admin ⊃ planificateur ⊃ lecteur)."""
        return ROLES.index(self.role) >= ROLES.index(role)


_q = Queries("service.accounts", "accounts.sql")


def digest(token: str) -> str:
    """The SHA-256 of a session token or an API key: only this is stored, so a stolen table opens nothing."""
    return hashlib.sha256(token.encode()).hexdigest()


def check_role(role: str) -> Role:
    """``role`` when it is one of :data:`ROLES`, else a French refusal listing them."""
    if role not in ROLES:
        raise InvalidValueError(f"Rôle inconnu : « {role} ».", hint=f"Rôles possibles : {', '.join(ROLES)}.")
    return role


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidValueError(
            f"Mot de passe trop court ({len(password)} caractères).",
            hint=f"Choisissez au moins {MIN_PASSWORD} caractères (une phrase de passe convient bien).",
        )


def add_user(conn: psycopg.Connection[Any], login: str, password: str, role: str, full_name: str | None = None) -> int:
    """Create an account; the login is lower-cased. Refuses a taken login or a short password."""
    login = login.strip().lower()
    _check_password(password)
    try:
        with conn.transaction():
            row = conn.execute(
                _q("insert_user"),
                {
                    "login": login,
                    "full_name": full_name,
                    "role": check_role(role),
                    "password_hash": _HASHER.hash(password),
                },
            ).fetchone()
    except psycopg.errors.UniqueViolation:
        raise ConflictError(
            f"L'identifiant « {login} » existe déjà.", hint="Choisissez-en un autre ou modifiez ce compte."
        ) from None
    except psycopg.errors.CheckViolation:
        raise InvalidValueError(
            f"Identifiant invalide : « {login} ».",
            hint="2 à 63 caractères : lettres minuscules, chiffres, point, tiret ou soulignement.",
        ) from None
    assert row is not None
    return int(row[0])


def _keep_an_admin(conn: psycopg.Connection[Any], login: str) -> None:
    """Refuse to take the last active administrator away (a new role or a disabled account): nobody could manage
    the accounts from the API any more."""
    row = conn.execute(_q("user_by_login"), {"login": login}).fetchone()
    if row is None or row[3] != "admin" or not row[5]:
        return
    others = conn.execute(_q("other_active_admins"), {"login": login}).fetchone()
    if others is not None and others[0] == 0:
        raise ConflictError(
            f"« {login} » est le dernier compte administrateur actif : le retirer laisserait le service sans "
            "personne pour gérer les comptes.",
            hint="Donnez d'abord le rôle admin à un autre compte (hotspots users role <identifiant> admin).",
        )


def _update(
    conn: psycopg.Connection[Any], name: str, login: str, *, removes_admin: bool = False, **params: Any
) -> None:
    key = login.strip().lower()
    with conn.transaction():
        if removes_admin:
            _keep_an_admin(conn, key)
        row = conn.execute(_q(name), {"login": key, **params}).fetchone()
        if row is None:
            raise NotFoundError(f"Aucun compte « {login} ».", hint="hotspots users list montre les comptes.")
        conn.execute(_q("revoke_user_sessions"), {"login": key})


def set_password(conn: psycopg.Connection[Any], login: str, password: str) -> None:
    """Change a password; the account's open sessions are closed, and a suspension after failed logins lifted."""
    _check_password(password)
    with conn.transaction():
        _update(conn, "set_password", login, password_hash=_HASHER.hash(password))
        conn.execute(_q("clear_failures"), {"login": login.strip().lower()})


def set_role(conn: psycopg.Connection[Any], login: str, role: str) -> None:
    """Change a role; open sessions are closed so the new rights apply at once."""
    checked = check_role(role)
    _update(conn, "set_role", login, removes_admin=checked != "admin", role=checked)


def set_active(conn: psycopg.Connection[Any], login: str, active: bool) -> None:
    """Disable (or enable again) an account; a disabled account's sessions stop working at once. The last active
    administrator cannot be disabled."""
    _update(conn, "set_active", login, removes_admin=not active, active=active)


def user_exists(conn: psycopg.Connection[Any], login: str) -> bool:
    """Whether an account has this login (case and surrounding spaces ignored, as at login)."""
    return conn.execute(_q("user_by_login"), {"login": login.strip().lower()}).fetchone() is not None


def list_users(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """Every account with its role, whether it is active and its last login, for the administrator's list."""
    cur = conn.execute(_q("list_users"))
    names = [d.name for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


@dataclass(frozen=True)
class LoginLimit:
    """Failed logins allowed within ``minutes``, per login and per client address; past that, logins are refused
    until the oldest failure leaves the window (counted in the database: the same for every server process)."""

    per_login: int = 5
    per_address: int = 30
    minutes: float = 15.0


def authenticate(
    conn: psycopg.Connection[Any],
    login: str,
    password: str,
    *,
    limit: LoginLimit | None = None,
    address: str | None = None,
) -> User:
    """The user whose login and password match, or :class:`AuthenticationError` (same message either way).

    With a ``limit`` (the API and the map's login form), failures are recorded and committed at once, and a
    login or address with too many recent failures gets :class:`TooManyAttemptsError` before any check.
    """
    key = login.strip().lower()
    if limit is not None:
        _refuse_when_too_many(conn, key, address, limit)
    row = conn.execute(_q("user_by_login"), {"login": key}).fetchone()
    stored = row[4] if row else _DUMMY_HASH
    try:
        _HASHER.verify(stored, password)
        ok = row is not None and bool(row[5])
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None:
        if limit is not None:
            conn.execute(_q("record_failure"), {"login": key, "address": address})
            conn.execute(_q("purge_failures"))
            conn.commit()  # kept although the request ends in an error (and is rolled back)
        raise AuthenticationError(
            "Identifiant ou mot de passe incorrect.", hint="Vérifiez-les ou demandez à un administrateur."
        )
    if limit is not None:
        conn.execute(_q("clear_failures"), {"login": key})
    if _HASHER.check_needs_rehash(stored):
        conn.execute(_q("set_password"), {"login": row[1], "password_hash": _HASHER.hash(password)})
    return User(id=int(row[0]), login=row[1], full_name=row[2], role=row[3])


def _refuse_when_too_many(conn: psycopg.Connection[Any], login: str, address: str | None, limit: LoginLimit) -> None:
    window = limit.minutes * 60
    params = {"login": login, "address": address, "window_s": window}
    row = conn.execute(_q("recent_failures"), params).fetchone()
    assert row is not None  # an aggregate always returns one row
    by_login, first_login, by_address, first_address = row
    now = datetime.now(UTC)
    if by_login >= limit.per_login:
        wait = int(window - (now - first_login).total_seconds()) + 1
        raise TooManyAttemptsError(
            f"Trop d'essais manqués pour l'identifiant « {login} » : réessayez dans {_minutes(wait)}.",
            retry_after=wait,
            hint=f"Après {limit.per_login} essais manqués en {limit.minutes:g} minutes, la connexion est suspendue "
            "un moment. Mot de passe oublié : un administrateur peut le changer (hotspots users passwd), ce qui "
            "lève aussi la suspension.",
        )
    if address is not None and by_address >= limit.per_address:
        wait = int(window - (now - first_address).total_seconds()) + 1
        raise TooManyAttemptsError(
            f"Trop d'essais manqués depuis cette adresse : réessayez dans {_minutes(wait)}.",
            retry_after=wait,
            hint=f"Après {limit.per_address} essais manqués en {limit.minutes:g} minutes depuis une même adresse, "
            "les connexions en sont suspendues un moment.",
        )


def _minutes(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute{'s' if minutes > 1 else ''}"


def open_session(conn: psycopg.Connection[Any], user: User, hours: float = 12.0) -> tuple[str, datetime]:
    """A new random session token for ``user`` (returned once, stored as a digest) and its expiry."""
    token = secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(hours=hours)
    with conn.transaction():
        conn.execute(_q("purge_sessions"))
        conn.execute(_q("insert_session"), {"digest": digest(token), "user_id": user.id, "expires_at": expires})
        conn.execute(_q("touch_login"), {"id": user.id})
    return token, expires


def session_user(conn: psycopg.Connection[Any], token: str) -> User | None:
    """The user of a live session token; None when the token is unknown, expired or revoked, or its account
    disabled."""
    found = session_of_digest(conn, digest(token))
    return found[0] if found else None


def session_of_digest(conn: psycopg.Connection[Any], token_digest: str) -> tuple[User, datetime] | None:
    """The user of a live session and when the session expires, from the token's digest."""
    row = conn.execute(_q("session_user"), {"digest": token_digest}).fetchone()
    return (User(id=int(row[0]), login=row[1], full_name=row[2], role=row[3]), row[4]) if row else None


def close_session(conn: psycopg.Connection[Any], token: str) -> None:
    """Revoke a session at logout: its token stops working at once, in every server process."""
    with conn.transaction():
        conn.execute(_q("revoke_session"), {"digest": digest(token)})


def _client_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidValueError(
            "Nom d'application vide ou trop long." if name else "Nom d'application vide.",
            hint="Donnez le nom de l'application citoyenne (1 à 100 caractères), par exemple « FixMyStreet ».",
        )
    return name


def add_open311_client(conn: psycopg.Connection[Any], name: str, *, overlap_days: int = 0) -> str:
    """Create or renew the key of a citizen app; the key is shown once and stored as a digest. On renewal the
    former key stops now, or keeps working ``overlap_days`` more days so the app can switch without refused
    reports."""
    if not 0 <= overlap_days <= 90:
        raise InvalidValueError(
            f"Chevauchement de {overlap_days} jours hors des limites.",
            hint="Entre 0 (l'ancienne clé s'arrête aussitôt) et 90 jours.",
        )
    key = secrets.token_urlsafe(24)
    until = datetime.now(UTC) + timedelta(days=overlap_days) if overlap_days else None
    with conn.transaction():
        conn.execute(_q("insert_client"), {"name": _client_name(name), "digest": digest(key), "overlap_until": until})
    return key


def list_open311_clients(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """The citizen apps with a key: name, whether the key works, when the app was first given one."""
    cur = conn.execute(_q("list_clients"))
    names = [d.name for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def disable_open311_client(conn: psycopg.Connection[Any], name: str) -> None:
    """Withdraw a citizen app's key: its requests are refused from now on (a new key can be given later)."""
    with conn.transaction():
        if conn.execute(_q("disable_client"), {"name": name.strip()}).fetchone() is None:
            raise NotFoundError(
                f"Aucune application Open311 « {name} ».", hint="hotspots users cles-open311 liste les applications."
            )


def open311_client(conn: psycopg.Connection[Any], key: str) -> str | None:
    """The name of the citizen app that owns this Open311 key, or None when the key is unknown."""
    row = conn.execute(_q("client_by_key"), {"digest": digest(key)}).fetchone()
    return str(row[0]) if row else None
