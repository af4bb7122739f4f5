"""Sites: the agency's directory and the sites of each meeting.

Meeting sites get their secret link here (:mod:`confmgr.sites.tokens`); the portal
and the attendance board build on these functions.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.accounts.permissions import require_editor, require_user
from confmgr.audit.services import apply_changes, record
from confmgr.errors import Conflict, InvalidInput, NotFound
from confmgr.live.events import close_site_streams
from confmgr.meetings.access import ensure_editable, get_meeting
from confmgr.meetings.models import Meeting
from confmgr.sites.importing import MAX_ROWS, RowError, SiteRow, read_sites_file, site_field_errors
from confmgr.sites.models import DirectorySite, Site
from confmgr.sites.schemas import SiteInput
from confmgr.sites import units as official
from confmgr.sites.tokens import SiteKeys
from confmgr.text import clean_line, nfc, search_key
from confmgr.i18n import N_


_FORM_FIELDS = {"contact_name": "contact.full_name", "contact_phone": "contact.phone", "contact_email": "contact.email"}


def _site_values(data: SiteInput) -> dict[str, Any]:
    contact = data.contact
    values = {
        "name": clean_line(data.name),
        "role": data.role,
        "address": clean_line(data.address),
        "contact_name": clean_line(contact.full_name) if contact else "",
        "contact_phone": clean_line(contact.phone) if contact else "",
        "contact_email": clean_line(contact.email).lower() if contact else "",
        "expected_delegates": data.expected_delegates,
    }
    errors = site_field_errors(
        values["name"], values["role"], values["contact_phone"], values["contact_email"],
        values["expected_delegates"], values["address"],
    )
    if len(values["contact_name"]) > 200:
        errors["contact_name"] = N_("At most 200 characters.")
    if errors:
        # Name the fields as the form and the API do (contact.email, not contact_email).
        renamed = {_FORM_FIELDS.get(key, key): message for key, message in errors.items()}
        raise InvalidInput("Please correct the highlighted fields.", field_errors=renamed)
    return values


def _row_values(row: SiteRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "role": row.role,
        "address": row.address,
        "contact_name": row.contact_name,
        "contact_phone": row.contact_phone,
        "contact_email": row.contact_email.lower(),
        "expected_delegates": row.expected_delegates,
    }


@dataclass(frozen=True)
class ImportOutcome:
    """Sites created from a file, and the rows whose official unit the secretariat
    confirms (their name matched several units, or none while written like one)."""

    created: int
    to_confirm: list[dict[str, Any]] = field(default_factory=list)


def _match_units(rows: list[SiteRow], taken_codes: set[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Each row's values with its official unit when its name matches exactly one (and no
    other site already is that unit); the others are listed to confirm, never guessed."""
    values_list: list[dict[str, Any]] = []
    to_confirm: list[dict[str, Any]] = []
    for row in rows:
        values = _row_values(row)
        province = official.find_province(row.province)
        unit_values, candidates = official.match_values(row.name, province.code if province else None)
        if unit_values["unit_code"] in taken_codes:
            candidates = [official.get_unit(unit_values["unit_code"])]  # type: ignore[list-item]
            unit_values = {"unit_code": None, "province_code": None, "unit_pending": True}
        elif unit_values["unit_code"]:
            taken_codes.add(unit_values["unit_code"])
        values.update(unit_values)
        values_list.append(values)
        if candidates is not None:
            to_confirm.append(
                {"row": row.line, "name": row.name, "candidates": official.describe(u.code for u in candidates)}
            )
    return values_list, to_confirm


def import_errors(errors: list[RowError]) -> InvalidInput:
    return InvalidInput(
        "The file has errors; no site was created. Correct the rows below and import it again.",
        extra={"created": 0, "errors": [{"row": e.row, "message": e.message, "params": dict(e.params)} for e in errors]},
    )


# ---- directory -----------------------------------------------------------------


async def list_directory(db: AsyncSession, actor: Any, q: str = "") -> list[DirectorySite]:
    require_user(actor)
    rows = list(await db.scalars(select(DirectorySite).order_by(DirectorySite.role, DirectorySite.name)))
    key = search_key(q)
    if key:
        rows = [r for r in rows if key in search_key(r.name)]
    return rows


async def get_directory_site(db: AsyncSession, actor: Any, site_id: int) -> DirectorySite:
    require_user(actor)
    site = await db.get(DirectorySite, site_id)
    if site is None:
        raise NotFound("No such site in the directory.")
    return site


