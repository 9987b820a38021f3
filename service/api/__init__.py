"""API stage: FastAPI doors onto the stages. Routes parse, call one stage or query function, and format.

``create_app`` is loaded on first use: ``hotspots serve --workers N`` starts its server processes from
:mod:`service.api.server` without building an application itself, and should not spend seconds importing one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from service.api.app import create_app
else:

    def __getattr__(name: str) -> Any:
        if name == "create_app":
            from service.api.app import create_app

            return create_app
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["create_app"]
