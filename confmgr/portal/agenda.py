"""What a site does through its link: watch the meeting live, ask for the floor,
send a paper, read the accepted papers. ``/s/<token>/...`` pages and the
``/api/v1/portal`` routes (the token as bearer)."""

from __future__ import annotations

import time
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import Body
from litestar.response import File, Redirect, ServerSentEvent, Template
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.agenda import live, services
from confmgr.agenda.controllers import (
    ContributionOut,
    contribution_out,
    live_out,
    payload_and_file,
    request_out,
)
from confmgr.agenda.schemas import LiveOut, PortalContributionInput, PortalSpeakRequestInput, SpeakRequestOut
from confmgr.errors import DomainError
from confmgr.labels import KIND_LABELS, REQUEST_STATUS_LABELS
from confmgr.files import services as files
from confmgr.files.models import StoredFile
from confmgr.live.events import live_channel
from confmgr.live.sites import open_site_stream
from confmgr.live.stream import sse_response
from confmgr.portal.auth import SiteApiController, SitePagesController
from confmgr.sites.models import Site
from confmgr.web.forms import form_data, to_struct
from confmgr.web.render import is_htmx, page


async def _portal_context(db: AsyncSession, site: Site, token: str, **extra: Any) -> dict[str, Any]:
    state = await services.live_state(db, site.meeting_id)
    context: dict[str, Any] = {
        "meeting": state.meeting, "site": site, "token": token, "live_state": state,
        "my_requests": await services.site_requests(db, site),
        "items": state.items, "KIND_LABELS": KIND_LABELS, "REQUEST_STATUS_LABELS": REQUEST_STATUS_LABELS,
        "papers": await services.contributions_of(db, site.meeting_id, site_id=site.id, accepted_or_site=True),
        "accept": files.ACCEPT,
    }
    context.update(extra)
    return context


