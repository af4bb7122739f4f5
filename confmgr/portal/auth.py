"""The site's key: its secret link token, from the URL (``/s/<token>``) or as a bearer
token (``/api/v1/portal``). A token opens its own site and nothing else."""

from __future__ import annotations

from typing import Any

from litestar import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.errors import NotAuthenticated
from confmgr.sites.models import Site
from confmgr.sites.tokens import SiteKeys
from confmgr.web.auth import bearer_token

MAX_TOKEN_LENGTH = 128


async def site_for_token(db: AsyncSession, keys: SiteKeys, token: str | None) -> Site | None:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    site = await db.scalar(select(Site).where(Site.token_hash == keys.digest(token)))
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
