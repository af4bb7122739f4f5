"""Owner-only permissions for what holds secrets: the database, its WAL, the key,
the backups.

SQLite creates its ``-wal`` and ``-shm`` files with the permissions of the database
file, so a database made 0600 keeps its companions 0600 too. The data dir itself is
made 0700: the session store, the uploaded papers and the issued documents live in it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def restrict(path: Path, mode: int = PRIVATE_FILE) -> None:
    """Take group and other permissions away from ``path`` if it exists (and is ours)."""
    try:
        current = stat.S_IMODE(path.stat().st_mode)
        if current & 0o077:
            os.chmod(path, current & mode)
    except (FileNotFoundError, PermissionError):
        pass


def sqlite_path(database_url: str) -> Path | None:
    if not database_url.startswith("sqlite") or ":memory:" in database_url or ":///" not in database_url:
        return None
    return Path(database_url.split(":///", 1)[1].split("?", 1)[0])


def create_private_file(path: Path) -> None:
    """Create an empty 0600 file if none exists (SQLite then keeps the mode)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        pass


def secure_data_dir(data_dir: Path, database_url: str) -> None:
    """The data dir 0700; the database (created empty and 0600 if missing), its WAL
    and shared-memory files and the generated key 0600."""
    restrict(data_dir, PRIVATE_DIR)
    database = sqlite_path(database_url)
    if database is not None:
        create_private_file(database)
        for suffix in ("", "-wal", "-shm", "-journal"):
            restrict(Path(str(database) + suffix))
    restrict(data_dir / "secret_key")
