"""The minutes (biên bản) and the conclusions notice (thông báo kết luận): drafts from
the record, the secretariat's edits, issuing with a number, downloads, verification.

An issued document is a file written once: its bytes are stored with their SHA-256,
and every later download sends exactly those bytes, checked against the hash,
whatever happens to the meeting afterwards. Numbers run per document symbol
(``BB-SNV``, ``TB-SNV``) and calendar year and are never reused.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.accounts.permissions import require_editor, require_user
from confmgr.agency.services import get_agency
from confmgr.audit.services import record as audit
from confmgr.documents import building
from confmgr.documents import record as rec
from confmgr.documents.content import Replacement
from confmgr.documents.models import Conclusions, DocumentDownload, DocumentKind, IssuedDocument, MinutesDraft
from confmgr.documents.schemas import ConclusionsInput, IssueInput
from confmgr.documents.vndate import add_working_days
from confmgr.db import MAX_ID
from confmgr.errors import Conflict, DomainError, InvalidInput, NotFound, TooLarge
from confmgr.files import services as files
from confmgr.files.models import StoredFile
from confmgr.i18n import N_
from confmgr.meetings.models import Meeting, MeetingStatus
from confmgr.meetings.access import get_meeting
from confmgr.meetings.status import change_status
from confmgr.schemas import person_of
from confmgr.settings import Settings
from confmgr.sites.models import Site
from confmgr.text import clean_line, clean_text
from confmgr.timeutil import VN_TZ, now, to_vn
from confmgr.workdays import is_working_day, parse_days_off

MINUTES = DocumentKind.MINUTES.value
CONCLUSIONS = DocumentKind.CONCLUSIONS.value
KINDS = (MINUTES, CONCLUSIONS)
DOC_TYPES = {MINUTES: "BB", CONCLUSIONS: "TB"}
FORMATS = {"pdf": files.PDF, "docx": files.DOCX}
# Quyết định 45/2018/QĐ-TTg: the notice is due within 5 working days after the meeting.
DUE_WORKING_DAYS = 5
ENDED = frozenset({MeetingStatus.ENDED.value, MeetingStatus.DOCUMENTS_ISSUED.value, MeetingStatus.ARCHIVED.value})
MAX_SECTION = 20_000
MAX_LIST = 500
MAX_VERIFY_BYTES = 20 * 1024 * 1024
NUMBER_RE = re.compile(r"^\s*0*(\d{1,4})\s*/\s*([A-ZĐ]{1,4})\s*-\s*([A-ZĐ0-9]{1,20})\s*$")
FILE_NAMES = {MINUTES: "bien-ban", CONCLUSIONS: "thong-bao-ket-luan"}
CONCLUSIONS_SECTION = "conclusions"  # the minutes' section of the chair's conclusions


class DamagedFile(DomainError):
    """An issued file whose bytes no longer match the hash recorded at issue."""

    status_code = 500


# ---- small helpers ---------------------------------------------------------------


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise NotFound("No such document.")
    return kind


def today_vn() -> date:
    return datetime.now(VN_TZ).date()


def symbol_of(kind: str, abbreviation: str) -> str:
    return f"{DOC_TYPES[kind]}-{abbreviation}"


def meeting_date(meeting: Meeting) -> date:
    return to_vn(meeting.actual_started_at or meeting.starts_at).date()  # type: ignore[union-attr]


def conclusions_due_on(meeting: Meeting, agency: Any = None) -> date:
    """5 working days after the meeting ended (or is planned to end): weekends,
    public holidays and the agency's own days off skipped (confmgr.workdays)."""
    ended = to_vn(meeting.actual_ended_at or meeting.ends_at)
    assert ended is not None
    days_off = parse_days_off(getattr(agency, "days_off", None) or ())
    return add_working_days(ended.date(), DUE_WORKING_DAYS, days_off)


async def _record(db: AsyncSession, meeting: Meeting) -> rec.MeetingRecord:
    return await rec.load_record(db, meeting, await get_agency(db))


def _require_agency(record: rec.MeetingRecord) -> None:
    if record.agency is None:
        raise Conflict("The agency profile is not set. An administrator must set it before documents can be made.")


