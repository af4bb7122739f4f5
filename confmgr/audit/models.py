"""The audit log (nhật ký thay đổi): who changed what, when, from what to what."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from confmgr.db import Base


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    actor_kind: Mapped[str] = mapped_column(String(16))  # user, site, system
    actor_id: Mapped[int | None] = mapped_column(Integer, default=None)
    actor_label: Mapped[str] = mapped_column(String(200))
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True, default=None
    )
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[int | None] = mapped_column(Integer, default=None)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
