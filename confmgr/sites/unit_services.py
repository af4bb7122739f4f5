"""Sites from the official list: the directory and a meeting's sites filled by province
and division type, and the secretariat's confirmation of imported names.

The whole country (3,321 units) is added with one Core insert per table; a meeting's
sites each get their own secret link (:mod:`confmgr.sites.tokens`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.accounts.permissions import require_editor, require_user
from confmgr.audit.services import record
from confmgr.errors import Conflict, InvalidInput, NotFound
from confmgr.i18n import N_
from confmgr.meetings.access import get_meeting
from confmgr.sites import units as official
from confmgr.sites.services import _insert_sites, _meeting_for_change
from confmgr.sites.models import DirectorySite, Site
from confmgr.sites.tokens import SiteKeys
from confmgr.text import clean_line, search_key

DEFAULT_PREFIX = "Điểm cầu UBND"
MAX_PREFIX = 100


@dataclass(frozen=True)
class UnitChoice:
    """Which units: one province (or the whole country) and optionally one division type."""

    province: str | None = None
    kind: str | None = None
    prefix: str = DEFAULT_PREFIX


@dataclass(frozen=True)
class AddResult:
    created: int
    skipped: int


def parse_choice(province: str | None, kind: str | None, prefix: str | None = None) -> UnitChoice:
    """Check a choice as typed in a form, the API or the command line."""
    errors: dict[str, str] = {}
    province_code: str | None = None
    if province not in (None, "", "all"):
        info = official.province_of(str(province))
        if info is None:
            errors["province"] = N_("No such province in the official list.")
        else:
            province_code = info.code
    kind_value = kind or None
    if kind_value not in (None, *official.KINDS):
        errors["type"] = N_("The division type is xa, phuong or dac_khu.")
        kind_value = None
    text = clean_line(prefix) if prefix is not None else DEFAULT_PREFIX
    if len(text) > MAX_PREFIX:
        errors["prefix"] = N_("At most 100 characters.")
    if errors:
        raise InvalidInput("Please correct the highlighted fields.", field_errors=errors)
    return UnitChoice(province=province_code, kind=kind_value, prefix=text)


def unit_site_name(unit: official.Unit, prefix: str = DEFAULT_PREFIX) -> str:
    name = official.site_name(unit)
    if prefix != DEFAULT_PREFIX:
        name = name.replace(DEFAULT_PREFIX, prefix, 1).strip() if prefix else name[len(DEFAULT_PREFIX):].strip()
        if not prefix:
            name = name[:1].upper() + name[1:]
    return name


def preview(choice: UnitChoice) -> dict[str, Any]:
    """How many units the choice holds, by division type."""
    chosen = official.select_units(choice.province, choice.kind)
    by_kind = {kind: 0 for kind in official.KINDS}
    for unit in chosen:
        by_kind[unit.kind] += 1
    return {"count": len(chosen), "by_type": by_kind, "example": unit_site_name(chosen[0], choice.prefix) if chosen else None}


def _unit_values(unit: official.Unit, prefix: str) -> dict[str, Any]:
    # Every row of one insert carries the same columns.
    return {
        "name": unit_site_name(unit, prefix), "role": "remote", "address": "", "contact_name": "",
        "contact_phone": "", "contact_email": "", "expected_delegates": None,
        "unit_code": unit.code, "province_code": unit.province_code,
    }


async def add_units_to_directory(db: AsyncSession, actor: Any, choice: UnitChoice) -> AddResult:
    """Add the chosen units to the directory; units (or names) already there are skipped."""
    return await fill_directory(db, require_editor(actor), choice)


async def fill_directory(db: AsyncSession, user: Any, choice: UnitChoice) -> AddResult:
    """:func:`add_units_to_directory` without the role check: for the command line, run by
    whoever holds the server (``user`` None is audited as the system)."""
    chosen = official.select_units(choice.province, choice.kind)
    have_codes = set(await db.scalars(select(DirectorySite.unit_code).where(DirectorySite.unit_code.is_not(None))))
    have_names = {search_key(n) for n in await db.scalars(select(DirectorySite.name))}
    rows = []
    for unit in chosen:
        values = _unit_values(unit, choice.prefix)
        key = search_key(values["name"])
        if unit.code in have_codes or key in have_names:
            continue
        have_names.add(key)
        rows.append(values)
    if rows:
        await db.execute(insert(DirectorySite), rows)
    record(
        db, user, "add_units", "directory_site", None,
        changes={"province": choice.province, "type": choice.kind, "created": len(rows), "skipped": len(chosen) - len(rows)},
    )
    return AddResult(created=len(rows), skipped=len(chosen) - len(rows))


async def add_units_to_meeting(
    db: AsyncSession, actor: Any, keys: SiteKeys, meeting_id: int, choice: UnitChoice
) -> AddResult:
    """Add the chosen units as sites of a meeting, each with its own link. A unit the
    directory holds brings its directory entry (name, contact); units the meeting already
    has, by code or by name, are skipped."""
    user = require_editor(actor)
    meeting = await _meeting_for_change(db, user, meeting_id)
    chosen = official.select_units(choice.province, choice.kind)
    existing = await db.execute(select(Site.unit_code, Site.name).where(Site.meeting_id == meeting.id))
    have_codes: set[str] = set()
    have_names: set[str] = set()
    for code, name in existing:
        if code:
            have_codes.add(code)
        have_names.add(search_key(name))
    directory = {
        d.unit_code: d
        for d in await db.scalars(
            select(DirectorySite).where(DirectorySite.unit_code.in_([u.code for u in chosen]))
        )
    } if len(chosen) < 900 else {
        d.unit_code: d for d in await db.scalars(select(DirectorySite).where(DirectorySite.unit_code.is_not(None)))
    }
    rows = []
    for unit in chosen:
        entry = directory.get(unit.code)
        if entry is not None:
            values = {
                "name": entry.name, "role": entry.role, "address": entry.address,
                "contact_name": entry.contact_name, "contact_phone": entry.contact_phone,
                "contact_email": entry.contact_email, "expected_delegates": entry.expected_delegates,
                "directory_site_id": entry.id, "unit_code": unit.code, "province_code": unit.province_code,
            }
        else:
            values = {**_unit_values(unit, choice.prefix), "directory_site_id": None}
        key = search_key(values["name"])
        if unit.code in have_codes or key in have_names:
            continue
        have_names.add(key)
        rows.append(values)
    await _insert_sites(db, keys, meeting.id, rows)
    record(
        db, user, "add_units", "site", None, meeting_id=meeting.id,
        changes={"province": choice.province, "type": choice.kind, "created": len(rows), "skipped": len(chosen) - len(rows)},
    )
    return AddResult(created=len(rows), skipped=len(chosen) - len(rows))


# ---- confirming imported names -----------------------------------------------------


async def pending_sites(db: AsyncSession, actor: Any, meeting_id: int) -> list[tuple[Site, list[official.Unit]]]:
    """The meeting's sites whose unit the secretariat still has to confirm, with candidates."""
    await get_meeting(db, actor, meeting_id)
    sites = await db.scalars(
        select(Site).where(Site.meeting_id == meeting_id, Site.unit_pending.is_(True)).order_by(Site.sort_order, Site.id)
    )
    return [(s, list(official.match(s.name).units)) for s in sites]