async def build_bytes(
    settings: Settings, kind: str, fmt: str, record: rec.MeetingRecord, number: int | None, issued_on: date | None,
    replaces: Replacement | None = None, issued_at: datetime | None = None,
) -> bytes:
    """The document as PDF or DOCX bytes: a draft when ``number`` is None; a correction
    names the document it ``replaces``. Built in the document workers, so that the
    event loop keeps serving (see documents.building)."""
    if kind != MINUTES and not record.conclusions.items:
        raise Conflict("Write the chair's conclusions before drafting the notice.")
    return await building.build(
        settings.document_workers, settings.font_dir, kind, fmt, record, number, issued_on, replaces, issued_at
    )


def document_title(kind: str, record: rec.MeetingRecord) -> str:
    if kind == MINUTES:
        return f"Biên bản {record.title}"
    chair_title = clean_line(record.conclusions.title_of_chair) or clean_line((record.chair or {}).get("position"))
    return f"Thông báo kết luận của {chair_title} tại {record.title}"


# ---- issued documents and their bytes -------------------------------------------


async def issued_of(db: AsyncSession, meeting_id: int, kind: str | None = None) -> list[IssuedDocument]:
    """Issued documents of a meeting, newest first."""
    stmt = select(IssuedDocument).where(IssuedDocument.meeting_id == meeting_id)
    if kind:
        stmt = stmt.where(IssuedDocument.kind == kind)
    return list(await db.scalars(stmt.order_by(IssuedDocument.id.desc())))


async def current_issued(db: AsyncSession, meeting_id: int, kind: str) -> IssuedDocument | None:
    """The issued document in force (not superseded by a correction)."""
    return await db.scalar(
        select(IssuedDocument)
        .where(IssuedDocument.meeting_id == meeting_id, IssuedDocument.kind == kind, IssuedDocument.superseded_at.is_(None))
        .order_by(IssuedDocument.id.desc())
        .limit(1)
    )


async def issued_bytes(db: AsyncSession, settings: Settings, issued: IssuedDocument, fmt: str = "pdf") -> bytes:
    """Exactly the bytes stored at issue, refused if they no longer match their hash."""
    file_id = issued.pdf_file_id if fmt == "pdf" else issued.docx_file_id
    stored = await db.get(StoredFile, file_id) if file_id else None
    if stored is None:
        raise NotFound("No such file.")
    path = files.path_of(settings, stored)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DamagedFile(N_("The stored file of this issued document is missing or damaged. Tell the administrator.")) from exc
    expected = issued.sha256 if fmt == "pdf" else stored.sha256
    if hashlib.sha256(data).hexdigest() != expected:
        raise DamagedFile(N_("The stored file of this issued document is missing or damaged. Tell the administrator."))
    return data


def download_name(kind: str, fmt: str, issued: IssuedDocument | None) -> str:
    base = FILE_NAMES[kind]
    if issued is None:
        return f"{base}-du-thao.{fmt}"
    return f"{base}-{issued.number:02d}-{issued.symbol}-{issued.year}.{fmt}"


@dataclass(frozen=True)
class DocumentFile:
    data: bytes
    name: str
    content_type: str
    issued: IssuedDocument | None


async def document_file(
    db: AsyncSession, actor: Any, settings: Settings, meeting_id: int, kind: str, fmt: str
) -> DocumentFile:
    """The document as the secretariat downloads it: the issued bytes once issued,
    else a draft marked DỰ THẢO built from the record and the edits."""
    require_user(actor)
    check_kind(kind)
    if fmt not in FORMATS:
        raise NotFound("No such document.")
    meeting = await get_meeting(db, actor, meeting_id)
    issued = await current_issued(db, meeting.id, kind)
    if issued is not None and fmt == "pdf":
        from confmgr.signing.services import latest_pdf  # signing.services imports this module

        data = await latest_pdf(db, settings, issued)
    elif issued is not None:
        data = await issued_bytes(db, settings, issued, fmt)
    else:
        record = await _record(db, meeting)
        _require_agency(record)
        data = await build_bytes(settings, kind, fmt, record, None, None)
    return DocumentFile(data, download_name(kind, fmt, issued), FORMATS[fmt], issued)


