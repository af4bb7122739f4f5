"""Headers for answers that carry a secret link (a site's token, in its URL or body).

The link is the key: keep it out of ``Referer`` headers, shared caches and search
engines. One place says how; every link-bearing answer uses it, as a layer
(``response_headers=PRIVATE_RESPONSE_HEADERS`` on a controller or router) or on one
answer (:func:`private`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from litestar import Response
from litestar.datastructures import ResponseHeader

PRIVATE_HEADERS: Mapping[str, str] = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}
PRIVATE_RESPONSE_HEADERS: list[ResponseHeader] = [ResponseHeader(name=k, value=v) for k, v in PRIVATE_HEADERS.items()]

R = TypeVar("R", bound=Response)  # type: ignore[type-arg]


def private_headers(headers: Mapping[str, str] | None = None) -> dict[str, str]:
    """``headers`` with the private ones added (they win over a caching header)."""
    return {**(headers or {}), **PRIVATE_HEADERS}


def private(response: R) -> R:
    """The same answer, marked private."""
    for name, value in PRIVATE_HEADERS.items():
        response.headers[name] = value
    return response
