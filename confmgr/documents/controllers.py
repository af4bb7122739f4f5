"""Minutes and conclusions notice: secretariat pages, the public verification page and
``/api/v1/meetings/{id}/documents``, ``/api/v1/meetings/{id}/conclusions``."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Controller, MediaType, Request, Response, get, post, put
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.accounts.models import User
from confmgr.agency.services import get_agency
from confmgr.documents import record as rec
from confmgr.documents import services
from confmgr.documents.models import Conclusions, IssuedDocument
from confmgr.documents.schemas import (
    ConclusionsInput,
    ConclusionsOut,
    DocumentsOut,
    DownloadStats,
    IssuedOut,
    IssueInput,
    MinutesSectionsInput,
    MinutesSectionsOut,
    OrphanOut,
    SectionOut,
    SignerInput,
    TaskInput,
)
from confmgr.errors import Conflict, DomainError, InvalidInput, NotFound
from confmgr.files.services import content_disposition
from confmgr.i18n import N_, gettext
from confmgr.meetings.access import get_meeting
from confmgr.meetings.models import Meeting
from confmgr.timeutil import now, to_vn
from confmgr.web.confirm import confirm_page, is_confirmed
from confmgr.web.forms import form_data
from confmgr.web.render import is_htmx, page, page_or_fragment

_FILE = re.compile(r"^(minutes|conclusions)\.(pdf|docx)$")
_ISSUED_FILE = re.compile(r"^(\d{1,18})\.(pdf|docx)$")
# Above this many sites the per-site attendance lines are not offered for editing:
# the roll call is where a large meeting's attendance is corrected.
EDITABLE_SITE_LINES = 200
# Sites with checkboxes in the recipients list; a larger meeting types its recipients.
PICKABLE_SITES = 200


def send_bytes(doc: services.DocumentFile, *, inline: bool = False) -> Response[bytes]:
    disposition = content_disposition(doc.name)
    if inline:
        disposition = "inline" + disposition[len("attachment") :]
    headers = {
        "Content-Disposition": disposition,
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }
    if doc.issued is not None:
        headers["X-Document-Number"] = doc.issued.number_text
        headers["X-Document-SHA256"] = hashlib.sha256(doc.data).hexdigest()  # of this revision
    return Response(content=doc.data, media_type=doc.content_type, headers=headers)


def _parse_file(filename: str) -> tuple[str, str]:
    match = _FILE.match(filename)
    if not match:
        raise NotFound("No such document.")
    return match.group(1), match.group(2)


def _parse_issued(filename: str) -> tuple[int, str]:
    match = _ISSUED_FILE.match(filename)
    if not match:
        raise NotFound("No such document.")
    return int(match.group(1)), match.group(2)


def issued_out(request: Request[Any, Any, Any], doc: IssuedDocument) -> IssuedOut:
    base = f"{request.app.state.settings.server.base_url}/api/v1/meetings/{doc.meeting_id}/documents/issued/{doc.id}"
    return IssuedOut(
        id=doc.id, kind=doc.kind, number=doc.number_text, sha256=doc.sha256, url=base + ".pdf",
        issued_on=doc.issued_on, title=doc.title, supersedes_id=doc.supersedes_id,
        superseded_at=doc.superseded_at, docx_url=base + ".docx" if doc.docx_file_id else None,
    )


def _conclusions_out(meeting: Meeting, row: Conclusions | None, agency: Any = None) -> ConclusionsOut:
    due = services.conclusions_due_on(meeting, agency)
    signer = services.signer_form(row, meeting, agency)
    return ConclusionsOut(
        title_of_chair=row.title_of_chair if row else "",
        conclusions=list(row.items) if row else [],
        tasks=[msgspec.convert(t, TaskInput) for t in (row.tasks if row else [])],
        recipients=list(row.recipients) if row else [],
        signer=msgspec.convert({k: signer.get(k) or "" for k in SignerInput.__struct_fields__}, SignerInput),
        version=row.version if row else 0,
        due_on=due,
        overdue=services.today_vn() > due,
    )


def _sections_out(view: services.MinutesEditView) -> MinutesSectionsOut:
    return MinutesSectionsOut(
        version=view.version,
        sections=[
            SectionOut(
                key=s.key, group=s.group, label=s.label, subject=s.subject, generated=s.generated, text=s.text,
                edited=s.edited, record_changed=s.record_changed,
            )
            for s in view.sections
        ],
        orphans=[OrphanOut(key=o.key, text=o.text, base=o.base) for o in view.orphans],
    )


# ---- pages ------------------------------------------------------------------------


def _groups(sections: list[rec.Section]) -> list[dict[str, Any]]:
    """Sections in document order, grouped for the form (opening, attendance, items ...)."""
    groups: list[dict[str, Any]] = []
    for section in sections:
        if not groups or groups[-1]["key"] != section.group:
            groups.append({"key": section.group, "sections": []})
        groups[-1]["sections"].append(section)
    for group in groups:
        if group["key"].startswith("item:"):
            title = next((s for s in group["sections"] if s.key.endswith(":title")), None)
            group["title"] = title.text if title else ""
    return groups


def _minutes_context(
    view: services.MinutesEditView,
    *,
    typed: dict[str, str] | None = None,
    theirs: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    message_params: dict[str, Any] | None = None,
    saved: bool = False,
    user: Any = None,
) -> dict[str, Any]:
    attendance = [s for s in view.sections if s.group == "attendance"]
    return {
        "meeting": view.meeting,
        "view": view,
        "groups": _groups(view.sections),
        "typed": typed or {},
        "theirs": theirs or {},
        "errors": errors or {},
        "message": message,
        "message_params": message_params or {},
        "saved": saved,
        "edit_attendance": len(attendance) <= EDITABLE_SITE_LINES,
        "user": user,
    }


def _typed_sections(form: dict[str, Any]) -> tuple[dict[str, str | None], list[str], dict[str, str]]:
    texts: dict[str, str | None] = {}
    typed: dict[str, str] = {}
    for key, value in form.items():
        if key.startswith("section:"):
            texts[key[len("section:") :]] = typed[key[len("section:") :]] = str(value)
    for key in form:
        if key.startswith("revert:"):
            texts[key[len("revert:") :]] = None
    discard = [key[len("discard:") :] for key in form if key.startswith("discard:")]
    return texts, discard, typed


def _version(form: dict[str, Any]) -> int:
    try:
        return int(str(form.get("version", "")))
    except ValueError:
        raise InvalidInput("The form is incomplete. Please reload the page.") from None


def _conclusions_form(meeting: Meeting, row: Conclusions | None, agency: Any = None) -> dict[str, Any]:
    signer = services.signer_form(row, meeting, agency)
    return {
        "title_of_chair": (row.title_of_chair if row else "") or (meeting.chair or {}).get("position") or "",
        "conclusions": list(row.items) if row and row.items else [""],
        "tasks": list(row.tasks) if row and row.tasks else [{"assignee": "", "description": "", "due_date": ""}],
        "recipients": list(row.recipients) if row else [],
        "signer": signer,
        "version": row.version if row else 0,
    }


def _conclusions_from_form(form: dict[str, Any]) -> tuple[dict[str, Any], ConclusionsInput | None, dict[str, str]]:
    """The typed form (to show again) and the input it makes, or field errors."""
    errors: dict[str, str] = {}
    items = [str(v) for v in form.get("conclusions[]", [])]
    assignees = [str(v) for v in form.get("task_assignee[]", [])]
    descriptions = [str(v) for v in form.get("task_description[]", [])]
    dues = [str(v) for v in form.get("task_due[]", [])]
    rows = []
    tasks = []
    for i in range(max(len(assignees), len(descriptions), len(dues))):
        assignee = assignees[i] if i < len(assignees) else ""
        description = descriptions[i] if i < len(descriptions) else ""
        due_text = dues[i] if i < len(dues) else ""
        rows.append({"assignee": assignee, "description": description, "due_date": due_text})
        due: date | None = None
        if due_text:
            try:
                due = date.fromisoformat(due_text)
            except ValueError:
                errors[f"tasks.{i}.due_date"] = N_("This value is not valid.")
        tasks.append(TaskInput(assignee=assignee, description=description, due_date=due))
    picked = [str(v) for v in form.get("recipient_sites[]", [])]
    other = [line for line in str(form.get("recipients_other", "")).splitlines() if line.strip()]
    signer = {k: str(form.get(f"signer.{k}", "")) for k in ("prefix", "on_behalf_of", "title", "full_name")}
    typed = {
        "title_of_chair": str(form.get("title_of_chair", "")),
        "conclusions": items or [""],
        "tasks": rows or [{"assignee": "", "description": "", "due_date": ""}],
        "recipients": picked + other,
        "signer": signer,
        "version": form.get("version", ""),
    }
    if errors:
        return typed, None, errors
    data = ConclusionsInput(
        title_of_chair=typed["title_of_chair"],
        conclusions=items,
        tasks=tasks,
        recipients=picked + other,
        signer=SignerInput(**signer),
        version=_version(form),
        for_correction=str(form.get("for_correction", "")) in ("1", "on", "true"),
    )
    return typed, data, errors


class DocumentPages(Controller):
    path = "/meetings/{meeting_id:int}/documents"
    include_in_schema = False

    async def _overview_page(
        self, db: AsyncSession, actor: User | None, meeting_id: int, *, message: str | None = None,
        status_code: int = 200, issue_errors: dict[str, str] | None = None, notice: str | None = None,
    ) -> Template:
        data = await services.overview(db, actor, meeting_id)
        from confmgr.signing.controllers import signing_overview  # signing.controllers imports this module

        return page(
            "documents/index.html", o=data, user=actor, message=message, status_code=status_code,
            signing=await signing_overview(db, data),
            issue_errors=issue_errors or {}, today=services.today_vn(), notice=notice,
            MINUTES=services.MINUTES, CONCLUSIONS=services.CONCLUSIONS,
        )

    @get("/")
    async def index(self, db_session: AsyncSession, actor: User | None, meeting_id: int, issued: str = "") -> Template:
        notice = N_("The document was issued.") if issued else None
        return await self._overview_page(db_session, actor, meeting_id, notice=notice)

    @get("/minutes")
    async def minutes_form(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, saved: bool = False
    ) -> Template:
        view = await services.minutes_edit_view(db_session, actor, meeting_id)
        return page_or_fragment(
            request, "documents/minutes.html", "documents/_minutes_form.html",
            **_minutes_context(view, saved=saved, user=actor),
        )

    @post("/minutes")
    async def minutes_save(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int
    ) -> Template | Redirect:
        form = await form_data(request)
        texts, discard, typed = _typed_sections(form)
        wants_json = "application/json" in request.headers.get("accept", "")
        try:
            draft = await services.save_minutes_edits(db_session, actor, meeting_id, _version(form), texts, discard)
        except (InvalidInput, Conflict) as exc:
            view = await services.minutes_edit_view(db_session, actor, meeting_id)
            if wants_json:
                # The autosave of one section: the same rule as the notes (a stale version
                # is refused with what is saved now, for the person to merge).
                current = {s.key: s.text for s in view.sections}
                body: dict[str, Any] = {"status_code": exc.status_code, "detail": gettext(exc.message, **exc.params)}
                if isinstance(exc, Conflict):
                    body["current"] = {"version": view.version, "sections": {k: current.get(k, "") for k in typed}}
                if exc.field_errors:
                    body["fields"] = {k: gettext(v) for k, v in exc.field_errors.items()}
                return Response(body, status_code=exc.status_code, media_type=MediaType.JSON)  # type: ignore[return-value]
            theirs: dict[str, str] = {}
            if isinstance(exc, Conflict):
                # Show what the other person saved next to what this person typed.
                current = {s.key: s.text for s in view.sections}
                theirs = {k: current[k] for k, v in typed.items() if k in current and current[k] != v}
            return page_or_fragment(
                request, "documents/minutes.html", "documents/_minutes_form.html",
                status_code=exc.status_code,
                **_minutes_context(
                    view, typed=typed, theirs=theirs, errors=exc.field_errors, message=exc.message,
                    message_params=exc.params, user=actor,
                ),
            )
        if wants_json:
            moment = to_vn(now())
            return Response(  # type: ignore[return-value]
                {"version": draft.version, "saved_at_local": f"{moment:%H:%M:%S}"}, status_code=200, media_type=MediaType.JSON,
            )
        if form.get("next") == "preview":
            # "Preview" saves first: nothing typed is dropped on the way.
            target = f"/meetings/{meeting_id}/documents/minutes/preview"
            if is_htmx(request):
                return Response(b"", status_code=200, headers={"HX-Redirect": target})  # type: ignore[return-value]
            return Redirect(target)
        if is_htmx(request):
            view = await services.minutes_edit_view(db_session, actor, meeting_id)
            return page_or_fragment(
                request, "documents/minutes.html", "documents/_minutes_form.html",
                **_minutes_context(view, saved=True, user=actor),
            )
        return Redirect(f"/meetings/{meeting_id}/documents/minutes?saved=true")

    async def _conclusions_page(
        self, request: Request[Any, Any, Any], db: AsyncSession, actor: User | None, meeting: Meeting,
        form: dict[str, Any], *, errors: dict[str, str] | None = None, message: str | None = None,
        saved: bool = False, status_code: int = 200, params: dict[str, Any] | None = None,
    ) -> Template:
        sites = await services.site_names(db, meeting.id)
        site_names = sites if len(sites) <= PICKABLE_SITES else []
        picked = set(form["recipients"]) & set(site_names)
        other = [r for r in form["recipients"] if r not in picked]
        return page_or_fragment(
            request, "documents/conclusions.html", "documents/_conclusions_form.html",
            status_code=status_code, meeting=meeting, form=form, errors=errors or {}, message=message,
            saved=saved, site_names=site_names, picked=picked, other="\n".join(other), params=params or {},
            notice=await services.current_issued(db, meeting.id, services.CONCLUSIONS),
            due_on=services.conclusions_due_on(meeting, await get_agency(db)), prefixes=rec.SIGNER_PREFIXES, user=actor,
            today=services.today_vn(),
        )

    @get("/conclusions")
    async def conclusions_form(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, saved: bool = False
    ) -> Template:
        meeting, row = await services.get_conclusions(db_session, actor, meeting_id)
        return await self._conclusions_page(request, db_session, actor, meeting, _conclusions_form(meeting, row, await get_agency(db_session)), saved=saved)

    @post("/conclusions")
    async def conclusions_save(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int
    ) -> Template | Redirect:
        form = await form_data(request)
        meeting, _row = await services.get_conclusions(db_session, actor, meeting_id)
        typed, data, errors = _conclusions_from_form(form)
        action = form.get("action", "save")
        if action in ("add_conclusion", "add_task"):
            # Another empty row, nothing saved: works the same with and without htmx.
            if action == "add_conclusion":
                typed["conclusions"].append("")
            else:
                typed["tasks"].append({"assignee": "", "description": "", "due_date": ""})
            return await self._conclusions_page(request, db_session, actor, meeting, typed, errors=errors)
        try:
            if data is None:
                raise InvalidInput("Please correct the highlighted fields.", field_errors=errors)
            await services.save_conclusions(db_session, actor, meeting_id, data)
        except (InvalidInput, Conflict) as exc:
            return await self._conclusions_page(
                request, db_session, actor, meeting, typed, errors=exc.field_errors, message=exc.message,
                status_code=exc.status_code, params=exc.params,
            )
        if is_htmx(request):
            meeting, row = await services.get_conclusions(db_session, actor, meeting_id)
            return await self._conclusions_page(request, db_session, actor, meeting, _conclusions_form(meeting, row, await get_agency(db_session)), saved=True)
        return Redirect(f"/meetings/{meeting_id}/documents/conclusions?saved=true")

    async def _preview(self, db: AsyncSession, actor: User | None, meeting_id: int, kind: str) -> Template:
        data = await services.overview(db, actor, meeting_id)
        return page(
            "documents/preview.html", o=data, kind=kind, user=actor, today=services.today_vn(),
            current=data.current(kind), issue_errors={}, MINUTES=services.MINUTES,
        )

    # Static paths: the agenda feature routes ``/documents/{document_id:int}/{action}``.
    @get("/minutes/preview")
    async def preview_minutes(self, db_session: AsyncSession, actor: User | None, meeting_id: int) -> Template:
        return await self._preview(db_session, actor, meeting_id, services.MINUTES)

    @get("/conclusions/preview")
    async def preview_conclusions(self, db_session: AsyncSession, actor: User | None, meeting_id: int) -> Template:
        return await self._preview(db_session, actor, meeting_id, services.CONCLUSIONS)

    async def _issue(
        self, request: Request[Any, Any, Any], db: AsyncSession, actor: User | None, meeting_id: int, kind: str
    ) -> Template | Redirect:
        form = await form_data(request)
        if not is_confirmed(form):
            meeting = await get_meeting(db, actor, meeting_id)
            return confirm_page(f"/meetings/{meeting_id}/documents/{kind}/issue", "issue", form, f"/meetings/{meeting_id}/documents/", meeting.title)
        try:
            issued_on = date.fromisoformat(str(form["issued_on"])) if form.get("issued_on") else None
        except ValueError:
            issued_on = None
            return await self._overview_page(
                db, actor, meeting_id, message="Please correct the highlighted fields.", status_code=422,
                issue_errors={f"{kind}.issued_on": N_("This value is not valid.")},
            )
        data = IssueInput(issued_on=issued_on, correction=form.get("correction") == "1", note=str(form.get("note", "")))
        try:
            await services.issue_document(db, actor, request.app.state.settings, meeting_id, kind, data)
        except (InvalidInput, Conflict) as exc:
            return await self._overview_page(
                db, actor, meeting_id, message=exc.message, status_code=exc.status_code,
                issue_errors={f"{kind}.{k}": v for k, v in exc.field_errors.items()},
            )
        return Redirect(f"/meetings/{meeting_id}/documents?issued={kind}")

    @post("/minutes/issue")
    async def issue_minutes(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int
    ) -> Template | Redirect:
        return await self._issue(request, db_session, actor, meeting_id, services.MINUTES)

    @post("/conclusions/issue")
    async def issue_conclusions(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int
    ) -> Template | Redirect:
        return await self._issue(request, db_session, actor, meeting_id, services.CONCLUSIONS)

    @get("/{filename:str}")
    async def file(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, filename: str
    ) -> Response[bytes]:
        """The draft (or the issued document), shown in the browser for the preview."""
        kind, fmt = _parse_file(filename)
        doc = await services.document_file(db_session, actor, request.app.state.settings, meeting_id, kind, fmt)
        return send_bytes(doc, inline=fmt == "pdf")

    @get("/issued/{filename:str}")
    async def issued_file(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, filename: str
    ) -> Response[bytes]:
        issued_id, fmt = _parse_issued(filename)
        doc = await services.issued_file(db_session, actor, request.app.state.settings, meeting_id, issued_id, fmt)
        return send_bytes(doc)


# ---- API --------------------------------------------------------------------------


class DocumentsApi(Controller):
    path = "/api/v1/meetings/{meeting_id:int}"
    tags = ["documents"]

    # ``GET /documents`` lists the meeting's published files (agenda feature).
    @get("/documents/status")
    async def status(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int
    ) -> DocumentsOut:
        """Both documents: issued versions, the notice's due date, downloads by the sites."""
        o = await services.overview(db_session, actor, meeting_id)
        return DocumentsOut(
            meeting_id=meeting_id,
            agency_set=o.agency_set,
            conclusions_due_on=o.due_on,
            conclusions_overdue=o.overdue,
            minutes=[issued_out(request, d) for d in o.minutes],
            conclusions=[issued_out(request, d) for d in o.conclusions],
            downloads=[
                DownloadStats(
                    issued_id=d.issued.id, number=d.issued.number_text, downloaded=len(d.downloaded),
                    sites=o.site_count, not_downloaded=d.not_downloaded,
                )
                for d in o.downloads.values()
            ],
            orphaned_edits=o.orphaned_edits,
        )

    @get("/documents/{filename:str}", media_type="application/pdf")
    async def file(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, filename: str
    ) -> Response[bytes]:
        """``minutes.pdf``, ``minutes.docx``, ``conclusions.pdf``, ``conclusions.docx``: the
        draft marked DỰ THẢO until issued, then exactly the issued bytes."""
        kind, fmt = _parse_file(filename)
        doc = await services.document_file(db_session, actor, request.app.state.settings, meeting_id, kind, fmt)
        return send_bytes(doc)

    @get("/documents/issued/{filename:str}", media_type="application/pdf")
    async def issued_file(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, filename: str
    ) -> Response[bytes]:
        """One issued document by id (``<id>.pdf`` or ``<id>.docx``), also a superseded one."""
        issued_id, fmt = _parse_issued(filename)
        doc = await services.issued_file(db_session, actor, request.app.state.settings, meeting_id, issued_id, fmt)
        return send_bytes(doc)

    async def _issue(self, request: Request[Any, Any, Any], db: AsyncSession, actor: Any, meeting_id: int, kind: str, data: IssueInput | None) -> IssuedOut:
        issued = await services.issue_document(db, actor, request.app.state.settings, meeting_id, kind, data)
        return issued_out(request, issued)

    @post("/documents/minutes/issue")
    async def issue_minutes(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int,
        data: Annotated[IssueInput | None, Body()] = None,
    ) -> IssuedOut:
        """Issue the minutes (``BB``): a number from the agency's register, stored bytes."""
        return await self._issue(request, db_session, actor, meeting_id, services.MINUTES, data)

    @post("/documents/conclusions/issue")
    async def issue_conclusions(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int,
        data: Annotated[IssueInput | None, Body()] = None,
    ) -> IssuedOut:
        """Issue the conclusions notice (``TB``)."""
        return await self._issue(request, db_session, actor, meeting_id, services.CONCLUSIONS, data)

    @get("/documents/minutes/sections")
    async def sections(self, db_session: AsyncSession, actor: User | None, meeting_id: int) -> MinutesSectionsOut:
        """The minutes by section: the record's text, the edit, orphaned edits."""
        return _sections_out(await services.minutes_edit_view(db_session, actor, meeting_id))

    @put("/documents/minutes/sections")
    async def save_sections(
        self, db_session: AsyncSession, actor: User | None, meeting_id: int, data: Annotated[MinutesSectionsInput, Body()]
    ) -> MinutesSectionsOut:
        await services.save_minutes_edits(db_session, actor, meeting_id, data.version, data.sections, data.discard)
        return _sections_out(await services.minutes_edit_view(db_session, actor, meeting_id))

    @get("/conclusions")
    async def read_conclusions(self, db_session: AsyncSession, actor: User | None, meeting_id: int) -> ConclusionsOut:
        meeting, row = await services.get_conclusions(db_session, actor, meeting_id)
        return _conclusions_out(meeting, row, await get_agency(db_session))

    @put("/conclusions")
    async def write_conclusions(
        self, db_session: AsyncSession, actor: User | None, meeting_id: int, data: Annotated[ConclusionsInput, Body()]
    ) -> ConclusionsOut:
        """The chair's conclusions, tasks with deadlines, recipients and signer."""
        row = await services.save_conclusions(db_session, actor, meeting_id, data)
        meeting, _ = await services.get_conclusions(db_session, actor, meeting_id)
        return _conclusions_out(meeting, row, await get_agency(db_session))