async def issued_file(
    db: AsyncSession, actor: Any, settings: Settings, meeting_id: int, issued_id: int, fmt: str
) -> DocumentFile:
    """One issued document by id (also a superseded one), for the secretariat."""
    require_user(actor)
    if fmt not in FORMATS:
        raise NotFound("No such document.")
    issued = await db.get(IssuedDocument, issued_id) if 0 < issued_id <= MAX_ID else None
    if issued is None or issued.meeting_id != meeting_id:
        raise NotFound("No such document.")
    data = await issued_bytes(db, settings, issued, fmt)
    return DocumentFile(data, download_name(issued.kind, fmt, issued), FORMATS[fmt], issued)


# ---- storing bytes atomically, removed again when the transaction fails ----------

_PENDING = "confmgr_issued_files"


def _track_until_commit(db: AsyncSession, path: Path) -> None:
    """Delete ``path`` if this transaction ends without a commit.

    The file must exist before the row that names it is committed; should the
    commit fail (or the request end in an error), the bytes would be an orphan.
    """
    session = db.sync_session
    if _PENDING not in session.info:
        session.info[_PENDING] = []

        def committed(sess: Any) -> None:
            # Releasing a savepoint fires this too; only the real commit keeps the files.
            if not sess.in_nested_transaction():
                sess.info[_PENDING] = []

        def ended(sess: Any, transaction: Any) -> None:
            if transaction.parent is None:
                for leftover in sess.info.get(_PENDING, []):
                    leftover.unlink(missing_ok=True)
                sess.info[_PENDING] = []

        event.listen(session, "after_commit", committed)
        event.listen(session, "after_transaction_end", ended)
    session.info[_PENDING].append(path)


async def _store_bytes(
    db: AsyncSession, settings: Settings, data: bytes, name: str, meeting_id: int, written: list[Path]
) -> StoredFile:
    folder = settings.uploads_dir
    folder.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=folder, prefix=".issue-", suffix=".part")
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        received = files.Received(temp_path=temp, size=len(data), sha256=hashlib.sha256(data).hexdigest(), name=name)
        stored = await files.store(db, settings, received, meeting_id)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    path = files.path_of(settings, stored)
    written.append(path)
    _track_until_commit(db, path)
    return stored


# ---- issuing -----------------------------------------------------------------------


def _check_issue_date(meeting: Meeting, issued_on: date) -> None:
    if issued_on < meeting_date(meeting):
        raise InvalidInput(
            "A document cannot be issued before the meeting took place.",
            field_errors={"issued_on": N_("On or after the meeting's date.")},
        )
    if issued_on > today_vn():
        raise InvalidInput(
            "A document cannot be issued with a future date.", field_errors={"issued_on": N_("Not in the future.")}
        )


def _check_signer(kind: str, record: rec.MeetingRecord) -> dict[str, Any]:
    if kind == MINUTES:
        chair = person_of(record.chair)
        secretary = person_of(record.secretary)
        if chair is None or secretary is None:
            raise Conflict("The minutes need the names of the chair and the secretary; add them to the meeting.")
        return {"secretary": record.secretary, "chair": record.chair}
    if not record.conclusions.items:
        raise Conflict("Write the chair's conclusions before issuing the notice.")
    signer = record.conclusions.signer or rec.default_signer(record)
    if not clean_line(signer.get("title")) or not clean_line(signer.get("full_name")):
        raise Conflict("Name the signer of the notice (title and full name) before issuing it.")
    return dict(signer)


def issue_moment(issued_on: date, at: time | None, meeting_end: datetime, moment: datetime) -> datetime:
    """When the files say they were made (their creation and modification dates).

    ``at`` (the time the secretariat gives) on ``issued_on``; without it, ``moment``
    (now) for a document dated today, the meeting's end for one dated the meeting's
    day, else the start of the given day. Never before the meeting ended, never in
    the future: a back-dated document must not claim a moment that cannot be true.
    """
    end = to_vn(meeting_end)
    assert end is not None
    if at is None:
        if to_vn(moment).date() == issued_on:
            return moment
        return max(datetime.combine(issued_on, time(0, 0), tzinfo=VN_TZ), end)
    stamped = datetime.combine(issued_on, at.replace(microsecond=0, tzinfo=None), tzinfo=VN_TZ)
    if stamped < end:
        raise InvalidInput(
            "A document cannot be issued before the meeting ended.",
            field_errors={"issued_time": N_("On or after the meeting's end.")},
        )
    if stamped > moment:
        raise InvalidInput(
            "A document cannot be issued with a future date.", field_errors={"issued_time": N_("Not in the future.")}
        )
    return stamped


