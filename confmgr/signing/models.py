"""Revisions of issued documents, personal signing credentials and the agency's seal image."""

from __future__ import annotations

import enum
from datetime import datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from confmgr.db import Base


class Stage(str, enum.Enum):
    NUMBERED = "numbered"  # the issued bytes themselves (revision 0, the IssuedDocument)
    SIGNED = "signed"  # the authorised signer's signature appended
    SEALED = "sealed"  # the agency's signature appended by the clerk


class DocumentRevision(Base):
    """One signed revision of an issued PDF: the previous revision's bytes followed by an
    incremental update with a signature. Written once, with its SHA-256, never changed."""

    __tablename__ = "document_revision"
    __table_args__ = (UniqueConstraint("issued_document_id", "seq"),)

    issued_document_id: Mapped[int] = mapped_column(ForeignKey("issued_document.id", ondelete="RESTRICT"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, ...; the numbered file is revision 0
    stage: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(16))  # external | server | agency
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id", ondelete="RESTRICT"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    signer_name: Mapped[str] = mapped_column(String(300), default="")
    organization: Mapped[str] = mapped_column(String(300), default="")
    signed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class SigningCredential(Base):
    """A secretariat user's own certificate (PKCS#12) and signature image.

    The PKCS#12 stays locked by the password its owner chose (typed at each signing,
    never stored) and is encrypted once more with the server's key."""

    __tablename__ = "signing_credential"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    p12_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    common_name: Mapped[str] = mapped_column(String(300), default="")
    organization: Mapped[str] = mapped_column(String(300), default="")
    not_after: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    image_png: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)


class AgencySeal(Base):
    """The agency's seal image (red, transparent PNG, real size) for the agency signature."""

    __tablename__ = "agency_seal"

    image_png: Mapped[bytes] = mapped_column(LargeBinary)
    width_mm: Mapped[int] = mapped_column(Integer, default=36)
