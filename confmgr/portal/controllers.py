"""The site portal (``/s/<token>``, ``/api/v1/portal``) and the secretariat's way to
answer for a site (``/meetings/<id>/sites/<site_id>/response`` and its API twin).

A site token opens its own site and nothing else: every route here finds the site
from the token first, and services only ever look inside that site's meeting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.exceptions import HTTPException
from litestar.params import Body
from litestar.response import File, Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.accounts.models import User
from confmgr.accounts.permissions import require_editor
from confmgr.agenda.schedule import planned_starts
from confmgr.agenda.services import material_for_site
from confmgr.audit.services import Actor, actor_of
from confmgr.db import read_after_write
from confmgr.errors import Conflict, DomainError, InvalidInput
from confmgr.i18n import N_, gettext
from confmgr.portal import services
from confmgr.portal.auth import SiteApiController, SitePagesController, require_site
from confmgr.portal.schemas import (
    AttendanceInput,
    PortalAgendaItemOut,
    PortalDelegateOut,
    PortalMaterialOut,
    PortalMeetingOut,
    PortalOut,
    PortalSiteOut,
    TechnicalCheckInput,
    attendance_from_form,
    delegate_rows,
)
from confmgr.schemas import Person, person_of
from confmgr.sites.controllers import site_out
from confmgr.sites.models import Site
from confmgr.sites.schemas import SiteOut
from confmgr.timeutil import to_vn
from confmgr.web.auth import bearer_token, is_api
from confmgr.web.errors import error_page, http_error_handler, json_error
from confmgr.web.forms import form_data
from confmgr.web.render import is_htmx, page
from confmgr.writes import GroupWriter

# Fifty delegates of 200 characters per field fit many times over; a bigger body is
# refused before it is read into memory.
MAX_ANSWER_BODY = 512 * 1024
# Spare rows offered under the delegates already listed (no JavaScript needed).
EMPTY_ROWS_NEW = 3
EMPTY_ROWS_MORE = 1

SENT = {"answer": N_("Your answer has been sent. Thank you."), "check": N_("Your technical check has been sent.")}


# ---- shared helpers --------------------------------------------------------------


def _rows_of(site: Site) -> list[dict[str, str]]:
    return [{"full_name": d.full_name, "position": d.position, "organization": d.organization} for d in site.delegates]


def _answer_form(site: Site) -> dict[str, Any]:
    """The answer form filled with what the site sent last."""
    attending = {"attending": "yes", "declined": "no"}.get(site.response, "")
    return {"attending": attending, "reason": site.reason, "rows": _rows_of(site)}


def _with_spare_rows(rows: list[dict[str, str]], extra: int | None = None) -> list[dict[str, str]]:
    if extra is None:
        extra = EMPTY_ROWS_MORE if rows else EMPTY_ROWS_NEW
    rows = rows[: services.MAX_DELEGATES]
    spare = max(0, min(extra, services.MAX_DELEGATES - len(rows)))
    return rows + [{"full_name": "", "position": "", "organization": ""} for _ in range(spare)]


def _check_form(site: Site) -> dict[str, Any]:
    status = site.technical_check if site.technical_check in ("ok", "problem") else ""
    return {"status": status, "note": site.technical_note}


TOO_LARGE = N_("The answer is too large: a site may list at most {max} delegates.")


def answer_too_large(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """A body over the limit is most likely a huge delegate list: say so, not "file too large"."""
    if exc.status_code != 413:
        return http_error_handler(request, exc)
    message = gettext(TOO_LARGE, max=services.MAX_DELEGATES)
    if is_api(request):
        return json_error(413, message)
    return error_page(request, 413, message)  # type: ignore[return-value]


# ---- the site's page -------------------------------------------------------------


@dataclass
class AnswerStep:
    """What the answer form asked for: the typed values, and either a re-shown form
    ("add a row", "remove row n"; nothing saved) or the answer to send."""

    typed: dict[str, Any]
    rows: list[dict[str, str]]
    send: bool
    spare_rows: int | None = None


async def _answer_step(request: Request[Any, Any, Any]) -> tuple[dict[str, Any], AnswerStep]:
    form = await form_data(request)
    rows = delegate_rows(form)
    typed = {"attending": form.get("attending", ""), "reason": form.get("reason", ""), "rows": rows}
    action = str(form.get("action", "send"))
    if action == "add_row":
        return form, AnswerStep(typed, rows, send=False, spare_rows=EMPTY_ROWS_MORE + 1)
    if action.startswith("remove:"):
        index = action.removeprefix("remove:")
        if index.isdigit() and int(index) < len(rows):
            rows.pop(int(index))
        return form, AnswerStep(typed, rows, send=False)
    return form, AnswerStep(typed, rows, send=True)


def _audit_as(site: Site) -> Actor | None:
    """Who the audit names for a write through the link: the logged-in secretariat user
    who opened it, if one did (otherwise the site itself)."""
    return actor_of(site) if site.acting_user is not None else None


def _document_file(stored: Any, path: Any, headers: dict[str, str] | None = None) -> File:
    return File(
        path=path, filename=stored.original_name, media_type=stored.content_type,
        content_disposition_type="attachment", headers=headers,
    )


class PortalPages(SitePagesController):
    """What a site contact opens on a phone: ``<base>/s/<token>``."""

    exception_handlers = {**SitePagesController.exception_handlers, HTTPException: answer_too_large}

    async def _render(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        site: Site,
        token: str,
        *,
        answer_form: dict[str, Any] | None = None,
        check_form: dict[str, Any] | None = None,
        error: DomainError | None = None,
        notice: str | None = None,
        focus: str = "",
        spare_rows: int | None = None,
    ) -> Template:
        view = await services.portal_view(db, site)
        form = answer_form or _answer_form(site)
        form = {**form, "rows": _with_spare_rows(form["rows"], spare_rows)}
        context = {
            "view": view, "site": site, "meeting": view.meeting, "token": token,
            "form": form, "check": check_form or _check_form(site),
            "errors": error.field_errors if error else {},
            "message": gettext(error.message, **error.params) if error else None,
            "notice": notice, "focus": focus, "max_delegates": services.MAX_DELEGATES,
            "starts": planned_starts(view.meeting.starts_at, view.agenda),
        }
        template = "portal/_answer.html" if is_htmx(request) else "portal/show.html"
        return page(template, status_code=error.status_code if error else 200, **context)

    async def _sent(self, request: Request[Any, Any, Any], db: AsyncSession, token: str, what: str) -> Template | Redirect:
        """After a write through the group writer: to htmx, the part with the answers
        as now stored; otherwise back to the page (post, redirect, get)."""
        if not is_htmx(request):
            return Redirect(f"/s/{token}?sent={what}#portal-answer", status_code=303)
        await read_after_write(db)
        site = await require_site(db, request.app.state.site_keys, token, fresh=True)
        return await self._render(request, db, site, token, notice=SENT[what])

    @get("/")
    async def show(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, site: Site, token: str, sent: str = ""
    ) -> Template:
        """The page; to htmx, only the part with the answers."""
        return await self._render(request, db_session, site, token, notice=SENT.get(sent))

    # The answer is written by the group writer; this request's own session only reads.
    @post("/response", request_max_body_size=MAX_ANSWER_BODY, opt={"writes": False})
    async def respond(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, writer: GroupWriter, site: Site, token: str
    ) -> Template | Redirect:
        keys = request.app.state.site_keys
        form, step = await _answer_step(request)
        if not step.send:
            return await self._render(
                request, db_session, site, token, answer_form=step.typed, spare_rows=step.spare_rows, focus="delegates"
            )
        try:
            await services.answer(writer, keys, token, attendance_from_form(form, step.rows), audit_as=_audit_as(site))
        except (InvalidInput, Conflict) as exc:
            return await self._render(
                request, db_session, site, token, answer_form=step.typed, error=exc,
                spare_rows=0 if step.rows else None, focus="answer",
            )
        return await self._sent(request, db_session, token, "answer")

    @post("/technical-check", request_max_body_size=MAX_ANSWER_BODY, opt={"writes": False})
    async def technical_check(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, writer: GroupWriter, site: Site, token: str
    ) -> Template | Redirect:
        keys = request.app.state.site_keys
        form = await form_data(request)
        typed = {"status": str(form.get("status", "")), "note": str(form.get("note", ""))}
        try:
            await services.report_technical_check(writer, keys, token, typed["status"], typed["note"], audit_as=_audit_as(site))
        except (InvalidInput, Conflict) as exc:
            return await self._render(request, db_session, site, token, check_form=typed, error=exc, focus="check")
        return await self._sent(request, db_session, token, "check")

    @get(["/materials/{material_id:int}", "/files/{material_id:int}"])  # /files/: the links of before
    async def download(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, site: Site, material_id: int
    ) -> File:
        uploads = request.app.state.settings.uploads_dir
        stored, path = await material_for_site(db_session, uploads, site, material_id)
        return _document_file(stored, path)


# ---- the secretariat answers for a site --------------------------------------------


class SiteResponsePages(Controller):
    path = "/meetings/{meeting_id:int}/sites/{site_id:int}/response"
    include_in_schema = False
    exception_handlers = {HTTPException: answer_too_large}

    async def _page(
        self,
        db: AsyncSession,
        actor: Any,
        meeting_id: int,
        site_id: int,
        form: dict[str, Any] | None = None,
        *,
        error: DomainError | None = None,
        spare_rows: int | None = None,
    ) -> Template:
        meeting, site = await services.site_of_meeting(db, actor, meeting_id, site_id)
        form = form or _answer_form(site)
        form = {**form, "rows": _with_spare_rows(form["rows"], spare_rows)}
        return page(
            "portal/secretariat_response.html", meeting=meeting, site=site, form=form,
            errors=error.field_errors if error else {},
            message=gettext(error.message, **error.params) if error else None,
            max_delegates=services.MAX_DELEGATES, status_code=error.status_code if error else 200,
        )

    @get("/")
    async def edit(self, db_session: AsyncSession, actor: User | None, meeting_id: int, site_id: int) -> Template:
        require_editor(actor)
        return await self._page(db_session, actor, meeting_id, site_id)

    @post("/", request_max_body_size=MAX_ANSWER_BODY, opt={"writes": False})
    async def save(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, writer: GroupWriter, actor: User | None,
        meeting_id: int, site_id: int,
    ) -> Template | Redirect:
        require_editor(actor)
        form, step = await _answer_step(request)
        if not step.send:
            return await self._page(db_session, actor, meeting_id, site_id, step.typed, spare_rows=step.spare_rows)
        try:
            data = attendance_from_form(form, step.rows)
            await services.set_site_response(writer, actor, site_id, data, meeting_id=meeting_id)
        except (InvalidInput, Conflict) as exc:
            return await self._page(
                db_session, actor, meeting_id, site_id, step.typed, error=exc, spare_rows=0 if step.rows else None
            )
        return Redirect(f"/meetings/{meeting_id}#sites", status_code=303)


# ---- API -------------------------------------------------------------------------


def portal_site_out(site: Site | services.SiteState, closed: str | None) -> PortalSiteOut:
    return PortalSiteOut(
        id=site.id,
        name=site.name,
        role=site.role,
        address=site.address,
        response=site.response,
        reason=site.reason,
        responded_at=site.responded_at,
        delegates=[
            PortalDelegateOut(id=d.id, full_name=d.full_name, position=d.position, organization=d.organization or None)
            for d in site.delegates
        ],
        technical_check={"status": site.technical_check, "note": site.technical_note, "at": site.technical_checked_at},
        can_answer=closed is None,
        closed_reason=gettext(closed) if closed else None,
    )


def portal_out(request: Request[Any, Any, Any], view: services.PortalView, token: str) -> PortalOut:
    base = request.app.state.settings.server.base_url
    meeting = view.meeting
    starts = planned_starts(meeting.starts_at, view.agenda)
    return PortalOut(
        site=portal_site_out(view.site, view.answer_closed),
        meeting=PortalMeetingOut(
            id=meeting.id, title=meeting.title, starts_at=meeting.starts_at, ends_at=meeting.ends_at, mode=meeting.mode,
            venue=meeting.venue, status=meeting.status, chair=person_of(meeting.chair) or Person(),
            description=meeting.description, response_deadline=meeting.response_deadline,
        ),
        agenda=[
            PortalAgendaItemOut(
                id=item.id, title=item.title, kind=item.kind, presenter=person_of(item.presenter),
                planned_start=item.planned_start, duration_minutes=item.duration_minutes,
                actual_started_at=item.actual_started_at, actual_ended_at=item.actual_ended_at,
                starts_at=to_vn(starts.get(item.id)),
            )
            for item in view.agenda
        ],
        documents=[
            PortalMaterialOut(
                id=doc.id, title=doc.title, file_name=doc.file_name, content_type=doc.content_type, size=doc.size,
                download_url=f"{base}/s/{token}/materials/{doc.id}",
            )
            for doc in view.materials
        ],
    )


class PortalApi(SiteApiController):
    """The site portal for programs; ``Authorization: Bearer <site token>``."""

    exception_handlers = {HTTPException: answer_too_large}

    @get("/")
    async def read(self, request: Request[Any, Any, Any], db_session: AsyncSession, site: Site) -> PortalOut:
        """The site, its meeting, the agenda and the materials it may download (``documents``)."""
        view = await services.portal_view(db_session, site)
        return portal_out(request, view, bearer_token(request) or "")

    @put("/response", request_max_body_size=MAX_ANSWER_BODY)
    async def respond(
        self, request: Request[Any, Any, Any], writer: GroupWriter, data: Annotated[AttendanceInput, Body()]
    ) -> PortalSiteOut:
        """Attend (with up to 50 delegates) or decline (with a reason), until the deadline."""
        # The answer's job finds the site by its token itself, in the transaction that writes.
        answered = await services.answer(writer, request.app.state.site_keys, bearer_token(request), data)
        return portal_site_out(answered, answered.answer_closed)

    @put("/technical-check", request_max_body_size=MAX_ANSWER_BODY)
    async def technical_check(
        self, request: Request[Any, Any, Any], writer: GroupWriter, data: Annotated[TechnicalCheckInput, Body()]
    ) -> PortalSiteOut:
        """``ok`` or ``problem`` (with a ``note``) after the sound and picture test."""
        checked = await services.report_technical_check(
            writer, request.app.state.site_keys, bearer_token(request), data.status, data.note
        )
        return portal_site_out(checked, checked.answer_closed)

    @get(["/materials/{material_id:int}", "/documents/{material_id:int}"])
    async def download(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, site: Site, material_id: int
    ) -> File:
        """A meeting material's bytes, as an attachment."""
        uploads = request.app.state.settings.uploads_dir
        stored, path = await material_for_site(db_session, uploads, site, material_id)
        return _document_file(stored, path)


class SiteResponseApi(Controller):
    path = "/api/v1/meetings/{meeting_id:int}/sites/{site_id:int}/response"
    tags = ["sites"]
    exception_handlers = {HTTPException: answer_too_large}

    @put("/", request_max_body_size=MAX_ANSWER_BODY, opt={"writes": False})
    async def set_response(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, writer: GroupWriter, actor: User | None,
        meeting_id: int, site_id: int, data: Annotated[AttendanceInput, Body()],
    ) -> SiteOut:
        """The secretariat records a site's answer; possible after the deadline too."""
        await services.set_site_response(writer, actor, site_id, data, meeting_id=meeting_id)
        return site_out(request, await services.site_as_written(db_session, site_id))


ROUTES = [PortalPages, SiteResponsePages, PortalApi, SiteResponseApi]