async def _next_number(db: AsyncSession, symbol: str, year: int) -> int:
    highest = await db.scalar(
        select(func.max(IssuedDocument.number)).where(IssuedDocument.symbol == symbol, IssuedDocument.year == year)
    )
    return int(highest or 0) + 1


async def issue_document(
    db: AsyncSession, actor: Any, settings: Settings, meeting_id: int, kind: str, data: IssueInput | None = None
) -> IssuedDocument:
    """Give the document its number and date, store its bytes once, record it."""
    user = require_editor(actor)
    check_kind(kind)
    data = data or IssueInput()
    meeting = await get_meeting(db, user, meeting_id)
    record = await _record(db, meeting)
    _require_agency(record)
    assert record.agency is not None
    if meeting.status not in ENDED:
        raise Conflict("Documents are issued after the meeting has ended.")
    previous = await current_issued(db, meeting.id, kind)
    if previous is not None and not data.correction:
        raise Conflict("This document is already issued. To change it, issue a correction with a new number.")
    if previous is None and data.correction:
        raise Conflict("There is no issued document to correct yet.")
    if data.correction and not clean_text(data.note):
        raise InvalidInput(
            "Give the reason for the correction: the new document prints it.",
            field_errors={"note": N_("Give the reason for the correction.")},
        )
    issued_on = data.issued_on or today_vn()
    _check_issue_date(meeting, issued_on)
    # The moment of issue is the files' creation date.
    issued_at = issue_moment(issued_on, data.issued_time, record.ended_at, now().replace(microsecond=0))
    signer = _check_signer(kind, record)
    replaces = (
        Replacement(previous.number_text, previous.issued_on, clean_text(data.note)) if previous is not None else None
    )
    symbol = symbol_of(kind, record.agency.abbreviation)
    issued: IssuedDocument | None = None
    for attempt in range(2):
        number = await _next_number(db, symbol, issued_on.year)
        pdf = await build_bytes(settings, kind, "pdf", record, number, issued_on, replaces, issued_at)
        docx = await build_bytes(settings, kind, "docx", record, number, issued_on, replaces, issued_at)
        name = f"{FILE_NAMES[kind]}-{number:02d}-{symbol}"
        written: list[Path] = []
        try:
            # A savepoint: when another request took the same number first, only
            # this attempt is undone and the number is drawn again.
            async with db.begin_nested():
                pdf_file = await _store_bytes(db, settings, pdf, name + ".pdf", meeting.id, written)
                docx_file = await _store_bytes(db, settings, docx, name + ".docx", meeting.id, written)
                issued = IssuedDocument(
                    meeting_id=meeting.id,
                    kind=kind,
                    symbol=symbol,
                    year=issued_on.year,
                    number=number,
                    number_text=f"{number:02d}/{symbol}",
                    issued_on=issued_on,
                    signer=signer,
                    title=document_title(kind, record),
                    sha256=pdf_file.sha256,
                    size=pdf_file.size,
                    pdf_file_id=pdf_file.id,
                    docx_file_id=docx_file.id,
                    supersedes_id=previous.id if previous else None,
                    issued_by_id=user.id,
                    note=clean_text(data.note)[:2000],
                )
                db.add(issued)
                await db.flush()
            break
        except IntegrityError:
            issued = None
            for path in written:  # this attempt's rows are gone; so must its bytes be
                path.unlink(missing_ok=True)
            if attempt == 1:
                raise Conflict("Another document took this number at the same moment. Please try again.") from None
    assert issued is not None
    if previous is not None:
        previous.superseded_at = now()
    audit(
        db, user, "correct" if previous else "issue", "issued_document", issued.id, meeting_id=meeting.id,
        changes={
            "kind": kind, "number": issued.number_text, "year": issued.year, "issued_on": issued_on,
            "sha256": issued.sha256, "supersedes": previous.number_text if previous else None,
        },
    )
    if meeting.status == MeetingStatus.ENDED.value:
        other = MINUTES if kind == CONCLUSIONS else CONCLUSIONS
        if await current_issued(db, meeting.id, other) is not None:
            await change_status(db, user, meeting.id, "issue_documents")
    return issued


# ---- the secretariat's edits of the minutes ----------------------------------------


