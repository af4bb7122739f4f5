"""The site's key: its secret link token, from the URL (``/s/<token>``) or as a bearer
token (``/api/v1/portal``). A token opens its own site and nothing else.

Every site-facing route derives from :class:`SitePagesController` or
:class:`SiteApiController`: one dependency (``site``) turns the token into its site,
one handler answers a link that opens nothing. Every answer under ``/s/`` and
``/api/v1/portal`` carries the private headers (``no-store``, ``no-referrer``,
``noindex``), added for every such path by :mod:`confmgr.web.security`.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request
from litestar.di import Provide
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from confmgr.errors import NotAuthenticated
from confmgr.i18n import gettext
from confmgr.meetings.models import Meeting
from confmgr.sites.models import Site
from confmgr.sites.tokens import INVALID_LINK, SiteKeys, token_digest
from confmgr.web.auth import bearer_token, cookie_session_user
from confmgr.web.render import is_htmx


async def site_for_token(
    db: AsyncSession, keys: SiteKeys, token: str | None, *, fresh: bool = False
) -> Site | None:
    """The site of a token, with its delegates and its meeting (in the session, so
    reading it again is free). ``fresh`` overwrites what the session already holds,
    after a write made outside it (see confmgr.writes)."""
    digest = token_digest(keys, token)
    if digest is None:
        return None
    statement = (
        select(Site, Meeting)
        .join(Meeting, Meeting.id == Site.meeting_id)
        .options(joinedload(Site.delegates))
        .where(Site.token_hash == digest)
    )
    if fresh:
        statement = statement.execution_options(populate_existing=True)
    row = (await db.execute(statement)).unique().first()
    site = row[0] if row else None
    if site is None or site.token_revoked:
        return None
    return site


async def require_site(db: AsyncSession, keys: SiteKeys, token: str | None, *, fresh: bool = False) -> Site:
    site = await site_for_token(db, keys, token, fresh=fresh)
    if site is None:
        raise NotAuthenticated(INVALID_LINK)
    return site


async def provide_link_site(request: Request[Any, Any, Any], db_session: AsyncSession, token: str) -> Site:
    """Dependency for ``/s/<token>`` routes: the site whose token is in the URL. When a
    logged-in secretariat user opens the link, what they do is recorded as theirs."""
    site = await require_site(db_session, request.app.state.site_keys, token)
    site.acting_user = await cookie_session_user(request, db_session)
    return site


async def provide_portal_site(request: Request[Any, Any, Any], db_session: AsyncSession) -> Site:
    """Dependency for ``/api/v1/portal`` routes: the site whose token is the bearer token."""
    return await require_site(db_session, request.app.state.site_keys, bearer_token(request))


def invalid_link(request: Request[Any, Any, Any], exc: NotAuthenticated) -> Template:
    """A link that opens nothing: a plain Vietnamese page (404), never the login form."""
    template = "portal/_invalid.html" if is_htmx(request) else "portal/invalid.html"
    return Template(
        template_name=template, context={"message": gettext(exc.message)}, status_code=404
    )


class SitePagesController(Controller):
    """Base of the site's pages, ``/s/<token>/...``: declare ``site: Site`` to get it."""

    path = "/s/{token:str}"
    include_in_schema = False
    dependencies = {"site": Provide(provide_link_site)}
    exception_handlers = {NotAuthenticated: invalid_link}


class SiteApiController(Controller):
    """Base of the portal API, ``/api/v1/portal/...`` with ``Authorization: Bearer <token>``
    (a bad token is the API's 401 JSON)."""

    path = "/api/v1/portal"
    tags = ["portal"]
    dependencies = {"site": Provide(provide_portal_site)}
