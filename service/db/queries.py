"""Named SQL statements kept in ``.sql`` files beside the code that runs them.

A file holds several statements, each introduced by a ``-- name: <name>`` line. Values are always bound
parameters (``%(name)s``), never formatted into the text. A module names its file once (``_q = Queries(package,
"file.sql")``), then takes a statement (``_q("name")``) or runs one into a DataFrame (``_q.frame(conn, "name")``);
the file is read on first use, never at import.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import psycopg

if TYPE_CHECKING:
    import pandas as pd

_MARK = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)


@cache
def load_queries(package: str, filename: str) -> dict[str, str]:
    """All named statements of ``package/sql/filename``."""
    text = resources.files(package).joinpath("sql").joinpath(filename).read_text(encoding="utf-8")
    parts = _MARK.split(text)
    queries = {name: body.strip() for name, body in zip(parts[1::2], parts[2::2], strict=True)}
    if not queries:
        raise ValueError(f"{package}/sql/{filename} contains no named query")
    return queries


def frame_of(cursor: psycopg.Cursor[Any]) -> pd.DataFrame:
    """The rows of an executed cursor as a DataFrame named after its columns."""
    import pandas as pd  # loaded by the first frame: the account and database commands need none (0,6 s)

    return pd.DataFrame(cursor.fetchall(), columns=[d.name for d in cursor.description or []])


class Queries:
    """The named statements of one ``.sql`` file of a package."""

    def __init__(self, package: str, filename: str) -> None:
        self.package = package
        self.filename = filename

    def __call__(self, name: str) -> str:
        """The statement ``name``."""
        return load_queries(self.package, self.filename)[name]

    def frame(self, conn: psycopg.Connection[Any], name: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run the statement ``name`` and return its rows as a DataFrame."""
        return frame_of(conn.execute(self(name), params or {}))
