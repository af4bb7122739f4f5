"""The site's key: its secret link token, from the URL (``/s/<token>``) or as a bearer
token (``/api/v1/portal``). A token opens its own site and nothing else."""

from __future__ import annotations

from typing import Any

from litestar import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from confmgr.errors import NotAuthenticated
from confmgr.meetings.models import Meeting
from confmgr.sites.models import Site
from confmgr.sites.tokens import SiteKeys
from confmgr.web.auth import bearer_token

MAX_TOKEN_LENGTH = 128


async def site_for_token(db: AsyncSession, keys: SiteKeys, token: str | None) -> Site | None:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    # The site, its delegates and its meeting in one query: on SQLite every request
    # holds the write lock from its first statement, and thousands of sites answer
    # in the same minute. The meeting lands in the session, so reading it again is free.
    row = (
        await db.execute(
            select(Site, Meeting)
            .join(Meeting, Meeting.id == Site.meeting_id)
            .options(joinedload(Site.delegates))
            .where(Site.token_hash == keys.digest(token))
        )
    ).unique().first()
    site = row[0] if row else None
    if site is None or site.token_revoked:
        return None
    return site


async def require_site(db: AsyncSession, keys: SiteKeys, token: str | None) -> Site:
    site = await site_for_token(db, keys, token)
    if site is None:
        raise NotAuthenticated("This link is not valid. Ask the secretariat for a new one.")
    return site


async def provide_portal_site(request: Request[Any, Any, Any], db_session: AsyncSession) -> Site:
    """Dependency for ``/api/v1/portal`` routes: the site whose token is the bearer token."""
    return await require_site(db_session, request.app.state.site_keys, bearer_token(request))
