"""Issued documents as a site downloads them: ``/s/<token>/documents/<id>.pdf`` and
``/api/v1/portal/issued-documents``.

The token opens only documents of its own meeting; any other id is "not found".
Each download is recorded, so the secretariat sees which sites have the documents.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.documents import services
from confmgr.errors import NotAuthenticated, NotFound
from confmgr.files.services import content_disposition
from confmgr.i18n import gettext
from confmgr.portal.auth import provide_portal_site, require_site
from confmgr.sites.models import Site
from confmgr.web.errors import error_page

_PDF = re.compile(r"^(\d{1,18})\.pdf$")
# The link is the key: keep it out of Referer headers, caches and search engines.
_PRIVATE = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


class SiteIssuedOut(msgspec.Struct):
    id: int
    kind: str
    number: str
    title: str
    issued_on: Any
    superseded: bool
    sha256: str
    url: str
    stage: str = "numbered"  # numbered | signed | sealed (digital signatures)


def _bytes_response(doc: services.DocumentFile) -> Response[bytes]:
    headers = {
        "Content-Disposition": content_disposition(doc.name),
        "X-Content-Type-Options": "nosniff",
        **_PRIVATE,
    }
    return Response(content=doc.data, media_type=doc.content_type, headers=headers)


def _not_a_link(request: Request[Any, Any, Any], exc: NotAuthenticated) -> Response[Any]:
    # A site has no login: a wrong link is "not found", never the login form.
    return error_page(request, 404, gettext(exc.message))  # type: ignore[return-value]


class SiteDocuments(Controller):
    path = "/s/{token:str}/documents"
    include_in_schema = False
    exception_handlers = {NotAuthenticated: _not_a_link}

    @get("/{filename:str}", opt={"writes": True})  # records the download
    async def download(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, token: str, filename: str
    ) -> Response[bytes]:
        site = await require_site(db_session, request.app.state.site_keys, token)
        match = _PDF.match(filename)
        if not match:
            raise NotFound("No such document.")
        doc = await services.site_download(db_session, request.app.state.settings, site, int(match.group(1)))
        return _bytes_response(doc)


class SiteDocumentsApi(Controller):
    path = "/api/v1/portal/issued-documents"
    tags = ["portal"]
    dependencies = {"site": Provide(provide_portal_site)}

    @get("/")
    async def list_documents(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, site: Site
    ) -> list[SiteIssuedOut]:
        """The issued minutes and notices of the site's meeting."""
        base = request.app.state.settings.server.base_url
        return [
            SiteIssuedOut(
                id=d.id, kind=d.kind, number=d.number_text, title=d.title, issued_on=d.issued_on,
                superseded=d.superseded_at is not None, sha256=d.sha256,
                url=f"{base}/api/v1/portal/issued-documents/{d.id}",
                stage=getattr(d, "signing_stage", "numbered"),
            )
            for d in await services.issued_for_site(db_session, site)
        ]

    @get("/{issued_id:int}", media_type="application/pdf", opt={"writes": True})  # records the download
    async def download(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, site: Site, issued_id: int
    ) -> Response[bytes]:
        """The issued PDF, exactly as issued; the download is recorded."""
        doc = await services.site_download(db_session, request.app.state.settings, site, issued_id)
        return _bytes_response(doc)


PORTAL_ROUTES: list[Any] = [SiteDocuments, SiteDocumentsApi]
