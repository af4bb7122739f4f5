"""The agency profile: read by every document, changed only by an administrator."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.accounts.permissions import require_admin
from confmgr.agency.models import Agency
from confmgr.audit.services import apply_changes, record
from confmgr.errors import InvalidInput
from confmgr.text import clean_line
from confmgr.i18n import N_

ABBREVIATION_RE = re.compile(r"^[A-ZĐ0-9]{1,20}$")


async def get_agency(db: AsyncSession) -> Agency | None:
    return await db.scalar(select(Agency).order_by(Agency.id).limit(1))


def validate_agency(name: str, parent_name: str, abbreviation: str, place_name: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = N_("Enter the agency's name.")
    if not ABBREVIATION_RE.match(abbreviation):
        errors["abbreviation"] = N_("The abbreviation is 1 to 20 capital letters or digits, e.g. SNV.")
    if not place_name:
        errors["place_name"] = N_("Enter the place name printed before the date, e.g. Bình Định.")
    for key, value in (("name", name), ("parent_name", parent_name), ("place_name", place_name)):
        if len(value) > 200:
            errors[key] = N_("At most 200 characters.")
    return errors


DAY_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
MAX_DAYS_OFF = 100


def parse_days_off_input(value: str | list[str] | None, errors: dict[str, str]) -> list[str]:
    """Days off typed one a line (``29/12/2026`` or ``2026-12-29``) or given as a
    list; ISO strings, sorted, without repeats."""
    items = value.splitlines() if isinstance(value, str) else list(value or [])
    days: set[date] = set()
    for raw in items:
        text = clean_line(str(raw))
        if not text:
            continue
        match = DAY_RE.match(text)
        try:
            day = date(int(match[3]), int(match[2]), int(match[1])) if match else date.fromisoformat(text)
        except ValueError:
            errors["days_off"] = N_("Write one date a line, e.g. 29/12/2026.")
            return []
        days.add(day)
    if len(days) > MAX_DAYS_OFF:
        errors["days_off"] = N_("At most 100 days off.")
    return [d.isoformat() for d in sorted(days)]


def _copies(value: int | str | None, errors: dict[str, str]) -> int | None:
    text = clean_line(str(value)) if value is not None else ""
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 99:
        errors["archive_copies"] = N_("A whole number from 1 to 99, or empty.")
        return None
    return int(text)


async def save_agency(
    db: AsyncSession,
    actor: Any,
    *,
    name: str,
    parent_name: str,
    abbreviation: str,
    place_name: str,
    drafting_unit: str | None = None,
    archive_copies: int | str | None = None,
    days_off: str | list[str] | None = None,
) -> Agency:
    """Create or update the agency. ``drafting_unit``, ``archive_copies`` and
    ``days_off`` left as ``None`` keep their stored values."""
    require_admin(actor)
    values: dict[str, Any] = {
        "name": clean_line(name),
        "parent_name": clean_line(parent_name),
        "abbreviation": clean_line(abbreviation).upper(),
        "place_name": clean_line(place_name),
    }
    errors = validate_agency(**values)
    if drafting_unit is not None:
        values["drafting_unit"] = clean_line(drafting_unit)
        if len(values["drafting_unit"]) > 50:
            errors["drafting_unit"] = N_("At most 50 characters.")
    if archive_copies is not None:
        values["archive_copies"] = _copies(archive_copies, errors)
    if days_off is not None:
        values["days_off"] = parse_days_off_input(days_off, errors)
    if errors:
        raise InvalidInput("Please correct the highlighted fields.", field_errors=errors)
    agency = await get_agency(db)
    if agency is None:
        agency = Agency(**values)
        db.add(agency)
        await db.flush()
        record(db, actor, "create", "agency", agency.id, changes=values)
    else:
        changes = apply_changes(agency, values)
        if changes:
            record(db, actor, "update", "agency", agency.id, changes=changes)
    return agency
