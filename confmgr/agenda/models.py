"""The agenda (chương trình), contributions (tham luận), requests to speak
(đăng ký phát biểu), notes per item and the meeting's published documents."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from confmgr.db import Base


class AgendaKind(str, enum.Enum):
    OPENING = "opening"
    REPORT = "report"
    SPEECH = "speech"
    CONTRIBUTIONS = "contributions"
    DISCUSSION = "discussion"
    CONCLUSION = "conclusion"
    CLOSING = "closing"
    OTHER = "other"


class ContributionStatus(str, enum.Enum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class SpeakRequestStatus(str, enum.Enum):
    WAITING = "waiting"
    SPEAKING = "speaking"
    DONE = "done"
    WITHDRAWN = "withdrawn"


class AgendaItem(Base):
    __tablename__ = "agenda_item"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(24), default=AgendaKind.OTHER.value)
    presenter: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    planned_start: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    duration_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    actual_started_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    actual_ended_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    # The minute-taker's notes; every saved version is kept in AgendaNoteRevision.
    notes: Mapped[str] = mapped_column(Text, default="")
    notes_version: Mapped[int] = mapped_column(Integer, default=0)


class AgendaNoteRevision(Base):
    """One saved version of an item's notes; nothing is overwritten."""

    __tablename__ = "agenda_note_revision"

    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    author_label: Mapped[str] = mapped_column(String(200))


class Contribution(Base):
    """A prepared paper (tham luận) or a comment, presented at the meeting."""

    __tablename__ = "contribution"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id", ondelete="SET NULL"), default=None)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="SET NULL"), index=True, default=None)
    speaker: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    title: Mapped[str] = mapped_column(String(500))
    summary: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=ContributionStatus.SUBMITTED.value)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id", ondelete="SET NULL"), default=None)
    submitted_by_site: Mapped[bool] = mapped_column(Boolean, default=False)
    presented: Mapped[bool] = mapped_column(Boolean, default=False)


class SpeakRequest(Base):
    """A request for the floor, from the hall or a remote site, in one queue."""

    __tablename__ = "speak_request"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="SET NULL"), default=None)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id", ondelete="SET NULL"), default=None)
    speaker: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    topic: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16), default=SpeakRequestStatus.WAITING.value, index=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class MeetingMaterial(Base):
    """A file the secretariat publishes for every site (tài liệu hội nghị): the meeting's
    materials. ("Documents" are only what the agency issues: minutes and notices.)"""

    # The table keeps the name it was created with.
    __tablename__ = "meeting_document"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(500))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    published: Mapped[bool] = mapped_column(Boolean, default=True)
