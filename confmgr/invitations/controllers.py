"""Invitation pages and API: site links and QR codes, the printed sheet, emails."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import anyio.to_thread
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.accounts.models import User
from confmgr.errors import Conflict
from confmgr.i18n import N_, current_locale, gettext
from confmgr.invitations import services
from confmgr.invitations.qr import qr_png, qr_svg
from confmgr.invitations.delivery import JobProgress, jobs_channel
from confmgr.invitations.schemas import DeliveryFailureOut, FailedEmailOut, InvitationSummaryOut, JobOut, SiteLinkOut
from confmgr.jobs.models import BackgroundJob
from confmgr.live.stream import meeting_stream_refusal, short_session, sse_response
from confmgr.settings import Settings
from confmgr.web.confirm import confirm_page, is_confirmed
from confmgr.web.forms import form_data
from confmgr.web.render import is_htmx, page_or_fragment

_NO_STORE = {"Cache-Control": "no-store"}
_DONE = {
    "rotated": N_("A new link was issued; the old one no longer works."),
    "revoked": N_("The link was revoked. The site cannot open its page until a new link is issued."),
}


def _settings(request: Request[Any, Any, Any]) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def _base_url(request: Request[Any, Any, Any]) -> str:
    return _settings(request).server.base_url


def _link_out(link: services.SiteLink) -> SiteLinkOut:
    qr = f"/api/v1/meetings/{link.meeting.id}/sites/{link.site.id}/qr.png" if link.url else None
    return SiteLinkOut(
        site_id=link.site.id, site_name=link.site.name, revoked=link.site.token_revoked,
        token=link.token, access_url=link.url, qr_url=qr,
    )


def _job_url(meeting_id: int, job_id: int) -> str:
    return f"/api/v1/meetings/{meeting_id}/invitations/jobs/{job_id}"


def _job_out(p: JobProgress) -> JobOut:
    return JobOut(
        id=p.id, meeting_id=p.meeting_id, kind=p.kind, status=p.status, total=p.total, sent=p.sent, failed=p.failed,
        waiting=p.waiting, retrying=p.retrying, percent=p.percent, eta_seconds=p.eta_seconds,
        without_email=p.skipped.get("without_email", 0), revoked=p.skipped.get("revoked", 0),
        already_invited=p.skipped.get("already_invited", 0), created_at=p.created_at, started_at=p.started_at,
        finished_at=p.finished_at, url=_job_url(p.meeting_id, p.id),
        failures=[DeliveryFailureOut(f.site_id, f.site_name, f.recipient, f.error, f.attempts, f.at) for f in p.failures],
    )


def _fresh(job: BackgroundJob) -> JobProgress:
    """A job just recorded (nothing sent yet), without reading it back."""
    return JobProgress(
        id=job.id, meeting_id=job.meeting_id or 0, kind=job.kind, status=job.status, total=job.total,
        waiting=job.total if job.status != "done" else 0, skipped=dict(job.skipped or {}),
        created_at=job.created_at, started_at=job.started_at, finished_at=job.finished_at,
    )


async def _enqueue_after_commit(request: Request[Any, Any, Any], db: AsyncSession, job: BackgroundJob) -> None:
    """The job is committed before a worker is told: it must find its rows."""
    await db.commit()
    if job.status != "done":
        request.app.state.jobs.enqueue(job.id)


def _png(link: services.SiteLink) -> Response[bytes]:
    if link.url is None:
        raise Conflict("This site's link is revoked; issue a new link first.")
    filename = f"qr-site-{link.site.id}.png"
    # A QR code is the key to a site: never kept in a shared cache.
    return Response(
        qr_png(link.url), media_type="image/png",
        headers={**_NO_STORE, "Content-Disposition": f'inline; filename="{filename}"'},
    )


def _csv(sheet: services.Sheet) -> Response[bytes]:
    return Response(
        services.sheet_csv(sheet.rows), media_type="text/csv; charset=utf-8",
        headers={**_NO_STORE, "Content-Disposition": f'attachment; filename="giay-moi-hoi-nghi-{sheet.meeting.id}.csv"'},
    )


class InvitationPages(Controller):
    path = "/meetings/{meeting_id:int}"
    include_in_schema = False

    # ---- one site's link ----

    async def _link_page(
        self, request: Request[Any, Any, Any], link: services.SiteLink, actor: User | None,
        *, message: str = "", error: str = "", status_code: int = 200,
    ) -> Template:
        return page_or_fragment(
            request, "invitations/link.html", "invitations/_link_card.html",
            link=link, meeting=link.meeting, site=link.site, user=actor, message=message, error=error,
            status_code=status_code,
        )

    @get("/sites/{site_id:int}/link")
    async def link(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, site_id: int,
        done: str = "",
    ) -> Template:
        link = await services.get_site_link(
            db_session, actor, request.app.state.site_keys, _base_url(request), meeting_id, site_id
        )
        message = gettext(_DONE[done]) if done in _DONE else ""
        return await self._link_page(request, link, actor, message=message)

    async def _change_link(
        self, request: Request[Any, Any, Any], db: AsyncSession, actor: User | None, meeting_id: int, site_id: int, action: str,
    ) -> Template | Redirect:
        keys, base = request.app.state.site_keys, _base_url(request)
        if action == "revoked":
            form = await form_data(request)
            if not is_confirmed(form):
                link = await services.get_site_link(db, actor, keys, base, meeting_id, site_id)
                return confirm_page(
                    f"/meetings/{meeting_id}/sites/{site_id}/link/revoke", "revoke", form,
                    f"/meetings/{meeting_id}/sites/{site_id}/link", link.site.name,
                )
        change = services.rotate_link if action == "rotated" else services.revoke_link
        try:
            link = await change(db, actor, keys, base, meeting_id, site_id)
        except Conflict as exc:
            link = await services.get_site_link(db, actor, keys, base, meeting_id, site_id)
            return await self._link_page(request, link, actor, error=gettext(exc.message, **exc.params), status_code=exc.status_code)
        if is_htmx(request):
            return await self._link_page(request, link, actor, message=gettext(_DONE[action]))
        return Redirect(f"/meetings/{meeting_id}/sites/{site_id}/link?done={action}")

    @post("/sites/{site_id:int}/link/rotate")
    async def rotate(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, site_id: int
    ) -> Template | Redirect:
        return await self._change_link(request, db_session, actor, meeting_id, site_id, "rotated")

    @post("/sites/{site_id:int}/link/revoke")
    async def revoke(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, site_id: int
    ) -> Template | Redirect:
        return await self._change_link(request, db_session, actor, meeting_id, site_id, "revoked")

    @get("/sites/{site_id:int}/qr.png")
    async def qr(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, site_id: int
    ) -> Response[bytes]:
        link = await services.get_site_link(
            db_session, actor, request.app.state.site_keys, _base_url(request), meeting_id, site_id
        )
        return _png(link)

    # ---- the invitations page and mailing ----

    async def _summary_page(
        self, request: Request[Any, Any, Any], db: AsyncSession, actor: User | None, meeting_id: int,
        *, error: str = "", status_code: int = 200,
    ) -> Template:
        summary = await services.invitation_summary(db, actor, _settings(request), meeting_id)
        return page_or_fragment(
            request, "invitations/index.html", "invitations/_summary.html",
            summary=summary, meeting=summary.meeting, user=actor, job=summary.job, error=error,
            shown_without_email=summary.without_email_sites[:SHOWN_WITHOUT_EMAIL], sheet_page_size=services.SHEET_PAGE_SIZE,
            status_code=status_code,
        )

    @get("/invitations")
    async def index(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int,
    ) -> Template:
        return await self._summary_page(request, db_session, actor, meeting_id)

    async def _start(
        self, request: Request[Any, Any, Any], db: AsyncSession, actor: User | None, meeting_id: int, kind: str,
        job_id: int | None = None,
    ) -> Template | Redirect:
        try:
            if job_id is None:
                job = await services.start_mailing(db, actor, _settings(request), meeting_id, kind)
            else:
                job = await services.retry_failed(db, actor, _settings(request), meeting_id, job_id)
        except Conflict as exc:
            return await self._summary_page(
                request, db, actor, meeting_id, error=gettext(exc.message, **exc.params), status_code=exc.status_code
            )
        await _enqueue_after_commit(request, db, job)
        if is_htmx(request):
            return await self._summary_page(request, db, actor, meeting_id)
        return Redirect(f"/meetings/{meeting_id}/invitations")

    @post("/invitations/send")
    async def send(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int
    ) -> Template | Redirect:
        return await self._start(request, db_session, actor, meeting_id, services.INVITATION)

    @post("/invitations/remind")
    async def remind(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int
    ) -> Template | Redirect:
        return await self._start(request, db_session, actor, meeting_id, services.REMINDER)

    @post("/invitations/jobs/{job_id:int}/retry")
    async def retry(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, job_id: int
    ) -> Template | Redirect:
        return await self._start(request, db_session, actor, meeting_id, "", job_id)

    @get("/invitations/events")
    async def events(self, request: Request[Any, Any, Any], meeting_id: int) -> Response[Any]:
        """The progress of the meeting's mailings as it happens (``job`` events, JSON)."""
        if refusal := await meeting_stream_refusal(request, meeting_id):
            return refusal
        app = request.app

        async def initial() -> Iterable[tuple[str, str]]:
            async with short_session(app) as db:
                job = await services.latest_job(db, meeting_id)
                if job is None:
                    return []
                progress = await services.job_progress(db, job, failures=False)
                return [("job", json.dumps(progress.as_json()))]

        return sse_response(app, [jobs_channel(meeting_id)], initial)

    # ---- the printed sheet ----

    @get("/invitations/sheet")
    async def sheet(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int,
        page: int = 1,
    ) -> Response[str]:
        sheet = await services.invitation_sheet(
            db_session, actor, request.app.state.site_keys, _base_url(request), meeting_id, page=page
        )
        # Drawing hundreds of QR codes takes a second or two: the read transaction ends
        # first (on SQLite it holds the write lock), and the drawing runs in a worker
        # thread so the event loop keeps serving the live pages meanwhile.
        await db_session.commit()
        template = request.app.template_engine.get_template("invitations/sheet.html")  # type: ignore[union-attr]
        context = {
            "sheet": sheet, "meeting": sheet.meeting, "when": services.meeting_when(sheet.meeting),
        }
        html = await anyio.to_thread.run_sync(_render_sheet, template, context)
        return Response(html, media_type=MediaType.HTML, headers=_NO_STORE)

    @get("/invitations/sheet.csv")
    async def sheet_csv(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int
    ) -> Response[bytes]:
        sheet = await services.invitation_sheet(db_session, actor, request.app.state.site_keys, _base_url(request), meeting_id)
        return _csv(sheet)


