"""Inputs and outputs of sites, for the API and the forms alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec

from confmgr.schemas import Person, RecordId

Role = Literal["host", "remote"]


class Contact(msgspec.Struct, forbid_unknown_fields=True):
    full_name: str = ""
    phone: str = ""
    email: str = ""


class SiteInput(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    role: Role = "remote"
    address: str = ""
    contact: Contact | None = None
    expected_delegates: int | None = None


class DirectoryPick(msgspec.Struct, forbid_unknown_fields=True):
    directory_site_ids: list[RecordId]


class DelegateOut(msgspec.Struct):
    id: int
    full_name: str
    position: str
    organization: str | None
    present: bool | None
    absence_reason: str
    arrived_late: bool


class SiteOut(msgspec.Struct):
    id: int
    name: str
    role: str
    address: str
    contact: Contact
    expected_delegates: int | None
    access_url: str | None
    token: str | None
    response: str
    reason: str
    responded_at: datetime | None
    delegates: list[DelegateOut]
    technical_check: dict[str, Any]
    roll_call: dict[str, Any]
    last_activity_at: datetime | None
    # The official administrative unit the site is, when it is one (sites/units.py).
    unit_code: str | None = None
    province_code: str | None = None
    province: str | None = None
    unit_pending: bool = False


class DirectorySiteOut(msgspec.Struct):
    id: int
    name: str
    role: str
    address: str
    contact: Contact
    expected_delegates: int | None
    unit_code: str | None = None
    province_code: str | None = None
    province: str | None = None
    unit_pending: bool = False


class UnitsInput(msgspec.Struct, forbid_unknown_fields=True):
    """Which official units to add: a province code (none: the whole country), a division
    type (``xa``, ``phuong``, ``dac_khu``; none: all) and the words before the unit's name."""

    province: str | None = None
    type: str | None = None
    prefix: str | None = None


class UnitsAdded(msgspec.Struct):
    created: int
    skipped: int


class UnitConfirm(msgspec.Struct, forbid_unknown_fields=True):
    unit_code: str | None


class ImportResult(msgspec.Struct, omit_defaults=True):
    created: int
    errors: list[dict[str, Any]]
    # Rows whose name matched several official units, or none while written like one:
    # created without a unit, listed for the secretariat to confirm.
    to_confirm: list[dict[str, Any]] = msgspec.field(default_factory=list)


__all__ = ["Contact", "DelegateOut", "DirectoryPick", "DirectorySiteOut", "ImportResult", "Person", "SiteInput", "SiteOut"]
