"""Stored files (tệp): papers, meeting documents, issued PDFs.

Bytes live under random names in the data dir; the row keeps what the file is.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from confmgr.db import Base


class StoredFile(Base):
    __tablename__ = "stored_file"

    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"), index=True, default=None)
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)  # random, never the uploaded name
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
