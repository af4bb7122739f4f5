"""The signing flow of an issued document: numbered → signed → sealed.

Every step appends an incremental update (a signature) to the bytes of the step
before and is stored as a new :class:`DocumentRevision`, once, with its SHA-256.
Downloads give the latest revision; the earlier ones stay reachable. Nothing that is
refused is stored.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio.to_thread
from pyhanko.sign import fields, signers
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.accounts.models import Role, User
from confmgr.accounts.permissions import require_user
from confmgr.audit.services import record as audit
from confmgr.documents import services as documents
from confmgr.documents.models import IssuedDocument
from confmgr.errors import Conflict, InvalidInput, NotFound, PermissionDenied, TooLarge
from confmgr.files.models import StoredFile
from confmgr.files import services as files
from confmgr.i18n import N_
from confmgr.meetings.access import get_meeting
from confmgr.settings import Settings
from confmgr.signing import appearance, keys, pages, validation
from confmgr.signing.models import AgencySeal, DocumentRevision, SigningCredential, Stage
from confmgr.signing.validation import AGENCY_FIELD_PREFIX, SIGNER_FIELD_PREFIX, NotAPdf, SignatureCheck
from confmgr.timeutil import now

REASON_SIGNER = "Ký ban hành văn bản"
REASON_AGENCY = "Ký số của cơ quan, tổ chức (văn thư)"


# ---- who may do what ----------------------------------------------------------------


def require_signer(actor: Any) -> User:
    """The authorised signer's side (sign, upload a signed file, keep a certificate):
    an administrator or a secretary. The clerk applies the agency's signature only."""
    user = require_user(actor)
    if not user.can_edit:
        raise PermissionDenied("Only an administrator or a secretary may sign a document or upload a signed file.")
    return user


def require_clerk(actor: Any) -> User:
    user = require_user(actor)
    if user.role != Role.CLERK.value:
        raise PermissionDenied("Only the clerk (văn thư) may apply the agency's signature.")
    return user


# ---- revisions and their bytes ----------------------------------------------------


async def revisions_of(db: AsyncSession, issued_id: int) -> list[DocumentRevision]:
    return list(
        await db.scalars(select(DocumentRevision).where(DocumentRevision.issued_document_id == issued_id).order_by(DocumentRevision.seq))
    )


async def revision_bytes(db: AsyncSession, settings: Settings, revision: DocumentRevision) -> bytes:
    stored = await db.get(StoredFile, revision.file_id)
    if stored is None:
        raise NotFound("No such file.")
    try:
        data = files.path_of(settings, stored).read_bytes()
    except OSError as exc:
        raise documents.DamagedFile(N_("The stored file of this issued document is missing or damaged. Tell the administrator.")) from exc
    if hashlib.sha256(data).hexdigest() != revision.sha256:
        raise documents.DamagedFile(N_("The stored file of this issued document is missing or damaged. Tell the administrator."))
    return data


@dataclass(frozen=True)
class Latest:
    data: bytes
    stage: str
    revision: DocumentRevision | None
    revisions: list[DocumentRevision]

    @property
    def sha256(self) -> str:
        return self.revision.sha256 if self.revision else hashlib.sha256(self.data).hexdigest()


async def latest(db: AsyncSession, settings: Settings, issued: IssuedDocument) -> Latest:
    """The newest revision of an issued PDF (the numbered bytes while nothing is signed)."""
    revisions = await revisions_of(db, issued.id)
    if revisions:
        last = revisions[-1]
        return Latest(await revision_bytes(db, settings, last), last.stage, last, revisions)
    return Latest(await documents.issued_bytes(db, settings, issued, "pdf"), Stage.NUMBERED.value, None, [])


def stage_of(revisions: list[DocumentRevision]) -> str:
    return revisions[-1].stage if revisions else Stage.NUMBERED.value


async def latest_pdf(db: AsyncSession, settings: Settings, issued: IssuedDocument) -> bytes:
    return (await latest(db, settings, issued)).data


