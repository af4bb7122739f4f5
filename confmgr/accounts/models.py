"""Secretariat accounts (tài khoản văn phòng) and their API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from confmgr.db import Base


class Role(str, enum.Enum):
    ADMIN = "admin"
    SECRETARY = "secretary"
    VIEWER = "viewer"
    CLERK = "clerk"  # văn thư: applies the agency signature, otherwise views


class User(Base):
    """A member of the secretariat; the role decides what they may change."""

    __tablename__ = "user_account"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.VIEWER.value)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    # Raised when the password, the role or the activation changes: sessions and API
    # tokens made before no longer authenticate (see accounts.services.end_credentials).
    credential_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    @property
    def can_edit(self) -> bool:
        return self.is_active and self.role in (Role.ADMIN.value, Role.SECRETARY.value)

    @property
    def is_admin(self) -> bool:
        return self.is_active and self.role == Role.ADMIN.value

    @property
    def label(self) -> str:
        return self.full_name or self.username


class ApiToken(Base):
    """A bearer token for ``/api/v1``; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))

    user: Mapped[User] = relationship(lazy="joined")