async def _directory_name_taken(db: AsyncSession, name: str, exclude_id: int | None = None) -> bool:
    """Whether the directory has this name, letter case aside. Compared in Python:
    SQLite's lower() folds only ASCII, so "Xã ... (Đồng Tháp)" passed the check in SQL
    and the unique index refused it instead (a 500)."""
    stmt = select(DirectorySite.name)
    if exclude_id is not None:
        stmt = stmt.where(DirectorySite.id != exclude_id)
    wanted = nfc(name).casefold()
    return any(nfc(existing).casefold() == wanted for existing in await db.scalars(stmt))


async def create_directory_site(db: AsyncSession, actor: Any, data: SiteInput) -> DirectorySite:
    user = require_editor(actor)
    values = _site_values(data)
    if await _directory_name_taken(db, values["name"]):
        raise Conflict("A site with this name is already in the directory.", field_errors={"name": N_("Already in the directory.")})
    site = DirectorySite(**values)
    db.add(site)
    await db.flush()
    record(db, user, "create", "directory_site", site.id, changes=values)
    return site


async def update_directory_site(db: AsyncSession, actor: Any, site_id: int, data: SiteInput) -> DirectorySite:
    user = require_editor(actor)
    site = await get_directory_site(db, user, site_id)
    values = _site_values(data)
    if await _directory_name_taken(db, values["name"], exclude_id=site.id):
        raise Conflict("A site with this name is already in the directory.", field_errors={"name": N_("Already in the directory.")})
    changes = apply_changes(site, values)
    if changes:
        record(db, user, "update", "directory_site", site.id, changes=changes)
    return site


async def delete_directory_site(db: AsyncSession, actor: Any, site_id: int) -> None:
    user = require_editor(actor)
    site = await get_directory_site(db, user, site_id)
    record(db, user, "delete", "directory_site", site.id, changes={"name": site.name})
    await db.delete(site)


async def import_directory(db: AsyncSession, actor: Any, content: bytes) -> ImportOutcome:
    """Add the file's sites to the directory; a name already there is an error of its row."""
    user = require_editor(actor)
    rows, errors = await read_sites_file(content)
    existing = {search_key(n) for n in await db.scalars(select(DirectorySite.name))}
    for row in rows:
        if search_key(row.name) in existing:
            errors.append(RowError(row.line, "This site is already in the directory."))
    if errors:
        raise import_errors(sorted(errors, key=lambda e: e.row))
    taken = set(await db.scalars(select(DirectorySite.unit_code).where(DirectorySite.unit_code.is_not(None))))
    values, to_confirm = await asyncio.to_thread(_match_units, rows, taken)  # off the event loop
    if rows:
        await db.execute(insert(DirectorySite), values)
    record(db, user, "import", "directory_site", None, changes={"created": len(rows), "to_confirm": len(to_confirm)})
    return ImportOutcome(len(rows), to_confirm)


# ---- sites of a meeting ----------------------------------------------------------


async def _meeting_for_change(db: AsyncSession, user: Any, meeting_id: int) -> Meeting:
    meeting = await get_meeting(db, user, meeting_id)
    ensure_editable(meeting)
    return meeting


async def count_sites(db: AsyncSession, meeting_id: int) -> int:
    return int(await db.scalar(select(func.count(Site.id)).where(Site.meeting_id == meeting_id)) or 0)


async def list_sites(db: AsyncSession, actor: Any, meeting_id: int) -> list[Site]:
    await get_meeting(db, actor, meeting_id)
    rows = await db.scalars(
        select(Site).where(Site.meeting_id == meeting_id).order_by(Site.role, Site.sort_order, Site.id)
    )
    return list(rows)


async def _next_order(db: AsyncSession, meeting_id: int) -> int:
    return int(await db.scalar(select(func.max(Site.sort_order)).where(Site.meeting_id == meeting_id)) or 0) + 1


async def _names_in_meeting(db: AsyncSession, meeting_id: int) -> set[str]:
    return {search_key(n) for n in await db.scalars(select(Site.name).where(Site.meeting_id == meeting_id))}


async def _insert_sites(
    db: AsyncSession, keys: SiteKeys, meeting_id: int, rows: list[dict[str, Any]]
) -> list[str]:
    """Insert sites in one statement; returns their tokens in the same order."""
    order = await _next_order(db, meeting_id)
    tokens: list[str] = []
    params = []
    for offset, values in enumerate(rows):
        token, digest, encrypted = keys.issue()
        tokens.append(token)
        params.append(
            {**values, "meeting_id": meeting_id, "sort_order": order + offset, "token_hash": digest, "token_encrypted": encrypted}
        )
    if params:
        await db.execute(insert(Site), params)
    return tokens