async def _issued_of(db: AsyncSession, actor: Any, meeting_id: int, kind: str) -> IssuedDocument:
    documents.check_kind(kind)
    meeting = await get_meeting(db, actor, meeting_id)
    issued = await documents.current_issued(db, meeting.id, kind)
    if issued is None:
        raise Conflict("The document has not been issued yet. Issue it (give it a number) before signing.")
    return issued


def _name_of(kind: str, issued: IssuedDocument) -> str:
    return f"{documents.FILE_NAMES[kind]}-{issued.number:02d}-{issued.symbol}-{issued.year}"


async def _store_revision(
    db: AsyncSession, settings: Settings, actor: User, issued: IssuedDocument, data: bytes, stage: str, method: str,
    check: SignatureCheck, seq: int,
) -> DocumentRevision:
    suffix = "da-ky" if stage == Stage.SIGNED.value else "da-dong-dau"
    written: list[Path] = []
    try:
        async with db.begin_nested():
            stored = await documents._store_bytes(
                db, settings, data, f"{_name_of(issued.kind, issued)}-{suffix}.pdf", issued.meeting_id or 0, written
            )
            revision = DocumentRevision(
                issued_document_id=issued.id, seq=seq, stage=stage, method=method,
                sha256=hashlib.sha256(data).hexdigest(), size=len(data), file_id=stored.id, created_by_id=actor.id,
                signer_name=check.signer[:300], organization=check.organization[:300], signed_at=check.signed_at or now(),
            )
            db.add(revision)
            await db.flush()
    except IntegrityError:
        for path in written:
            path.unlink(missing_ok=True)
        raise Conflict("Someone else signed this document at the same moment. Reload and try again.") from None
    audit(
        db, actor, "seal" if stage == Stage.SEALED.value else "sign", "issued_document", issued.id, meeting_id=issued.meeting_id,
        changes={"number": issued.number_text, "stage": stage, "method": method, "seq": seq, "sha256": revision.sha256,
                 "signer": check.signer, "organization": check.organization},
    )
    return revision


# ---- validation -------------------------------------------------------------------


def _check_sync(data: bytes, settings: Settings, issued: bytes | None) -> list[SignatureCheck]:
    return asyncio.run(validation.check_signatures(data, settings.signing, issued))


async def check(data: bytes, settings: Settings, issued: bytes | None) -> list[SignatureCheck]:
    """Validate off the event loop (pyHanko's work is CPU-bound)."""
    try:
        return await anyio.to_thread.run_sync(_check_sync, data, settings, issued)
    except NotAPdf:
        raise InvalidInput("The file is not a PDF document.", field_errors={"file": N_("The file is not a PDF document.")}) from None


def _refuse_unless_good(new: list[SignatureCheck], whole_file: bool = True) -> SignatureCheck:
    if not new:
        raise InvalidInput(
            "The file carries no new signature after the issued document.",
            field_errors={"file": N_("The file carries no new signature after the issued document.")},
        )
    for sig in new:
        if not sig.intact:
            raise InvalidInput("The signature in the file is not intact: the signed bytes were changed.",
                               field_errors={"file": N_("The signature in the file is not intact: the signed bytes were changed.")})
        if not sig.covers_issued_bytes:
            raise InvalidInput("The signature does not cover the whole numbered document.",
                               field_errors={"file": N_("The signature does not cover the whole numbered document.")})
        if not sig.modification_ok:
            raise InvalidInput(
                "After the numbered document something other than signatures was changed (the content was altered).",
                field_errors={"file": N_("After the numbered document something other than signatures was changed (the content was altered).")},
            )
        if not sig.trusted:
            message, params = sig.problems and next((p for p in sig.problems if "trusted" in p[0]), sig.problems[0]) or (
                N_("The certificate does not chain to a trusted certification authority; the signature is not trusted."), {})
            raise InvalidInput(message, field_errors={"file": message}, params=params)
    last = new[-1]
    if whole_file and not last.covers_whole_file:
        raise InvalidInput("Something was appended after the last signature.",
                           field_errors={"file": N_("Something was appended after the last signature.")})
    return last


