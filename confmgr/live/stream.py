"""Server-sent event streams that start with the current state.

A browser that reconnects (htmx's SSE extension does so on its own) first receives
what is true now, then every change; it never shows what was true before the drop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from litestar import Litestar
from litestar.response import ServerSentEvent, Stream

from confmgr.db import READ_ONLY
from confmgr.live.hub import KEEP_ALIVE, Slot, hub

__all__ = ["KEEP_ALIVE", "FramedServerSentEvent", "short_session", "sse_response"]


class FramedServerSentEvent(ServerSentEvent):
    """An SSE response whose content is already framed bytes (see ``events.frame``).

    Litestar's own ServerSentEvent frames every message for every subscriber; here the
    frame is built once when the change is published and each stream forwards it.
    """

    def __init__(self, content: Any, headers: dict[str, Any]) -> None:
        Stream.__init__(self, content=content, media_type="text/event-stream", headers=headers)
        self.headers["Connection"] = "keep-alive"


def sse_response(
    app: Litestar,
    channels: list[str],
    initial: Callable[[], Awaitable[Iterable[tuple[str, str]]]],
    *,
    last_event_id: str | None = None,
    state_event: str | None = None,
    slot: Slot | None = None,
) -> ServerSentEvent:
    """A stream of the channels through the process's live hub (see ``confmgr.live.hub``).

    ``initial`` gives the current state, read after the stream subscribed, so nothing
    that happens in between is missed. ``last_event_id`` (the browser's
    ``Last-Event-ID``) replaces it with what the client missed when that is still known.
    ``state_event`` names the event that carries a whole state: the last one is then
    kept and served to new streams without reading anything.
    """
    headers: dict[str, Any] = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    content = hub(app).stream(channels, initial, slot=slot, state_event=state_event, last_event_id=last_event_id)
    return FramedServerSentEvent(content, headers=headers)


def short_session(app: Litestar) -> Any:
    """A read-only session of its own, for a moment: ``async with short_session(app) as db``.

    Streams only read; marked so, they never queue behind writers (see db.WriterQueue).
    """
    session = app.state.session_maker()
    session.sync_session.info[READ_ONLY] = True
    return session
