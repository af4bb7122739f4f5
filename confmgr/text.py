"""Text helpers shared by every feature: Unicode NFC and accent-insensitive search keys."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def nfc(value: str | None) -> str:
    return unicodedata.normalize("NFC", value or "")


def clean_line(value: str | None) -> str:
    """One line of user text: NFC, control characters dropped, spaces collapsed."""
    text = "".join(ch for ch in nfc(value) if ch in "\t\n" or unicodedata.category(ch)[0] != "C")
    return _SPACES.sub(" ", text).strip()


def normalise_text(value: str | None) -> str:
    """Several lines of user text as stored and printed: NFC, line ends unified, control
    and other invisible format characters dropped (fonts have no glyph for them)."""
    text = nfc(value)
    # Fast path for the usual line of text; isprintable() is False for every
    # control or format character (and for line ends and non-ASCII spaces).
    if text.isprintable():
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\t\n" or unicodedata.category(ch)[0] != "C")


def clean_text(value: str | None) -> str:
    """Several lines of user text: :func:`normalise_text`, outer blank space removed.
    The one cleaner of the application; documents print what it gives."""
    return normalise_text(value).strip()


def search_key(value: str | None) -> str:
    """Lower case without diacritics ("Hội nghị" -> "hoi nghi"); đ is folded to d."""
    decomposed = unicodedata.normalize("NFD", nfc(value).lower().replace("đ", "d"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped).strip()
