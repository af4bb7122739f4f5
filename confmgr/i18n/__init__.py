"""Translations: Vietnamese first, English second, from gettext catalogs (Babel).

Message ids are English. Each feature keeps its Vietnamese strings in its own
catalog file under ``confmgr/i18n/<locale>/*.po`` so features never edit one shared
file; the files of a locale are merged when loaded. The request's language lives in
a context variable set by :class:`LocaleMiddleware`.
"""

from __future__ import annotations

import unicodedata
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

LOCALES = ("vi", "en")
DEFAULT_LOCALE = "vi"
LOCALE_COOKIE = "lang"
CATALOG_DIR = Path(__file__).parent

current_locale: ContextVar[str] = ContextVar("confmgr_locale", default=DEFAULT_LOCALE)


@lru_cache(maxsize=None)
def catalog(locale: str) -> dict[str, str]:
    """All translations of ``locale``, from every ``.po`` file of its folder."""
    messages: dict[str, str] = {}
    folder = CATALOG_DIR / locale
    if not folder.is_dir():
        return messages
    for po_file in sorted(folder.glob("*.po")):
        with po_file.open("rb") as fh:
            for message in read_po(fh, locale=locale):
                if message.id and message.string and not message.fuzzy:
                    messages[str(message.id)] = unicodedata.normalize("NFC", str(message.string))
    return messages


def gettext(message: str, locale: str | None = None, **params: Any) -> str:
    text = catalog(locale or current_locale.get()).get(message, message)
    return text.format(**params) if params else text


_ = gettext


def negotiate(cookie_value: str | None) -> str:
    # Vietnamese unless the person chose English: an office browser's language says
    # little about the language of the office.
    return cookie_value if cookie_value in LOCALES else DEFAULT_LOCALE  # type: ignore[return-value]


class LocaleMiddleware:
    """Sets :data:`current_locale` from the ``lang`` cookie."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        cookie_value = None
        for name, value in scope.get("headers", ()):
            if name == b"cookie":
                for item in value.decode("latin-1").split(";"):
                    key, _sep, val = item.strip().partition("=")
                    if key == LOCALE_COOKIE:
                        cookie_value = val
        token = current_locale.set(negotiate(cookie_value))
        try:
            await self.app(scope, receive, send)
        finally:
            current_locale.reset(token)


def N_(message: str) -> str:
    """Marks a message id for extraction; it is translated later, where it is shown."""
    return message


# Functions whose first argument is a message id, for extraction with Babel.
EXTRACT_KEYWORDS = {
    "_": None,
    "gettext": None,
    "N_": None,
    "DomainError": None,
    "InvalidInput": None,
    "NotAuthenticated": None,
    "PermissionDenied": None,
    "NotFound": None,
    "Conflict": None,
    "TooLarge": None,
    "TooManyRequests": None,
    "RowError": (2,),
}
