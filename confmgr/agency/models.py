"""The issuing agency (cơ quan ban hành) whose name heads every document."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from confmgr.db import Base


class Agency(Base):
    """One row: the agency this installation serves."""

    __tablename__ = "agency"

    name: Mapped[str] = mapped_column(String(200))
    parent_name: Mapped[str] = mapped_column(String(200), default="")
    abbreviation: Mapped[str] = mapped_column(String(20))
    place_name: Mapped[str] = mapped_column(String(100))
