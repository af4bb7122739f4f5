"""The official administrative units (since 1 July 2025): 34 provinces, 3,321 communes,
wards and special zones, from the ``vietnam-provinces`` package.

Everything about the national list goes through this module: provinces, the units of a
province or of a division type, the usual site name of a unit (``Điểm cầu UBND xã …``),
and :func:`match`, which reads a name as people write it (``Xã Hòa Bình``,
``UBND xã Hòa Bình``, ``xa hoa binh``, ``Điểm cầu UBND phường …``) and answers one unit,
several (ambiguous) or none. It never guesses between several.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from confmgr.text import nfc, search_key

# Division types of a unit as the API and the CLI spell them.
KINDS: dict[str, str] = {"xa": "xã", "phuong": "phường", "dac_khu": "đặc khu"}
_KIND_OF_WORD = {search_key(word): kind for kind, word in KINDS.items()}


@dataclass(frozen=True)
class ProvinceInfo:
    code: str  # two digits, "01" ... "96"
    name: str  # "Thành phố Hà Nội", "Gia Lai"
    short: str  # "Hà Nội", "Gia Lai"


@dataclass(frozen=True)
class Unit:
    code: str  # five digits, "00070"
    name: str  # "Phường Hoàn Kiếm"
    kind: str  # "xa" | "phuong" | "dac_khu"
    province_code: str
    base: str = field(compare=False)  # the name without its division word: "Hoàn Kiếm"

    @property
    def province(self) -> ProvinceInfo:
        return provinces_by_code()[self.province_code]

    @property
    def kind_word(self) -> str:
        return KINDS[self.kind]


@dataclass(frozen=True)
class Match:
    """What a written name is: ``one`` unit, ``ambiguous`` between several, or ``none``."""

    status: str
    units: tuple[Unit, ...] = ()

    @property
    def unit(self) -> Unit | None:
        return self.units[0] if self.status == "one" else None


def _province_code(value: object) -> str:
    return f"{int(getattr(value, 'value', value)):02d}"


def _short(name: str) -> str:
    return name.removeprefix("Thành phố ").removeprefix("Tỉnh ")


@cache
def provinces() -> tuple[ProvinceInfo, ...]:
    """The 34 provinces and centrally-run cities, in the official order (by code)."""
    from vietnam_provinces import Province

    items = [
        ProvinceInfo(code=_province_code(p.code), name=nfc(p.name), short=nfc(_short(p.name)))
        for p in Province.iter_all()
    ]
    return tuple(sorted(items, key=lambda p: p.code))


@cache
def provinces_by_code() -> dict[str, ProvinceInfo]:
    return {p.code: p for p in provinces()}


@cache
def units() -> tuple[Unit, ...]:
    """Every commune, ward and special zone, by province then name."""
    from vietnam_provinces import Ward

    kind_of = {"xã": "xa", "phường": "phuong", "đặc khu": "dac_khu"}
    items = []
    for ward in Ward.iter_all():
        word = ward.division_type.value
        name = nfc(ward.name)
        base = name[len(word):].strip() if name.lower().startswith(word) else name
        items.append(
            Unit(
                code=f"{int(ward.code.value):05d}", name=name, kind=kind_of[word],
                province_code=_province_code(ward.province_code), base=base,
            )
        )
    return tuple(sorted(items, key=lambda u: (u.province_code, search_key(u.base), u.code)))


@cache
def units_by_code() -> dict[str, Unit]:
    return {u.code: u for u in units()}


def get_unit(code: str | None) -> Unit | None:
    if not code:
        return None
    return units_by_code().get(code.strip().zfill(5) if code.strip().isdigit() else code.strip())


def province_of(code: str | None) -> ProvinceInfo | None:
    if not code:
        return None
    code = code.strip()
    return provinces_by_code().get(code.zfill(2) if code.isdigit() else code)


def find_province(text: str | None) -> ProvinceInfo | None:
    """A province written as its code (``52``) or its name (``Gia Lai``, ``tỉnh Gia Lai``,
    ``TP Hồ Chí Minh``), accents optional."""
    if not text or not text.strip():
        return None
    if text.strip().isdigit():
        return province_of(text)
    key = _words_key(text)
    for label, code in _index()[2]:
        if key == label:
            return provinces_by_code()[code]
    return None


def select_units(province: str | None = None, kind: str | None = None) -> list[Unit]:
    """The units of one province (or the whole country), optionally of one division type."""
    return [
        u for u in units()
        if (province is None or u.province_code == province) and (kind is None or u.kind == kind)
    ]


def count_by_province() -> dict[str, dict[str, int]]:
    """``{province_code: {"xa": n, "phuong": n, "dac_khu": n}}``."""
    counts: dict[str, dict[str, int]] = {p.code: {k: 0 for k in KINDS} for p in provinces()}
    for u in units():
        counts[u.province_code][u.kind] += 1
    return counts


# ---- the usual site name of a unit ----------------------------------------------


@cache
def _site_names() -> dict[str, str]:
    """``Điểm cầu UBND xã Hòa Bình``; the province is added where another unit of the
    country reads the same without accents, and the code where even that is not enough."""
    by_key: dict[str, list[Unit]] = defaultdict(list)
    for u in units():
        by_key[search_key(f"{u.kind_word} {u.base}")].append(u)
    names: dict[str, str] = {}
    for same in by_key.values():
        per_province: dict[str, int] = defaultdict(int)
        for u in same:
            per_province[u.province_code] += 1
        for u in same:
            name = f"Điểm cầu UBND {u.kind_word} {u.base}"
            if len(same) > 1:
                extra = u.province.short
                if per_province[u.province_code] > 1:
                    extra = f"{extra}, mã {u.code}"
                name = f"{name} ({extra})"
            names[u.code] = name
    return names


def site_name(unit: Unit) -> str:
    return _site_names()[unit.code]


# ---- reading a written name ------------------------------------------------------

# Words written before the unit's own name, longest first (compared without accents).
_PREFIXES = tuple(
    sorted(
        {
            search_key(p)
            for p in (
                "điểm cầu", "điểm cầu trực tuyến", "điểm cầu tại", "hội trường", "trụ sở",
                "ubnd", "u.b.n.d", "ủy ban nhân dân", "uỷ ban nhân dân", "đảng ủy", "đảng uỷ",
                "hđnd", "hội đồng nhân dân",
            )
        },
        key=len,
        reverse=True,
    )
)
_SEPARATORS = re.compile(r"[,;()\[\]/–—-]+")


def _words_key(text: str) -> str:
    return search_key(_SEPARATORS.sub(" ", text))


def _accent_key(text: str) -> str:
    # Lower case with accents kept; "uỷ"/"ủy" style differences are NFC-normalised only.
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", _SEPARATORS.sub(" ", text)).lower()).strip()


@cache
def _index() -> tuple[dict[str, list[Unit]], dict[str, list[Unit]], list[tuple[str, str]]]:
    folded: dict[str, list[Unit]] = defaultdict(list)
    accented: dict[str, list[Unit]] = defaultdict(list)
    for u in units():
        folded[_words_key(u.base)].append(u)
        accented[_accent_key(u.base)].append(u)
    province_keys = []
    for p in provinces():
        for label in {p.name, p.short, f"tỉnh {p.short}", f"tp {p.short}", f"tp. {p.short}"}:
            province_keys.append((search_key(label), p.code))
    province_keys.sort(key=lambda item: len(item[0]), reverse=True)
    return folded, accented, province_keys


def _strip_prefixes(key: str, accented: str) -> tuple[str, str, str | None]:
    """Drop leading words (``điểm cầu``, ``UBND``) and the division word; keep the accented
    text aligned with the folded one (the same number of words is dropped from both)."""
    kind: str | None = None
    words, awords = key.split(), accented.split()
    changed = True
    while changed and words:
        changed = False
        for prefix in _PREFIXES:
            pw = prefix.split()
            if words[: len(pw)] == pw:
                words, awords = words[len(pw):], awords[len(pw):]
                changed = True
                break
        if kind is None and words:
            if words[:2] == ["dac", "khu"]:
                kind, words, awords = "dac_khu", words[2:], awords[2:]
                changed = True
            elif words[0] in ("xa", "phuong") and len(words) > 1:
                kind, words, awords = _KIND_OF_WORD[words[0]], words[1:], awords[1:]
                changed = True
    return " ".join(words), " ".join(awords), kind


def _split_province(key: str, accented: str) -> tuple[str, str, str | None]:
    """A trailing province (``…, tỉnh Gia Lai``, ``… (Gia Lai)``) narrows the match."""
    _, _, province_keys = _index()
    words = key.split()
    for label, code in province_keys:
        lw = label.split()
        if len(words) > len(lw) and words[-len(lw):] == lw:
            rest = words[: -len(lw)]
            # "tỉnh", "thành phố", "tp" before the province's own name.
            for tail in (["tinh"], ["thanh", "pho"], ["tp"]):
                if rest[-len(tail):] == tail and len(rest) > len(tail):
                    rest = rest[: -len(tail)]
                    break
            return " ".join(rest), " ".join(accented.split()[: len(rest)]), code
    return key, accented, None


def match(name: str, province: str | None = None) -> Match:
    """The unit a written name means. ``province`` (a code) narrows the search, as does a
    province written after the name; accents are used only to tell apart units whose
    names differ by their accents alone."""
    text = nfc(name)
    if not text.strip():
        return Match("none")
    key, accented = _words_key(text), _accent_key(text)
    if len(key.split()) != len(accented.split()):
        accented = key  # a stray mark split a word differently; compare without accents
    # A code written in the name ("… mã 12345") settles it.
    code_hit = re.search(r"\b(?:ma|code)\s*(\d{5})\b", key)
    if code_hit and (unit := get_unit(code_hit.group(1))) is not None:
        return Match("one", (unit,))
    narrowed = province_of(province).code if province_of(province) else None
    found = _candidates(key, accented, narrowed)
    # A province written after the name ("…, tỉnh Gia Lai", "… (Gia Lai)") narrows the
    # search; it is tried second, since some names end with a province's name themselves.
    rest, arest, written = _split_province(key, accented)
    if written and (narrowed is None or narrowed == written):
        in_written = _candidates(rest, arest, written)
        if in_written:
            found = in_written
    if not found:
        return Match("none")
    if len(found) == 1:
        return Match("one", (found[0],))
    return Match("ambiguous", tuple(found))


def _has_accents(accented: str) -> bool:
    return any(ch != folded for ch, folded in zip(accented, search_key(accented), strict=False)) or len(accented) != len(search_key(accented))


def _candidates(key: str, accented: str, province: str | None) -> list[Unit]:
    key = re.sub(r"\s*\bma \d{5}$", "", key)
    base, abase, kind = _strip_prefixes(key, accented)
    if not base:
        return []
    folded, by_accent, _ = _index()
    candidates = folded.get(base, [])
    if province:
        candidates = [u for u in candidates if u.province_code == province]
    if kind:
        candidates = [u for u in candidates if u.kind == kind]
    if len(candidates) > 1 and _has_accents(accented):
        # Accents were written: they tell apart "Văn Lãng" and "Văn Lăng", "Thanh An" and
        # "Thạnh An" (a name written without any accent stays ambiguous).
        exact = [u for u in candidates if u in by_accent.get(abase, [])]
        if exact:
            candidates = exact
    return candidates


def looks_like_unit(name: str) -> bool:
    """Whether a name is written like a commune-level unit (``xã``, ``phường``, ``đặc
    khu``): such a name that matches nothing is worth confirming. A hall or a former
    district (``UBND huyện …``) is not."""
    words = _words_key(name).split()
    return any(w in ("xa", "phuong") for w in words) or "dac khu" in " ".join(words)


def match_values(name: str, province: str | None = None) -> tuple[dict[str, Any], list[Unit] | None]:
    """The unit columns for an imported name, and the candidates when it must be confirmed
    (``None`` when nothing needs confirming)."""
    found = match(name, province)
    if found.unit is not None:
        return {"unit_code": found.unit.code, "province_code": found.unit.province_code, "unit_pending": False}, None
    if found.status == "ambiguous":
        return {"unit_code": None, "province_code": None, "unit_pending": True}, list(found.units)
    if looks_like_unit(name):
        return {"unit_code": None, "province_code": None, "unit_pending": True}, []
    return {"unit_code": None, "province_code": None, "unit_pending": False}, None


def describe(codes: Iterable[str]) -> list[dict[str, str]]:
    """Units as the API shows them (candidates to confirm)."""
    out = []
    for code in codes:
        unit = get_unit(code)
        if unit is not None:
            out.append(
                {"unit_code": unit.code, "name": unit.name, "province_code": unit.province_code, "province": unit.province.name}
            )
    return out
