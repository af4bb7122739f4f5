"""Storing uploaded files (tệp) safely, and sending them back as downloads.

Bytes are written under a random name in the uploads folder: first to a temporary
file in the same folder, flushed to disk, then renamed into place, so a crash never
leaves a half-written file under a real name. What a file *is* is decided from its
content, never from its name: an executable renamed ``.pdf`` is refused. The name
the person gave is cleaned and kept only as metadata, for the download.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from litestar.response import File
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.errors import DomainError, InvalidInput, NotFound, TooLarge
from confmgr.files.models import StoredFile
from confmgr.i18n import N_
from confmgr.settings import Settings

CHUNK = 64 * 1024
MAX_NAME = 200

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
PNG = "image/png"
JPEG = "image/jpeg"

EXTENSIONS = {PDF: ".pdf", DOCX: ".docx", XLSX: ".xlsx", PPTX: ".pptx", PNG: ".png", JPEG: ".jpg"}
# The part an Office file of each kind must hold, besides [Content_Types].xml.
_OOXML_PARTS = ((DOCX, "word/document.xml"), (XLSX, "xl/workbook.xml"), (PPTX, "ppt/presentation.xml"))
ACCEPT = ".pdf,.docx,.xlsx,.pptx,.png,.jpg,.jpeg"


class UnsupportedFile(DomainError):
    status_code = 415


class Upload(Protocol):
    """What Litestar's ``UploadFile`` offers and this module needs."""

    filename: str

    async def read(self, size: int = -1) -> bytes: ...


@dataclass(frozen=True)
class Received:
    """An upload written to a temporary file, not yet accepted."""

    temp_path: Path
    size: int
    sha256: str
    name: str


def clean_filename(name: str | None) -> str:
    """The last path part only, NFC, no control characters: ``../../x`` becomes ``x``."""
    text = unicodedata.normalize("NFC", name or "")
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = text.replace("\\", "/").split("/")[-1].strip().strip(".")
    if len(text) > MAX_NAME:
        stem, dot, ext = text.rpartition(".")
        text = (stem[: MAX_NAME - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else text[:MAX_NAME]
    return text or "tep"


def detect_type(path: Path) -> str | None:
    """The content type the file's bytes show, or None when it is not one we accept."""
    with path.open("rb") as fh:
        head = fh.read(16)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        for content_type, part in _OOXML_PARTS:
            if part in names:
                return content_type
    return None


def _uploads_dir(settings: Settings) -> Path:
    folder = settings.uploads_dir
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def receive(settings: Settings, upload: Upload | None) -> Received:
    """Write the upload to a temporary file in the uploads folder, checking its size as it comes.

    Raises (and leaves nothing behind) when the file is missing, empty or too large.
    """
    if upload is None or not getattr(upload, "filename", None):
        raise InvalidInput("Choose a file.", field_errors={"file": N_("Choose a file.")})
    folder = _uploads_dir(settings)
    limit = settings.max_upload_bytes
    fd, temp_name = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".part")
    temp_path = Path(temp_name)
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(fd, "wb") as fh:
            while True:
                chunk = await upload.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise TooLarge(
                        "The file is larger than {limit} MB.", params={"limit": limit // (1024 * 1024)}
                    )
                digest.update(chunk)
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        if size == 0:
            raise InvalidInput("The file is empty.", field_errors={"file": N_("The file is empty.")})
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise
    return Received(temp_path=temp_path, size=size, sha256=digest.hexdigest(), name=clean_filename(upload.filename))


def discard(received: Received) -> None:
    received.temp_path.unlink(missing_ok=True)


async def store(db: AsyncSession, settings: Settings, received: Received, meeting_id: int | None) -> StoredFile:
    """Accept a received file: check its type by content, move it into place, record it."""
    try:
        content_type = detect_type(received.temp_path)
        if content_type is None:
            raise UnsupportedFile(
                N_("Only PDF, Word, Excel, PowerPoint, PNG and JPEG files are accepted."),
                field_errors={"file": N_("Only PDF, Word, Excel, PowerPoint, PNG and JPEG files are accepted.")},
            )
        key = secrets.token_hex(16)
        final = _uploads_dir(settings) / key
        os.replace(received.temp_path, final)
    except BaseException:
        discard(received)
        raise
    # The rename is durable only once the folder itself is flushed.
    _fsync_dir(final.parent)
    stored = StoredFile(
        meeting_id=meeting_id,
        storage_key=key,
        original_name=received.name,
        content_type=content_type,
        size=received.size,
        sha256=received.sha256,
    )
    db.add(stored)
    await db.flush()
    return stored


async def save_upload(db: AsyncSession, settings: Settings, upload: Upload | None, meeting_id: int | None) -> StoredFile:
    return await store(db, settings, await receive(settings, upload), meeting_id)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def path_of(settings: Settings, stored: StoredFile) -> Path:
    return settings.uploads_dir / stored.storage_key


def remove_bytes(settings: Settings, stored: StoredFile) -> None:
    """Delete a file's bytes (call after the row's deletion is committed)."""
    if all(ch in "0123456789abcdef" for ch in stored.storage_key):
        path_of(settings, stored).unlink(missing_ok=True)


def download_name(stored: StoredFile) -> str:
    name = clean_filename(stored.original_name)
    ext = EXTENSIONS.get(stored.content_type, "")
    # The extension follows the content, so a saved file opens with the right program.
    if ext and not name.lower().endswith(ext) and not (ext == ".jpg" and name.lower().endswith(".jpeg")):
        name += ext
    return name


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback and the exact name as RFC 5987 ``filename*``."""
    decomposed = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    fallback = "".join(ch for ch in decomposed if ch.isascii() and ch.isprintable() and ch not in '"\\;')
    fallback = fallback.strip() or "file"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def download(settings: Settings, stored: StoredFile | None) -> File:
    """The response that sends a stored file as a download, never to be shown inline."""
    if stored is None:
        raise NotFound("No such file.")
    path = path_of(settings, stored)
    if not path.is_file():
        raise NotFound("No such file.")
    headers: dict[str, Any] = {
        "Content-Disposition": content_disposition(download_name(stored)),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }
    return File(path=path, media_type=stored.content_type, headers=headers, content_disposition_type="attachment")
