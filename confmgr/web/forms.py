"""From form fields to the same typed inputs the API takes.

Form field names use dots for nested objects (``chair.full_name``); empty strings
are missing values. Type errors become field errors in the person's language.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec

from confmgr.errors import InvalidInput
from confmgr.i18n import N_

T = TypeVar("T")
_PATH = re.compile(r"at `\$\.?([^`]*)`")
# <input type="datetime-local"> sends minutes without seconds, which RFC 3339 requires.
_LOCAL_MINUTES = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")


def nest(form: dict[str, Any], *, keep_empty: frozenset[str] = frozenset()) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in form.items():
        if key.startswith("_"):
            continue  # csrf token and other technical fields
        if value == "" and key not in keep_empty:
            continue
        target = data
        parts = key.split(".")
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        if isinstance(value, str) and _LOCAL_MINUTES.match(value):
            value += ":00"
        target[parts[-1]] = value
    return data


def to_struct(kind: type[T], form: dict[str, Any], **kwargs: Any) -> T:
    try:
        return msgspec.convert(nest(form, **kwargs), type=kind, strict=False)
    except msgspec.ValidationError as exc:
        match = _PATH.search(str(exc))
        field = match.group(1).replace("[", ".").replace("]", "") if match else ""
        message = N_("This field is required.") if "missing required field" in str(exc) else N_("This value is not valid.")
        if "missing required field" in str(exc):
            missing = re.search(r"`([^`]+)`", str(exc))
            if missing:
                field = f"{field}.{missing.group(1)}" if field else missing.group(1)
        raise InvalidInput("Please correct the highlighted fields.", field_errors={field: message}) from exc


async def form_data(request: Any) -> dict[str, Any]:
    """The submitted form as a dict; repeated fields (checkboxes) become lists."""
    form = await request.form()
    data: dict[str, Any] = {}
    for key in form.keys():
        values = form.getall(key)
        data[key] = values if key.endswith("[]") else values[-1]
    return data