@dataclass(frozen=True)
class MinutesEditView:
    meeting: Meeting
    agency_set: bool
    version: int
    sections: list[rec.Section]
    orphans: list[rec.Orphan]
    issued: IssuedDocument | None
    site_count: int
    # The issued notice that locks the minutes' conclusions section (see save_minutes_edits).
    notice: IssuedDocument | None = None


async def minutes_edit_view(db: AsyncSession, actor: Any, meeting_id: int) -> MinutesEditView:
    require_user(actor)
    meeting = await get_meeting(db, actor, meeting_id)
    record = await _record(db, meeting)
    sections, orphans = rec.sections_with_edits(record)
    return MinutesEditView(
        meeting=meeting,
        agency_set=record.agency is not None,
        version=record.edits_version,
        sections=sections,
        orphans=orphans,
        issued=await current_issued(db, meeting.id, MINUTES),
        site_count=len(record.sites),
        notice=await current_issued(db, meeting.id, CONCLUSIONS),
    )


async def save_minutes_edits(
    db: AsyncSession,
    actor: Any,
    meeting_id: int,
    version: int,
    texts: dict[str, str | None],
    discard: list[str] | tuple[str, ...] = (),
) -> MinutesDraft:
    """Store the edited sections over the record.

    A text equal to the record's is no edit (the section follows the record again);
    ``None`` returns a section to the record. An orphaned edit is only dropped when
    named in ``discard``. A save based on an older ``version`` is refused.
    """
    user = require_editor(actor)
    meeting = await get_meeting(db, user, meeting_id)
    record = await _record(db, meeting)
    draft = await db.scalar(select(MinutesDraft).where(MinutesDraft.meeting_id == meeting.id))
    current_version = draft.version if draft else 0
    if version != current_version:
        raise Conflict(
            "Someone else saved the minutes in the meantime. Review their changes and save again.",
            extra={"version": current_version},
        )
    generated = {key: clean_text(text) for key, _g, _l, _s, text in rec.generated_sections(record)}
    edits = dict(draft.sections or {}) if draft else {}
    errors: dict[str, str] = {}
    changed: dict[str, Any] = {}
    for key, value in texts.items():
        if key not in generated and key not in edits:
            errors[f"sections.{key}"] = N_("This section is not part of the minutes.")
            continue
        if value is None:
            if key in edits:
                changed[key] = None
                del edits[key]
            continue
        text = clean_text(value)
        if len(text) > MAX_SECTION:
            errors[f"sections.{key}"] = N_("At most 20,000 characters.")
            continue
        if key not in generated:
            # An orphan keeps its text; it can be changed, but has no record to follow.
            if edits[key].get("text") != text:
                edits[key] = {"text": text, "base": edits[key].get("base", "")}
                changed[key] = text
            continue
        if text == generated[key]:
            if key in edits:
                del edits[key]
                changed[key] = None
            continue
        old = edits.get(key)
        if not isinstance(old, dict) or old.get("text") != text:
            edits[key] = {"text": text, "base": generated[key]}
            changed[key] = text
    for key in discard:
        if key in generated:
            errors[f"discard.{key}"] = N_("Only an orphaned edit can be discarded.")
        elif key in edits:
            del edits[key]
            changed[key] = None
    if errors:
        raise InvalidInput("Please correct the highlighted fields.", field_errors=errors)
    if CONCLUSIONS_SECTION in changed and CONCLUSIONS_SECTION in edits:
        # The minutes must not record other conclusions than the issued notice: once it
        # is issued, the section can only return to the record (which follows a
        # correction of the conclusions).
        notice = await current_issued(db, meeting.id, CONCLUSIONS)
        if notice is not None:
            raise _conclusions_locked(notice)
    if draft is None:
        draft = MinutesDraft(meeting_id=meeting.id, sections={}, version=0)
        db.add(draft)
    if changed:
        # A new dict, so the JSON column is seen as changed.
        draft.sections = edits
        draft.version = current_version + 1
        try:
            await db.flush()
        except IntegrityError:
            raise Conflict(
                "Someone else saved the minutes in the meantime. Review their changes and save again."
            ) from None
        audit(db, user, "edit", "minutes", draft.id, meeting_id=meeting.id, changes={"sections": sorted(changed)})
    return draft


