"""Invitation pages and API: site links and QR codes, the printed sheet, emails."""

from __future__ import annotations

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
from confmgr.invitations.schemas import FailedEmailOut, InvitationSummaryOut, SendOut, SiteLinkOut
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


def _send_out(result: services.SendResult) -> SendOut:
    return SendOut(
        sent=result.sent, failed=result.failed, without_email=result.without_email,
        revoked=result.revoked, already_invited=result.already_invited, error=result.error,
    )


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
        *, result: services.SendResult | None = None, error: str = "", status_code: int = 200,
    ) -> Template:
        summary = await services.invitation_summary(db, actor, _settings(request), meeting_id)
        return page_or_fragment(
            request, "invitations/index.html", "invitations/_summary.html",
            summary=summary, meeting=summary.meeting, user=actor, result=result, error=error,
            shown_without_email=summary.without_email_sites[:SHOWN_WITHOUT_EMAIL], sheet_page_size=services.SHEET_PAGE_SIZE,
            status_code=status_code,
        )

    @get("/invitations")
    async def index(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int,
        kind: str = "", sent: int = -1, failed: int = 0, without_email: int = 0, revoked: int = 0,
        already_invited: int = 0,
    ) -> Template:
        # The counts of a mailing just made come back in the address (post, redirect, get).
        result = None
        if kind in services.KINDS and sent >= 0:
            result = services.SendResult(
                kind=kind, sent=sent, failed=max(failed, 0), without_email=max(without_email, 0),
                revoked=max(revoked, 0), already_invited=max(already_invited, 0),
            )
        return await self._summary_page(request, db_session, actor, meeting_id, result=result)

    async def _send(
        self, request: Request[Any, Any, Any], db: AsyncSession, actor: User | None, meeting_id: int, kind: str
    ) -> Template | Redirect:
        try:
            result = await services.send_emails(
                db, request.app.state.session_maker, actor, request.app.state.site_keys, _settings(request), meeting_id, kind
            )
        except Conflict as exc:
            return await self._summary_page(
                request, db, actor, meeting_id, error=gettext(exc.message, **exc.params), status_code=exc.status_code
            )
        if is_htmx(request):
            return await self._summary_page(request, db, actor, meeting_id, result=result)
        return Redirect(
            f"/meetings/{meeting_id}/invitations?kind={kind}&sent={result.sent}&failed={result.failed}"
            f"&without_email={result.without_email}&revoked={result.revoked}&already_invited={result.already_invited}"
        )

    @post("/invitations/send")
    async def send(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int
    ) -> Template | Redirect:
        return await self._send(request, db_session, actor, meeting_id, services.INVITATION)

    @post("/invitations/remind")
    async def remind(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int
    ) -> Template | Redirect:
        return await self._send(request, db_session, actor, meeting_id, services.REMINDER)

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

    async def _send(self, request: Request[Any, Any, Any], db: AsyncSession, actor: User | None, meeting_id: int, kind: str) -> SendOut:
        return _send_out(await services.send_emails(
            db, request.app.state.session_maker, actor, request.app.state.site_keys, _settings(request), meeting_id, kind
        ))

    @post("/invitations/send", status_code=200)
    async def send(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int) -> SendOut:
        """Email each site not yet invited its link and a calendar entry; 409 when email is not configured."""
        return await self._send(request, db_session, actor, meeting_id, services.INVITATION)

    @post("/invitations/remind", status_code=200)
    async def remind(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int) -> SendOut:
        """Email a reminder to every site that has not answered yet."""
        return await self._send(request, db_session, actor, meeting_id, services.REMINDER)

    @get("/invitations/sheet.csv", media_type="text/csv")
    async def sheet_csv(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int
    ) -> Response[bytes]:
        """site, contact, email, phone, link: one site a row, for the e-office system."""
        sheet = await services.invitation_sheet(db_session, actor, request.app.state.site_keys, _base_url(request), meeting_id)
        return _csv(sheet)


ROUTES = [InvitationPages, InvitationApi]
