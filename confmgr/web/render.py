"""Rendering pages: the Jinja environment, its filters, and the page/fragment rule.

One template per page; the part htmx swaps is a ``_fragment.html`` the page
includes. The same URL answers the whole page, or the fragment to an htmx request.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from litestar import Request
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.response import Template
from jinja2 import pass_context
from markupsafe import Markup

from confmgr.i18n import LOCALES, current_locale, gettext
from confmgr.labels import (  # noqa: F401 (also imported from here)
    CHECK_LABELS,
    MODE_LABELS,
    RESPONSE_LABELS,
    ROLE_LABELS,
    SITE_ROLE_LABELS,
    STATUS_LABELS,
)
from confmgr.schemas import PERSON_FIELDS, Person, person_of
from confmgr.sites.units import match, province_of
from confmgr.text import nfc
from confmgr.timeutil import MONTHS_EN, input_value, page_date, page_datetime, to_vn  # noqa: F401 (also imported from here)
from confmgr.web.addresses import loopback_links_seen_from_elsewhere
from confmgr.web.confirm import CONSEQUENCES, start_question


def _t(message: str, **params: Any) -> str:
    return gettext(message, **params)


def _label(mapping: dict[str, str]) -> Any:
    # Takes the context so that Jinja never folds ``"ok" | check_label`` into the compiled
    # template: it would keep the language of whoever's page compiled it first.
    @pass_context
    def label(_context: Any, value: str | None) -> str:
        return gettext(mapping.get(value or "", value or ""))

    return label


def _time(value: datetime | None) -> str:
    local = to_vn(value)
    return "" if local is None else local.strftime("%H:%M")


def _short_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_vn(value).date()  # type: ignore[union-attr]
    return value.strftime("%d/%m/%Y")


def in_each_language(message: str, moment: datetime | None = None) -> Markup:
    """``message`` in every language, each in a ``<span lang>``; the stylesheet shows the
    one of the page's ``<html lang>``. For a fragment rendered once for viewers of every
    language (the live state, sent to every site). ``moment`` fills ``{time}``."""
    parts = []
    for locale in LOCALES:
        token = current_locale.set(locale)
        try:
            text = gettext(message, time=page_datetime(moment)) if moment is not None else gettext(message)
        finally:
            current_locale.reset(token)
        parts.append(Markup('<span lang="{0}" class="in-{0}">{1}</span>').format(locale, text))
    return Markup("").join(parts)


def province_name(code: str | None) -> str:
    info = province_of(code)
    return info.name if info else ""


def _unit_candidates(name: str) -> list[Any]:
    return list(match(name).units)


def _as_person(value: Any) -> Person | None:
    """A stored person (dict), a :class:`Person` or a row with the same attributes."""
    if value is None or isinstance(value, Person):
        return value
    if not isinstance(value, dict):
        value = {k: getattr(value, k, None) for k in PERSON_FIELDS}
    return person_of(value)


def _person(value: Any) -> str:
    """``Nguyễn Văn An, Giám đốc Sở Nội vụ``: the name and the office, written once
    by the documents' rule (:attr:`confmgr.schemas.Person.office`)."""
    person = _as_person(value)
    return person.describe() if person else ""


def _office(value: Any) -> str:
    """``Giám đốc Sở Nội vụ``: position and agency without repeating an office."""
    person = _as_person(value)
    return person.office if person else ""


def configure_jinja(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.globals.update(
        _=_t,
        LOCALES=LOCALES,
        locale=current_locale.get,
        STATUS_LABELS=STATUS_LABELS,
        MODE_LABELS=MODE_LABELS,
        ROLE_LABELS=ROLE_LABELS,
        SITE_ROLE_LABELS=SITE_ROLE_LABELS,
        RESPONSE_LABELS=RESPONSE_LABELS,
        CONFIRM=CONSEQUENCES,
        start_question=start_question,
        in_each_language=in_each_language,
        loopback_links_seen_from_elsewhere=loopback_links_seen_from_elsewhere,
        unit_candidates=_unit_candidates,
    )
    env.filters.update(
        vn_date=page_date,
        vn_datetime=page_datetime,
        time=_time,
        short_date=_short_date,
        input_dt=input_value,
        status_label=_label(STATUS_LABELS),
        mode_label=_label(MODE_LABELS),
        role_label=_label(ROLE_LABELS),
        site_role_label=_label(SITE_ROLE_LABELS),
        response_label=_label(RESPONSE_LABELS),
        check_label=_label(CHECK_LABELS),
        nfc=lambda v: Markup.escape(nfc(str(v))) if v is not None else "",
        province_name=province_name,
        person=_person,
        office=_office,
    )


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


def page(template: str, *, status_code: int = 200, **context: Any) -> Template:
    return Template(template_name=template, context=context, status_code=status_code)


def page_or_fragment(
    request: Request[Any, Any, Any], template: str, fragment: str, *, status_code: int = 200, **context: Any
) -> Template:
    """The whole page, or only the fragment when htmx asks for it."""
    name = fragment if is_htmx(request) and not request.headers.get("hx-boosted") else template
    return Template(template_name=name, context=context, status_code=status_code)
