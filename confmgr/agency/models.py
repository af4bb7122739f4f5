"""The issuing agency (cơ quan ban hành) whose name heads every document."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from confmgr.db import Base


class Agency(Base):
    """One row: the agency this installation serves."""

    __tablename__ = "agency"

    name: Mapped[str] = mapped_column(String(200))
    parent_name: Mapped[str] = mapped_column(String(200), default="")
    abbreviation: Mapped[str] = mapped_column(String(20))
    place_name: Mapped[str] = mapped_column(String(100))
    # The filing line "Lưu: VT, <drafting unit>, <copies>" (nơi lưu, Nghị định 30/2020).
    drafting_unit: Mapped[str] = mapped_column(String(50), default="", server_default="")
    archive_copies: Mapped[int | None] = mapped_column(Integer, default=None)
    # The agency's own days off (ISO dates) on top of the public holidays.
    days_off: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
