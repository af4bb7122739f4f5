"""Imports every feature's models so that the metadata (and Alembic) sees all tables."""

from confmgr.accounts.models import ApiToken, User
from confmgr.agency.models import Agency
from confmgr.audit.models import AuditEntry
from confmgr.meetings.models import Meeting
from confmgr.sites.models import Delegate, DirectorySite, Site

__all__ = ["Agency", "ApiToken", "AuditEntry", "Delegate", "DirectorySite", "Meeting", "Site", "User"]
