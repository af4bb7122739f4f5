"""JSON shapes of the signing API."""

from __future__ import annotations

from datetime import datetime

import msgspec


class SignInput(msgspec.Struct, forbid_unknown_fields=True):
    password: str = msgspec.field(default="")


class SignatureOut(msgspec.Struct):
    signer: str
    organization: str
    signed_at: datetime | None
    kind: str  # signer | agency
    intact: bool
    trusted: bool
    covers_issued_bytes: bool
    timestamped: bool
    problems: list[str]


class RevisionOut(msgspec.Struct):
    seq: int
    stage: str
    method: str
    sha256: str
    size: int
    signer: str
    organization: str
    signed_at: datetime | None
    created_at: datetime
    url: str


class SignaturesOut(msgspec.Struct):
    number: str
    stage: str
    sha256: str
    signatures: list[SignatureOut]
    revisions: list[RevisionOut]


class VerifyOut(msgspec.Struct):
    issued: bool
    number: str | None
    stage: str | None
    tampered: bool
    title: str | None
    signatures: list[SignatureOut]