# ---- public verification ----------------------------------------------------------


class VerifyPage(Controller):
    """Anyone holding a document can check that it was issued by the agency."""

    path = "/verify"
    include_in_schema = False

    @get("/")
    async def by_number(self, db_session: AsyncSession, number: str = "", year: str = "") -> Template:
        if not number:
            return page("documents/verify.html", form={"year": str(services.today_vn().year)}, errors={}, result=None)
        form = {"number": number, "year": year}
        try:
            year_value = int(year) if year.strip() else None
        except ValueError:
            return page("documents/verify.html", form=form, errors={"year": N_("This value is not valid.")},
                        result=None, status_code=422)
        try:
            found = await services.verify_number(db_session, number, year_value)
        except InvalidInput as exc:
            return page("documents/verify.html", form=form, errors=exc.field_errors, result=None, status_code=422)
        results = [(doc, await services.superseding(db_session, doc)) for doc in found]
        return page("documents/verify.html", form=form, errors={}, result={"by": "number", "found": results})

    @post("/", request_max_body_size=services.MAX_VERIFY_BYTES + 64 * 1024)
    async def by_file(
        self, request: Request[Any, Any, Any], db_session: AsyncSession,
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Template:
        from confmgr.signing.controllers import verify_file_result  # signing.controllers imports this module

        upload = data.get("file")
        try:
            result = await verify_file_result(db_session, request.app.state.settings, upload if isinstance(upload, UploadFile) else None)
        except DomainError as exc:
            return page("documents/verify.html", form={}, errors=exc.field_errors, result=None,
                        status_code=exc.status_code, message=exc.message, params=exc.params)
        return page("documents/verify.html", form={}, errors={}, result=result)


ROUTES: list[Any] = [DocumentPages, DocumentsApi, VerifyPage]