async def confirm_site_unit(
    db: AsyncSession, actor: Any, meeting_id: int, site_id: int, unit_code: str | None
) -> Site:
    """The secretariat says which unit a site is (or that it is none)."""
    user = require_editor(actor)
    meeting = await _meeting_for_change(db, user, meeting_id)
    site = await db.get(Site, site_id)
    if site is None or site.meeting_id != meeting.id:
        raise NotFound("No such site in this meeting.")
    unit = None
    if unit_code:
        unit = official.get_unit(unit_code)
        if unit is None:
            raise InvalidInput("No such unit in the official list.", field_errors={"unit_code": N_("No such unit in the official list.")})
        other = await db.scalar(
            select(Site.id).where(Site.meeting_id == meeting.id, Site.unit_code == unit.code, Site.id != site.id)
        )
        if other is not None:
            raise Conflict("Another site of this meeting is already this unit.", field_errors={"unit_code": N_("Already in this meeting.")})
    old = [site.unit_code, site.unit_pending]
    site.unit_code = unit.code if unit else None
    site.province_code = unit.province_code if unit else None
    site.unit_pending = False
    record(db, user, "confirm_unit", "site", site.id, meeting_id=meeting.id, changes={"unit_code": [old[0], site.unit_code]})
    return site


async def confirm_directory_unit(db: AsyncSession, actor: Any, entry_id: int, unit_code: str | None) -> DirectorySite:
    """The same confirmation for an entry of the directory."""
    user = require_editor(actor)
    entry = await db.get(DirectorySite, entry_id)
    if entry is None:
        raise NotFound("No such site in the directory.")
    unit = None
    if unit_code:
        unit = official.get_unit(unit_code)
        if unit is None:
            raise InvalidInput("No such unit in the official list.", field_errors={"unit_code": N_("No such unit in the official list.")})
        other = await db.scalar(select(DirectorySite.id).where(DirectorySite.unit_code == unit.code, DirectorySite.id != entry.id))
        if other is not None:
            raise Conflict("Another entry of the directory is already this unit.", field_errors={"unit_code": N_("Already in the directory.")})
    old = entry.unit_code
    entry.unit_code = unit.code if unit else None
    entry.province_code = unit.province_code if unit else None
    entry.unit_pending = False
    record(db, user, "confirm_unit", "directory_site", entry.id, changes={"unit_code": [old, entry.unit_code]})
    return entry


async def directory_units_count(db: AsyncSession, actor: Any) -> dict[str, int]:
    """How many directory entries each province has (for the directory's units page)."""
    require_user(actor)
    counts: dict[str, int] = {}
    for code in await db.scalars(select(DirectorySite.province_code).where(DirectorySite.province_code.is_not(None))):
        counts[code] = counts.get(code, 0) + 1
    return counts
