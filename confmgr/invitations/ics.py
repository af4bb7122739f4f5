"""A calendar entry (RFC 5545) attached to invitation emails.

Written by hand because it is small: one VEVENT in a VCALENDAR with METHOD:REQUEST
(RFC 5546), times in UTC, text escaped, and lines folded at 75 octets without ever
cutting a UTF-8 character in two (Vietnamese letters take two or three octets).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

PRODID = "-//confmgr//Hội nghị trực tuyến//VI"
MAX_OCTETS = 75


def escape_text(value: str) -> str:
    """TEXT values: backslash, semicolon and comma escaped, line breaks as ``\\n``."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def param_value(value: str) -> str:
    """A parameter value (``CN=...``): quoted, since names hold commas; a quote cannot appear at all."""
    cleaned = "".join(ch for ch in value if ch not in '"\r\n' and (ch == "\t" or ord(ch) >= 0x20))
    return f'"{cleaned}"'


def utc_stamp(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("calendar times must carry an offset")
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets, continued with CRLF + space."""
    chunks: list[str] = []
    current = ""
    size = 0
    limit = MAX_OCTETS
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            chunks.append(current)
            current, size = "", 0
            limit = MAX_OCTETS - 1  # continuation lines start with one space
        current += ch
        size += width
    chunks.append(current)
    return "\r\n ".join(chunks)


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    sequence: int
    stamp: datetime
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str
    description: str
    url: str
    organizer_email: str
    organizer_name: str
    attendee_email: str
    attendee_name: str


def build_calendar(event: CalendarEvent) -> bytes:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:REQUEST",
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"SEQUENCE:{event.sequence}",
        f"DTSTAMP:{utc_stamp(event.stamp)}",
        f"DTSTART:{utc_stamp(event.starts_at)}",
        f"DTEND:{utc_stamp(event.ends_at)}",
        f"SUMMARY:{escape_text(event.summary)}",
        f"LOCATION:{escape_text(event.location)}",
        f"DESCRIPTION:{escape_text(event.description)}",
        # A URI value is not TEXT: it is written as it is, without escaping.
        f"URL:{event.url}",
        f"ORGANIZER;CN={param_value(event.organizer_name)}:mailto:{event.organizer_email}",
        f"ATTENDEE;CN={param_value(event.attendee_name)};ROLE=REQ-PARTICIPANT;"
        f"PARTSTAT=NEEDS-ACTION;RSVP=FALSE:mailto:{event.attendee_email}",
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")
