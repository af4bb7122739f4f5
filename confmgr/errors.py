"""Domain errors raised by services and turned into pages or JSON by the app.

Messages are gettext message ids (English); they are translated when shown, in the
language of the request. ``field_errors`` maps a form field to its message id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DomainError(Exception):
    status_code = 400

    def __init__(
        self,
        message: str,
        *,
        field_errors: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors = dict(field_errors or {})
        self.params = dict(params or {})
        self.extra = dict(extra or {})


class InvalidInput(DomainError):
    status_code = 422


class NotAuthenticated(DomainError):
    status_code = 401


class PermissionDenied(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class TooLarge(DomainError):
    status_code = 413


class TooManyRequests(DomainError):
    status_code = 429
