"""Running the store's Alembic migrations, the only way its schema changes.

The migrations live in this package (``migrations/versions/``) and work on SQLite and PostgreSQL
alike. Tests build their databases with :func:`upgrade` too.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

__all__ = ["HEAD", "current_revision", "downgrade", "upgrade"]

MIGRATIONS = Path(__file__).parent / "migrations"

#: The newest migration.
HEAD = "0007"


def _config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database's schema up to ``revision`` (default: the newest); safe to repeat."""
    command.upgrade(_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to ``revision`` (``"base"``: no tables at all). Loses data."""
    command.downgrade(_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or ``None`` before the first."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
