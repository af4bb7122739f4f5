"""Inputs and outputs of meetings, for the API and the forms alike."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from confmgr.schemas import Person

Mode = Literal["in_person", "online", "hybrid"]


class MeetingInput(msgspec.Struct, forbid_unknown_fields=True):
    title: str
    starts_at: datetime
    ends_at: datetime
    mode: Mode
    chair: Person
    secretary: Person
    venue: str = ""
    response_deadline: datetime | None = None
    description: str = ""


class MeetingPatch(msgspec.Struct, forbid_unknown_fields=True):
    title: str | msgspec.UnsetType = msgspec.UNSET
    starts_at: datetime | msgspec.UnsetType = msgspec.UNSET
    ends_at: datetime | msgspec.UnsetType = msgspec.UNSET
    mode: Mode | msgspec.UnsetType = msgspec.UNSET
    chair: Person | msgspec.UnsetType = msgspec.UNSET
    secretary: Person | msgspec.UnsetType = msgspec.UNSET
    venue: str | msgspec.UnsetType = msgspec.UNSET
    response_deadline: datetime | None | msgspec.UnsetType = msgspec.UNSET
    description: str | msgspec.UnsetType = msgspec.UNSET


class CopyInput(msgspec.Struct, forbid_unknown_fields=True):
    starts_at: datetime
    title: str | None = None


class TimeInput(msgspec.Struct, forbid_unknown_fields=True):
    at: datetime | None = None


class MeetingOut(msgspec.Struct):
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    mode: str
    venue: str
    status: str
    chair: Person
    secretary: Person
    response_deadline: datetime | None
    description: str
    actual_started_at: datetime | None
    actual_ended_at: datetime | None
    copied_from_id: int | None
    sites_count: int = 0
