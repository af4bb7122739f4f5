"""Who is acting: a secretariat user from the session (pages) or a bearer token (API).

The API takes bearer tokens only, so it needs no CSRF protection; pages take the
session cookie only, and every form carries a CSRF token.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.accounts.models import User
from confmgr.accounts.services import user_for_api_token
from confmgr.web.csrf import SESSION_CSRF_KEY, bind_new_token
from confmgr.web.sessions import rotate_session

SESSION_USER_KEY = "user_id"
SESSION_VERSION_KEY = "cv"


def bearer_token(request: Request[Any, Any, Any]) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def is_api(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/")


async def provide_actor(request: Request[Any, Any, Any], db_session: AsyncSession) -> User | None:
    """The acting secretariat user, or None; services decide what None may do."""
    if "actor" in request.state:
        return request.state.actor  # type: ignore[no-any-return]
    user: User | None = None
    if is_api(request):
        token = bearer_token(request)
        if token:
            user = await user_for_api_token(db_session, token)
    else:
        user = await session_user(request, db_session)
    request.state.actor = user
    return user


async def session_user(request: Request[Any, Any, Any], db: AsyncSession) -> User | None:
    """The logged-in user of the request's session, if the session is still valid:
    the user is active and their credentials have not changed since the login."""
    if "session" not in request.scope:
        return None
    return await _user_of_session(db, request.session)


async def cookie_session_user(request: Request[Any, Any, Any], db: AsyncSession) -> User | None:
    """The logged-in user behind a request the session middleware skips (a site's link,
    ``/s/...``): the session is read from its store, never written or prolonged. A site
    contact has no session, so their requests cost nothing more than the cookie lookup."""
    config = request.app.state.session_config
    session_id = request.cookies.get(config.key)
    if not session_id or session_id == "null":
        return None
    backend = config._backend_class(config=config)
    data = await backend.get(session_id, config.get_store_from_app(request.app))
    if not data:
        return None
    session = backend.deserialize_data(data)
    return await _user_of_session(db, session) if isinstance(session, dict) else None


async def _user_of_session(db: AsyncSession, session: Any) -> User | None:
    user_id = session.get(SESSION_USER_KEY)
    if not isinstance(user_id, int):
        return None
    user = await db.get(User, user_id)
    if user is None or not user.is_active or session.get(SESSION_VERSION_KEY) != user.credential_version:
        return None
    return user


def log_in(request: Request[Any, Any, Any], user: User) -> None:
    # A fresh session id on login: an id planted before login never becomes a logged-in one.
    rotate_session(request)
    # A fresh CSRF token too, bound to this session (confmgr.web.csrf).
    request.set_session({
        SESSION_USER_KEY: user.id, SESSION_VERSION_KEY: user.credential_version,
        SESSION_CSRF_KEY: bind_new_token(request),
    })


def log_out(request: Request[Any, Any, Any]) -> None:
    request.clear_session()
