"""Domain events: what happened, told to whoever cares once it is committed.

A service that changes something others react to queues an event on the database
session with :func:`queue`; the request's commit hook (:mod:`confmgr.web.transactions`)
hands the queued events to Litestar's event emitter (``app.emit``) only after the
commit succeeded, and drops them on rollback. Listeners (``@listener`` functions,
registered in :func:`confmgr.app.create_app`) therefore run after the answer has
been committed, outside its transaction: they suit side effects such as telling the
connected sites, never a change that must commit together with the event's cause
(that belongs in the service, inside the transaction).

Every event gets the application as the keyword ``app``, plus its own data. Outside a
request (command line, background jobs) nothing emits the queued events: such a caller
that wants them calls :func:`emit_pending` itself after its commit.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

PENDING_KEY = "confmgr_domain_events"
log = logging.getLogger("confmgr")

# Event ids.
MEETING_STATUS_CHANGED = "meeting.status_changed"  # meeting_id, action, status


def queue(db: AsyncSession, event_id: str, **data: Any) -> None:
    """Emit ``event_id`` with ``data`` once ``db``'s transaction has committed."""
    db.info.setdefault(PENDING_KEY, []).append((event_id, data))


def discard(db: AsyncSession) -> None:
    db.info.pop(PENDING_KEY, None)


def emit_pending(app: Litestar, db: AsyncSession) -> None:
    """After a commit: hand the queued events to the app's listeners."""
    for event_id, data in db.info.pop(PENDING_KEY, []):
        try:
            app.emit(event_id, app=app, **data)
        except Exception:  # the change is committed; a missing listener must not turn it into an error
            log.exception("could not emit %s", event_id)