# ---- external signing: an uploaded signed file -------------------------------------


async def read_any(upload: Any, limit: int) -> bytes:
    """An uploaded file's bytes, at most ``limit``; not empty."""
    if upload is None or not getattr(upload, "filename", None):
        raise InvalidInput("Choose a file.", field_errors={"file": N_("Choose a file.")})
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await upload.read(64 * 1024)
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise TooLarge("The file is larger than {limit} MB.", params={"limit": limit // (1024 * 1024)})
        chunks.append(chunk)
    if not chunks:
        raise InvalidInput("The file is empty.", field_errors={"file": N_("The file is empty.")})
    return b"".join(chunks)


async def read_upload(upload: Any, limit: int) -> bytes:
    """An uploaded PDF's bytes, at most ``limit``."""
    data = await read_any(upload, limit)
    if not data.startswith(b"%PDF-"):
        raise InvalidInput("The file is not a PDF document.", field_errors={"file": N_("The file is not a PDF document.")})
    return data


async def accept_signed(
    db: AsyncSession, actor: Any, settings: Settings, meeting_id: int, kind: str, data: bytes
) -> DocumentRevision:
    """Store a revision signed outside confmgr: it must start with exactly the current
    revision's bytes, add a trusted, intact signature covering the issued bytes and
    change nothing but signatures."""
    user = require_signer(actor)
    issued = await _issued_of(db, user, meeting_id, kind)
    current = await latest(db, settings, issued)
    if current.stage == Stage.SEALED.value:
        raise Conflict("The document is already sealed; it cannot be signed again.")
    if not data.startswith(current.data) or len(data) <= len(current.data):
        raise InvalidInput(
            "The file does not start with exactly the bytes of the issued document: it was not signed as an incremental update of the file downloaded from confmgr.",
            field_errors={"file": N_("The file does not start with exactly the bytes of the issued document.")},
        )
    issued_data = await documents.issued_bytes(db, settings, issued, "pdf")
    checks = await check(data, settings, issued_data)
    new = [c for c in checks if c.revision_end > len(current.data)]
    old = [c for c in checks if c.revision_end <= len(current.data)]
    for sig in old:
        if not sig.intact:
            raise InvalidInput("An earlier signature in the file is no longer intact.",
                               field_errors={"file": N_("An earlier signature in the file is no longer intact.")})
    last = _refuse_unless_good(new)
    if any(c.kind == "agency" for c in new):
        raise InvalidInput("The agency's signature is applied by the clerk in confmgr, not uploaded.",
                           field_errors={"file": N_("The agency's signature is applied by the clerk in confmgr, not uploaded.")})
    return await _store_revision(db, settings, user, issued, data, Stage.SIGNED.value, "external", last, len(current.revisions) + 1)


# ---- signing and sealing in confmgr -----------------------------------------------


def _sign_sync(
    data: bytes, signer: signers.Signer, field_name: str, box: appearance.Box, style: Any, text: str, reason: str,
    tsa: Any, reader: PdfFileReader | None = None,
) -> bytes:
    meta = signers.PdfSignatureMetadata(
        field_name=field_name, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256", reason=reason,
    )
    pdf_signer = signers.PdfSigner(
        meta, signer, timestamper=tsa, stamp_style=style,
        new_field_spec=fields.SigFieldSpec(field_name, on_page=box.page, box=box.tuple()),
    )
    writer = pages.Writer.from_reader(reader) if reader is not None else pages.Writer(io.BytesIO(data), strict=False)
    out = pdf_signer.sign_pdf(writer, appearance_text_params={"stamp": text})
    return out.getvalue() if hasattr(out, "getvalue") else out.read()


@dataclass(frozen=True)
class _Step:
    """A revision made by confmgr and the signatures it added, validated."""

    data: bytes
    new: list[SignatureCheck]


def _validate_new(data: bytes, settings: Settings, issued: bytes, before: int) -> list[SignatureCheck]:
    """The signatures appended after the first ``before`` bytes, validated; what came
    before was validated when it was stored and its bytes match their hash."""
    return asyncio.run(validation.check_signatures(data, settings.signing, issued, after=before))


async def _in_thread(fn: Any, *args: Any) -> Any:
    """Sign off the event loop; a time-stamping service that fails is a clear error."""
    from pyhanko.sign.timestamps import TimestampRequestError

    try:
        return await anyio.to_thread.run_sync(fn, *args)
    except TimestampRequestError:
        raise Conflict("The time-stamping service (CONFMGR_TSA_URL) did not answer; nothing was signed. Try again later.") from None
    except NotAPdf:
        raise InvalidInput("The file is not a PDF document.", field_errors={"file": N_("The file is not a PDF document.")}) from None


def _fonts(settings: Settings) -> Any:
    from confmgr.printing.fonts import load_fonts

    return load_fonts(settings.font_dir)


def _font_file(settings: Settings) -> Path:
    return Path(_fonts(settings).files[0])


def _style(settings: Settings, image: bytes | None) -> Any:
    return appearance.image_style(image) if image else appearance.text_style(_font_file(settings))


def _signer_name(issued: IssuedDocument) -> str | None:
    """The full name under the signature block: the chair of the minutes, the notice's signer."""
    person = issued.signer.get("chair") if issued.kind == documents.MINUTES else issued.signer
    return (person or {}).get("full_name") if isinstance(person, dict) else None


def _field_names(reader: PdfFileReader) -> list[str]:
    return [str(s.field_name) for s in reader.embedded_signatures]


def _free_name(prefix: str, names: list[str]) -> str:
    taken = set(names)
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def _signer_step(
    settings: Settings, current: bytes, issued: bytes, p12_encrypted: bytes, password: str, full_name: str | None,
    image: bytes | None, style: Any, text: str,
) -> _Step:
    """In a worker thread: open the key, find the signature block, sign, validate the
    new signature."""
    signer = keys.personal_signer(settings.server.secret_key, p12_encrypted, password)
    reader = validation.reader_of(current)
    box = appearance.signer_box(appearance.find_signer_place(issued, full_name), image)
    field_name = _free_name(SIGNER_FIELD_PREFIX, _field_names(reader))
    signed = _sign_sync(current, signer, field_name, box, style, text, REASON_SIGNER, keys.timestamper(settings.signing), reader)
    return _Step(signed, _validate_new(signed, settings, issued, len(current)))


async def sign_with_own_key(
    db: AsyncSession, actor: Any, settings: Settings, meeting_id: int, kind: str, password: str
) -> DocumentRevision:
    """The acting user's stored PKCS#12, opened with the password typed now, signs."""
    user = require_signer(actor)
    issued = await _issued_of(db, user, meeting_id, kind)
    cred = await db.scalar(select(SigningCredential).where(SigningCredential.user_id == user.id))
    if cred is None or cred.p12_encrypted is None:
        raise Conflict("You have no signing certificate yet. Upload your PKCS#12 file on the signing page first.")
    if not password:
        raise InvalidInput("Enter the password of your certificate.", field_errors={"password": N_("Enter the password of your certificate.")})
    current = await latest(db, settings, issued)
    if current.stage == Stage.SEALED.value:
        raise Conflict("The document is already sealed; it cannot be signed again.")
    issued_data = await documents.issued_bytes(db, settings, issued, "pdf")
    text = appearance.stamp_text("signer", cred.common_name, cred.organization, now())
    step: _Step = await _in_thread(
        _signer_step, settings, current.data, issued_data, cred.p12_encrypted, password, _signer_name(issued), cred.image_png,
        _style(settings, cred.image_png), text,
    )
    last = _refuse_unless_good(step.new)
    return await _store_revision(db, settings, user, issued, step.data, Stage.SIGNED.value, "server", last, len(current.revisions) + 1)


def _signer_widget_box(reader: PdfFileReader, field_name: str | None = None) -> appearance.Box | None:
    """Where the (last) signer's visible signature sits; None for an invisible one."""
    found = [s for s in reader.embedded_signatures if not str(s.field_name).startswith(AGENCY_FIELD_PREFIX)]
    if field_name is not None:
        found = [s for s in found if str(s.field_name) == field_name]
    if not found:
        return None
    widget = found[-1].sig_field
    if "/Rect" not in widget and "/Kids" in widget:
        widget = widget["/Kids"][0].get_object()
    if "/Rect" not in widget:
        return None
    x0, y0, x1, y1 = (float(v) for v in widget["/Rect"])
    if abs(x1 - x0) < 1 or abs(y1 - y0) < 1:
        return None
    page = pages.page_index(reader, pages.ref(widget.raw_get("/P"))) if "/P" in widget else None
    if page is None:
        page = int(reader.root["/Pages"]["/Count"]) - 1
    return appearance.Box(page, min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def _agency_step(
    settings: Settings, current: bytes, issued: bytes, full_name: str | None, image: bytes | None, width_mm: int,
    style: Any, text: str,
) -> _Step:
    """In a worker thread: check the signer's signature, place the seal over it, seal,
    validate the new signature."""
    reader = validation.reader_of(current)
    # The signer's signature is validated again (a certificate may have expired or
    # lost its trust since it was stored); being the last of its revision, it needs no
    # difference analysis. Only then is the agency's key used.
    last_only = len(current) - 1
    signed = asyncio.run(validation.check_signatures(current, settings.signing, issued, after=last_only, reader=reader))
    if not any(c.kind == "signer" and c.ok for c in signed):
        raise Conflict("The agency may seal only a document the signer has signed. Sign it first.")
    signer_box = _signer_widget_box(reader) or appearance.signer_box(appearance.find_signer_place(issued, full_name), None)
    box = appearance.seal_box(signer_box, image, width_mm)
    field_name = _free_name(AGENCY_FIELD_PREFIX, _field_names(reader))
    with keys.agency_signer(settings.signing) as agency:
        sealed = _sign_sync(current, agency, field_name, box, style, text, REASON_AGENCY, keys.timestamper(settings.signing), reader)
    return _Step(sealed, _validate_new(sealed, settings, issued, len(current)))


async def seal(db: AsyncSession, actor: Any, settings: Settings, meeting_id: int, kind: str) -> DocumentRevision:
    """The clerk applies the agency's signature with the seal image, only over a
    document the signer has signed."""
    user = require_clerk(actor)
    issued = await _issued_of(db, user, meeting_id, kind)
    if not settings.signing.sealing_configured:
        raise Conflict("The agency's signing key is not configured. Tell the administrator.")
    current = await latest(db, settings, issued)
    if current.stage == Stage.SEALED.value:
        raise Conflict("The document is already sealed.")
    if current.stage != Stage.SIGNED.value:
        raise Conflict("The agency may seal only a document the signer has signed. Sign it first.")
    issued_data = await documents.issued_bytes(db, settings, issued, "pdf")
    seal_row = await db.scalar(select(AgencySeal).order_by(AgencySeal.id.desc()).limit(1))
    image = seal_row.image_png if seal_row else None
    text = appearance.stamp_text("agency", await _agency_name(db), "", now())
    step: _Step = await _in_thread(
        _agency_step, settings, current.data, issued_data, _signer_name(issued), image, seal_row.width_mm if seal_row else 36,
        _style(settings, image), text,
    )
    last = _refuse_unless_good(step.new)
    return await _store_revision(db, settings, user, issued, step.data, Stage.SEALED.value, "agency", last, len(current.revisions) + 1)


def _appendix_step(settings: Settings, data: bytes, font_name: str, font_file: Path, text: str) -> _Step:
    """In a worker thread: the agency's signature at the top right of page 1, validated."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign.general import SigningError

    reader = validation.reader_of(data)
    if reader.security_handler is not None:
        raise InvalidInput("The file is protected by a password; upload it without protection.",
                           field_errors={"file": N_("The file is protected by a password; upload it without protection.")})
    names = _field_names(reader)
    if any(name.startswith(AGENCY_FIELD_PREFIX) for name in names):
        raise Conflict("This file already carries the agency's signature.")
    try:
        first_page = pages.find_page(reader, 0)[0].get_object()
        box = appearance.appendix_box(pages.visible_box(first_page), text, font_name)
        with keys.agency_signer(settings.signing) as agency:
            sealed = _sign_sync(data, agency, _free_name(AGENCY_FIELD_PREFIX, names), box, appearance.appendix_style(font_file),
                                text, REASON_AGENCY, keys.timestamper(settings.signing), reader)
    except (PdfError, SigningError, KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:  # an uploaded file's flaws
        raise InvalidInput(
            "This PDF cannot be signed: it is damaged or locked against changes.",
            field_errors={"file": N_("This PDF cannot be signed: it is damaged or locked against changes.")},
        ) from exc
    return _Step(sealed, _validate_new(sealed, settings, data, len(data)))


async def seal_appendix(
    db: AsyncSession, actor: Any, settings: Settings, meeting_id: int, kind: str, data: bytes
) -> documents.DocumentFile:
    """The clerk applies the agency's signature to an appendix (or attachment) of the
    issued document sent as a separate PDF file (Decree 30/2020, Appendix I §II.8):
    top right of its first page, the document's number and the signing time, no
    image. The signed file is given back, not stored; the change log keeps its hash."""
    user = require_clerk(actor)
    issued = await _issued_of(db, user, meeting_id, kind)
    if not settings.signing.sealing_configured:
        raise Conflict("The agency's signing key is not configured. Tell the administrator.")
    fonts = _fonts(settings)
    text = appearance.appendix_text(issued.number_text, now())
    step: _Step = await _in_thread(_appendix_step, settings, data, fonts.regular, Path(fonts.files[0]), text)
    last = _refuse_unless_good(step.new)
    sealed_sha256 = hashlib.sha256(step.data).hexdigest()
    audit(
        db, user, "seal_appendix", "issued_document", issued.id, meeting_id=issued.meeting_id,
        changes={"number": issued.number_text, "file_sha256": hashlib.sha256(data).hexdigest(), "sha256": sealed_sha256,
                 "size": len(step.data), "signer": last.signer, "organization": last.organization},
    )
    return documents.DocumentFile(step.data, f"{_name_of(kind, issued)}-phu-luc-da-ky-so.pdf", files.PDF, issued)


async def _agency_name(db: AsyncSession) -> str:
    from confmgr.agency.services import get_agency

    agency = await get_agency(db)
    return agency.name if agency else ""


# ---- what the documents page and the API show ------------------------------------


@dataclass(frozen=True)
class DocumentSignatures:
    issued: IssuedDocument
    stage: str
    revisions: list[DocumentRevision]
    checks: list[SignatureCheck]
    sha256: str


async def signatures(db: AsyncSession, actor: Any, settings: Settings, meeting_id: int, kind: str) -> DocumentSignatures:
    require_user(actor)
    issued = await _issued_of(db, actor, meeting_id, kind)
    current = await latest(db, settings, issued)
    issued_data = await documents.issued_bytes(db, settings, issued, "pdf")
    checks = await check(current.data, settings, issued_data) if current.revision else []
    return DocumentSignatures(issued, current.stage, current.revisions, checks, current.sha256)


async def revision_file(
    db: AsyncSession, actor: Any, settings: Settings, meeting_id: int, kind: str, seq: int
) -> documents.DocumentFile:
    """One revision by number: 0 is the numbered file, then each signed one."""
    require_user(actor)
    issued = await _issued_of(db, actor, meeting_id, kind)
    if seq == 0:
        data = await documents.issued_bytes(db, settings, issued, "pdf")
        return documents.DocumentFile(data, _name_of(kind, issued) + ".pdf", files.PDF, issued)
    revision = await db.scalar(
        select(DocumentRevision).where(DocumentRevision.issued_document_id == issued.id, DocumentRevision.seq == seq)
    )
    if revision is None:
        raise NotFound("No such document.")
    data = await revision_bytes(db, settings, revision)
    suffix = "da-ky" if revision.stage == Stage.SIGNED.value else "da-dong-dau"
    return documents.DocumentFile(data, f"{_name_of(kind, issued)}-{suffix}.pdf", files.PDF, issued)


async def stages_of(db: AsyncSession, issued_ids: list[int]) -> dict[int, list[DocumentRevision]]:
    if not issued_ids:
        return {}
    out: dict[int, list[DocumentRevision]] = {}
    for rev in await db.scalars(
        select(DocumentRevision).where(DocumentRevision.issued_document_id.in_(issued_ids)).order_by(DocumentRevision.seq)
    ):
        out.setdefault(rev.issued_document_id, []).append(rev)
    return out


# ---- verification (public) --------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    issued: IssuedDocument | None
    stage: str | None
    checks: list[SignatureCheck]
    tampered: bool
    exact: bool  # the file is exactly a stored revision


def _eof_offsets(data: bytes) -> list[int]:
    offsets = []
    start = 0
    while True:
        i = data.find(b"%%EOF", start)
        if i < 0:
            break
        end = i + 5
        while end < len(data) and data[end : end + 1] in (b"\r", b"\n"):
            end += 1
        offsets.extend({i + 5, end})
        start = i + 5
    return sorted(set(offsets))


async def find_issued(db: AsyncSession, data: bytes) -> tuple[IssuedDocument | None, bool]:
    """The issued document this file is a revision of (exact bytes, or its numbered
    bytes as prefix), and whether it is exactly a stored revision."""
    digest = hashlib.sha256(data).hexdigest()
    found = await db.scalar(select(IssuedDocument).where(IssuedDocument.sha256 == digest).limit(1))
    if found is not None:
        return found, True
    rev = await db.scalar(select(DocumentRevision).where(DocumentRevision.sha256 == digest).limit(1))
    if rev is not None:
        return await db.get(IssuedDocument, rev.issued_document_id), True
    offsets = [o for o in _eof_offsets(data) if o < len(data)]
    if not offsets:
        return None, False
    candidates = list(
        await db.scalars(select(IssuedDocument).where(IssuedDocument.size.in_(offsets)).order_by(IssuedDocument.id))
    )
    for cand in candidates:
        if hashlib.sha256(data[: cand.size]).hexdigest() == cand.sha256:
            return cand, False
    return None, False


async def verify(db: AsyncSession, settings: Settings, data: bytes) -> Verification:
    issued, exact = await find_issued(db, data)
    if issued is None:
        # Not a revision of anything issued here; signatures are still shown, so a
        # changed byte in an issued file shows as such.
        try:
            checks = await check(data, settings, None)
        except InvalidInput:
            checks = []
        return Verification(None, None, checks, tampered=any(not c.intact for c in checks), exact=False)
    issued_data = await documents.issued_bytes(db, settings, issued, "pdf")
    checks = await check(data, settings, issued_data)
    tampered = any(not c.intact or not c.modification_ok or not c.covers_issued_bytes for c in checks)
    if checks and not checks[-1].covers_whole_file:
        tampered = True
    stage = Stage.NUMBERED.value
    if any(c.kind == "agency" for c in checks):
        stage = Stage.SEALED.value
    elif checks:
        stage = Stage.SIGNED.value
    return Verification(issued, stage, checks, tampered=tampered, exact=exact)


# ---- credentials and the seal image -----------------------------------------------


async def credential_of(db: AsyncSession, actor: Any) -> SigningCredential | None:
    user = require_user(actor)
    return await db.scalar(select(SigningCredential).where(SigningCredential.user_id == user.id))


async def save_credential(
    db: AsyncSession, actor: Any, settings: Settings, *, p12: bytes | None, password: str, image: bytes | None
) -> SigningCredential:
    """Store the user's PKCS#12 (checked with its password, which is not kept) and/or
    their signature image."""
    user = require_signer(actor)
    if not p12 and not image:
        raise InvalidInput("Choose a certificate file or a signature image.", field_errors={"p12": N_("Choose a file.")})
    info = keys.check_pkcs12(p12, password) if p12 else None
    if image:
        appearance.check_png(image, "image")
    cred = await db.scalar(select(SigningCredential).where(SigningCredential.user_id == user.id))
    if cred is None:
        cred = SigningCredential(user_id=user.id)
        db.add(cred)
    changes: dict[str, Any] = {}
    if info is not None and p12:
        cred.p12_encrypted = keys.seal_pkcs12(settings.server.secret_key, p12)
        cred.common_name, cred.organization, cred.not_after = info.common_name, info.organization, info.not_after
        changes["certificate"] = {"subject": info.common_name, "organization": info.organization, "serial": info.serial}
    if image:
        cred.image_png = image
        changes["image"] = hashlib.sha256(image).hexdigest()
    await db.flush()
    audit(db, user, "edit", "signing_credential", cred.id, changes=changes)
    return cred


async def seal_image(db: AsyncSession) -> AgencySeal | None:
    return await db.scalar(select(AgencySeal).order_by(AgencySeal.id.desc()).limit(1))


async def save_seal_image(db: AsyncSession, actor: Any, image: bytes, width_mm: int = 36) -> AgencySeal:
    """The agency's seal image (administrator or clerk)."""
    user = require_user(actor)
    if not (user.is_admin or user.role == Role.CLERK.value):
        raise PermissionDenied("Only an administrator or the clerk may change the seal image.")
    appearance.check_png(image, "image")
    if not 20 <= width_mm <= 60:
        raise InvalidInput("Please correct the highlighted fields.", field_errors={"width_mm": N_("Between 20 and 60 mm.")})
    row = await seal_image(db)
    if row is None:
        row = AgencySeal(image_png=image, width_mm=width_mm)
        db.add(row)
    else:
        row.image_png, row.width_mm = image, width_mm
    await db.flush()
    audit(db, user, "edit", "agency_seal", row.id, changes={"image": hashlib.sha256(image).hexdigest(), "width_mm": width_mm})
    return row


# ---- distribution to the sites -----------------------------------------------------


async def for_site(db: AsyncSession, settings: Settings, issued: IssuedDocument) -> tuple[bytes, str]:
    """What a site downloads: the sealed revision once sealing is configured (refused
    until sealed), else the latest revision."""
    current = await latest(db, settings, issued)
    if settings.signing.sealing_configured and current.stage != Stage.SEALED.value:
        raise Conflict("The document is being signed; it can be downloaded once the agency has sealed it.")
    return current.data, current.stage


async def mark_stages(db: AsyncSession, issued: list[IssuedDocument]) -> None:
    """Set ``signing_stage`` (numbered, signed, sealed) on each issued document, for the portal."""
    stages = await stages_of(db, [d.id for d in issued])
    for doc in issued:
        revs = stages.get(doc.id)
        doc.signing_stage = revs[-1].stage if revs else Stage.NUMBERED.value  # type: ignore[attr-defined]


async def count_revisions(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(DocumentRevision)) or 0)


__all__ = ["Latest", "Verification", "accept_signed", "latest", "seal", "seal_appendix", "sign_with_own_key", "signatures", "verify"]
