"""Text for a DOCX file's core properties (title, author, subject).

Word and python-docx accept at most 255 characters there; a meeting may be titled
with up to 500. The visible document keeps the whole title: only the file's
properties are shortened, at a word boundary, with an ellipsis.
"""

from __future__ import annotations

from typing import Any

CORE_TEXT_MAX = 255


def core_text(value: str, limit: int = CORE_TEXT_MAX) -> str:
    value = " ".join((value or "").split())
    if len(value) <= limit:
        return value
    cut = value[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


def set_core_text(props: Any, **fields: str) -> None:
    """``props.title = ...`` and the like, each within the limit."""
    for name, value in fields.items():
        setattr(props, name, core_text(value))
