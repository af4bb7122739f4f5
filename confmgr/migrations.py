"""Alembic from inside the application: no ini file, the URL comes from the settings."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from confmgr.filemodes import secure_data_dir
from confmgr.settings import PROJECT_ROOT, Settings


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", settings.database.url.replace("%", "%%"))
    config.attributes["settings"] = settings
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    # Created 0600 before SQLite makes it, so the database and its WAL are private.
    secure_data_dir(settings.data_dir, settings.database.url)
    command.upgrade(alembic_config(settings), revision)
    secure_data_dir(settings.data_dir, settings.database.url)


def revision(settings: Settings, message: str) -> None:
    command.revision(alembic_config(settings), message=message, autogenerate=True)