# ---- conclusions -------------------------------------------------------------------


def _list(values: list[str], limit: int, name: str, errors: dict[str, str]) -> list[str]:
    out = [clean_text(v) for v in values if clean_text(v)]
    if len(out) > MAX_LIST:
        errors[name] = N_("Too many rows.")
    for i, value in enumerate(out):
        if len(value) > limit:
            errors[f"{name}.{i}"] = N_("This text is too long.")
    return out


def _conclusions_locked(notice: IssuedDocument) -> Conflict:
    return Conflict(
        "The conclusions are locked: notice {number} of {date} has issued them. "
        "To change them, save them for a correction and then issue a correction.",
        params={"number": notice.number_text, "date": notice.issued_on.strftime("%d/%m/%Y")},
    )


async def get_conclusions(db: AsyncSession, actor: Any, meeting_id: int) -> tuple[Meeting, Conclusions | None]:
    require_user(actor)
    meeting = await get_meeting(db, actor, meeting_id)
    return meeting, await db.scalar(select(Conclusions).where(Conclusions.meeting_id == meeting.id))


async def save_conclusions(db: AsyncSession, actor: Any, meeting_id: int, data: ConclusionsInput) -> Conclusions:
    user = require_editor(actor)
    meeting = await get_meeting(db, user, meeting_id)
    row = await db.scalar(select(Conclusions).where(Conclusions.meeting_id == meeting.id))
    if data.version is not None and data.version != (row.version if row else 0):
        raise Conflict("Someone else saved the conclusions in the meantime. Reload and try again.")
    notice = await current_issued(db, meeting.id, CONCLUSIONS)
    if notice is not None and not data.for_correction:
        raise _conclusions_locked(notice)
    errors: dict[str, str] = {}
    days_off = parse_days_off(getattr(await get_agency(db), "days_off", None) or ())
    title = clean_line(data.title_of_chair)
    if len(title) > 300:
        errors["title_of_chair"] = N_("At most 300 characters.")
    items = _list(data.conclusions, MAX_SECTION, "conclusions", errors)
    recipients = [clean_line(r) for r in _list(data.recipients, 300, "recipients", errors)]
    tasks: list[dict[str, Any]] = []
    first_day = meeting_date(meeting)
    for i, task in enumerate(data.tasks):
        assignee, description = clean_line(task.assignee), clean_text(task.description)
        if not assignee and not description and task.due_date is None:
            continue  # an empty row of the form
        if not assignee:
            errors[f"tasks.{i}.assignee"] = N_("Name the agency in charge.")
        elif len(assignee) > 300:
            errors[f"tasks.{i}.assignee"] = N_("At most 300 characters.")
        if not description:
            errors[f"tasks.{i}.description"] = N_("Describe the task.")
        elif len(description) > 5000:
            errors[f"tasks.{i}.description"] = N_("This text is too long.")
        if task.due_date is not None and task.due_date < first_day:
            errors[f"tasks.{i}.due_date"] = N_("The deadline cannot be before the meeting.")
        elif task.due_date is not None and not is_working_day(task.due_date, days_off):
            errors[f"tasks.{i}.due_date"] = N_("This day is a weekend, a public holiday or a day off; choose a working day.")
        tasks.append(
            {"assignee": assignee, "description": description, "due_date": task.due_date.isoformat() if task.due_date else None}
        )
    if len(tasks) > MAX_LIST:
        errors["tasks"] = N_("Too many rows.")
    signer: dict[str, Any] = {}
    if data.signer is not None:
        prefix = clean_line(data.signer.prefix).upper()
        if prefix and not prefix.endswith("."):
            prefix += "."
        signer = {
            "prefix": prefix,
            "on_behalf_of": clean_line(data.signer.on_behalf_of),
            "title": clean_line(data.signer.title),
            "full_name": clean_line(data.signer.full_name),
        }
        if prefix and prefix not in rec.SIGNER_PREFIXES:
            errors["signer.prefix"] = N_("Choose TM., KT., TL., TUQ. or Q., or none.")
        if prefix and not signer["on_behalf_of"]:
            errors["signer.on_behalf_of"] = N_("Name the office signed for, e.g. Giám đốc.")
        for key in ("on_behalf_of", "title", "full_name"):
            if len(signer[key]) > 200:
                errors[f"signer.{key}"] = N_("At most 200 characters.")
        if not any(signer.values()):
            signer = {}
    if errors:
        raise InvalidInput("Please correct the highlighted fields.", field_errors=errors)
    values = {"title_of_chair": title, "items": items, "tasks": tasks, "recipients": recipients, "signer": signer}
    if row is None:
        row = Conclusions(meeting_id=meeting.id, version=0, **values)
        db.add(row)
        changes = values
    else:
        changes = {k: [getattr(row, k), v] for k, v in values.items() if getattr(row, k) != v}
        for key, value in values.items():
            setattr(row, key, value)
    if changes or row.version == 0:
        row.version += 1
    try:
        await db.flush()
    except IntegrityError:
        raise Conflict("Someone else saved the conclusions in the meantime. Reload and try again.") from None
    audit(db, user, "edit", "conclusions", row.id, meeting_id=meeting.id, changes=changes)
    return row


