"""Imports every feature's models so that the metadata (and Alembic) sees all tables."""

from confmgr.accounts.models import ApiToken, User
from confmgr.agency.models import Agency
from confmgr.agenda.models import AgendaItem, AgendaNoteRevision, Contribution, MeetingMaterial, SpeakRequest
from confmgr.audit.models import AuditEntry
from confmgr.documents.models import Conclusions, DocumentDownload, IssuedDocument, MinutesDraft
from confmgr.files.models import StoredFile
from confmgr.jobs.models import BackgroundJob
from confmgr.meetings.models import Meeting
from confmgr.signing.models import AgencySeal, DocumentRevision, SigningCredential
from confmgr.sites.models import AttendanceEvent, Delegate, DirectorySite, OutgoingEmail, Site

__all__ = [
    "Agency", "AgendaItem", "BackgroundJob", "AgendaNoteRevision", "ApiToken", "AttendanceEvent", "AuditEntry", "Conclusions",
    "Contribution", "Delegate", "DirectorySite", "DocumentDownload", "IssuedDocument", "Meeting", "MeetingMaterial",
    "MinutesDraft", "OutgoingEmail", "Site", "SpeakRequest", "StoredFile", "User",
    "AgencySeal", "DocumentRevision", "SigningCredential",
]
