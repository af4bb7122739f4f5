"""Pages that belong to no feature: home, language choice, health check."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import File, Redirect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.accounts.models import User
from confmgr.i18n import LOCALE_COOKIE, LOCALES
from confmgr.web.forms import form_data


@get("/", include_in_schema=False)
async def home(actor: User | None) -> Redirect:
    return Redirect("/meetings" if actor else "/login")


@post("/language", include_in_schema=False)
async def choose_language(request: Request[Any, Any, Any]) -> Redirect:
    form = await form_data(request)
    lang = form.get("lang") if form.get("lang") in LOCALES else "vi"
    back = form.get("next") or "/"
    if not str(back).startswith("/") or str(back).startswith("//"):
        back = "/"
    response = Redirect(str(back))
    response.set_cookie(LOCALE_COOKIE, str(lang), max_age=365 * 86400, samesite="lax", httponly=True)
    return response


@get("/health", include_in_schema=False)
async def health(db_session: AsyncSession) -> dict[str, str]:
    await db_session.execute(text("SELECT 1"))
    return {"status": "ok"}


@get("/favicon.ico", include_in_schema=False, media_type="image/x-icon")
async def favicon(request: Request[Any, Any, Any]) -> File:
    """Browsers ask for it on every page; answering spares a 404 in every log."""
    path = request.app.state.settings.static_dir / "img" / "favicon.ico"
    return File(path=path, media_type="image/x-icon", headers={"Cache-Control": "public, max-age=86400"})


ROUTES = [home, choose_language, health, favicon]
