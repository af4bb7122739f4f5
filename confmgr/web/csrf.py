"""The CSRF token bound to the login session.

Litestar's CSRF check is a double submit: the form's token must equal the
``confmgr_csrf`` cookie. Someone able to plant a cookie for the site (a sibling
subdomain, a captive portal on plain http) could plant a cookie and submit the same
token. So at login a fresh token is made, kept in the server-side session and sent as
the new cookie; from then on a logged-in session's unsafe requests must carry that
cookie (and, through Litestar's check, that token). A planted cookie does not match
the session's, and the request is refused with 403.
"""

from __future__ import annotations

from typing import Any

from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar._parsers import parse_cookie_string
from litestar.exceptions import PermissionDeniedException
from litestar.middleware.csrf import generate_csrf_token
from litestar.types import Empty

CSRF_COOKIE = "confmgr_csrf"
SESSION_CSRF_KEY = "csrf"
_NEW_TOKEN = "confmgr_new_csrf_token"
SAFE = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def bind_new_token(request: Any) -> str:
    """At login: a new token for the session (the caller stores the session)."""
    token = generate_csrf_token(secret=request.app.state.settings.server.secret_key)
    request.scope[_NEW_TOKEN] = token
    return token


def _cookie(scope: Any) -> str | None:
    """The cookie as Litestar's own CSRF check reads it (the last of duplicates wins)."""
    found: str | None = None
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            found = parse_cookie_string(value.decode("latin-1")).get(CSRF_COOKIE, found)
    return found


class SessionBoundCsrfMiddleware:
    """Runs inside the session middleware (the session is loaded)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session = scope.get("session")
        if scope.get("method") not in SAFE and isinstance(session, dict) and session is not Empty:
            expected = session.get(SESSION_CSRF_KEY)
            if expected and _cookie(scope) != expected:
                raise PermissionDeniedException("CSRF token verification failed (not this session's)")

        async def send_with_cookie(message: Any) -> None:
            token = scope.get(_NEW_TOKEN)
            if token and message["type"] == "http.response.start":
                settings = scope["app"].state.settings
                cookie = Cookie(key=CSRF_COOKIE, value=token, path="/", secure=settings.server.secure_cookies,
                                httponly=False, samesite="lax")
                MutableScopeHeaders.from_message(message).add("set-cookie", cookie.to_header(header=""))
            await send(message)

        await self.app(scope, receive, send_with_cookie)