async def add_site(db: AsyncSession, actor: Any, keys: SiteKeys, meeting_id: int, data: SiteInput) -> tuple[Site, str]:
    user = require_editor(actor)
    meeting = await _meeting_for_change(db, user, meeting_id)
    values = _site_values(data)
    if search_key(values["name"]) in await _names_in_meeting(db, meeting.id):
        raise Conflict("This meeting already has a site with this name.", field_errors={"name": N_("Already in this meeting.")})
    token, digest, encrypted = keys.issue()
    site = Site(
        **values, meeting_id=meeting.id, sort_order=await _next_order(db, meeting.id),
        token_hash=digest, token_encrypted=encrypted,
    )
    db.add(site)
    await db.flush()
    record(db, user, "create", "site", site.id, meeting_id=meeting.id, changes=values)
    return site, token


async def add_from_directory(
    db: AsyncSession, actor: Any, keys: SiteKeys, meeting_id: int, directory_ids: list[int]
) -> int:
    """Add the chosen directory sites; those the meeting already has are skipped."""
    user = require_editor(actor)
    meeting = await _meeting_for_change(db, user, meeting_id)
    if not directory_ids:
        raise InvalidInput("Choose at least one site.")
    wanted = sorted(set(directory_ids))
    # More ids than a directory holds, or ids no row can have, name nothing: a clear
    # error rather than a query the database refuses (it binds at most 32,766 values).
    if len(wanted) > MAX_ROWS or not all(0 < i < 2**63 for i in wanted):
        raise InvalidInput("Choose sites from the list.")
    chosen = []
    for start in range(0, len(wanted), 5000):
        chunk = wanted[start:start + 5000]
        chosen.extend(await db.scalars(select(DirectorySite).where(DirectorySite.id.in_(chunk))))
    if len(chosen) != len(wanted):
        raise NotFound("No such site in the directory.")
    taken = await _names_in_meeting(db, meeting.id)
    rows = []
    for entry in sorted(chosen, key=lambda d: (d.role != "host", d.name)):
        if search_key(entry.name) in taken:
            continue
        rows.append(
            {
                "name": entry.name, "role": entry.role, "address": entry.address,
                "contact_name": entry.contact_name, "contact_phone": entry.contact_phone,
                "contact_email": entry.contact_email, "expected_delegates": entry.expected_delegates,
                "directory_site_id": entry.id, "unit_code": entry.unit_code, "province_code": entry.province_code,
            }
        )
    await _insert_sites(db, keys, meeting.id, rows)
    record(db, user, "add_from_directory", "site", None, meeting_id=meeting.id, changes={"added": [r["name"] for r in rows]})
    return len(rows)


async def import_sites(db: AsyncSession, actor: Any, keys: SiteKeys, meeting_id: int, content: bytes) -> ImportOutcome:
    user = require_editor(actor)
    meeting = await _meeting_for_change(db, user, meeting_id)
    rows, errors = await read_sites_file(content)
    taken = await _names_in_meeting(db, meeting.id)
    for row in rows:
        if search_key(row.name) in taken:
            errors.append(RowError(row.line, "This meeting already has a site with this name."))
    if errors:
        raise import_errors(sorted(errors, key=lambda e: e.row))
    taken = set(
        await db.scalars(select(Site.unit_code).where(Site.meeting_id == meeting.id, Site.unit_code.is_not(None)))
    )
    values, to_confirm = await asyncio.to_thread(_match_units, rows, taken)  # off the event loop
    await _insert_sites(db, keys, meeting.id, values)
    record(db, user, "import", "site", None, meeting_id=meeting.id, changes={"created": len(rows), "to_confirm": len(to_confirm)})
    return ImportOutcome(len(rows), to_confirm)


async def remove_site(db: AsyncSession, actor: Any, meeting_id: int, site_id: int) -> None:
    user = require_editor(actor)
    meeting = await _meeting_for_change(db, user, meeting_id)
    site = await db.get(Site, site_id)
    if site is None or site.meeting_id != meeting.id:
        raise NotFound("No such site in this meeting.")
    record(db, user, "delete", "site", site.id, meeting_id=meeting.id, changes={"name": site.name})
    close_site_streams(db, site.id)
    await db.delete(site)


async def copy_sites(db: AsyncSession, keys: SiteKeys, source_meeting_id: int, target_meeting_id: int) -> int:
    """Copy a meeting's sites (not their answers) to another; each gets a new link."""
    sources = await db.scalars(
        select(Site).where(Site.meeting_id == source_meeting_id).order_by(Site.sort_order, Site.id)
    )
    rows = [
        {
            "name": s.name, "role": s.role, "address": s.address, "contact_name": s.contact_name,
            "contact_phone": s.contact_phone, "contact_email": s.contact_email,
            "expected_delegates": s.expected_delegates, "directory_site_id": s.directory_site_id,
            "unit_code": s.unit_code, "province_code": s.province_code,
        }
        for s in sources
    ]
    await _insert_sites(db, keys, target_meeting_id, rows)
    return len(rows)
