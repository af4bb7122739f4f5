"""Accounts: passwords (Argon2), login with throttling, users, API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from litestar.stores.base import Store
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.accounts import throttle
from confmgr.accounts.models import ApiToken, Role, User
from confmgr.accounts.permissions import require_admin
from confmgr.audit.services import apply_changes, record
from confmgr.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, TooManyRequests
from confmgr.text import clean_line
from confmgr.i18n import N_

_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps the timing of a wrong
# username and a wrong password alike.
_DUMMY_HASH = _hasher.hash("confmgr-timing-equaliser")
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def _validate_user_fields(username: str, role: str, password: str | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not USERNAME_RE.match(username):
        errors["username"] = N_("A username has 3 to 64 lower-case letters, digits, dots, dashes or underscores.")
    if role not in {r.value for r in Role}:
        errors["role"] = N_("Choose a role: administrator, secretary, viewer or clerk.")
    if password is not None and len(password) < MIN_PASSWORD:
        errors["password"] = N_("A password has at least 10 characters.")
    return errors


async def create_user(
    db: AsyncSession,
    actor: Any,
    *,
    username: str,
    role: str,
    password: str,
    full_name: str = "",
) -> User:
    """Create a secretariat user; ``actor`` is None for the command line (the machine's owner)."""
    if actor is not None:
        require_admin(actor)
    username = clean_line(username).lower()
    errors = _validate_user_fields(username, role, password)
    if errors:
        raise InvalidInput("Please correct the highlighted fields.", field_errors=errors)
    if await db.scalar(select(User.id).where(User.username == username)):
        raise Conflict(
            "The username {username} is taken.",
            params={"username": username},
            field_errors={"username": N_("This username is taken.")},
        )
    user = User(username=username, role=role, password_hash=hash_password(password), full_name=clean_line(full_name))
    db.add(user)
    await db.flush()
    record(db, actor, "create", "user", user.id, changes={"username": username, "role": role})
    return user


async def update_user(
    db: AsyncSession,
    actor: Any,
    user_id: int,
    *,
    full_name: str,
    role: str,
    is_active: bool,
    password: str | None = None,
) -> User:
    admin = require_admin(actor)
    user = await db.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    errors = _validate_user_fields(user.username, role, password or None)
    if errors:
        raise InvalidInput("Please correct the highlighted fields.", field_errors=errors)
    if user.id == admin.id and (role != Role.ADMIN.value or not is_active):
        raise InvalidInput(
            "You cannot take away your own administrator role; ask another administrator.",
            field_errors={"role": N_("You cannot take away your own administrator role.")},
        )
    changes = apply_changes(user, {"full_name": clean_line(full_name), "role": role, "is_active": is_active})
    if password:
        user.password_hash = hash_password(password)
        changes["password"] = ["***", "***"]
    if password or "role" in changes or "is_active" in changes:
        await end_credentials(db, user)
    if changes:
        record(db, admin, "update", "user", user.id, changes=changes)
    return user


async def end_credentials(db: AsyncSession, user: User) -> None:
    """Every session and API token of ``user`` stops working: the version their
    sessions carry no longer matches, and the tokens are deleted."""
    user.credential_version = (user.credential_version or 1) + 1
    await db.execute(delete(ApiToken).where(ApiToken.user_id == user.id))


async def revoke_api_token(db: AsyncSession, user: User, token: str) -> bool:
    """``DELETE /api/v1/auth/token``: the presented token ends now."""
    result = await db.execute(
        delete(ApiToken).where(ApiToken.user_id == user.id, ApiToken.token_hash == _token_digest(token))
    )
    return bool(result.rowcount)


async def revoke_user_tokens(db: AsyncSession, actor: Any, user_id: int) -> int:
    """An administrator ends every API token of a user (their sessions stay)."""
    admin = require_admin(actor)
    user = await db.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    result = await db.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    record(db, admin, "revoke_tokens", "user", user.id, changes={"tokens": int(result.rowcount or 0)})
    return int(result.rowcount or 0)


async def count_api_tokens(db: AsyncSession) -> dict[int, int]:
    now = datetime.now(UTC)
    rows = await db.execute(
        select(ApiToken.user_id, func.count(ApiToken.id)).where(ApiToken.expires_at > now).group_by(ApiToken.user_id)
    )
    return {int(user_id): int(n) for user_id, n in rows}


async def list_users(db: AsyncSession, actor: Any) -> list[User]:
    require_admin(actor)
    return list(await db.scalars(select(User).order_by(User.username)))


async def count_users(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count(User.id))) or 0)


async def authenticate(
    db: AsyncSession,
    store: Store,
    *,
    username: str,
    password: str,
    client: str,
    max_failures: int,
    window_seconds: int,
) -> User:
    """Check a login. Each attempt is counted before the password is checked (see
    ``accounts.throttle``); over a limit, even the right password is refused."""
    username = clean_line(username).lower()
    if not await throttle.take_attempt(store, username, client, throttle.Limits(max_failures, window_seconds)):
        raise TooManyRequests("Too many failed logins. Please wait 15 minutes and try again.")
    user = await db.scalar(select(User).where(User.username == username))
    # Argon2 takes tens of milliseconds of CPU: off the event loop.
    ok = await anyio.to_thread.run_sync(verify_password, user.password_hash if user else _DUMMY_HASH, password)
    if not ok or user is None or not user.is_active:
        raise NotAuthenticated("Wrong username or password.")
    await throttle.succeeded(store, username, client)
    user.last_login_at = datetime.now(UTC)
    record(db, user, "login", "user", user.id)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_api_token(db: AsyncSession, user: User, hours: int) -> str:
    token = secrets.token_urlsafe(32)
    db.add(ApiToken(user_id=user.id, token_hash=_token_digest(token), expires_at=datetime.now(UTC) + timedelta(hours=hours)))
    return token


async def user_for_api_token(db: AsyncSession, token: str) -> User | None:
    row = await db.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if row is None or row.expires_at < datetime.now(UTC) or not row.user.is_active:
        return None
    return row.user
