"""Login, logout, user administration and API tokens."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.accounts import services
from confmgr.accounts.models import Role, User
from confmgr.accounts.permissions import require_user

from confmgr.errors import DomainError, InvalidInput
from confmgr.web.auth import bearer_token, log_in, log_out
from confmgr.web.forms import form_data
from confmgr.web.render import page


def _client(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/meetings"


class LoginController(Controller):
    include_in_schema = False

    @get("/login")
    async def login_page(self, actor: User | None, next: str | None = None) -> Template | Redirect:
        if actor:
            return Redirect(_safe_next(next))
        return page("accounts/login.html", next=_safe_next(next), form={}, error=None)

    @post("/login")
    async def login(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template | Redirect:
        form = await form_data(request)
        settings = request.app.state.settings
        try:
            user = await services.authenticate(
                db_session,
                request.app.stores.get("throttle"),
                username=str(form.get("username", "")),
                password=str(form.get("password", "")),
                client=_client(request),
                max_failures=settings.login_max_failures,
                window_seconds=settings.login_window_seconds,
            )
        except DomainError as exc:
            return page(
                "accounts/login.html",
                next=_safe_next(form.get("next")),
                form={"username": form.get("username", "")},
                error=exc.message,
                status_code=exc.status_code,
            )
        log_in(request, user)
        return Redirect(_safe_next(form.get("next")))

    @post("/logout")
    async def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        log_out(request)
        return Redirect("/login")


class UsersController(Controller):
    path = "/admin/users"
    include_in_schema = False

    @get("/")
    async def list_users(self, db_session: AsyncSession, actor: User | None) -> Template:
        users = await services.list_users(db_session, actor)
        tokens = await services.count_api_tokens(db_session)
        return page("accounts/users.html", users=users, roles=[r.value for r in Role], form={}, errors={}, tokens=tokens)

    @post("/")
    async def create_user(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None) -> Template | Redirect:
        form = await form_data(request)
        try:
            await services.create_user(
                db_session, actor,
                username=str(form.get("username", "")), role=str(form.get("role", "")),
                password=str(form.get("password", "")), full_name=str(form.get("full_name", "")),
            )
        except InvalidInput as exc:
            return await self._users_with_errors(db_session, actor, form, exc)
        except DomainError as exc:
            if not exc.field_errors:
                raise
            return await self._users_with_errors(db_session, actor, form, exc)
        return Redirect("/admin/users")

    async def _users_with_errors(self, db: AsyncSession, actor: Any, form: dict[str, Any], exc: DomainError) -> Template:
        users = await services.list_users(db, actor)
        form = {k: v for k, v in form.items() if k != "password"}
        return page(
            "accounts/users.html", users=users, roles=[r.value for r in Role], form=form,
            errors=exc.field_errors, message=exc.message, status_code=exc.status_code,
        )

    @post("/{user_id:int}")
    async def update_user(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, user_id: int
    ) -> Template | Redirect:
        form = await form_data(request)
        try:
            await services.update_user(
                db_session, actor, user_id,
                full_name=str(form.get("full_name", "")), role=str(form.get("role", "")),
                is_active=form.get("is_active") == "on", password=str(form.get("password") or "") or None,
            )
        except InvalidInput as exc:
            return await self._users_with_errors(db_session, actor, {}, exc)
        return Redirect("/admin/users")

    @post("/{user_id:int}/revoke-tokens")
    async def revoke_tokens(self, db_session: AsyncSession, actor: User | None, user_id: int) -> Redirect:
        """End every API token of a user (a lost laptop, a script that leaked one)."""
        await services.revoke_user_tokens(db_session, actor, user_id)
        return Redirect("/admin/users")


class TokenRequest(msgspec.Struct, forbid_unknown_fields=True):
    username: str
    password: str


class TokenResponse(msgspec.Struct):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = 0


class AuthApiController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/token", status_code=200)
    async def token(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, data: Annotated[TokenRequest, Body()]
    ) -> TokenResponse:
        """Exchange a secretariat user's name and password for a bearer token."""
        settings = request.app.state.settings
        user = await services.authenticate(
            db_session,
            request.app.stores.get("throttle"),
            username=data.username,
            password=data.password,
            client=_client(request),
            max_failures=settings.login_max_failures,
            window_seconds=settings.login_window_seconds,
        )
        token = await services.issue_api_token(db_session, user, settings.api_token_hours)
        return TokenResponse(access_token=token, expires_in=settings.api_token_hours * 3600)

    @delete("/token", status_code=204)
    async def revoke_token(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None) -> None:
        """End the bearer token this request carries (log out of the API)."""
        user = require_user(actor)
        token = bearer_token(request)
        if token:
            await services.revoke_api_token(db_session, user, token)

    @get("/me")
    async def me(self, actor: User | None) -> dict[str, Any]:
        """The user the bearer token belongs to."""
        user = require_user(actor)
        return {"id": user.id, "username": user.username, "full_name": user.full_name, "role": user.role}


ROUTES = [LoginController, UsersController, AuthApiController]

