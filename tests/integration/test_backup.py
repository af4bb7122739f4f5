"""Backups taken while the app is writing restore to the same records and bytes."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from confmgr.backup import BackupError, backup, restore
from confmgr.settings import load_settings
from tests.conftest import BACKEND, PG_URL
from tests.factories import meeting_json

pytestmark = pytest.mark.skipif(
    BACKEND == "postgres" and shutil.which("pg_dump") is None, reason="pg_dump is not installed"
)


def _rows(settings: Any) -> tuple[dict[int, str], dict[int, tuple[str, str]]]:
    from confmgr.cli_support import session_scope
    from confmgr.meetings.models import Meeting
    from confmgr.sites.models import Site

    async def read() -> Any:
        async with session_scope(settings) as db:
            meetings = {m.id: m.title for m in await db.scalars(select(Meeting))}
            sites = {s.id: (s.name, s.token_hash) for s in await db.scalars(select(Site))}
            return meetings, sites

    return asyncio.run(read())


def _files(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()}


def test_backup_under_load_restores_everything(client: Any, admin_api: dict[str, str], settings: Any, tmp_path: Path) -> None:
    first = client.post("/api/v1/meetings", json=meeting_json(title="Hội nghị đầu tiên"), headers=admin_api).json()
    for i in range(5):
        client.post(f"/api/v1/meetings/{first['id']}/sites", json={"name": f"UBND xã {i}"}, headers=admin_api)
    settings.uploads_dir.mkdir(parents=True, exist_ok=True)
    (settings.uploads_dir / "issued-sample").write_bytes(bytes(range(256)) * 100)

    stop = threading.Event()
    written: list[int] = []

    def keep_writing() -> None:
        n = 0
        while not stop.is_set():
            response = client.post("/api/v1/meetings", json=meeting_json(title=f"Hội nghị tải {n}"), headers=admin_api)
            assert response.status_code == 201
            written.append(response.json()["id"])
            n += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        while len(written) < 3:
            stop.wait(0.02)
        archive = tmp_path / "backup.tar.gz"
        manifest = backup(settings, archive)
    finally:
        stop.set()
        writer.join()
    assert archive.exists() and manifest["files"] == 1

    source_meetings, source_sites = _rows(settings)
    target_dir = tmp_path / "restored"
    env = {"CONFMGR_DATA_DIR": str(target_dir), "CONFMGR_SECRET_KEY": settings.server.secret_key}
    if BACKEND == "postgres":
        # Restore into a second, empty database on the same server.
        import subprocess

        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c", "DROP DATABASE IF EXISTS confmgr_restore"], check=True, capture_output=True)
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c", "CREATE DATABASE confmgr_restore"], check=True, capture_output=True)
        env["CONFMGR_DATABASE_URL"] = PG_URL.rsplit("/", 1)[0] + "/confmgr_restore"
    target = load_settings(env)
    restore(target, archive)
    restored_meetings, restored_sites = _rows(target)
    # Everything in the archive is exactly as it was in the source; writes that came
    # after the snapshot are absent, never half there.
    assert first["id"] in restored_meetings
    assert restored_sites == {k: v for k, v in source_sites.items() if k in restored_sites} and len(restored_sites) == 5
    for meeting_id, title in restored_meetings.items():
        assert source_meetings[meeting_id] == title
    assert len(restored_meetings) >= 4
    assert _files(target.uploads_dir) == _files(settings.uploads_dir)
    with pytest.raises(BackupError):
        restore(target, archive)  # never over existing data


def test_restore_refuses_a_missing_archive(settings: Any, tmp_path: Path) -> None:
    with pytest.raises(BackupError):
        restore(settings, tmp_path / "nope.tar.gz")
