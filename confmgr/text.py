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


def clean_text(value: str | None) -> str:
    """Several lines of user text: NFC, line ends normalised, outer blank space removed."""
    text = nfc(value).replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\t\n" or unicodedata.category(ch)[0] != "C")
    return text.strip()


def search_key(value: str | None) -> str:
    """Lower case without diacritics ("Hội nghị" -> "hoi nghi"); đ is folded to d."""
    decomposed = unicodedata.normalize("NFD", nfc(value).lower().replace("đ", "d"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped).strip()
