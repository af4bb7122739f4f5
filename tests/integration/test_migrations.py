"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

import confmgr.models  # noqa: F401
from confmgr.db import create_engine, metadata
from confmgr.migrations import alembic_config


def _diff(settings: Any) -> list[Any]:
    async def run() -> list[Any]:
        engine = create_engine(settings.database)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(
                    lambda sync_conn: compare_metadata(
                        MigrationContext.configure(sync_conn, opts={"compare_type": True}), metadata
                    )
                )
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_one_head(settings: Any) -> None:
    script = ScriptDirectory.from_config(alembic_config(settings))
    assert len(script.get_heads()) == 1, script.get_heads()


def test_head_matches_models(settings: Any) -> None:
    # ``settings`` holds a database freshly upgraded from empty to head.
    assert _diff(settings) == []


def test_every_table_and_constraint_is_named(settings: Any) -> None:
    for table in metadata.sorted_tables:
        for constraint in table.constraints:
            assert constraint.name, f"unnamed constraint on {table.name}"
