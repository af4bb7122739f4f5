"""Inputs and outputs of the agenda, contributions, requests to speak, notes and documents."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from confmgr.schemas import Person, RecordId

Kind = Literal["opening", "report", "speech", "contributions", "discussion", "conclusion", "closing", "other"]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]


class AgendaItemInput(msgspec.Struct, forbid_unknown_fields=True):
    title: str
    kind: Kind = "other"
    presenter: Person | None = None
    planned_start: datetime | None = None
    duration_minutes: int | None = None


class AgendaItemPatch(msgspec.Struct, forbid_unknown_fields=True):
    title: str | msgspec.UnsetType = msgspec.UNSET
    kind: Kind | msgspec.UnsetType = msgspec.UNSET
    presenter: Person | None | msgspec.UnsetType = msgspec.UNSET
    planned_start: datetime | None | msgspec.UnsetType = msgspec.UNSET
    duration_minutes: int | None | msgspec.UnsetType = msgspec.UNSET


class ReorderInput(msgspec.Struct, forbid_unknown_fields=True):
    item_ids: list[RecordId]


class NotesInput(msgspec.Struct, forbid_unknown_fields=True):
    text: str
    version: int


class AgendaItemOut(msgspec.Struct):
    id: int
    position: int
    title: str
    kind: str
    presenter: Person | None
    planned_start: datetime | None
    duration_minutes: int | None
    actual_started_at: datetime | None
    actual_ended_at: datetime | None
    notes: str
    notes_version: int


class ContributionInput(msgspec.Struct, forbid_unknown_fields=True):
    """A paper registered by the secretariat."""

    # Defaults let the service name exactly what is missing (speaker's name, title).
    speaker: Person = msgspec.field(default_factory=Person)
    title: str = ""
    agenda_item_id: RecordId | None = None
    site_id: RecordId | None = None
    summary: str = ""


class PortalContributionInput(msgspec.Struct, forbid_unknown_fields=True):
    """A paper a site submits through its link; the site is the link's own."""

    speaker: Person = msgspec.field(default_factory=Person)
    title: str = ""
    agenda_item_id: RecordId | None = None
    summary: str = ""


class ContributionStatusInput(msgspec.Struct, forbid_unknown_fields=True):
    status: Literal["submitted", "accepted", "declined"]


class ContributionReorderInput(msgspec.Struct, forbid_unknown_fields=True):
    contribution_ids: list[RecordId]


class ContributionOut(msgspec.Struct):
    id: int
    agenda_item_id: int | None
    site_id: int | None
    site_name: str | None
    speaker: Person
    title: str
    summary: str
    status: str
    position: int
    submitted_by_site: bool
    file: FileOut | None


class FileOut(msgspec.Struct):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str


class SpeakRequestInput(msgspec.Struct, forbid_unknown_fields=True):
    speaker: Person = msgspec.field(default_factory=Person)
    topic: str = ""
    site_id: RecordId | None = None


class PortalSpeakRequestInput(msgspec.Struct, forbid_unknown_fields=True):
    speaker: Person = msgspec.field(default_factory=Person)
    topic: str = ""


class SpeakRequestOut(msgspec.Struct):
    id: int
    site_id: int | None
    site_name: str | None
    speaker: Person
    topic: str
    status: str
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class MaterialPatch(msgspec.Struct, forbid_unknown_fields=True):
    title: str | msgspec.UnsetType = msgspec.UNSET
    published: bool | msgspec.UnsetType = msgspec.UNSET


class MaterialOut(msgspec.Struct):
    id: int
    title: str
    published: bool
    position: int
    file: FileOut


class LiveOut(msgspec.Struct):
    meeting_id: int
    status: str
    current_item: AgendaItemOut | None
    current_speaker: Person | None
    queue: list[SpeakRequestOut]
