"""Issued documents as a site downloads them: ``/s/<token>/documents/<id>.pdf`` and
``/api/v1/portal/issued-documents``.

The token opens only documents of its own meeting; any other id is "not found".
Each download is recorded, so the secretariat sees which sites have the documents.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request, Response, get
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.documents import services
from confmgr.errors import NotFound
from confmgr.files.services import content_disposition
from confmgr.portal.auth import SiteApiController, SitePagesController
from confmgr.sites.models import Site

_PDF = re.compile(r"^(\d{1,18})\.pdf$")


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
    # Private (no-store, no-referrer, noindex) like every portal answer: see web.security.
    headers = {"Content-Disposition": content_disposition(doc.name), "X-Content-Type-Options": "nosniff"}
    return Response(content=doc.data, media_type=doc.content_type, headers=headers)


class SiteDocuments(SitePagesController):
    @get("/documents/{filename:str}", opt={"writes": True})  # records the download
    async def download(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, site: Site, filename: str
    ) -> Response[bytes]:
        match = _PDF.match(filename)
        if not match:
            raise NotFound("No such document.")
        doc = await services.site_download(db_session, request.app.state.settings, site, int(match.group(1)))
        return _bytes_response(doc)


class SiteDocumentsApi(SiteApiController):
    @get("/issued-documents")
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

    @get("/issued-documents/{issued_id:int}", media_type="application/pdf", opt={"writes": True})  # records the download
    async def download(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, site: Site, issued_id: int
    ) -> Response[bytes]:
        """The issued PDF, exactly as issued; the download is recorded."""
        doc = await services.site_download(db_session, request.app.state.settings, site, issued_id)
        return _bytes_response(doc)


ROUTES: list[Any] = [SiteDocuments, SiteDocumentsApi]
