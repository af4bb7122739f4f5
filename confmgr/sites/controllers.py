"""Site directory pages, the sites of a meeting, and their API routes."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.accounts.models import User
from confmgr.accounts.permissions import require_editor
from confmgr.errors import DomainError, InvalidInput, TooLarge
from confmgr.meetings.access import get_meeting
from confmgr.meetings.status import offered_actions
from confmgr.sites import services
from confmgr.sites.importing import MAX_FILE_BYTES
from confmgr.sites.models import DirectorySite, Site
from confmgr.sites.schemas import Contact, DelegateOut, DirectoryPick, DirectorySiteOut, ImportResult, SiteInput, SiteOut
from confmgr.sites.tokens import SiteKeys
from confmgr.sites.units import province_of
from confmgr.web.errors import row_error
from confmgr.web.forms import form_data, to_struct
from confmgr.web.render import page, page_or_fragment
from confmgr.i18n import N_


def access_url(request: Request[Any, Any, Any], token: str | None) -> str | None:
    return f"{request.app.state.settings.server.base_url}/s/{token}" if token else None


def site_out(request: Request[Any, Any, Any], site: Site, token: str | None = None, *, show_link: bool = True) -> SiteOut:
    """``show_link=False`` (a viewer) leaves ``token`` and ``access_url`` empty."""
    keys: SiteKeys = request.app.state.site_keys
    if not show_link:
        token = None
    elif token is None and not site.token_revoked:
        token = keys.decrypt(site.token_encrypted)
    return SiteOut(
        id=site.id,
        name=site.name,
        role=site.role,
        address=site.address,
        contact=Contact(full_name=site.contact_name, phone=site.contact_phone, email=site.contact_email),
        expected_delegates=site.expected_delegates,
        access_url=access_url(request, token),
        token=token,
        response=site.response,
        reason=site.reason,
        responded_at=site.responded_at,
        delegates=[
            DelegateOut(
                id=d.id, full_name=d.full_name, position=d.position, organization=d.organization or None,
                present=d.present, absence_reason=d.absence_reason, arrived_late=d.arrived_late,
            )
            for d in site.delegates
        ],
        technical_check={"status": site.technical_check, "note": site.technical_note, "at": site.technical_checked_at},
        roll_call={"connected": site.connected, "at": site.roll_called_at},
        last_activity_at=site.last_activity_at,
        **_unit_fields(site),
        unit_pending=site.unit_pending,
    )


def _unit_fields(site: DirectorySite | Site) -> dict[str, Any]:
    province = province_of(site.province_code)
    return {"unit_code": site.unit_code, "province_code": site.province_code, "province": province.name if province else None}


def directory_out(site: DirectorySite) -> DirectorySiteOut:
    return DirectorySiteOut(
        id=site.id, name=site.name, role=site.role, address=site.address,
        contact=Contact(full_name=site.contact_name, phone=site.contact_phone, email=site.contact_email),
        expected_delegates=site.expected_delegates, **_unit_fields(site), unit_pending=site.unit_pending,
    )


def _site_form(site: DirectorySite | Site | None) -> dict[str, Any]:
    if site is None:
        return {"role": "remote"}
    return {
        "name": site.name, "role": site.role, "address": site.address,
        "contact.full_name": site.contact_name, "contact.phone": site.contact_phone,
        "contact.email": site.contact_email,
        "expected_delegates": "" if site.expected_delegates is None else str(site.expected_delegates),
    }


async def _upload_bytes(upload: UploadFile | None) -> bytes:
    if upload is None:
        raise InvalidInput("Choose a CSV or XLSX file.", field_errors={"file": N_("Choose a file.")})
    content = await upload.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        raise TooLarge("The file is larger than 5 MB.")
    return content


def _import_error_rows(exc: DomainError) -> list[dict[str, Any]]:
    return [row_error(r) for r in exc.extra.get("errors", [])]


class DirectoryPages(Controller):
    path = "/directory"
    include_in_schema = False

    @get("/")
    async def index(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, q: str = "") -> Template:
        sites = await services.list_directory(db_session, actor, q)
        return page_or_fragment(request, "sites/directory.html", "sites/_directory_table.html", sites=sites, q=q, user=actor)

    @get("/new")
    async def new(self, actor: User | None) -> Template:
        require_editor(actor)
        return page("sites/directory_form.html", form=_site_form(None), errors={}, site=None)

    @post("/new")
    async def create(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None) -> Template | Redirect:
        form = await form_data(request)
        try:
            await services.create_directory_site(db_session, actor, to_struct(SiteInput, form))
        except InvalidInput as exc:
            return page("sites/directory_form.html", form=form, errors=exc.field_errors, message=exc.message, site=None, status_code=422)
        except DomainError as exc:
            if not exc.field_errors:
                raise
            return page("sites/directory_form.html", form=form, errors=exc.field_errors, message=exc.message, site=None, status_code=exc.status_code)
        return Redirect("/directory")

    @get("/{site_id:int}")
    async def edit(self, db_session: AsyncSession, actor: User | None, site_id: int) -> Template:
        site = await services.get_directory_site(db_session, actor, site_id)
        return page("sites/directory_form.html", form=_site_form(site), errors={}, site=site)

    @post("/{site_id:int}")
    async def update(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, site_id: int) -> Template | Redirect:
        form = await form_data(request)
        try:
            await services.update_directory_site(db_session, actor, site_id, to_struct(SiteInput, form))
        except DomainError as exc:
            if not exc.field_errors:
                raise
            site = await services.get_directory_site(db_session, actor, site_id)
            return page("sites/directory_form.html", form=form, errors=exc.field_errors, message=exc.message, site=site, status_code=exc.status_code)
        return Redirect("/directory")

    @post("/{site_id:int}/delete")
    async def remove(self, db_session: AsyncSession, actor: User | None, site_id: int) -> Redirect:
        await services.delete_directory_site(db_session, actor, site_id)
        return Redirect("/directory")

    @post("/import")
    async def import_file(
        self, db_session: AsyncSession, actor: User | None,
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Template | Redirect:
        try:
            created = (await services.import_directory(db_session, actor, await _upload_bytes(data.get("file")))).created
        except (InvalidInput, TooLarge) as exc:
            sites = await services.list_directory(db_session, actor)
            return page(
                "sites/directory.html", sites=sites, q="", user=actor, import_message=exc.message,
                import_errors=_import_error_rows(exc), status_code=exc.status_code,
            )
        return Redirect(f"/directory?imported={created}")


class MeetingSitePages(Controller):
    path = "/meetings/{meeting_id:int}/sites"
    include_in_schema = False

    async def _show_with_errors(self, db: AsyncSession, actor: Any, meeting_id: int, exc: DomainError, form: dict[str, Any]) -> Template:
        meeting = await get_meeting(db, actor, meeting_id)
        sites = await services.list_sites(db, actor, meeting_id)
        return page(
            "meetings/sites.html", meeting=meeting, sites=sites, user=actor, transitions=await offered_actions(db, meeting),
            site_form=form, site_errors=exc.field_errors, site_message=exc.message,
            import_errors=_import_error_rows(exc), status_code=exc.status_code,
        )

    @get("/")
    async def index(self, db_session: AsyncSession, actor: User | None, meeting_id: int) -> Template:
        """The Sites tab of the meeting workspace."""
        meeting = await get_meeting(db_session, actor, meeting_id)
        sites = await services.list_sites(db_session, actor, meeting_id)
        return page("meetings/sites.html", meeting=meeting, sites=sites, user=actor)

    @post("/")
    async def add(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int) -> Template | Redirect:
        form = await form_data(request)
        try:
            await services.add_site(db_session, actor, request.app.state.site_keys, meeting_id, to_struct(SiteInput, form))
        except DomainError as exc:
            if not exc.field_errors:
                raise
            return await self._show_with_errors(db_session, actor, meeting_id, exc, form)
        return Redirect(f"/meetings/{meeting_id}/sites/")

    @get("/pick")
    async def pick(self, db_session: AsyncSession, actor: User | None, meeting_id: int) -> Template:
        meeting = await get_meeting(db_session, actor, meeting_id)
        directory = await services.list_directory(db_session, actor)
        present = {s.directory_site_id for s in await services.list_sites(db_session, actor, meeting_id)}
        return page("sites/pick.html", meeting=meeting, directory=directory, present=present)

    @post("/pick")
    async def add_picked(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int) -> Redirect:
        form = await form_data(request)
        raw = form.get("site_ids[]", [])
        try:
            ids = [int(v) for v in (raw if isinstance(raw, list) else [raw])]
        except ValueError as exc:
            raise InvalidInput("Choose sites from the list.") from exc
        await services.add_from_directory(db_session, actor, request.app.state.site_keys, meeting_id, ids)
        return Redirect(f"/meetings/{meeting_id}/sites/")

    @post("/import")
    async def import_file(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int,
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Template | Redirect:
        try:
            await services.import_sites(
                db_session, actor, request.app.state.site_keys, meeting_id, await _upload_bytes(data.get("file"))
            )
        except (InvalidInput, TooLarge) as exc:
            return await self._show_with_errors(db_session, actor, meeting_id, exc, {})
        return Redirect(f"/meetings/{meeting_id}/sites/")

    @post("/{site_id:int}/delete")
    async def remove(self, db_session: AsyncSession, actor: User | None, meeting_id: int, site_id: int) -> Redirect:
        await services.remove_site(db_session, actor, meeting_id, site_id)
        return Redirect(f"/meetings/{meeting_id}/sites/")


class DirectoryApi(Controller):
    path = "/api/v1/directory"
    tags = ["directory"]

    @get("/")
    async def list_sites(self, db_session: AsyncSession, actor: User | None, q: str = "") -> list[DirectorySiteOut]:
        """The agency's site directory."""
        return [directory_out(s) for s in await services.list_directory(db_session, actor, q)]

    @post("/")
    async def create(self, db_session: AsyncSession, actor: User | None, data: Annotated[SiteInput, Body()]) -> DirectorySiteOut:
        return directory_out(await services.create_directory_site(db_session, actor, data))

    @post("/import", status_code=201)
    async def import_file(
        self, db_session: AsyncSession, actor: User | None,
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> ImportResult:
        """CSV (UTF-8) or XLSX, columns as for meeting sites; any bad row creates nothing."""
        outcome = await services.import_directory(db_session, actor, await _upload_bytes(data.get("file")))
        return ImportResult(created=outcome.created, errors=[], to_confirm=outcome.to_confirm)

    @delete("/{site_id:int}")
    async def remove(self, db_session: AsyncSession, actor: User | None, site_id: int) -> None:
        await services.delete_directory_site(db_session, actor, site_id)


class MeetingSiteApi(Controller):
    path = "/api/v1/meetings/{meeting_id:int}/sites"
    tags = ["sites"]

    @post("/")
    async def create(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int,
        data: Annotated[SiteInput, Body()],
    ) -> SiteOut:
        """Add a site; the answer carries its secret link (``access_url``) and ``token``."""
        site, token = await services.add_site(db_session, actor, request.app.state.site_keys, meeting_id, data)
        await db_session.refresh(site, ["delegates"])
        return site_out(request, site, token)

    @get("/")
    async def list_sites(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int) -> list[SiteOut]:
        show_link = bool(actor is not None and actor.can_edit)
        return [site_out(request, s, show_link=show_link) for s in await services.list_sites(db_session, actor, meeting_id)]

    @post("/from-directory", status_code=201)
    async def from_directory(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int,
        data: Annotated[DirectoryPick, Body()],
    ) -> ImportResult:
        created = await services.add_from_directory(
            db_session, actor, request.app.state.site_keys, meeting_id, data.directory_site_ids
        )
        return ImportResult(created=created, errors=[])

    @post("/import", status_code=201)
    async def import_file(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int,
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> ImportResult:
        """CSV (UTF-8) or XLSX, one site a row; a file with any bad row creates nothing."""
        outcome = await services.import_sites(
            db_session, actor, request.app.state.site_keys, meeting_id, await _upload_bytes(data.get("file"))
        )
        return ImportResult(created=outcome.created, errors=[], to_confirm=outcome.to_confirm)

    @delete("/{site_id:int}")
    async def remove(self, db_session: AsyncSession, actor: User | None, meeting_id: int, site_id: int) -> None:
        await services.remove_site(db_session, actor, meeting_id, site_id)


ROUTES = [DirectoryPages, MeetingSitePages, DirectoryApi, MeetingSiteApi]
