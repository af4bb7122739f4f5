"""Every route of the portal: what a site opens with its link, and the secretariat
answering for a site."""

from __future__ import annotations

from typing import Any

from confmgr.portal.agenda import ROUTES as agenda
from confmgr.portal.controllers import ROUTES as answers
from confmgr.portal.documents import ROUTES as documents

ROUTES: list[Any] = [*answers, *agenda, *documents]
