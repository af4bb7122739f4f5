"""The agency profile: read by every document, changed only by an administrator."""

from __future__ import annotations

import re
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


async def save_agency(
    db: AsyncSession, actor: Any, *, name: str, parent_name: str, abbreviation: str, place_name: str
) -> Agency:
    require_admin(actor)
    values = {
        "name": clean_line(name),
        "parent_name": clean_line(parent_name),
        "abbreviation": clean_line(abbreviation).upper(),
        "place_name": clean_line(place_name),
    }
    errors = validate_agency(**values)
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
