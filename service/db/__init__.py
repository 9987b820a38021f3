"""Database stage: the managed cluster, the pool, migrations, backups. The only place that speaks SQL."""

from service.db.connect import connect, ensure_database, open_pool, resolve_conninfo, server_database, start_database

__all__ = ["connect", "ensure_database", "open_pool", "resolve_conninfo", "server_database", "start_database"]
