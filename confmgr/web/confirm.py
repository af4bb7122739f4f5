"""Confirming an irreversible step: in a dialog with JavaScript, on a page without.

A form whose step cannot be undone carries ``data-confirm="<the consequence>"``;
``static/js/app.js`` asks in a native ``<dialog>`` and adds ``confirmed=1`` before it
sends. A form sent without that field (no JavaScript, or a hand-made request) is
not acted on: the controller answers :func:`confirm_page`, which names the
consequence and sends the same fields again with ``confirmed=1``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from litestar.response import Template

from confmgr.i18n import N_, gettext
from confmgr.timeutil import now as utc_now
from confmgr.timeutil import page_date, to_vn

CONSEQUENCES = {
    "start": N_("Start the meeting now? Every site's page switches to the live view and the start time is recorded."),
    "end": N_("End the meeting? Every site's live view stops and the console closes; only an administrator can reopen it, until documents are issued."),
    "archive": N_("Archive the meeting? It can no longer be changed."),
    "issue": N_("Issue the document with this number and date? An issued document cannot be changed; a correction needs a new document."),
    "revoke": N_("Revoke this link? The site will not be able to open its page."),
    "reopen": N_("Reopen the ended meeting? Sites see it as under way again; the reopening is kept in the change log."),
    "reopen_item": N_("Reopen this finished item? It becomes the item under way again and its end time is cleared."),
}
OK_LABELS = {
    "start": N_("Start the meeting"),
    "end": N_("End the meeting"),
    "archive": N_("Archive"),
    "issue": N_("Issue"),
    "revoke": N_("Revoke the link"),
    "reopen": N_("Reopen the meeting"),
    "reopen_item": N_("Reopen the item"),
}


# Starting further than this from the scheduled start is off schedule: the start button
# is then a secondary one and the question names the scheduled date.
OFF_SCHEDULE = timedelta(hours=24)
_EARLY = (N_("The meeting is scheduled to open at {time}, {date} — tomorrow. Start it now?"),
          N_("The meeting is scheduled to open at {time}, {date} — in {days} days. Start it now?"))
_LATE = (N_("The meeting was scheduled to open at {time}, {date} — yesterday. Start it now?"),
         N_("The meeting was scheduled to open at {time}, {date} — {days} days ago. Start it now?"))


def start_off_schedule(starts_at: datetime | None, now: datetime | None = None) -> bool:
    """Whether starting now is more than a day from the scheduled start (either way)."""
    if starts_at is None:
        return False
    return abs(to_vn(starts_at) - to_vn(now or utc_now())) > OFF_SCHEDULE  # type: ignore[operator]


def start_question(starts_at: datetime | None, now: datetime | None = None) -> str | None:
    """The question before starting a meeting off schedule, naming its date and how far
    it is, in the reader's language; ``None`` when it is on schedule."""
    if starts_at is None or not start_off_schedule(starts_at, now):
        return None
    start, moment = to_vn(starts_at), to_vn(now or utc_now())
    assert start is not None and moment is not None
    days = abs((start.date() - moment.date()).days)
    early, late = _EARLY, _LATE
    one, many = early if start > moment else late
    message = one if days <= 1 else many
    return gettext(message, time=f"{start:%H:%M}", date=page_date(start), days=days)


def is_confirmed(form: dict[str, Any]) -> bool:
    return str(form.get("confirmed", "")) == "1"


def confirm_page(
    action_url: str, step: str, form: dict[str, Any], back: str, title: str | None = None, question: str | None = None
) -> Template:
    """The second step without JavaScript: the consequence (or ``question``, already in
    words), and the same form again."""
    fields = [
        (name, value) for name, value in form.items()
        if name not in ("_csrf_token", "confirmed") and isinstance(value, str)
    ]
    return Template(
        template_name="confirm.html",
        context={
            "action_url": action_url, "question": question or CONSEQUENCES[step], "ok_label": OK_LABELS[step],
            "fields": fields, "back": back, "title": title,
        },
        status_code=200,
    )
