"""``confmgr serve``: refuses several workers without Redis; serves for real otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_several_workers_without_redis_refuse_to_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFMGR_")}
    env.update({"CONFMGR_DATA_DIR": str(tmp_path), "CONFMGR_SECRET_KEY": "k" * 40})
    done = subprocess.run(
        [sys.executable, "-m", "confmgr", "serve", "--workers", "2", "--port", "0"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2
    assert "CONFMGR_REDIS_URL" in done.stderr
    assert "nhiều worker" in done.stderr
    # Nothing was started or migrated.
    assert not (tmp_path / "confmgr.sqlite3").exists()


def test_several_workers_on_sqlite_refuse_to_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFMGR_")}
    env.update({"CONFMGR_DATA_DIR": str(tmp_path), "CONFMGR_SECRET_KEY": "k" * 40, "CONFMGR_REDIS_URL": "redis://127.0.0.1:6379/15"})
    done = subprocess.run(
        [sys.executable, "-m", "confmgr", "serve", "--workers", "2", "--port", "0"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2
    assert "PostgreSQL" in done.stderr
