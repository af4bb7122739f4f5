"""Meetings (hội nghị, cuộc họp)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from confmgr.db import Base


class MeetingMode(str, enum.Enum):
    IN_PERSON = "in_person"
    ONLINE = "online"
    HYBRID = "hybrid"


class MeetingStatus(str, enum.Enum):
    DRAFT = "draft"
    INVITED = "invited"
    IN_PROGRESS = "in_progress"
    ENDED = "ended"
    DOCUMENTS_ISSUED = "documents_issued"
    ARCHIVED = "archived"


# Once documents are issued the record they were made from stays as it was.
EDITABLE_STATUSES = frozenset(
    s.value for s in (MeetingStatus.DRAFT, MeetingStatus.INVITED, MeetingStatus.IN_PROGRESS, MeetingStatus.ENDED)
)


class Meeting(Base):
    """One conference, in a hall, online or both."""

    __tablename__ = "meeting"

    title: Mapped[str] = mapped_column(String(500))
    # Lower-case, diacritics removed: lets "hoi nghi" find "Hội nghị" on every database.
    title_search: Mapped[str] = mapped_column(String(500), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    response_deadline: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    mode: Mapped[str] = mapped_column(String(16), default=MeetingMode.HYBRID.value)
    venue: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(24), default=MeetingStatus.DRAFT.value, index=True)
    chair: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    secretary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actual_started_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    actual_ended_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    copied_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting.id", ondelete="SET NULL"), default=None
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    # The live state every site sees: the item under way and who has the floor.
    current_agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="SET NULL", use_alter=True), default=None
    )
    current_speaker: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Bumped on every change of the meeting row; lets pages detect stale edits.
    revision: Mapped[int] = mapped_column(Integer, default=1)

    @property
    def record_open(self) -> bool:
        """Whether the meeting's record may still change: not once its documents are
        issued (services refuse through meetings.access.ensure_editable; pages hide the
        buttons)."""
        return self.status in EDITABLE_STATUSES