SHOWN_WITHOUT_EMAIL = 200


def _render_sheet(template: Any, context: dict[str, Any]) -> str:
    """The sheet goes to the sites: always in Vietnamese, whatever the secretariat's UI language."""
    rows = context["sheet"].rows
    context["qr"] = {row.site_id: qr_svg(row.url) for row in rows if row.url}
    token = current_locale.set("vi")
    try:
        return str(template.render(**context))
    finally:
        current_locale.reset(token)


class InvitationApi(Controller):
    path = "/api/v1/meetings/{meeting_id:int}"
    tags = ["invitations"]

    @get("/sites/{site_id:int}/link")
    async def link(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, site_id: int
    ) -> SiteLinkOut:
        """The site's secret link (``access_url``, ``token``), or nulls when it is revoked."""
        return _link_out(await services.get_site_link(
            db_session, actor, request.app.state.site_keys, _base_url(request), meeting_id, site_id
        ))

    @post("/sites/{site_id:int}/token/rotate", status_code=200)
    async def rotate(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, site_id: int
    ) -> SiteLinkOut:
        """Issue a new token: the old link stops working at once; a revoked link opens again."""
        return _link_out(await services.rotate_link(
            db_session, actor, request.app.state.site_keys, _base_url(request), meeting_id, site_id
        ))

    @post("/sites/{site_id:int}/token/revoke", status_code=200)
    async def revoke(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, site_id: int
    ) -> SiteLinkOut:
        """Close the site's link; ``token/rotate`` issues a new one."""
        return _link_out(await services.revoke_link(
            db_session, actor, request.app.state.site_keys, _base_url(request), meeting_id, site_id
        ))

    @get("/sites/{site_id:int}/qr.png", media_type="image/png")
    async def qr(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, site_id: int
    ) -> Response[bytes]:
        """The QR code (PNG) of the site's link."""
        link = await services.get_site_link(
            db_session, actor, request.app.state.site_keys, _base_url(request), meeting_id, site_id
        )
        return _png(link)

    @get("/invitations")
    async def summary(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int
    ) -> InvitationSummaryOut:
        """Counts of the mailing: sites with and without email, invited, failed."""
        s = await services.invitation_summary(db_session, actor, _settings(request), meeting_id)
        return InvitationSummaryOut(
            mail_configured=s.mail_configured, sites=s.total, with_email=s.with_email, without_email=s.without_email,
            invited=s.invited, failed=s.failed, sending=s.sending, revoked=s.revoked, pending_answers=s.pending_answers,
            failures=[FailedEmailOut(f.site_id, f.site_name, f.recipient, f.error, f.at) for f in s.failures],
        )

    async def _start(
        self, request: Request[Any, Any, Any], db: AsyncSession, actor: User | None, meeting_id: int, kind: str,
        job_id: int | None = None,
    ) -> Response[JobOut]:
        if job_id is None:
            job = await services.start_mailing(db, actor, _settings(request), meeting_id, kind)
        else:
            job = await services.retry_failed(db, actor, _settings(request), meeting_id, job_id)
        await _enqueue_after_commit(request, db, job)
        return Response(_job_out(_fresh(job)), status_code=202, headers={"Location": _job_url(meeting_id, job.id)})

    @post("/invitations/send", status_code=202)
    async def send(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int) -> Response[JobOut]:
        """Start emailing each site not yet invited its link and a calendar entry: 202 with the job
        (follow ``url`` for its progress); 409 when email is not configured or a mailing is running."""
        return await self._start(request, db_session, actor, meeting_id, services.INVITATION)

    @post("/invitations/remind", status_code=202)
    async def remind(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int) -> Response[JobOut]:
        """Start emailing a reminder to every site that has not answered yet: 202 with the job."""
        return await self._start(request, db_session, actor, meeting_id, services.REMINDER)

    @get("/invitations/jobs/{job_id:int}")
    async def job(
        self, db_session: AsyncSession, actor: User | None, meeting_id: int, job_id: int
    ) -> JobOut:
        """A mailing's progress: sent, failed, waiting, estimated seconds left, and each failure with the server's answer."""
        return _job_out(await services.mailing_progress(db_session, actor, meeting_id, job_id))

    @post("/invitations/jobs/{job_id:int}/retry", status_code=202)
    async def retry(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, job_id: int
    ) -> Response[JobOut]:
        """Send the failed emails of a mailing again (only those: nobody is mailed twice)."""
        return await self._start(request, db_session, actor, meeting_id, "", job_id)

    @get("/invitations/sheet.csv", media_type="text/csv")
    async def sheet_csv(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int
    ) -> Response[bytes]:
        """site, contact, email, phone, link: one site a row, for the e-office system."""
        sheet = await services.invitation_sheet(db_session, actor, request.app.state.site_keys, _base_url(request), meeting_id)
        return _csv(sheet)


ROUTES = [InvitationPages, InvitationApi]
