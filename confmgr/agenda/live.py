"""Telling every site (and the console) what is under way, once per change.

The fragment is rendered once in the request that made the change and published
to the meeting's channel; the SSE streams only forward bytes, so 3,000 connected
sites cost one render, not 3,000. A stream's first message is rendered the same way
from the current state, so a reconnecting browser shows the truth.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.agenda.services import LiveState, live_state
from confmgr.live.events import board_channel, emit, live_channel

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
