"""The agency profile page and ``/api/v1/agency``."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post, put
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.accounts.models import User
from confmgr.accounts.permissions import require_user
from confmgr.agency import services
from confmgr.agency.schemas import AgencyData
from confmgr.errors import InvalidInput, NotFound
from confmgr.web.forms import form_data
from confmgr.web.render import page


def _out(agency: Any) -> AgencyData:
    return AgencyData(
        name=agency.name, parent_name=agency.parent_name, abbreviation=agency.abbreviation, place_name=agency.place_name,
        drafting_unit=agency.drafting_unit or "", archive_copies=agency.archive_copies,
        days_off=[str(d) for d in agency.days_off or []],
    )


def _form_of(agency: Any) -> dict[str, Any]:
    form = {f: getattr(agency, f) for f in AgencyData.__struct_fields__}
    form["archive_copies"] = "" if agency.archive_copies is None else str(agency.archive_copies)
    form["days_off"] = "\n".join(
        f"{d[8:10]}/{d[5:7]}/{d[0:4]}" for d in (str(x) for x in agency.days_off or []) if len(d) == 10
    )
    return form


class AgencyPage(Controller):
    path = "/admin/agency"
    include_in_schema = False

    @get("/")
    async def show(self, db_session: AsyncSession, actor: User | None, saved: bool = False) -> Template:
        user = require_user(actor)
        agency = await services.get_agency(db_session)
        form = {} if agency is None else _form_of(agency)
        return page("agency/edit.html", form=form, errors={}, saved=saved, can_edit=user.is_admin)

    @post("/")
    async def save(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None) -> Template | Redirect:
        form = await form_data(request)
        try:
            await services.save_agency(
                db_session, actor, **{f: str(form.get(f, "")) for f in AgencyData.__struct_fields__}
            )
        except InvalidInput as exc:
            return page("agency/edit.html", form=form, errors=exc.field_errors, saved=False, can_edit=True,
                        message=exc.message, status_code=422)
        return Redirect("/admin/agency?saved=true")


class AgencyApi(Controller):
    path = "/api/v1/agency"
    tags = ["agency"]

    @get("/")
    async def read(self, db_session: AsyncSession, actor: User | None) -> AgencyData:
        """The issuing agency that heads every document."""
        require_user(actor)
        agency = await services.get_agency(db_session)
        if agency is None:
            raise NotFound("The agency profile has not been set yet.")
        return _out(agency)

    @put("/")
    async def write(self, db_session: AsyncSession, actor: User | None, data: Annotated[AgencyData, Body()]) -> AgencyData:
        """Set the issuing agency (administrators only)."""
        agency = await services.save_agency(
            db_session, actor, name=data.name, parent_name=data.parent_name,
            abbreviation=data.abbreviation, place_name=data.place_name,
            drafting_unit=data.drafting_unit, archive_copies=data.archive_copies, days_off=data.days_off,
        )
        return _out(agency)


ROUTES = [AgencyPage, AgencyApi]
