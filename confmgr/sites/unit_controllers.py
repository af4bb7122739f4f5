"""Pages and API routes for sites from the official list of administrative units."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post, put
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.accounts.models import User
from confmgr.accounts.permissions import require_editor, require_user
from confmgr.errors import DomainError
from confmgr.i18n import N_, gettext
from confmgr.meetings.access import get_meeting
from confmgr.sites import unit_services as services
from confmgr.sites import units as official
from confmgr.sites.controllers import directory_out, site_out
from confmgr.sites.schemas import DirectorySiteOut, SiteOut, UnitConfirm, UnitsAdded, UnitsInput
from confmgr.web.forms import form_data
from confmgr.web.render import page

KIND_LABELS = {"xa": N_("Communes (xã)"), "phuong": N_("Wards (phường)"), "dac_khu": N_("Special zones (đặc khu)")}


def _first(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value is None else str(value)


def _units_page(action: str, back: str, form: dict[str, Any], *, meeting: Any = None, errors: dict[str, str] | None = None,
                message: str | None = None, status_code: int = 200) -> Template:
    try:
        choice = services.parse_choice(form.get("province"), form.get("type"), form.get("prefix"))
    except DomainError:
        choice = services.UnitChoice()
    return page(
        "sites/units.html", action=action, back=back, meeting=meeting, form=form, errors=errors or {}, message=message,
        provinces=official.provinces(), kinds=[(k, gettext(v)) for k, v in KIND_LABELS.items()],
        preview=services.preview(choice), status_code=status_code,
    )


def _count_fragment(province: str | None, type: str | None, prefix: str | None) -> Template:
    try:
        choice = services.parse_choice(province, type, prefix)
    except DomainError:
        choice = services.UnitChoice()
    return page("sites/_units_count.html", preview=services.preview(choice))


def _form_from_query(province: str | None, type: str | None, prefix: str | None) -> dict[str, Any]:
    return {"province": province or "", "type": type or "", "prefix": services.DEFAULT_PREFIX if prefix is None else prefix}


class DirectoryUnitPages(Controller):
    path = "/directory/units"
    include_in_schema = False

    @get("/")
    async def form(self, actor: User | None, province: str | None = None, type: str | None = None, prefix: str | None = None) -> Template:
        require_editor(actor)
        return _units_page("/directory/units", "/directory", _form_from_query(province, type, prefix))

    @get("/count")
    async def count(self, actor: User | None, province: str | None = None, type: str | None = None, prefix: str | None = None) -> Template:
        require_user(actor)
        return _count_fragment(province, type, prefix)

    @post("/")
    async def add(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None) -> Template | Redirect:
        form = await form_data(request)
        form = {k: _first(form.get(k)) for k in ("province", "type", "prefix")}
        try:
            choice = services.parse_choice(form["province"], form["type"], form["prefix"])
            result = await services.add_units_to_directory(db_session, actor, choice)
        except DomainError as exc:
            if not exc.field_errors:
                raise
            return _units_page("/directory/units", "/directory", form, errors=exc.field_errors, message=exc.message, status_code=exc.status_code)
        return Redirect(f"/directory?units_added={result.created}&units_skipped={result.skipped}")


    @post("/confirm/{entry_id:int}")
    async def confirm(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, entry_id: int) -> Redirect:
        form = await form_data(request)
        code = (_first(form.get("other_code")) or "").strip() or (_first(form.get("unit_code")) or "").strip()
        await services.confirm_directory_unit(db_session, actor, entry_id, code or None)
        return Redirect("/directory")


class MeetingUnitPages(Controller):
    path = "/meetings/{meeting_id:int}/sites"
    include_in_schema = False

    @get("/units")
    async def form(
        self, db_session: AsyncSession, actor: User | None, meeting_id: int,
        province: str | None = None, type: str | None = None, prefix: str | None = None,
    ) -> Template:
        require_editor(actor)
        meeting = await get_meeting(db_session, actor, meeting_id)
        return _units_page(
            f"/meetings/{meeting_id}/sites/units", f"/meetings/{meeting_id}", _form_from_query(province, type, prefix), meeting=meeting
        )

    @get("/units/count")
    async def count(self, actor: User | None, meeting_id: int, province: str | None = None, type: str | None = None, prefix: str | None = None) -> Template:
        require_user(actor)
        return _count_fragment(province, type, prefix)

    @post("/units")
    async def add(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int) -> Template | Redirect:
        form = await form_data(request)
        form = {k: _first(form.get(k)) for k in ("province", "type", "prefix")}
        try:
            choice = services.parse_choice(form["province"], form["type"], form["prefix"])
            await services.add_units_to_meeting(db_session, actor, request.app.state.site_keys, meeting_id, choice)
        except DomainError as exc:
            if not exc.field_errors:
                raise
            meeting = await get_meeting(db_session, actor, meeting_id)
            return _units_page(
                f"/meetings/{meeting_id}/sites/units", f"/meetings/{meeting_id}", form, meeting=meeting,
                errors=exc.field_errors, message=exc.message, status_code=exc.status_code,
            )
        return Redirect(f"/meetings/{meeting_id}#sites")

    @post("/{site_id:int}/unit")
    async def confirm(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, site_id: int) -> Redirect:
        form = await form_data(request)
        code = (_first(form.get("other_code")) or "").strip() or (_first(form.get("unit_code")) or "").strip()
        await services.confirm_site_unit(db_session, actor, meeting_id, site_id, code or None)
        return Redirect(f"/meetings/{meeting_id}#sites")


class UnitsApi(Controller):
    path = "/api/v1/units"
    tags = ["units"]

    @get("/provinces")
    async def list_provinces(self, actor: User | None) -> list[dict[str, Any]]:
        """The 34 provinces with their codes and how many units of each type they have."""
        require_user(actor)
        counts = official.count_by_province()
        return [
            {"code": p.code, "name": p.name, "units": sum(counts[p.code].values()), "by_type": counts[p.code]}
            for p in official.provinces()
        ]

    @get("/")
    async def list_units(self, actor: User | None, province: str | None = None, type: str | None = None) -> dict[str, Any]:
        """The official units of one province (or the country), optionally of one type."""
        require_user(actor)
        choice = services.parse_choice(province, type)
        chosen = official.select_units(choice.province, choice.kind)
        return {
            "count": len(chosen),
            "units": [
                {"unit_code": u.code, "name": u.name, "type": u.kind, "province_code": u.province_code, "site_name": services.unit_site_name(u)}
                for u in chosen
            ],
        }


class DirectoryUnitsApi(Controller):
    path = "/api/v1/directory/units"
    tags = ["directory"]

    @post("/", status_code=201)
    async def add(self, db_session: AsyncSession, actor: User | None, data: Annotated[UnitsInput, Body()]) -> UnitsAdded:
        """Add official units (a province or the whole country, optionally one type) to the directory."""
        choice = services.parse_choice(data.province, data.type, data.prefix)
        result = await services.add_units_to_directory(db_session, actor, choice)
        return UnitsAdded(created=result.created, skipped=result.skipped)




class DirectoryUnitConfirmApi(Controller):
    path = "/api/v1/directory"
    tags = ["directory"]

    @put("/{entry_id:int}/unit")
    async def confirm(self, db_session: AsyncSession, actor: User | None, entry_id: int, data: Annotated[UnitConfirm, Body()]) -> DirectorySiteOut:
        """Confirm which official unit a directory entry is (``null``: none)."""
        return directory_out(await services.confirm_directory_unit(db_session, actor, entry_id, data.unit_code))


class MeetingUnitsApi(Controller):
    path = "/api/v1/meetings/{meeting_id:int}/sites"
    tags = ["sites"]

    @post("/units", status_code=201)
    async def add(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int,
        data: Annotated[UnitsInput, Body()],
    ) -> UnitsAdded:
        """Add official units as sites of the meeting, each with its own link."""
        choice = services.parse_choice(data.province, data.type, data.prefix)
        result = await services.add_units_to_meeting(db_session, actor, request.app.state.site_keys, meeting_id, choice)
        return UnitsAdded(created=result.created, skipped=result.skipped)

    @put("/{site_id:int}/unit")
    async def confirm(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, site_id: int,
        data: Annotated[UnitConfirm, Body()],
    ) -> SiteOut:
        """Confirm which official unit a site is (``null``: none)."""
        site = await services.confirm_site_unit(db_session, actor, meeting_id, site_id, data.unit_code)
        await db_session.flush()
        await db_session.refresh(site, ["delegates"])
        return site_out(request, site)


ROUTES = [DirectoryUnitPages, MeetingUnitPages, UnitsApi, DirectoryUnitsApi, DirectoryUnitConfirmApi, MeetingUnitsApi]
