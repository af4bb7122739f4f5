"""Shared fixtures: settings per test, a migrated database, the app and its clients.

SQLite by default: the schema is migrated once into a template file and copied for
each test. With ``CONFMGR_TEST_BACKEND=postgres`` the tests run against
``CONFMGR_TEST_DATABASE_URL``: migrated once, every table emptied between tests.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import shutil
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import argon2
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from confmgr.accounts import services as account_services
from confmgr.settings import Settings, load_settings
from tests.helpers import api_token, login, make_user

# Argon2id with its cheapest parameters: every test makes a user and logs in, and the
# production parameters cost ~0.1 s per hash or check, a fifth of an average test. The
# hashes stay Argon2id, made and checked by the same code; production keeps the defaults.
account_services._hasher = argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)

BACKEND = os.environ.get("CONFMGR_TEST_BACKEND", "sqlite")
# Under ``pytest -n N`` (pytest-xdist) each worker process has its own PostgreSQL database
# (the configured one's name + "_gw0", "_gw1"..., made on first use) and its own Redis
# database (the configured number minus the worker's).
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
PG_BASE_URL = os.environ.get("CONFMGR_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
PG_URL = f"{PG_BASE_URL}_{WORKER}" if WORKER else PG_BASE_URL
# Production mode is PostgreSQL and Redis together: the PostgreSQL run uses Redis too.
REDIS_URL = os.environ.get("CONFMGR_TEST_REDIS_URL", "") if BACKEND == "postgres" else ""
if REDIS_URL and WORKER:
    _redis_base, _sep, _redis_db = REDIS_URL.rpartition("/")
    REDIS_URL = f"{_redis_base}/{int(_redis_db or 0) - int(WORKER.removeprefix('gw'))}"


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {"CONFMGR_DATA_DIR": str(data_dir), "CONFMGR_SECRET_KEY": "test-secret-key-" + "x" * 40}
    if BACKEND == "postgres":
        env["CONFMGR_DATABASE_URL"] = PG_URL
    if REDIS_URL:
        env["CONFMGR_REDIS_URL"] = REDIS_URL
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir whose database is at head; tests copy it (SQLite) or share it (PostgreSQL)."""
    from confmgr.migrations import upgrade

    base = tmp_path_factory.mktemp("template")
    settings = load_settings(_env(base))
    if BACKEND == "postgres":
        if WORKER:
            asyncio.run(_pg_create_database(PG_BASE_URL, PG_URL.rpartition("/")[2]))
        asyncio.run(_pg_reset_schema(settings))
    upgrade(settings)
    return base