def signer_form(row: Conclusions | None, meeting: Meeting, agency: Any = None) -> dict[str, Any]:
    if row is not None and row.signer:
        return dict(row.signer)
    return rec.signer_default(meeting.chair or {}, getattr(agency, "name", None))


# ---- overview for the documents page -----------------------------------------------


@dataclass
class SiteDownloads:
    issued: IssuedDocument
    downloaded: list[tuple[str, datetime]]
    not_downloaded: list[str]


@dataclass
class DocumentsOverview:
    meeting: Meeting
    agency_set: bool
    minutes: list[IssuedDocument]
    conclusions: list[IssuedDocument]
    due_on: date
    overdue: bool
    orphaned_edits: int
    edited_sections: int
    can_issue: bool
    site_count: int
    downloads: dict[int, SiteDownloads] = field(default_factory=dict)
    has_conclusions: bool = False

    def current(self, kind: str) -> IssuedDocument | None:
        rows = self.minutes if kind == MINUTES else self.conclusions
        return next((d for d in rows if d.superseded_at is None), None)


async def overview(db: AsyncSession, actor: Any, meeting_id: int) -> DocumentsOverview:
    require_user(actor)
    meeting = await get_meeting(db, actor, meeting_id)
    agency = await get_agency(db)
    issued = await issued_of(db, meeting.id)
    draft = await db.scalar(select(MinutesDraft).where(MinutesDraft.meeting_id == meeting.id))
    conclusions = await db.scalar(select(Conclusions).where(Conclusions.meeting_id == meeting.id))
    orphans = 0
    edited = len(draft.sections or {}) if draft else 0
    if draft and draft.sections:
        record = await rec.load_record(db, meeting, agency)
        _sections, found = rec.sections_with_edits(record)
        orphans = len(found)
    sites = (await db.execute(select(Site.id, Site.name).where(Site.meeting_id == meeting.id).order_by(Site.sort_order, Site.id))).all()
    firsts: dict[int, dict[int, datetime]] = {}
    if issued:
        for issued_id, site_id, first in await db.execute(
            select(DocumentDownload.issued_document_id, DocumentDownload.site_id, func.min(DocumentDownload.created_at))
            .where(DocumentDownload.issued_document_id.in_([d.id for d in issued]))
            .group_by(DocumentDownload.issued_document_id, DocumentDownload.site_id)
        ):
            firsts.setdefault(issued_id, {})[site_id] = first
    names = {sid: name for sid, name in sites}
    downloads = {}
    for doc in issued:
        seen = firsts.get(doc.id, {})
        downloads[doc.id] = SiteDownloads(
            issued=doc,
            downloaded=sorted(((names.get(s, "?"), t) for s, t in seen.items()), key=lambda x: x[1]),
            not_downloaded=[name for sid, name in sites if sid not in seen],
        )
    due = conclusions_due_on(meeting, agency)
    notice_issued = any(d.kind == CONCLUSIONS for d in issued)
    return DocumentsOverview(
        meeting=meeting,
        agency_set=agency is not None,
        minutes=[d for d in issued if d.kind == MINUTES],
        conclusions=[d for d in issued if d.kind == CONCLUSIONS],
        due_on=due,
        overdue=not notice_issued and today_vn() > due,
        orphaned_edits=orphans,
        edited_sections=edited,
        can_issue=meeting.status in ENDED and agency is not None,
        site_count=len(sites),
        downloads=downloads,
        has_conclusions=bool(conclusions and conclusions.items),
    )


