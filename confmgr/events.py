"""Domain events: what happened, told to whoever cares once it is committed.

A service that changes something others react to queues an event on the database
session with :func:`queue`. The event leaves when that session's transaction commits
(:func:`confmgr.db.after_commit`), whoever commits it: a request, a job's step, the
command line; it is dropped on rollback. It goes to the session's *delivery*, set by
whoever made the session:

- the application's sessions (requests, the jobs' steps, the listeners' short
  sessions) hand it to Litestar's event emitter (:func:`deliver_to_app`, wired in
  :func:`confmgr.app.create_app`); ``confmgr worker`` runs that application too;
- a session without a delivery (``cli_support.session_scope`` unless told otherwise)
  refuses the event at once (:class:`Undeliverable`): an event nobody hears is a bug,
  not a silence. A caller that knows nobody can be listening says so with
  ``delivery=drop``.

Listeners (``@listener`` functions, registered in :func:`confmgr.app.create_app`)
therefore run after the change committed, outside its transaction: they suit side
effects such as telling the connected sites, never a change that must commit together
with the event's cause (that belongs in the service, inside the transaction). Every
event gets the application as the keyword ``app``, plus its own data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from confmgr.db import after_commit

DELIVERY_KEY = "confmgr_event_delivery"
log = logging.getLogger("confmgr")

# Event ids.
MEETING_STATUS_CHANGED = "meeting.status_changed"  # meeting_id, action, status

# Hands one committed event (its id and data) to its listeners.
Delivery = Callable[[str, dict[str, Any]], None]


class Undeliverable(RuntimeError):
    """An event was queued on a session whose commit nobody hands to the listeners."""


def queue(db: AsyncSession, event_id: str, **data: Any) -> None:
    """Emit ``event_id`` with ``data`` once ``db``'s transaction has committed."""
    if not isinstance(db, AsyncSession):
        # A group writer's batch function has a connection, not a session: its
        # writes are answers from the sites, which raise no domain event.
        raise Undeliverable(f"{event_id}: domain events are queued on a database session, not on {type(db).__name__}")
    deliver: Delivery | None = db.info.get(DELIVERY_KEY)
    if deliver is None:
        raise Undeliverable(
            f"{event_id}: this session has no delivery for domain events, so nobody would hear it "
            "(use the application's sessions, or give session_scope a delivery)"
        )
    after_commit(db, lambda: deliver(event_id, data))


def deliver_to_app(session_maker: async_sessionmaker[AsyncSession], app: Litestar) -> None:
    """Every session ``session_maker`` makes hands its committed events to ``app``'s listeners."""

    def deliver(event_id: str, data: dict[str, Any]) -> None:
        try:
            app.emit(event_id, app=app, **data)
        except Exception:  # the change is committed; a missing listener must not turn it into an error
            log.exception("could not emit %s", event_id)

    session_maker.configure(info={DELIVERY_KEY: deliver})


def set_delivery(db: AsyncSession, deliver: Delivery) -> None:
    db.info[DELIVERY_KEY] = deliver


def drop(event_id: str, _data: dict[str, Any]) -> None:
    """The delivery of a session whose events nobody can be waiting for (said where it is used)."""
    log.debug("%s: nobody to tell", event_id)
