"""Joining a position and an organisation into one title, never repeating an office.

A delegate is stored as a position (``Phó Chủ tịch UBND tỉnh``) and an organisation
(``Ủy ban nhân dân tỉnh Bình Định``); documents print them as one title. Written
naively the office doubles (``Phó Chủ tịch UBND tỉnh Ủy ban nhân dân tỉnh Bình
Định``). :func:`join_office` writes the position, then only the part of the
organisation the position does not already say:

- the organisation is left out when the position already names it;
- the organisation is left out when the position already names its place
  (``Phó Trưởng phòng Nội vụ huyện Hoài Ân`` + ``UBND huyện Hoài Ân``): the unit
  named with its place belongs to that place's People's Committee;
- when the position ends with the start of the organisation (``… Sở`` + ``Sở Nội
  vụ``, ``… UBND huyện`` + ``UBND huyện Tây Sơn``), only the rest is added;
- abbreviations count as their full words: ``UBND`` ≡ ``Ủy ban nhân dân`` (also
  spelt ``Uỷ``), ``HĐND`` ≡ ``Hội đồng nhân dân``, ``MTTQ`` ≡ ``Mặt trận Tổ quốc``,
  ``TP.`` ≡ ``thành phố``, ``TX.`` ≡ ``thị xã``; letter case does not matter.

The position keeps the words its author chose; the organisation's remaining words
are added as written.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["join_office", "same_office", "short_office", "signer_title"]

# Multi-word offices and their abbreviations, compared as one token.
_PHRASES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("ủy", "ban", "nhân", "dân"), "ubnd"),
    (("uỷ", "ban", "nhân", "dân"), "ubnd"),
    (("hội", "đồng", "nhân", "dân"), "hđnd"),
    (("mặt", "trận", "tổ", "quốc"), "mttq"),
    (("thành", "phố"), "tp"),
    (("thị", "xã"), "tx"),
    (("thị", "trấn"), "thị trấn"),
    (("đặc", "khu"), "đặc khu"),
)
_ABBREVIATIONS = {"ubnd": "ubnd", "hđnd": "hđnd", "mttq": "mttq", "tp": "tp", "tp.": "tp", "tx": "tx", "tx.": "tx"}

# Where an organisation's place begins: the administrative level words.
_LEVELS = frozenset({"tỉnh", "huyện", "quận", "tx", "tp", "xã", "phường", "thị trấn", "đặc khu"})

_SPACE = re.compile(r"\s+")


def _normalise(text: str | None) -> str:
    text = unicodedata.normalize("NFC", text or "")
    if "  " in text or "\t" in text or "\n" in text or "\xa0" in text:
        text = _SPACE.sub(" ", text)
    return text.strip().rstrip(" ,;")


_BY_FIRST: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _phrase, _key in _PHRASES:
    _BY_FIRST.setdefault(_phrase[0], []).append((_phrase, _key))


@lru_cache(maxsize=4096)
def _tokens(text: str) -> tuple[tuple[str, str], ...]:
    """(key, words as written) for each word or office phrase of ``text``."""
    words = text.split(" ") if text else []
    folded = [w.casefold() for w in words]
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(words):
        for phrase, key in _BY_FIRST.get(folded[i], ()):
            if tuple(folded[i : i + len(phrase)]) == phrase:
                out.append((key, " ".join(words[i : i + len(phrase)])))
                i += len(phrase)
                break
        else:
            word = folded[i]
            out.append((_ABBREVIATIONS.get(word, word.rstrip(".,;:")), words[i]))
            i += 1
    return tuple(out)


def _contains(haystack: list[str], needle: list[str]) -> bool:
    if not needle:
        return False
    # Keys never hold the separator, so a substring match is a run of whole keys.
    return "\x1f" + "\x1f".join(needle) + "\x1f" in "\x1f" + "\x1f".join(haystack) + "\x1f"


def same_office(a: str | None, b: str | None) -> bool:
    """``True`` when ``a`` and ``b`` name the same office (``UBND tỉnh`` ≡ ``Ủy ban nhân dân tỉnh``)."""
    return [k for k, _ in _tokens(_normalise(a))] == [k for k, _ in _tokens(_normalise(b))]


@lru_cache(maxsize=8192)
def join_office(position: str | None, organization: str | None) -> str:
    """The position and the organisation as one title, no office said twice.

    >>> join_office("Chánh Văn phòng Sở", "Sở Nội vụ")
    'Chánh Văn phòng Sở Nội vụ'
    >>> join_office("Phó Chủ tịch UBND tỉnh", "Ủy ban nhân dân tỉnh Bình Định")
    'Phó Chủ tịch UBND tỉnh Bình Định'
    >>> join_office("Giám đốc Sở Nội vụ", "Sở Nội vụ")
    'Giám đốc Sở Nội vụ'
    """
    position = _normalise(position)
    organization = _normalise(organization)
    if not organization:
        return position
    if not position:
        return organization
    if organization.casefold() in position.casefold():
        return position
    pos = _tokens(position)
    org = _tokens(organization)
    pos_keys = [k for k, _ in pos]
    org_keys = [k for k, _ in org]
    if _contains(pos_keys, org_keys):
        return position
    level = next((i for i, key in enumerate(org_keys) if key in _LEVELS), None)
    if level is not None and len(org_keys) - level >= 2 and _contains(pos_keys, org_keys[level:]):
        return position
    # The longest end of the position that is the start of the organisation.
    for size in range(min(len(pos_keys), len(org_keys)), 0, -1):
        if pos_keys[-size:] == org_keys[:size]:
            rest = " ".join(words for _, words in org[size:])
            return f"{position} {rest}".strip()
    return f"{position} {organization}"


def _strip_organization(position: str, organization: str) -> str:
    pos = _tokens(position)
    org_keys = [k for k, _ in _tokens(organization)]
    n = len(org_keys)
    for end in range(len(pos), n - 1, -1):
        if n and [k for k, _ in pos[end - n : end]] == org_keys:
            return " ".join(words for _, words in pos[: end - n])
    return position


def signer_title(position: str | None, organization: str | None) -> tuple[str, str, str]:
    """(authority prefix, office signed for, title) as the decree's signature block
    writes them for someone of ``organization``: the agency is not repeated.

    ``signer_title("Giám đốc Sở Nội vụ", "Sở Nội vụ") == ("", "", "Giám đốc")``;
    a deputy signs for the head: ``signer_title("Phó Giám đốc Sở Nội vụ", "Sở Nội
    vụ") == ("KT.", "Giám đốc", "Phó Giám đốc")``.
    """
    title = _strip_organization(_normalise(position), _normalise(organization)).strip() or _normalise(position)
    if title.casefold().startswith("phó ") and len(title) > 4:
        head = title[4:].strip()
        return "KT.", head[:1].upper() + head[1:], title
    return "", "", title


def short_office(name: str | None) -> str:
    """An organisation as a recipient line writes it: ``Ủy ban nhân dân`` as ``UBND``."""
    text = _normalise(name)
    return re.sub(r"^(?:ủy|uỷ) ban nhân dân\b", "UBND", text, flags=re.IGNORECASE)
