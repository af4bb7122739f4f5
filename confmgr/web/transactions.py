"""One transaction per request, committed before the answer leaves.

Advanced Alchemy's stock handler commits as the response starts and only logs a
commit that fails, so a person could be told "saved" when nothing was. This handler
commits at the same moment, and when the commit fails it replaces the answer with
an error (500) before a byte of it is sent. Live updates queued with
:func:`confmgr.live.events.emit` are published only once the commit succeeded.
Domain events (:mod:`confmgr.events`) and other :func:`confmgr.db.after_commit`
callbacks need nothing from here: the session's commit itself hands them over.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from advanced_alchemy.extensions.litestar._utils import delete_aa_scope_state, get_aa_scope_state
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.live.events import discard, publish_pending

FAILED_KEY = "confmgr_commit_failed"
log = logging.getLogger("confmgr")

_FAILED_HTML = (
    "<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\"><title>Lỗi 500</title>"
    "<p>Hệ thống chưa lưu được thay đổi của bạn. Vui lòng thử lại.</p>"
    "<p lang=\"en\">Your change could not be saved. Please try again.</p></html>"
).encode()
_FAILED_JSON = b'{"status_code":500,"detail":"H\\u1ec7 th\\u1ed1ng ch\\u01b0a l\\u01b0u \\u0111\\u01b0\\u1ee3c thay \\u0111\\u1ed5i. Vui l\\u00f2ng th\\u1eed l\\u1ea1i."}'


def commit_before_send(session_scope_key: str) -> Callable[[Any, Any], Awaitable[None]]:
    """A ``before_send`` hook for the session stored under ``session_scope_key``.

    Advanced Alchemy gives each configuration its own key, so the key is read from
    the configuration rather than assumed.
    """

    async def hook(message: Any, scope: Any) -> None:
        await _commit_before_send(message, scope, session_scope_key)

    return hook


async def _commit_before_send(message: Any, scope: Any, key: str) -> None:
    """Commit on 2xx/3xx, roll back otherwise, close at the end."""
    session: AsyncSession | None = get_aa_scope_state(scope, key)
    if message["type"] == "http.response.start" and session is not None:
        if 200 <= message["status"] < 400:
            try:
                await session.commit()
            except Exception:
                log.exception("commit failed on %s %s", scope.get("method"), scope.get("path"))
                await session.rollback()
                discard(session)
                api = str(scope.get("path", "")).startswith("/api/")
                body = _FAILED_JSON if api else _FAILED_HTML
                scope[FAILED_KEY] = body
                message["status"] = 500
                message["headers"] = [
                    (b"content-type", b"application/json" if api else b"text/html; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                ]
            else:
                publish_pending(scope["app"], session)
        else:
            await session.rollback()
            discard(session)
    elif message["type"] == "http.response.body" and FAILED_KEY in scope:
        message["body"] = scope.pop(FAILED_KEY)
        message["more_body"] = False
    if session is not None and message["type"] in ("http.response.body", "http.disconnect") and not message.get("more_body"):
        await session.close()
        delete_aa_scope_state(scope, key)
