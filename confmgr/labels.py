"""The words shown for stored values (statuses, modes, roles, kinds): one place.

Values are English message ids marked for extraction; pages translate them through
gettext (``web.render`` hands these maps to every template), exports and mails call
``gettext`` on them.
"""

from __future__ import annotations

from confmgr.i18n import N_

STATUS_LABELS = {
    "draft": N_("Draft"),
    "invited": N_("Invited"),
    "in_progress": N_("In progress"),
    "ended": N_("Ended"),
    "documents_issued": N_("Documents issued"),
    "archived": N_("Archived"),
}
MODE_LABELS = {"in_person": N_("In person"), "online": N_("Online"), "hybrid": N_("In person and online")}
ROLE_LABELS = {"admin": N_("Administrator"), "secretary": N_("Secretary"), "viewer": N_("Viewer"), "clerk": N_("Clerk")}
SITE_ROLE_LABELS = {"host": N_("Host site"), "remote": N_("Remote site")}
RESPONSE_LABELS = {"pending": N_("No answer yet"), "attending": N_("Attending"), "declined": N_("Declined")}
CHECK_LABELS = {"not_done": N_("Not checked"), "ok": N_("Working"), "problem": N_("Problem")}

# The agenda.
KIND_LABELS = {
    "opening": N_("Opening"),
    "report": N_("Report"),
    "speech": N_("Directive speech"),
    "contributions": N_("Contributions"),
    "discussion": N_("Discussion"),
    "conclusion": N_("Conclusion"),
    "closing": N_("Closing"),
    "other": N_("Other"),
}
CONTRIBUTION_STATUS_LABELS = {"submitted": N_("Submitted"), "accepted": N_("Accepted"), "declined": N_("Declined")}
REQUEST_STATUS_LABELS = {
    "waiting": N_("Waiting"), "speaking": N_("Speaking"), "done": N_("Done"), "withdrawn": N_("Withdrawn"),
}
