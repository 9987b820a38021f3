"""Prevention stage: green neighbourhood information networks and their digests.

- :mod:`service.prevention.networks`: register a network (a polygon, a list of streets or a commune section; the
  coordinator's contact kept apart), find one, the areas of sections;
- :mod:`service.prevention.period`: the period of a digest (month, quarter, year);
- :mod:`service.prevention.digest`: the facts of a digest (:func:`build_digest`);
- :mod:`service.prevention.render`: the digest as HTML, PDF (A4, drawn offline) and JSON;
- :mod:`service.prevention.changes`: what changed since the last digest sent (new, worse, resolved).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

from service.db.vocabulary import Labels
from service.prevention.changes import Changes, changes_since_last
from service.prevention.digest import Digest, build_digest
from service.prevention.networks import Scope, find_network, network_scope, section_scope
from service.prevention.period import Period, parse_period
from service.settings import Settings

__all__ = [
    "Digest",
    "Period",
    "Scope",
    "build_digest",
    "digest_for",
    "news_since_last_digest",
    "parse_period",
    "scope_of",
]


def scope_of(
    conn: psycopg.Connection[Any], settings: Settings, *, network: str | int | None = None, section: str | None = None
) -> Scope:
    """The scope named by a network (number or name) or a section name; a French error for an unknown one."""
    from service.errors import InvalidValueError

    if (network is None) == (section is None):
        raise InvalidValueError(
            "donnez un réseau ou une section (un seul des deux)", hint="--reseau NOM ou --section NOM"
        )
    if network is not None:
        return network_scope(find_network(conn, network))
    return section_scope(conn, settings, str(section))


def digest_for(
    conn: psycopg.Connection[Any],
    settings: Settings,
    labels: Labels,
    *,
    period: str,
    network: str | int | None = None,
    section: str | None = None,
    now: datetime | None = None,
) -> Digest:
    """The digest of a network or a section for ``period`` (``2026-10``, ``2026-T4``, ``2026``). Reads only."""
    parsed = parse_period(period, zone=settings.timezone, now=now)
    scope = scope_of(conn, settings, network=network, section=section)
    return build_digest(conn, settings, scope, parsed, labels, now=now)


def news_since_last_digest(
    conn: psycopg.Connection[Any], settings: Settings, labels: Labels, *, network: str | int
) -> tuple[Digest, Changes]:
    """What changed in a network's area since its last digest sent (new, worse, resolved sites), seen from this
    month's digest, for the coordinator to pass on to the members. Reads only."""
    month = f"{datetime.now(ZoneInfo(settings.timezone)):%Y-%m}"
    found = digest_for(conn, settings, labels, period=month, network=network)
    return found, changes_since_last(conn, found)
