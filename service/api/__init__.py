"""API stage: FastAPI doors onto the stages. Routes parse, call one stage or query function, and format."""

from service.api.app import create_app

__all__ = ["create_app"]
