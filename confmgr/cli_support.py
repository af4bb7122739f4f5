"""A database session outside a request, for the command line and the demo loader."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.db import create_engine, create_session_maker
from confmgr.events import Delivery, set_delivery
from confmgr.settings import Settings


@asynccontextmanager
async def session_scope(settings: Settings, *, delivery: Delivery | None = None) -> AsyncIterator[AsyncSession]:
    """Commit when the block ends normally, roll back when it raises.

    No listener runs in this process, so a domain event queued here is refused
    (:class:`confmgr.events.Undeliverable`) unless ``delivery`` says where it goes.
    """
    engine = create_engine(settings.database, immediate=True)
    try:
        async with create_session_maker(engine)() as session:
            if delivery is not None:
                set_delivery(session, delivery)
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
    finally:
        await engine.dispose()