# ---- verification (public) --------------------------------------------------------


def parse_number(text: str) -> tuple[int, str] | None:
    """``01/BB-SNV`` -> (1, "BB-SNV"); None when it is not a document number."""
    match = NUMBER_RE.match((text or "").upper())
    if not match:
        return None
    number = int(match.group(1))
    if number < 1:
        return None
    return number, f"{match.group(2)}-{match.group(3)}"


async def verify_number(db: AsyncSession, number_text: str, year: int | None) -> list[IssuedDocument]:
    """Issued documents with this number (one per year, or the one of ``year``)."""
    parsed = parse_number(number_text)
    if parsed is None:
        raise InvalidInput(
            "Enter a number such as 01/BB-SNV.", field_errors={"number": N_("Enter a number such as 01/BB-SNV.")}
        )
    number, symbol = parsed
    stmt = select(IssuedDocument).where(IssuedDocument.symbol == symbol, IssuedDocument.number == number)
    if year is not None:
        stmt = stmt.where(IssuedDocument.year == year)
    return list(await db.scalars(stmt.order_by(IssuedDocument.year.desc())))


async def verify_bytes_digest(db: AsyncSession, digest: str) -> IssuedDocument | None:
    """The issued document whose PDF (or Word file) has exactly this SHA-256."""
    found = await db.scalar(select(IssuedDocument).where(IssuedDocument.sha256 == digest).limit(1))
    if found is not None:
        return found
    return await db.scalar(
        select(IssuedDocument)
        .join(StoredFile, StoredFile.id == IssuedDocument.docx_file_id)
        .where(StoredFile.sha256 == digest)
        .limit(1)
    )


async def verify_upload(db: AsyncSession, upload: Any) -> IssuedDocument | None:
    """Hash an uploaded file as it streams in (at most 20 MB) and look it up."""
    if upload is None or not getattr(upload, "filename", None):
        raise InvalidInput("Choose a file.", field_errors={"file": N_("Choose a file.")})
    digest = hashlib.sha256()
    size = 0
    while True:
        chunk = await upload.read(64 * 1024)
        if not chunk:
            break
        size += len(chunk)
        if size > MAX_VERIFY_BYTES:
            raise TooLarge("The file is larger than {limit} MB.", params={"limit": MAX_VERIFY_BYTES // (1024 * 1024)})
        digest.update(chunk)
    if size == 0:
        raise InvalidInput("The file is empty.", field_errors={"file": N_("The file is empty.")})
    return await verify_bytes_digest(db, digest.hexdigest())


async def superseding(db: AsyncSession, issued: IssuedDocument) -> IssuedDocument | None:
    return await db.scalar(select(IssuedDocument).where(IssuedDocument.supersedes_id == issued.id).limit(1))


# ---- distribution to the sites -----------------------------------------------------


async def site_names(db: AsyncSession, meeting_id: int) -> list[str]:
    """The meeting's sites in their order (recipients to pick for the notice)."""
    return list(await db.scalars(select(Site.name).where(Site.meeting_id == meeting_id).order_by(Site.sort_order, Site.id)))


async def issued_for_site(db: AsyncSession, site: Site) -> list[IssuedDocument]:
    """The issued documents of the site's own meeting, current ones first."""
    rows = await issued_of(db, site.meeting_id)
    from confmgr.signing.services import mark_stages  # signing.services imports this module

    await mark_stages(db, rows)
    return sorted(rows, key=lambda d: (d.superseded_at is not None, d.kind, -d.id))


async def site_download(db: AsyncSession, settings: Settings, site: Site, issued_id: int) -> DocumentFile:
    """An issued PDF for a site of its meeting; the download is recorded."""
    issued = await db.get(IssuedDocument, issued_id) if 0 < issued_id <= MAX_ID else None
    if issued is None or issued.meeting_id != site.meeting_id:
        raise NotFound("No such document.")
    from confmgr.signing.services import for_site  # signing.services imports this module

    data, _stage = await for_site(db, settings, issued)
    db.add(DocumentDownload(issued_document_id=issued.id, site_id=site.id))
    await db.flush()
    return DocumentFile(data, download_name(issued.kind, "pdf", issued), files.PDF, issued)
