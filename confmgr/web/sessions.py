"""Server-side sessions whose id changes at login.

Litestar keeps the id the browser already had; a session id planted before login
(session fixation) would then become a logged-in one. :func:`rotate_session` asks
for a new id, and the old one's data is deleted from the store.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.stores.base import Store
from litestar.types import Empty

_ROTATE = "confmgr_rotate_session"
_NEW_ID = "confmgr_new_session_id"


def rotate_session(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    connection.scope[_ROTATE] = True  # type: ignore[literal-required]


PURGE_EVERY_SECONDS = 3600


class RotatingSessionBackend(ServerSideSessionBackend):
    _last_purge = float("-inf")

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        scope: Any = connection.scope
        if scope.get(_ROTATE):
            if _NEW_ID not in scope:
                scope[_NEW_ID] = self.generate_session_id()
            return str(scope[_NEW_ID])
        return super().get_session_id(connection)

    async def store_in_message(self, scope_session: Any, message: Any, connection: ASGIConnection[Any, Any, Any, Any]) -> None:
        scope: Any = connection.scope
        had_cookie = connection.cookies.get(self.config.key) not in (None, "", "null")
        if not scope_session and not had_cookie and not scope.get(_ROTATE):
            # An anonymous visitor with nothing to keep: no session is stored and no
            # cookie set (each GET /login used to leave a file behind).
            return
        if not scope_session and scope_session is not Empty:
            scope_session = Empty
        if scope_session is not Empty:
            await self._purge_now_and_then(self.config.get_store_from_app(scope["app"]))
        if scope.get(_ROTATE):
            old = connection.cookies.get(self.config.key)
            if old and old != "null":
                await self.delete(old, store=self.config.get_store_from_app(scope["app"]))
        await super().store_in_message(scope_session, message, connection)

    async def _purge_now_and_then(self, store: Store) -> None:
        """Expired sessions are deleted once an hour (a file store keeps them otherwise;
        Redis expires them by itself)."""
        now = time.monotonic()
        if now - RotatingSessionBackend._last_purge < PURGE_EVERY_SECONDS:
            return
        RotatingSessionBackend._last_purge = now
        purge = getattr(store, "delete_expired", None)
        if purge is not None:
            await purge()


@dataclass
class RotatingSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend  # type: ignore[assignment]

