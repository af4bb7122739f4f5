"""One parser for email addresses, used where they are checked (forms, API, imports)
and where messages are sent: an address that passes the check can be sent to.

An address is one ``local@domain`` (the standard library's RFC 5322 parser, so what
the sender later builds its ``To:`` header with), without a display name, comments,
a second address (``vanthu@example.gov.vn,x``), spaces, or control characters; the
domain has a dot and letters, digits, hyphens only (an internationalised domain is
written in its ``xn--`` form or in Unicode letters); at most 254 characters.
"""

from __future__ import annotations

import re
from email.errors import HeaderParseError
from email.headerregistry import Address

MAX_LENGTH = 254
_DOMAIN_LABEL = re.compile(r"^(?!-)[\w-]{1,63}(?<!-)$", re.UNICODE)
_FORBIDDEN = re.compile(r"[\s,;<>()\[\]\\\"\x00-\x1f\x7f]")


def parse_email(value: str) -> str | None:
    """The address as it will be sent to, or None if it is not exactly one valid address."""
    value = (value or "").strip()
    if not value or len(value) > MAX_LENGTH or _FORBIDDEN.search(value) or value.count("@") != 1:
        return None
    try:
        address = Address(addr_spec=value)
    except (ValueError, IndexError, TypeError, HeaderParseError):
        return None
    if address.addr_spec != value or not address.username or not address.domain:
        return None
    labels = address.domain.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.match(label) and "_" not in label for label in labels):
        return None
    if address.username.startswith(".") or address.username.endswith(".") or ".." in address.username:
        return None
    return value


def is_valid_email(value: str) -> bool:
    return parse_email(value) is not None
