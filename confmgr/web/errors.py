"""Errors as people and programs should see them: a Vietnamese page, or JSON.

Never a stack trace. The API answers ``{"status_code", "detail"}`` (plus ``errors``
where fields or rows are at fault).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.exc import StatementError

from confmgr.errors import DomainError, NotAuthenticated
from confmgr.i18n import N_, gettext
from confmgr.web.auth import is_api
from confmgr.web.render import is_htmx

log = logging.getLogger("confmgr")

PAGE_MESSAGES = {
    400: N_("The request could not be understood."),
    401: N_("Please log in."),
    403: N_("You do not have permission to do this."),
    404: N_("The page you asked for does not exist."),
    405: N_("This action is not possible here."),
    409: N_("This change conflicts with the current state."),
    413: N_("The file is too large."),
    422: N_("Please correct the highlighted fields."),
    429: N_("Too many requests. Please wait a moment and try again."),
    500: N_("Something went wrong on our side. The error was recorded; please try again."),
}


def _translated_errors(exc: DomainError) -> list[dict[str, Any]]:
    rows = exc.extra.get("errors") or []
    return [row_error(r) for r in rows]


def row_error(row: dict[str, Any]) -> dict[str, Any]:
    """An import row error in the request's language."""
    message_id = row["message"]
    return {"row": row["row"], "message": gettext(message_id, **row.get("params", {}))}


def json_error(status_code: int, detail: str, **extra: Any) -> Response[Any]:
    return Response({"status_code": status_code, "detail": detail, **extra}, status_code=status_code, media_type=MediaType.JSON)


def error_page(request: Request[Any, Any, Any], status_code: int, message: str) -> Template:
    template = "errors/_message.html" if is_htmx(request) else "errors/error.html"
    return Template(template_name=template, context={"status_code": status_code, "message": message}, status_code=status_code)


def domain_error_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    detail = gettext(exc.message, **exc.params)
    if is_api(request):
        extra: dict[str, Any] = {}
        if exc.field_errors:
            extra["fields"] = {k: gettext(v) for k, v in exc.field_errors.items()}
        if exc.extra.get("errors") is not None:
            extra["errors"] = _translated_errors(exc)
        if "created" in exc.extra:
            extra["created"] = exc.extra["created"]
        if "job_id" in exc.extra:  # the job already doing what was asked (a mailing running)
            extra["job_id"] = exc.extra["job_id"]
        return json_error(exc.status_code, detail, **extra)
    if isinstance(exc, NotAuthenticated) and request.method == "GET":
        target = "/login?next=" + quote(request.url.path)
        if is_htmx(request):
            return Response(b"", status_code=200, headers={"HX-Redirect": target})
        return Redirect(target)
    return error_page(request, exc.status_code, detail)  # type: ignore[return-value]


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if is_api(request):
        if isinstance(exc, ValidationException):
            return json_error(status, gettext(N_("The request body is not valid.")), errors=exc.extra or [])
        detail = exc.detail if status != 500 else PAGE_MESSAGES[500]
        if status in (401, 403, 404, 405, 413, 429):
            detail = gettext(PAGE_MESSAGES[status])
        return json_error(status, detail)
    message = PAGE_MESSAGES.get(status, PAGE_MESSAGES[400])
    if status == 403 and "csrf" in str(exc.detail).lower():
        message = N_("The form expired or did not come from this site. Please reload the page and try again.")
    return error_page(request, status, gettext(message))  # type: ignore[return-value]


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if is_api(request):
        return json_error(500, gettext(PAGE_MESSAGES[500]))
    return error_page(request, HTTP_500_INTERNAL_SERVER_ERROR, gettext(PAGE_MESSAGES[500]))  # type: ignore[return-value]


def too_deep_handler(request: Request[Any, Any, Any], exc: RecursionError) -> Response[Any]:
    """JSON nested thousands deep: the client's mistake (400), not a traceback in the log."""
    log.warning("refused a request nested too deep on %s %s", request.method, request.url.path)
    return _bad_request(request, 400, N_("The request is nested too deeply to be read."))


def out_of_range_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A number or date no column can hold (an id of 1e20, the year 1): 422, nothing changed.
    Services check what they can name; this is the net under every other field."""
    if isinstance(exc, StatementError) and not _is_range_error(exc):
        return internal_error_handler(request, exc)
    log.warning("refused an out-of-range value on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return _bad_request(request, 422, N_("A number or date in the request is out of range."))


def _is_range_error(exc: StatementError) -> bool:
    text = str(exc.orig if exc.orig is not None else exc).lower()
    return isinstance(exc.orig, OverflowError) or "out of range" in text or "too large" in text or "overflow" in text


def _bad_request(request: Request[Any, Any, Any], status: int, message: str) -> Response[Any]:
    if is_api(request):
        return json_error(status, gettext(message))
    return error_page(request, status, gettext(message))  # type: ignore[return-value]


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: domain_error_handler,
    HTTPException: http_error_handler,
    RecursionError: too_deep_handler,
    OverflowError: out_of_range_handler,
    # A value the driver refused (DBAPIError) or SQLAlchemy could not convert to bind.
    StatementError: out_of_range_handler,
    Exception: internal_error_handler,
}
