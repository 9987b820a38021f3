"""What every route depends on: a pooled connection, the settings and the logged-in user with a role.

A user is known by a bearer token (``Authorization: Bearer …``, for scripts) or by the session cookie set by
the login page (for the map pages). The cookie is ``HttpOnly`` and ``SameSite=Strict``, so another site cannot
make a browser send it with a forged request. Checked sessions are kept in memory for a minute, and forgotten as
soon as any session is revoked or any account changes (:mod:`service.api.sessions`, :mod:`service.api.watch`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

import psycopg
from fastapi import Depends, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from psycopg_pool import ConnectionPool

from service.accounts import ROLE_LABELS, LoginLimit, Role, User, authenticate, digest, open_session, session_of_digest
from service.api.availability import give_back
from service.api.state import AppState, state_of
from service.api.watch import DataWatcher
from service.db import personal
from service.errors import AuthenticationError, PermissionDeniedError
from service.settings import Settings

SESSION_COOKIE = "hotspots_session"


async def _connection(request: Request) -> AsyncIterator[psycopg.Connection[Any]]:
    """A pooled connection for the request, committed on success and rolled back on error.

    Requests wait for a free connection in the event loop (``connection_slots``, as many as the pool holds), not
    in a worker thread: if every thread could sit waiting for a connection, the requests holding the connections
    would find no thread to run on, and all of them would wait until the pool timed out.
    """
    state = state_of(request)
    async with state.connection_slots:
        pool, conn = await run_in_threadpool(state.checkout)
        try:
            yield conn
        except BaseException:
            await run_in_threadpool(give_back, pool, conn, False)
            raise
        # after a write, wait until this process has counted its change: the next read sees it, even from memory
        watcher = state.watcher if request.method not in _READS else None
        await run_in_threadpool(_commit_and_give_back, pool, conn, watcher)


_READS = frozenset({"GET", "HEAD", "OPTIONS"})


def _commit_and_give_back(pool: ConnectionPool, conn: psycopg.Connection[Any], watcher: DataWatcher | None) -> None:
    if watcher is not None and not conn.closed:
        try:
            conn.commit()
            watcher.sync(conn)
        except BaseException:
            give_back(pool, conn, False)
            raise
    give_back(pool, conn, True)


async def _settings(request: Request) -> Settings:
    return state_of(request).settings


#: The request's pooled connection, committed and given back as soon as the route returns, before the response is
#: sent: a slow client does not hold a connection that other requests are waiting for.
Conn = Annotated[psycopg.Connection[Any], Depends(_connection, scope="function")]
AppSettings = Annotated[Settings, Depends(_settings)]


def request_token(request: Request) -> str | None:
    """The bearer token or session cookie of a request, if any."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(SESSION_COOKIE) or None


def log_in(
    request: Request, conn: psycopg.Connection[Any], settings: Settings, response: Response, login: str, password: str
) -> tuple[User, str, datetime]:
    """The one way in, for the API's login and the map's login form: the password checked under the failed-login
    limits of the settings (per login, per client address), a new session, and its cookie set on ``response``
    (HttpOnly, SameSite=Strict, Secure when configured, for the whole site, as long as the session)."""
    limit = LoginLimit(
        per_login=settings.login_max_failures,
        per_address=settings.login_max_failures_per_address,
        minutes=settings.login_window_minutes,
    )
    address = request.client.host if request.client else None
    user = authenticate(conn, login, password, limit=limit, address=address)
    token, expires = open_session(conn, user, hours=settings.session_hours)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        max_age=int(settings.session_hours * 3600),
        path="/",
    )
    return user, token, expires


async def optional_user(request: Request) -> User | None:
    """The logged-in user, or None. A session checked in the last minute is known from memory
    (:mod:`service.api.sessions`); otherwise it is looked up on the small pool kept for that (a request that
    already holds one of the main pool's connections never waits for a second one from the same pool)."""
    token = request_token(request)
    if not token:
        return None
    state = state_of(request)
    key = digest(token)
    memo = state.sessions
    followed = state.watcher.up
    if followed:
        user = memo.get(key)
        if user is not None:
            return user
    generation = memo.generation
    async with state.session_slots:
        found = await run_in_threadpool(_session_in_database, state, key)
    if found is None:
        return None
    if followed and state.watcher.up:
        memo.put(key, found[0], found[1], generation)
    return found[0]


def _session_in_database(state: AppState, key: str) -> tuple[User, datetime] | None:
    with state.pooled("session_pool") as conn:
        return session_of_digest(conn, key)


async def current_user(request: Request) -> User:
    """The connected user, or a French 401 saying how to log in: the dependency of every route that needs one."""
    user = await optional_user(request)
    if user is None:
        raise AuthenticationError(
            "Connexion requise.", hint="Connectez-vous (POST /api/connexion) puis renvoyez le jeton reçu."
        )
    return user


def require(role: Role) -> Callable[..., Awaitable[User]]:
    """A dependency that lets through users whose role includes ``role`` and refuses the others (403)."""

    async def dependency(request: Request) -> User:
        user = await current_user(request)
        if not user.can(role):
            raise PermissionDeniedError(
                f"Action réservée au rôle {ROLE_LABELS[role]} (votre rôle : {ROLE_LABELS[user.role]}).",
                hint="Demandez ce droit à un administrateur.",
            )
        return user

    dependency.__name__ = f"require_{role}"
    return dependency


#: A database id in a path: a positive bigint (larger numbers are refused with a 422, not sent to PostgreSQL).
Id = Annotated[int, Path(ge=1, le=9_223_372_036_854_775_807)]

#: A permit in a path: its number (``12``), its site (``PER-12``, as the follow-up list, the shift sheets and the map
#: name it) or its reference when it has no slash (:func:`service.permits.record.find_permit` reads all three).
PermitKey = Annotated[str, Path(min_length=1, max_length=100, description="numéro (12), site (PER-12) ou référence")]

#: Why personal data is read (a reporter's or a coordinator's contact): written to the access log with the read.
ReadReason = Annotated[str, Query(min_length=5, max_length=300, description="pourquoi ces données sont lues")]

MaybeUser = Annotated[User | None, Depends(optional_user)]
Reader = Annotated[User, Depends(require("lecteur"))]
Planner = Annotated[User, Depends(require("planificateur"))]
Admin = Annotated[User, Depends(require("admin"))]


def audit(conn: psycopg.Connection[Any], user: User, action: str, **detail: Any) -> None:
    """Record who did what (exports, personal-data reads, account changes) in the access log, and commit."""
    personal.audit(conn, user.login, action, **detail)
