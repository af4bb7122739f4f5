"""Telling every site (and the console) what is under way, once per change.

The fragment is rendered once in the request that made the change and published
to the meeting's channel; the SSE streams only forward bytes, so 3,000 connected
sites cost one render, not 3,000. A stream's first message is rendered the same way
from the current state, so a reconnecting browser shows the truth.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from litestar import Litestar
from litestar.channels import ChannelsPlugin
from litestar.events import listener
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.agenda.services import LiveState, live_state
from confmgr.events import MEETING_STATUS_CHANGED
from confmgr.live.events import board_channel, emit, live_channel, publish
from confmgr.live.stream import short_session

LIVE_FRAGMENT = "agenda/_live_state.html"
QUEUE_FRAGMENT = "agenda/_console_live.html"
LIVE_EVENT = "live"
QUEUE_EVENT = "console"


def render(app: Litestar, template: str, **context: Any) -> str:
    return app.template_engine.get_template(template).render(**context)  # type: ignore[union-attr]


def live_html(app: Litestar, state: LiveState) -> str:
    return render(app, LIVE_FRAGMENT, state=state)


def console_html(app: Litestar, state: LiveState) -> str:
    return render(app, QUEUE_FRAGMENT, state=state, meeting=state.meeting, can_edit=True)


async def announce(app: Litestar, db: AsyncSession, meeting_id: int) -> LiveState:
    """After a change: render the new state once and queue it for every site and the console.

    The events leave only if the request's transaction commits.
    """
    await db.flush()
    state = await live_state(db, meeting_id)
    emit(db, live_channel(meeting_id), LIVE_EVENT, live_html(app, state))
    emit(db, board_channel(meeting_id), QUEUE_EVENT, console_html(app, state))
    return state


log = logging.getLogger("confmgr")


async def announce_committed(app: Litestar, meeting_id: int) -> None:
    """Outside any request: read the committed state and send it to every site and the console."""
    async with short_session(app) as db:
        state = await live_state(db, meeting_id)
    publish(app.plugins.get(ChannelsPlugin), [
        (live_channel(meeting_id), LIVE_EVENT, live_html(app, state)),
        (board_channel(meeting_id), QUEUE_EVENT, console_html(app, state)),
    ])


@listener(MEETING_STATUS_CHANGED)
async def announce_status_change(app: Litestar, meeting_id: int, **_: Any) -> None:
    """The meeting started or ended (or moved on): the sites and the console see it.

    Runs after the change committed (see confmgr.events); a failure here is logged
    and never reaches the person who made the change, whose change stands.
    """
    try:
        await announce_committed(app, meeting_id)
    except Exception:  # an exception would stop Litestar's emitter for every later event
        log.exception("announcing the status of meeting %s failed", meeting_id)


LISTENERS = [announce_status_change]


# ---- opening streams in a crowd -----------------------------------------------------
#
# After a network blip or a restart thousands of sites reconnect within a second or
# two. Each stream needs its link checked and the current state; done naively that is
# two database transactions per site at once, which exhausts the connection pool (and
# queues on SQLite's lock) until requests fail. Streams therefore share the work: at
# most a few readings run at a time, and the streams asking together share one reading
# that started after they asked (confmgr.web.fragments), so no change slips between.
# After a restart, with cold caches, that is a handful of readings for 10,000 streams
# (before: about 4,000, most of the storm's CPU).

STREAM_DB_CONCURRENCY = 4
_STATE_KEY = "agenda_live_streams"


def _semaphore(app: Litestar) -> asyncio.Semaphore:
    found = app.state.get(_STATE_KEY)
    if found is None:
        found = asyncio.Semaphore(STREAM_DB_CONCURRENCY)
        app.state[_STATE_KEY] = found
    return found  # type: ignore[no-any-return]


async def shared_live_html(app: Litestar, meeting_id: int, subscribed_at: float) -> str:
    """The current state's fragment, read after ``subscribed_at`` (so no change is missed):
    from a reading that starts after this call, shared with the streams asking with it."""

    async def read() -> str:
        async with _semaphore(app), short_session(app) as db:
            return live_html(app, await live_state(db, meeting_id))

    return await app.state.fragments.get(("live-state", meeting_id), read)  # type: ignore[no-any-return]
