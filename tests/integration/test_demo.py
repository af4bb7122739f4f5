"""``confmgr demo``: a realistic year-end conference, loaded once, with a generated password."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from confmgr.demo import load_demo
from confmgr.settings import load_settings
from tests.conftest import BACKEND


def _counts(settings: Any) -> dict[str, int]:
    from confmgr.agenda.models import AgendaItem
    from confmgr.cli_support import session_scope
    from confmgr.meetings.models import Meeting
    from confmgr.sites.models import Site

    async def read() -> dict[str, int]:
        async with session_scope(settings) as db:
            return {
                "meetings": int(await db.scalar(select(func.count(Meeting.id))) or 0),
                "sites": int(await db.scalar(select(func.count(Site.id))) or 0),
                "hosts": int(await db.scalar(select(func.count(Site.id)).where(Site.role == "host")) or 0),
                "agenda": int(await db.scalar(select(func.count(AgendaItem.id))) or 0),
            }

    return asyncio.run(read())


def test_demo_loads_once_with_a_generated_password(settings: Any, tmp_path: Path, client: Any) -> None:
    first = asyncio.run(load_demo(settings))
    assert first.admin_password and len(first.admin_password) >= 12
    assert _counts(settings) == {"meetings": 1, "sites": 13, "hosts": 1, "agenda": 7}
    again = asyncio.run(load_demo(settings))
    assert again.admin_password is None  # nothing changed, no new password
    assert _counts(settings)["meetings"] == 1
    # The printed password logs in.
    from tests.helpers import login

    login(client, "admin", first.admin_password)
    assert "Hội nghị tổng kết công tác nội vụ năm 2026" in client.get("/meetings").text


@pytest.mark.skipif(BACKEND != "sqlite", reason="two fresh databases are cheap only on SQLite")
def test_demo_password_is_never_the_same_twice(tmp_path: Path, migrated_template: Path) -> None:
    import shutil

    passwords = []
    for name in ("a", "b"):
        data_dir = tmp_path / name
        data_dir.mkdir()
        shutil.copy(migrated_template / "confmgr.sqlite3", data_dir / "confmgr.sqlite3")
        settings = load_settings({"CONFMGR_DATA_DIR": str(data_dir), "CONFMGR_SECRET_KEY": "k" * 40})
        passwords.append(asyncio.run(load_demo(settings)).admin_password)
    assert passwords[0] != passwords[1]