class PortalLivePages(SitePagesController):

    @get("/live")
    async def stream(self, request: Request[Any, Any, Any], token: str) -> ServerSentEvent:
        """Server-sent events: first what is true now, then one fragment per change."""
        app = request.app
        # The link is checked without a session of the request's own (thousands of open
        # streams must not hold thousands of connections): checks that arrive together
        # share one indexed query, and a valid link is remembered (confmgr.live.sites).
        _site_id, meeting_id, slot = await open_site_stream(app, token, app.state.settings.live_streams_per_link)

        async def initial() -> list[tuple[str, str]]:
            # Called once the stream has subscribed, and only when the hub holds no
            # current state: a reading that starts after this moment misses nothing.
            subscribed_at = time.monotonic()
            return [(live.LIVE_EVENT, await live.shared_live_html(app, meeting_id, subscribed_at))]

        return sse_response(
            app, [live_channel(meeting_id)], initial, slot=slot, state_event=live.LIVE_EVENT,
            last_event_id=request.headers.get("last-event-id"),
        )

    @get("/now")
    async def now_page(self, request: Request[Any, Any, Any], db_session: AsyncSession, site: Site, token: str) -> Template:
        """The live state as a plain page, for a browser without JavaScript."""
        return page("agenda/portal_now.html", **await _portal_context(db_session, site, token))

    @get("/speak-requests")
    async def my_requests(self, request: Request[Any, Any, Any], db_session: AsyncSession, site: Site, token: str) -> Template:
        context = await _portal_context(db_session, site, token)
        return page("agenda/_portal_my_requests.html" if is_htmx(request) else "agenda/portal_now.html", **context)

    @post("/speak-requests")
    async def request_to_speak(self, request: Request[Any, Any, Any], db_session: AsyncSession, site: Site, token: str) -> Template | Redirect:
        form = await form_data(request)
        try:
            await services.request_to_speak(db_session, site, to_struct(PortalSpeakRequestInput, form))
        except DomainError as exc:
            if exc.status_code not in (409, 422):
                raise
            context = await _portal_context(
                db_session, site, token, sform=form, serrors=exc.field_errors, smessage=exc.message, sparams=exc.params,
            )
            name = "agenda/_portal_my_requests.html" if is_htmx(request) else "agenda/portal_now.html"
            return page(name, status_code=exc.status_code, **context)
        await live.announce(request.app, db_session, site.meeting_id)
        if is_htmx(request):
            context = await _portal_context(db_session, site, token, sent=True)
            return page("agenda/_portal_my_requests.html", **context)
        return Redirect(f"/s/{token}/now#speak")

    @post("/speak-requests/{request_id:int}/withdraw")
    async def withdraw(self, request: Request[Any, Any, Any], db_session: AsyncSession, site: Site, token: str, request_id: int) -> Template | Redirect:
        try:
            await services.withdraw_speak_request(db_session, site, request_id)
        except DomainError as exc:
            if exc.status_code != 409:
                raise
            context = await _portal_context(db_session, site, token, smessage=exc.message, sparams=exc.params)
            name = "agenda/_portal_my_requests.html" if is_htmx(request) else "agenda/portal_now.html"
            return page(name, status_code=409, **context)
        await live.announce(request.app, db_session, site.meeting_id)
        if is_htmx(request):
            return page("agenda/_portal_my_requests.html", **await _portal_context(db_session, site, token))
        return Redirect(f"/s/{token}/now#speak")

    @post("/contributions")
    async def submit_contribution(self, request: Request[Any, Any, Any], db_session: AsyncSession, site: Site, token: str) -> Template | Redirect:
        payload, upload = await payload_and_file(request)
        form = {k: v for k, v in (await form_data(request)).items() if not isinstance(v, UploadFile)}
        try:
            data = to_struct(PortalContributionInput, payload)
            await services.submit_contribution(db_session, site, request.app.state.settings, data, upload)
        except DomainError as exc:
            if exc.status_code not in (409, 413, 415, 422):
                raise
            context = await _portal_context(
                db_session, site, token, cform=form, cerrors=exc.field_errors, cmessage=exc.message, cparams=exc.params,
            )
            name = "agenda/_portal_contribution.html" if is_htmx(request) else "agenda/portal_now.html"
            return page(name, status_code=exc.status_code, **context)
        if is_htmx(request):
            return page("agenda/_portal_contribution.html", **await _portal_context(db_session, site, token, csent=True))
        return Redirect(f"/s/{token}/now?sent=1#contribute")

    @get("/contributions/{contribution_id:int}/file")
    async def paper(self, request: Request[Any, Any, Any], db_session: AsyncSession, site: Site, token: str, contribution_id: int) -> File:
        """A paper of the site's own meeting: accepted, or the site's own."""
        stored = await services.contribution_file_for_site(db_session, site, contribution_id)
        return files.download(request.app.state.settings, stored)


class PortalLiveApi(SiteApiController):

    @get("/live")
    async def live_state(self, db_session: AsyncSession, site: Site) -> LiveOut:
        """The current item, speaker and the speaking queue of the site's meeting."""
        return live_out(await services.live_state(db_session, site.meeting_id))

    @post("/contributions")
    async def submit_contribution(self, request: Request[Any, Any, Any], db_session: AsyncSession, site: Site) -> ContributionOut:
        """JSON, or multipart with the fields (or ``data`` as JSON) and an optional ``file``."""
        payload, upload = await payload_and_file(request)
        data = to_struct(PortalContributionInput, payload)
        c = await services.submit_contribution(db_session, site, request.app.state.settings, data, upload)
        stored = await db_session.get(StoredFile, c.file_id) if c.file_id else None
        return contribution_out(c, site.name, stored, c.sort_order)

    @post("/speak-requests")
    async def request_to_speak(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, site: Site,
        data: Annotated[PortalSpeakRequestInput, Body()],
    ) -> SpeakRequestOut:
        r = await services.request_to_speak(db_session, site, data)
        await live.announce(request.app, db_session, site.meeting_id)
        return request_out(r, site.name)

    @post("/speak-requests/{request_id:int}/withdraw", status_code=200)
    async def withdraw(self, request: Request[Any, Any, Any], db_session: AsyncSession, site: Site, request_id: int) -> SpeakRequestOut:
        r = await services.withdraw_speak_request(db_session, site, request_id)
        await live.announce(request.app, db_session, site.meeting_id)
        return request_out(r, site.name)


ROUTES = [PortalLivePages, PortalLiveApi]
