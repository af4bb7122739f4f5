"""Row 14 of #13: backups, the SQLite database and its WAL, and the key are 0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from confmgr.__main__ import main
from confmgr.settings import load_settings
from tests.conftest import BACKEND


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Any:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.skipif(BACKEND != "sqlite", reason="the SQLite files")
def test_row14_backup_database_wal_and_key_files_are_0600(open_umask: None, tmp_path: Path, monkeypatch: Any) -> None:
    data = tmp_path / "fresh"
    for key in [k for k in os.environ if k.startswith("CONFMGR_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("CONFMGR_DATA_DIR", str(data))
    assert main(["users", "create", "--username", "quantri", "--role", "admin", "--password", "mat-khau-rat-dai-1"]) == 0
    settings = load_settings()
    database = data / "confmgr.sqlite3"
    assert _mode(database) == 0o600
    assert _mode(data / "secret_key") == 0o600
    assert _mode(data) & 0o077 == 0
    for suffix in ("-wal", "-shm"):
        companion = Path(str(database) + suffix)
        if companion.exists():
            assert _mode(companion) == 0o600, suffix
    archive = tmp_path / "sao-luu.tar.gz"
    assert main(["backup", str(archive)]) == 0
    assert _mode(archive) == 0o600
    assert settings.data_dir == data.resolve()


@pytest.mark.skipif(BACKEND != "sqlite", reason="the SQLite files")
def test_row14_an_existing_0644_database_is_tightened_at_start(open_umask: None, settings: Any, client: Any) -> None:
    database = settings.data_dir / "confmgr.sqlite3"
    os.chmod(database, 0o644)
    from confmgr.app import create_app

    create_app(settings)
    assert _mode(database) == 0o600
    assert client.get("/health").status_code == 200
    wal = Path(str(database) + "-wal")
    if wal.exists():
        assert _mode(wal) == 0o600
