"""Caching what is read from a settings file until the file changes.

The commune outlines and the sections table are read by every import, map and check, so they are kept once read;
keyed by the file's modification time and size as well as its path, an edited file is read again by the next call
instead of only after the server restarts."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])


def file_version(path: Path) -> tuple[int, int]:
    """(modification time in ns, size) of ``path``, (0, 0) when it does not exist (the reader says so itself)."""
    try:
        found = path.stat()
    except OSError:
        return 0, 0
    return found.st_mtime_ns, found.st_size


def per_file_version(maxsize: int = 8) -> Callable[[F], F]:
    """Like :func:`functools.lru_cache` for a function whose first argument is a file, but a new version of the file
    (another modification time or size) is a new key. The other arguments are positional and hashable."""

    def wrap(read: F) -> F:
        @functools.lru_cache(maxsize=maxsize)
        def cached(path: Path, version: tuple[int, int], *args: Hashable) -> Any:
            return read(path, *args)

        @functools.wraps(read)
        def call(path: Path, *args: Hashable) -> Any:
            return cached(path, file_version(path), *args)

        return cast(F, call)

    return wrap
