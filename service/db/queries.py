"""Named SQL statements kept in ``.sql`` files beside the code that runs them.

A file holds several statements, each introduced by a ``-- name: <name>`` line. Values are always bound
parameters (``%(name)s``), never formatted into the text.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

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