async def _pg_create_database(server_url: str, name: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        exists = await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
        if not exists:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()


async def _pg_reset_schema(settings: Settings) -> None:
    from sqlalchemy import text

    from confmgr.db import create_engine

    engine = create_engine(settings.database)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def _pg_truncate(settings: Settings) -> None:
    from sqlalchemy import text

    import confmgr.models  # noqa: F401
    from confmgr.db import create_engine, metadata

    engine = create_engine(settings.database)
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    await engine.dispose()


@pytest.fixture
def env_overrides() -> dict[str, str]:
    """Tests override settings by redefining this fixture or updating the dict."""
    return {}


def _fresh_settings(data_dir: Path, migrated_template: Path, env_overrides: dict[str, str]) -> Settings:
    data_dir.mkdir(parents=True)
    if BACKEND == "sqlite":
        shutil.copy(migrated_template / "confmgr.sqlite3", data_dir / "confmgr.sqlite3")
    settings = load_settings(_env(data_dir, **env_overrides))
    if BACKEND == "postgres":
        asyncio.run(_pg_truncate(settings))
    _flush_redis(settings)
    return settings


def _flush_redis(settings: Settings) -> None:
    if settings.redis_url:
        import redis

        # Sessions and login throttling live in Redis: each test starts with none.
        client = redis.Redis.from_url(settings.redis_url)
        client.flushdb()
        client.close()


def _empty_sqlite(settings: Settings) -> None:
    """Every row gone and ids from 1 again, as in a copy of the template; through a
    connection of its own, beside the app's (WAL lets both in)."""
    import sqlite3

    import confmgr.models  # noqa: F401
    from confmgr.db import metadata

    path = Path(settings.data_dir) / "confmgr.sqlite3"
    with closing(sqlite3.connect(path, timeout=30)) as conn:
        conn.execute("PRAGMA foreign_keys=OFF")
        with conn:
            for table in reversed(metadata.sorted_tables):
                conn.execute(f'DELETE FROM "{table.name}"')
            if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").fetchone():
                conn.execute("DELETE FROM sqlite_sequence")


# Kept between the tests of a module: the database files (emptied instead) and the job
# queue's (flushed instead). Sessions are cleared through their store.
_KEPT = ("confmgr.sqlite3", "jobs.sqlite3", "sessions")


class ModuleApp:
    """The app the tests of one module share, started once (``create_app`` and its 300
    handlers cost 0.2-0.6 s, as much as an average test). Before each test it is put
    back as new: tables emptied (ids from 1), Redis flushed, stores (sessions, login
    counters) and job queue emptied, files in the data dir removed, the client's cookies
    and headers as made."""

    def __init__(self, key: tuple[tuple[str, str], ...], settings: Settings) -> None:
        self.key = key
        self.settings = settings
        self.app: Litestar | None = None
        self.client: TestClient[Litestar] | None = None
        self._headers: Any = None

    def started(self) -> TestClient[Litestar]:
        if self.client is None:
            from confmgr.app import create_app

            self.app = create_app(self.settings)
            self.client = TestClient(app=self.app, base_url="http://testserver.local")
            self.client.__enter__()
            self._headers = self.client.headers.copy()
        return self.client

    def reset(self) -> None:
        if BACKEND == "postgres":
            asyncio.run(_pg_truncate(self.settings))
        else:
            _empty_sqlite(self.settings)
        _flush_redis(self.settings)
        data_dir = Path(self.settings.data_dir)
        for entry in data_dir.iterdir():
            if not entry.name.startswith(_KEPT):
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        if self.client is not None and self.app is not None:
            portal = self.client.blocking_portal
            for name in ("sessions", "throttle"):
                portal.call(self.app.stores.get(name).delete_all)
            self.app.state.jobs.huey.flush()
            self.client.cookies.clear()
            self.client.headers = self._headers.copy()

    def close(self) -> None:
        if self.client is not None:
            self.client.__exit__(None, None, None)
            self.client = None


def _shares_app(request: pytest.FixtureRequest) -> bool:
    """A test that uses the client shares its module's app, unless it asks for ``app``
    itself: such a test starts the app its own way or changes it."""
    return "client" in request.fixturenames and "app" not in inspect.signature(request.function).parameters


@pytest.fixture(scope="module")
def _module_app() -> Iterator[dict[str, ModuleApp]]:
    holder: dict[str, ModuleApp] = {}
    yield holder
    if "current" in holder:
        holder["current"].close()


@pytest.fixture
def settings(
    request: pytest.FixtureRequest, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory,
    migrated_template: Path, env_overrides: dict[str, str], _module_app: dict[str, ModuleApp],
) -> Settings:
    if not _shares_app(request):
        return _fresh_settings(tmp_path / "data", migrated_template, env_overrides)
    # Settings the test changes make an app of their own, shared by the next tests with
    # the same changes.
    key = tuple(sorted(env_overrides.items()))
    current = _module_app.get("current")
    if current is not None and current.key == key:
        current.reset()
        return current.settings
    if current is not None:
        current.close()
    settings = _fresh_settings(tmp_path_factory.mktemp("module-app") / "data", migrated_template, env_overrides)
    _module_app["current"] = ModuleApp(key, settings)
    return settings


@pytest.fixture
def app(request: pytest.FixtureRequest, settings: Settings, _module_app: dict[str, ModuleApp]) -> Litestar:
    from confmgr.app import create_app

    if _shares_app(request):
        shared = _module_app["current"]
        shared.started()
        assert shared.app is not None
        return shared.app
    return create_app(settings)


@pytest.fixture
def client(request: pytest.FixtureRequest, app: Litestar, _module_app: dict[str, ModuleApp]) -> Iterator[TestClient[Litestar]]:
    if _shares_app(request):
        yield _module_app["current"].started()
        return
    with TestClient(app=app, base_url="http://testserver.local") as client:
        yield client


@pytest.fixture
def db(settings: Settings) -> Any:
    """Run a coroutine ``fn(session)`` in its own committed transaction: ``db(fn)``."""
    from confmgr.cli_support import session_scope

    def call(fn: Any) -> Any:
        async def inner() -> Any:
            async with session_scope(settings) as session:
                return await fn(session)

        return asyncio.run(inner())

    return call


@pytest.fixture
def admin(db: Any) -> int:
    return make_user(db, "admin", "admin")


@pytest.fixture
def admin_client(client: TestClient[Any], admin: int) -> TestClient[Any]:
    login(client)
    return client


@pytest.fixture
def admin_api(client: TestClient[Any], admin: int) -> dict[str, str]:
    return api_token(client)
