"""Inputs and outputs of the minutes, the conclusions notice and issued documents."""

from __future__ import annotations

from datetime import date, datetime, time

import msgspec


class TaskInput(msgspec.Struct, forbid_unknown_fields=True):
    """A task given to an agency (giao nhiệm vụ)."""

    assignee: str = ""
    description: str = ""
    due_date: date | None = None


class SignerInput(msgspec.Struct, forbid_unknown_fields=True):
    """Who signs the notice: ``prefix`` TM./KT./TL./TUQ./Q. (optional) with the
    office signed for (``on_behalf_of``, e.g. "Giám đốc"), then title and name."""

    title: str = ""
    full_name: str = ""
    prefix: str = ""
    on_behalf_of: str = ""


class ConclusionsInput(msgspec.Struct, forbid_unknown_fields=True):
    title_of_chair: str = ""
    conclusions: list[str] = msgspec.field(default_factory=list)
    tasks: list[TaskInput] = msgspec.field(default_factory=list)
    recipients: list[str] = msgspec.field(default_factory=list)
    signer: SignerInput | None = None
    # When given, a save based on an older version is refused (409).
    version: int | None = None
    # Once the notice is issued the conclusions are locked (409); they change
    # again only to be issued as a correction.
    for_correction: bool = False


class ConclusionsOut(msgspec.Struct):
    title_of_chair: str
    conclusions: list[str]
    tasks: list[TaskInput]
    recipients: list[str]
    signer: SignerInput
    version: int
    due_on: date
    overdue: bool


class IssueInput(msgspec.Struct, forbid_unknown_fields=True):
    issued_on: date | None = None
    # The time of day (Vietnam time) the document was signed, for one issued with an
    # earlier date: the files' creation date. Without it: now when dated today, the
    # meeting's end when dated the meeting day, else the start of the given day.
    issued_time: time | None = None
    # A correction replaces the issued document with a new number; the old one
    # stays downloadable and is marked superseded.
    correction: bool = False
    note: str = ""


class IssuedOut(msgspec.Struct):
    id: int
    kind: str
    number: str
    sha256: str
    url: str
    issued_on: date
    title: str
    supersedes_id: int | None = None
    superseded_at: datetime | None = None
    docx_url: str | None = None


class SectionOut(msgspec.Struct):
    key: str
    group: str
    label: str
    subject: str
    generated: str
    text: str
    edited: bool
    record_changed: bool


class OrphanOut(msgspec.Struct):
    key: str
    text: str
    base: str


class MinutesSectionsOut(msgspec.Struct):
    version: int
    sections: list[SectionOut]
    orphans: list[OrphanOut]


class MinutesSectionsInput(msgspec.Struct, forbid_unknown_fields=True):
    """Edited texts by section key; ``null`` returns a section to the record's text.
    ``discard`` lists orphaned edits to drop."""

    version: int
    sections: dict[str, str | None] = msgspec.field(default_factory=dict)
    discard: list[str] = msgspec.field(default_factory=list)


class DownloadStats(msgspec.Struct):
    issued_id: int
    number: str
    downloaded: int
    sites: int
    not_downloaded: list[str]


class DocumentsOut(msgspec.Struct):
    meeting_id: int
    agency_set: bool
    conclusions_due_on: date
    conclusions_overdue: bool
    minutes: list[IssuedOut]
    conclusions: list[IssuedOut]
    downloads: list[DownloadStats]
    orphaned_edits: int
