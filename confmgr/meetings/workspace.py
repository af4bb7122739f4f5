"""The counts the meeting workspace's tab bar shows: one query, the same on every page.

:func:`tab_counts` is the only place they are computed; ``app.py`` calls it (through
:func:`counts_for_page`) before every page of a meeting is rendered and leaves the
result on ``request.state.tab_counts``, which ``templates/meetings/_tabs.html`` reads.
So a page never computes counts of its own, and a new meeting page gets them without
asking.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.agenda.models import AgendaItem
from confmgr.documents.models import IssuedDocument
from confmgr.sites.models import Site


async def tab_counts(db: AsyncSession, meeting_id: int) -> dict[str, str]:
    """``{tab: what its count shows}``: sites and agenda items always; the roll call as
    connected/all once a site was called; issued documents (in force) once there is one."""
    sites = select(func.count(Site.id)).where(Site.meeting_id == meeting_id).scalar_subquery()
    called = select(func.count(Site.id)).where(Site.meeting_id == meeting_id, Site.roll_called_at.is_not(None)).scalar_subquery()
    connected = select(func.count(Site.id)).where(Site.meeting_id == meeting_id, Site.connected.is_(True)).scalar_subquery()
    items = select(func.count(AgendaItem.id)).where(AgendaItem.meeting_id == meeting_id).scalar_subquery()
    issued = (
        select(func.count(IssuedDocument.id))
        .where(IssuedDocument.meeting_id == meeting_id, IssuedDocument.superseded_at.is_(None))
        .scalar_subquery()
    )
    row = (await db.execute(select(sites, called, connected, items, issued))).one()
    n_sites, n_called, n_connected, n_items, n_issued = (int(v or 0) for v in row)
    counts = {"sites": str(n_sites), "agenda": str(n_items)}
    if n_called:
        counts["roll_call"] = f"{n_connected}/{n_sites}"
    if n_issued:
        counts["documents"] = str(n_issued)
    return counts
