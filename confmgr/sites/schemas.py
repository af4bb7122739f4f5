"""Inputs and outputs of sites, for the API and the forms alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec

from confmgr.schemas import Person

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
    directory_site_ids: list[int]


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


class DirectorySiteOut(msgspec.Struct):
    id: int
    name: str
    role: str
    address: str
    contact: Contact
    expected_delegates: int | None


class ImportResult(msgspec.Struct):
    created: int
    errors: list[dict[str, Any]]


__all__ = ["Contact", "DelegateOut", "DirectoryPick", "DirectorySiteOut", "ImportResult", "Person", "SiteInput", "SiteOut"]
