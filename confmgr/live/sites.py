"""A site's live stream: the link checked cheaply, the stream limited per link.

After a blip, thousands of phones ask for ``/s/<token>/live`` within seconds. Each
needs its link checked; one query per phone would queue thousands of transactions.
Here the checks that wait together are answered by **one indexed query**
(``token_hash IN (...)``), and a link found valid is remembered for a minute, so a
reconnect costs an HMAC and a dictionary read. A revoked, rotated or removed link
is forgotten at once (the hub's ``close_site``), and its streams end.
"""

from __future__ import annotations

import asyncio
import time

from litestar import Litestar
from sqlalchemy import select

from confmgr.errors import NotAuthenticated, TooManyRequests
from confmgr.i18n import N_
from confmgr.live.hub import Hub, Slot, hub
from confmgr.live.stream import short_session
from confmgr.sites.models import Site
from confmgr.sites.tokens import INVALID_LINK, token_digest

LINK_CACHE_SECONDS = 60.0
LINK_CACHE_MAX = 100_000
LOOKUP_BATCH = 500
TOO_MANY_STREAMS = N_(
    "Too many live views are open with this link ({limit} at most). Close one of them and try again."
)
_STATE_KEY = "confmgr_live_links"


class LinkChecks:
    """Link checks for streams, many at once in one query; valid links remembered."""

    def __init__(self, app: Litestar, live_hub: Hub) -> None:
        self.app = app
        # digest -> (when checked, site id, meeting id)
        self.known: dict[str, tuple[float, int, int]] = {}
        self.digest_of_site: dict[int, str] = {}
        self.waiting: dict[str, list[asyncio.Future[tuple[int, int] | None]]] = {}
        self.task: asyncio.Task[None] | None = None
        self.queries = 0
        live_hub.on_close_site.append(self.forget_site)

    def forget_site(self, site_id: int) -> None:
        digest = self.digest_of_site.pop(site_id, None)
        if digest is not None:
            self.known.pop(digest, None)

    async def site_of(self, digest: str) -> tuple[int, int] | None:
        """(site id, meeting id) of a valid link, or None."""
        found = self.known.get(digest)
        if found is not None and time.monotonic() - found[0] < LINK_CACHE_SECONDS:
            return found[1], found[2]
        future: asyncio.Future[tuple[int, int] | None] = asyncio.get_running_loop().create_future()
        self.waiting.setdefault(digest, []).append(future)
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._answer())
        return await future

    async def _answer(self) -> None:
        while self.waiting:
            digests = list(self.waiting)[:LOOKUP_BATCH]
            batch = {d: self.waiting.pop(d) for d in digests}
            try:
                async with short_session(self.app) as db:
                    self.queries += 1
                    rows = (await db.execute(
                        select(Site.token_hash, Site.id, Site.meeting_id)
                        .where(Site.token_hash.in_(digests), Site.token_revoked.is_(False))
                    )).all()
            except BaseException as exc:
                for futures in batch.values():
                    for future in futures:
                        if not future.done():
                            future.set_exception(exc if isinstance(exc, Exception) else RuntimeError("cancelled"))
                if not isinstance(exc, Exception):
                    raise
                continue
            now = time.monotonic()
            if len(self.known) > LINK_CACHE_MAX:
                self.known.clear()
                self.digest_of_site.clear()
            found = {}
            for digest, site_id, meeting_id in rows:
                found[digest] = (site_id, meeting_id)
                self.known[digest] = (now, site_id, meeting_id)
                self.digest_of_site[site_id] = digest
            for digest, futures in batch.items():
                for future in futures:
                    if not future.done():
                        future.set_result(found.get(digest))


def link_checks(app: Litestar) -> LinkChecks:
    found = app.state.get(_STATE_KEY)
    if found is None:
        found = LinkChecks(app, hub(app))
        app.state[_STATE_KEY] = found
    return found  # type: ignore[no-any-return]


async def open_site_stream(app: Litestar, token: str, limit: int) -> tuple[int, int, Slot]:
    """Check a link for a live stream: (site id, meeting id, the stream's slot).

    A bad link raises NotAuthenticated (the portal shows its invalid-link page, a 404); a link that already has ``limit`` open streams in this process
    is refused with a clear 429 (0 means no limit).
    """
    checked_at = time.monotonic()
    digest = token_digest(app.state.site_keys, token)
    found = await link_checks(app).site_of(digest) if digest else None
    if found is None:
        raise NotAuthenticated(INVALID_LINK)  # the portal's invalid-link page (404)
    site_id, meeting_id = found
    live_hub = hub(app)
    if limit and live_hub.streams_of_site(site_id) >= limit:
        raise TooManyRequests(TOO_MANY_STREAMS, params={"limit": limit})
    return site_id, meeting_id, live_hub.admit(site_id, checked_at)
