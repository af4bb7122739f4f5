"""Role checks; services call these with the acting user before they change anything."""

from __future__ import annotations

from typing import Any

from confmgr.accounts.models import User
from confmgr.errors import NotAuthenticated, PermissionDenied


def require_user(actor: Any) -> User:
    if not isinstance(actor, User) or not actor.is_active:
        raise NotAuthenticated("Please log in.")
    return actor


def require_editor(actor: Any) -> User:
    user = require_user(actor)
    if not user.can_edit:
        raise PermissionDenied("Your role may only view; ask an administrator to change this.")
    return user


def require_admin(actor: Any) -> User:
    user = require_user(actor)
    if not user.is_admin:
        raise PermissionDenied("Only an administrator may do this.")
    return user
