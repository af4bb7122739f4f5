"""Database wiring: the declarative base, the engine and its SQLite pragmas.

Models subclass :class:`Base` (Advanced Alchemy's identity big-integer key with created/updated
columns); its metadata carries a naming convention so Alembic names every constraint.
:func:`after_commit` runs what may only follow a commit, whichever session commits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from advanced_alchemy.base import IdentityAuditBase, orm_registry
from sqlalchemy import Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.pool import SingletonThreadPool
from sqlalchemy.util import await_only

from confmgr.settings import DatabaseSettings

Base = IdentityAuditBase
metadata = orm_registry.metadata

SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_ONLY = "confmgr_read_only"
# The largest id the database stores (a signed 64-bit integer); a larger one names nothing.
MAX_ID = 2**63 - 1
_HOLDS_QUEUE = "confmgr_holds_writer_queue"
_AFTER_COMMIT = "confmgr_after_commit"
log = logging.getLogger("confmgr")


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the one writer; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    # FULL: a committed answer survives a power cut too, not only a crash of the process.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()
    # pysqlite's own transaction handling is turned off so that BEGIN is ours.
    dbapi_connection.isolation_level = None


def _sqlite_begin_immediate(conn: Any) -> None:
    # For programs without the in-process writer queue (the command line): the write
    # lock is taken up front, so a read that turns into a write cannot fail halfway.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_begin_deferred(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


class WriterQueue:
    """SQLite allows one writer at a time. Within the server process, writing
    transactions queue here, first come first served, from their first statement to
    their commit, so they never wait in SQLite's busy handler (which polls with
    growing sleeps and, under load, makes some answers wait seconds or time out).
    Read-only sessions (``session.info[READ_ONLY] = True``: page views, live streams)
    do not queue: in WAL mode they read beside the writer.

    Because every writer of the process holds the queue from its first read to its
    commit, no other writer can commit in between, so a plain deferred BEGIN never
    fails when it turns into a write. Several processes writing one SQLite file are
    not supported; production runs on PostgreSQL.
    """

    def __init__(self) -> None:
        self._lock: asyncio.Lock | None = None
        # The task whose transaction holds the queue, so that a second writer of the
        # same task (see confmgr.writes) fails at once instead of waiting for itself.
        self.holder: asyncio.Task[Any] | None = None

    @property
    def lock(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    def attach(self, session_class: type[Session]) -> None:
        event.listen(session_class, "after_transaction_create", self._on_create)
        event.listen(session_class, "after_transaction_end", self._on_end)
        event.listen(session_class, "before_flush", _refuse_writes_when_read_only)
        event.listen(session_class, "do_orm_execute", _refuse_dml_when_read_only)

    def _on_create(self, session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is not None or session.info.get(READ_ONLY):
            return
        # Runs inside SQLAlchemy's greenlet bridge, so the asyncio lock can be awaited.
        await_only(self.lock.acquire())
        session.info[_HOLDS_QUEUE] = transaction
        self.holder = asyncio.current_task()

    def _on_end(self, session: Session, transaction: SessionTransaction) -> None:
        if session.info.get(_HOLDS_QUEUE) is transaction:
            del session.info[_HOLDS_QUEUE]
            self.holder = None
            self.lock.release()


class ReadOnlySessionWrite(RuntimeError):
    """A session marked read-only tried to write: the route must declare that it
    writes (``opt={"writes": True}``) so its transaction queues as a writer."""


def _refuse_writes_when_read_only(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(READ_ONLY) and (session.new or session.dirty or session.deleted):
        raise ReadOnlySessionWrite("write in a read-only session")


def _refuse_dml_when_read_only(state: Any) -> None:
    if state.session.info.get(READ_ONLY) and (state.is_insert or state.is_update or state.is_delete):
        raise ReadOnlySessionWrite("write in a read-only session")


def _configure_sqlite(sync_engine: Engine, *, immediate: bool) -> None:
    event.listen(sync_engine, "connect", _sqlite_on_connect)
    event.listen(sync_engine, "begin", _sqlite_begin_immediate if immediate else _sqlite_begin_deferred)


def create_engine(settings: DatabaseSettings, *, immediate: bool = False) -> AsyncEngine:
    """The engine; SQLite transactions begin deferred (the server queues its writers,
    see :class:`WriterQueue`) or, with ``immediate``, take the write lock up front."""
    if settings.is_sqlite:
        engine = create_async_engine(
            settings.url,
            echo=settings.echo,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        _configure_sqlite(engine.sync_engine, immediate=immediate)
        return engine
    return create_async_engine(
        settings.url,
        echo=settings.echo,
        pool_pre_ping=True,
        pool_size=settings.pool_size,
        max_overflow=settings.max_overflow,
    )


def create_sqlite_thread_engine(engine: AsyncEngine, *, autocheckpoint: bool = True) -> Engine:
    """A plain (blocking) engine on the same SQLite file as ``engine``, for a thread
    that works on its own: same pragmas, write lock taken at BEGIN, one connection.
    Without ``autocheckpoint`` its commits leave the WAL to a checkpointer."""
    url = engine.url.set(drivername="sqlite")
    sync_engine = create_sync_engine(
        url,
        echo=engine.echo,
        poolclass=SingletonThreadPool,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
    )
    _configure_sqlite(sync_engine, immediate=True)
    if not autocheckpoint:
        event.listen(sync_engine, "connect", _no_autocheckpoint)
    return sync_engine


def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


def create_session_maker(
    engine: AsyncEngine, *, writer_queue: WriterQueue | None = None
) -> async_sessionmaker[AsyncSession]:
    """Sessions of ``engine``; on SQLite, with ``writer_queue``, their writing
    transactions queue there (the server passes one queue to everything that writes)."""
    if writer_queue is not None and engine.dialect.name == "sqlite":
        # A Session class of its own, so the queue's events concern this engine only.
        session_class = type("QueuedSession", (Session,), {})
        writer_queue.attach(session_class)
        return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=session_class)
    return async_sessionmaker(engine, expire_on_commit=False)


async def read_after_write(db: AsyncSession) -> None:
    """Let a request's read-only session see what a group write (confmgr.writes) has
    just committed: end its snapshot. Objects it loaded keep their values (commits do
    not expire them here); read them again with ``populate_existing``."""
    await db.commit()


# ---- after the commit ---------------------------------------------------------------


def after_commit(db: AsyncSession | Session, callback: Callable[[], object]) -> None:
    """Run ``callback`` once ``db``'s transaction has committed; never when it rolls back,
    nor when the savepoint it was queued in rolls back.

    Bound to the session's own commit, not to whoever commits it, so it holds for a
    request, a job's step and the command line alike. The callback runs inside the
    commit call and must be quick and synchronous (remove a file, hand an event over);
    an exception it raises is logged, since the change is committed by then.
    """
    session = db.sync_session if isinstance(db, AsyncSession) else db
    session.info.setdefault(_AFTER_COMMIT, []).append((session.get_nested_transaction(), callback))


def _within(where: SessionTransaction | None, savepoint: SessionTransaction) -> bool:
    while where is not None:
        if where is savepoint:
            return True
        where = where.parent
    return False


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: its callbacks wait for the real commit
        return
    for _where, callback in session.info.pop(_AFTER_COMMIT, ()):
        try:
            callback()
        except Exception:  # the change is committed; a failed follow-up must not undo it
            log.exception("after-commit callback failed")


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    pending = session.info.get(_AFTER_COMMIT)
    if not pending:
        return
    if previous_transaction.nested:
        session.info[_AFTER_COMMIT] = [(w, c) for w, c in pending if not _within(w, previous_transaction)]
    else:
        del session.info[_AFTER_COMMIT]


@event.listens_for(Session, "after_transaction_end")
def _forget_uncommitted(session: Session, transaction: SessionTransaction) -> None:
    # A session closed without committing (its callbacks ran already if it committed).
    if transaction.parent is None:
        session.info.pop(_AFTER_COMMIT, None)
