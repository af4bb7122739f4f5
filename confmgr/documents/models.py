"""Minutes (biên bản), conclusions notices (thông báo kết luận) and the register of
issued documents (sổ đăng ký văn bản đi)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from confmgr.db import Base


class DocumentKind(str, enum.Enum):
    MINUTES = "minutes"  # BB
    CONCLUSIONS = "conclusions"  # TB
    INVITATION = "invitation"  # GM


class MinutesDraft(Base):
    """The secretariat's edited sections of the minutes, kept apart from the record
    so that regenerating from the record never loses an edit."""

    __tablename__ = "minutes_draft"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), unique=True)
    sections: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)


class Conclusions(Base):
    """The chair's conclusions and the tasks given to agencies."""

    __tablename__ = "conclusions"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), unique=True)
    title_of_chair: Mapped[str] = mapped_column(String(300), default="")
    items: Mapped[list[Any]] = mapped_column(JSON, default=list)
    tasks: Mapped[list[Any]] = mapped_column(JSON, default=list)
    recipients: Mapped[list[Any]] = mapped_column(JSON, default=list)
    signer: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)


class IssuedDocument(Base):
    """An issued document: its number, date and the exact bytes, which never change."""

    __tablename__ = "issued_document"
    __table_args__ = (UniqueConstraint("symbol", "year", "number"),)

    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"), index=True, default=None)
    kind: Mapped[str] = mapped_column(String(16))
    symbol: Mapped[str] = mapped_column(String(40))  # e.g. BB-SNV
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    number_text: Mapped[str] = mapped_column(String(60), index=True)  # e.g. 01/BB-SNV
    issued_on: Mapped[date] = mapped_column(Date)
    signer: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    title: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    pdf_file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id", ondelete="RESTRICT"))
    docx_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id", ondelete="RESTRICT"), default=None)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("issued_document.id", ondelete="RESTRICT"), default=None)
    superseded_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    note: Mapped[str] = mapped_column(Text, default="")


class DocumentDownload(Base):
    """A site downloaded an issued document (who and when, for the secretariat)."""

    __tablename__ = "document_download"

    issued_document_id: Mapped[int] = mapped_column(ForeignKey("issued_document.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
