"""Headers every answer carries, private headers on what carries a site link, and
site tokens kept out of the logs.

One ``before_send`` hook adds, to every HTTP answer that does not set them itself:

- ``Content-Security-Policy``: scripts only from this server (no inline script, no
  ``on*=`` handler, no ``javascript:`` URL: the templates keep their JavaScript in
  ``static/js/``), nothing may frame the page (``frame-ancestors 'none'``), forms post
  only here. Inline styles stay allowed (htmx adds its indicator style).
- ``X-Frame-Options: DENY`` for older browsers, ``X-Content-Type-Options: nosniff``,
  ``Referrer-Policy: same-origin``, ``Cross-Origin-Opener-Policy: same-origin``.
- ``Strict-Transport-Security`` when the base URL is https.

A PDF may be framed by this server's own pages (the document preview embeds it).

Answers that carry a site's link or are reached through one (the portal ``/s/<token>``
and its API, the secretariat's link, QR and invitation sheet pages, the API's site
list and link answers) are private: ``Cache-Control: no-store``,
``Referrer-Policy: no-referrer`` (the token is in the URL) and
``X-Robots-Tag: noindex``, whatever the route set.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from confmgr.accounts.throttle import count_event
from confmgr.errors import TooManyRequests

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'self'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
CSP_FRAMEABLE = CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'")
HSTS = "max-age=31536000; includeSubDomains"

PRIVATE_PATHS = re.compile(
    r"^(?:/s/"
    r"|/api/v1/portal(?:/|$)"
    r"|/api/v1/meetings/\d+/sites(?:/|$)"
    r"|/api/v1/meetings/\d+/invitations(?:/|$)"
    r"|/meetings/\d+/sites/\d+/(?:link|qr\.png)"
    r"|/meetings/\d+/invitations(?:/|$))"
)
PRIVATE_HEADERS = {
    b"cache-control": b"no-store",
    b"referrer-policy": b"no-referrer",
    b"x-robots-tag": b"noindex, nofollow",
}


def is_private_path(path: str) -> bool:
    return PRIVATE_PATHS.match(path) is not None


def add_security_headers(message: Any, path: str, hsts: bool) -> None:
    """Complete the headers of an ``http.response.start`` message in place."""
    private = is_private_path(path)
    headers = [(k, v) for k, v in message.get("headers", []) if not (private and k.lower() in PRIVATE_HEADERS)]
    present = {k.lower() for k, _v in headers}
    content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
    frameable = content_type.startswith(b"application/pdf")
    defaults = [
        (b"content-security-policy", (CSP_FRAMEABLE if frameable else CSP).encode()),
        (b"x-frame-options", b"SAMEORIGIN" if frameable else b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if hsts:
        defaults.append((b"strict-transport-security", HSTS.encode()))
    if private:
        headers.extend(PRIVATE_HEADERS.items())
        present.update(PRIVATE_HEADERS)
    headers.extend((k, v) for k, v in defaults if k not in present)
    message["headers"] = headers


def security_headers_hook(hsts: bool) -> Any:
    """A ``before_send`` hook: it sees every answer, error pages and 404s included."""

    async def before_send(message: Any, scope: Any) -> None:
        if message["type"] == "http.response.start" and scope.get("type") == "http":
            add_security_headers(message, scope.get("path", ""), hsts)

    return before_send


# ---------------------------------------------------------------- tokens in the logs

_TOKEN_IN_PATH = re.compile(r"(/s/)[^/\s\"'?#]+")


def mask_tokens(text: str) -> str:
    """``/s/<token>/now`` -> ``/s/***/now``: a log line never holds a working link."""
    return _TOKEN_IN_PATH.sub(r"\1***", text)


class MaskSiteTokens(logging.Filter):
    """Masks site tokens in a record's message and arguments (access and error logs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_tokens(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(mask_tokens(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: mask_tokens(v) if isinstance(v, str) else v for k, v in record.args.items()}
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            # Tracebacks render lazily: render now and mask, so the token in an
            # exception message (a URL, a path parameter) is not printed either.
            record.exc_text = mask_tokens(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = mask_tokens(record.exc_text)
        return True


LOGGERS = ("uvicorn.access", "uvicorn.error", "uvicorn", "confmgr", "litestar", "")
_FILTER = MaskSiteTokens()


def install_log_masking() -> None:
    """Attach the mask to the loggers and to every handler already configured (a
    filter on a logger does not see records propagated from its children)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        for handler in logger.handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)


# ---------------------------------------------------------------- /verify lookups

VERIFY_PATH = re.compile(r"^/verify(?:/|$)")
VERIFY_PER_MINUTE = 30


class VerifyRateLimitMiddleware:
    """``/verify`` is public: anyone may check a document's number or upload a PDF.
    Each address gets ``VERIFY_PER_MINUTE`` lookups a minute (the page itself is free
    to view); more answer 429. Counted like failed logins (``accounts.throttle``)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and VERIFY_PATH.match(scope.get("path", "")) and _is_lookup(scope):
            client = (scope.get("client") or ("unknown", 0))[0]
            store = scope["app"].stores.get("throttle")
            if await count_event(store, "verify", client, 60) > VERIFY_PER_MINUTE:
                raise TooManyRequests("Too many requests. Please wait a moment and try again.")
        await self.app(scope, receive, send)


def _is_lookup(scope: Any) -> bool:
    """A POST, or a GET that asks something (a query string)."""
    return scope.get("method") == "POST" or bool(scope.get("query_string"))
