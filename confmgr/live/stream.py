"""Server-sent event streams that start with the current state.

A browser that reconnects (htmx's SSE extension does so on its own) first receives
what is true now, then every change; it never shows what was true before the drop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from litestar import Litestar, MediaType, Request, Response
from litestar.response import ServerSentEvent, Stream

from confmgr.accounts.permissions import require_user
from confmgr.db import READ_ONLY
from confmgr.errors import DomainError
from confmgr.i18n import gettext
from confmgr.live.hub import KEEP_ALIVE, Slot, hub
from confmgr.meetings.access import get_meeting
from confmgr.web.auth import session_user

__all__ = ["KEEP_ALIVE", "FramedServerSentEvent", "meeting_stream_refusal", "short_session", "sse_response"]


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


async def meeting_stream_refusal(request: Request[Any, Any, Any], meeting_id: int) -> Response[str] | None:
    """Why the secretariat's stream of a meeting is refused (a short plain-text answer:
    401 not signed in, 404 no such meeting...), or None: any signed-in user who may see
    the meeting may follow it. Checked with a session of its own, closed before the
    stream starts: a browser may stay connected for hours and must not hold a database
    connection all that time."""
    async with short_session(request.app) as db:
        try:
            await get_meeting(db, require_user(await session_user(request, db)), meeting_id)
        except DomainError as exc:
            return Response(gettext(exc.message), status_code=exc.status_code, media_type=MediaType.TEXT)
    return None
