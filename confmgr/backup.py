"""Backups (sao lưu) and restores, while the app runs.

An archive holds ``manifest.json``, the database (SQLite's online backup API, or
``pg_dump`` in its custom format), the files folder and the generated secret key
(without it, restored site links would no longer open).

Order matters for consistency: the database is copied first, then the files. A file
is always written before the row that names it is committed, and issued files are
never deleted, so every file the copied database names is already on disk when the
files are copied.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

from confmgr import __version__
from confmgr.settings import Settings

FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why."""


@dataclass(frozen=True)
class PgTarget:
    host: str
    port: str
    user: str
    password: str
    database: str

    @classmethod
    def from_url(cls, url: str) -> PgTarget:
        parsed = urlparse(url.replace("postgresql+asyncpg://", "postgresql://", 1))
        return cls(
            host=parsed.hostname or "127.0.0.1",
            port=str(parsed.port or 5432),
            user=unquote(parsed.username or "postgres"),
            password=unquote(parsed.password or ""),
            database=(parsed.path or "/postgres").lstrip("/"),
        )

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def args(self) -> list[str]:
        return ["-h", self.host, "-p", self.port, "-U", self.user, "-d", self.database]


def _sqlite_path(settings: Settings) -> Path:
    url = settings.database.url
    return Path(url.split(":///", 1)[1])


def _sqlite_backup(source: Path, target: Path) -> None:
    # The online backup API copies a consistent snapshot while others keep writing.
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=1024)
    finally:
        dst.close()
        src.close()


def _run(cmd: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{cmd[0]} failed: {done.stderr.strip()[:500]}")


def backup(settings: Settings, archive: Path) -> dict[str, object]:
    archive = archive.resolve()
    with tempfile.TemporaryDirectory(prefix="confmgr-backup-") as tmp:
        work = Path(tmp)
        manifest: dict[str, object] = {
            "format": FORMAT,
            "confmgr": __version__,
            "created_at": datetime.now(UTC).isoformat(),
        }
        if settings.database.is_sqlite:
            _sqlite_backup(_sqlite_path(settings), work / "database.sqlite3")
            manifest["database"] = "sqlite"
        else:
            target = PgTarget.from_url(settings.database.url)
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "-f", str(work / "database.pgdump"), *target.args()], target.env())
            manifest["database"] = "postgresql"
        files = settings.uploads_dir
        manifest["files"] = sum(1 for p in files.rglob("*") if p.is_file()) if files.exists() else 0
        key_file = settings.data_dir / "secret_key"
        manifest["secret_key_included"] = key_file.exists()
        (work / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        partial = archive.with_name(archive.name + ".partial")
        # The archive holds the secret key and every answer: owner-only from its first byte.
        partial.unlink(missing_ok=True)
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(work / "manifest.json", arcname="manifest.json")
            for name in ("database.sqlite3", "database.pgdump"):
                if (work / name).exists():
                    tar.add(work / name, arcname=name)
            if files.exists():
                tar.add(files, arcname="files")
            if key_file.exists():
                tar.add(key_file, arcname="secret_key")
        # The archive appears under its name only once it is complete.
        os.replace(partial, archive)
    return manifest


def _database_is_empty(settings: Settings) -> bool:
    if settings.database.is_sqlite:
        path = _sqlite_path(settings)
        if not path.exists():
            return True
        with sqlite3.connect(path) as conn:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version'")]
            return all(conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] == 0 for t in tables)
    target = PgTarget.from_url(settings.database.url)
    done = subprocess.run(
        ["psql", "-At", "-c", "SELECT count(*) FROM information_schema.tables WHERE table_schema='public' AND table_name <> 'alembic_version'", *target.args()],
        env=target.env(), capture_output=True, text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"psql failed: {done.stderr.strip()[:500]}")
    if int(done.stdout.strip() or 0) == 0:
        return True
    count = subprocess.run(["psql", "-At", "-c", "SELECT count(*) FROM meeting", *target.args()], env=target.env(), capture_output=True, text=True)
    users = subprocess.run(["psql", "-At", "-c", "SELECT count(*) FROM user_account", *target.args()], env=target.env(), capture_output=True, text=True)
    return count.returncode == 0 and users.returncode == 0 and int(count.stdout.strip() or 0) == 0 and int(users.stdout.strip() or 0) == 0


def restore(settings: Settings, archive: Path) -> dict[str, object]:
    """Bring an archive back into an empty data dir and database; refuse otherwise."""
    if not archive.exists():
        raise BackupError(f"no such archive: {archive}")
    if not _database_is_empty(settings):
        raise BackupError("the database is not empty; restore only into an empty one")
    if settings.uploads_dir.exists() and any(settings.uploads_dir.iterdir()):
        raise BackupError("the files folder is not empty; restore only into an empty data dir")
    with tempfile.TemporaryDirectory(prefix="confmgr-restore-") as tmp:
        work = Path(tmp)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(work, filter="data")
        manifest = json.loads((work / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT:
            raise BackupError("this archive was written by an unknown version")
        kind = manifest["database"]
        if kind == "sqlite" and not settings.database.is_sqlite or kind == "postgresql" and settings.database.is_sqlite:
            raise BackupError(f"the archive holds a {kind} database; CONFMGR_DATABASE_URL points elsewhere")
        if settings.database.is_sqlite:
            path = _sqlite_path(settings)
            path.parent.mkdir(parents=True, exist_ok=True)
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            shutil.copyfile(work / "database.sqlite3", path)
            os.chmod(path, 0o600)
        else:
            target = PgTarget.from_url(settings.database.url)
            _run(["psql", "-q", "-c", "DROP SCHEMA public CASCADE; CREATE SCHEMA public;", *target.args()], target.env())
            _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "-d", target.database,
                  "-h", target.host, "-p", target.port, "-U", target.user, str(work / "database.pgdump")], target.env())
        if (work / "files").exists():
            settings.uploads_dir.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(work / "files", settings.uploads_dir, dirs_exist_ok=True)
        if (work / "secret_key").exists():
            key_file = settings.data_dir / "secret_key"
            current = key_file.read_text(encoding="ascii").strip() if key_file.exists() else None
            restored = (work / "secret_key").read_text(encoding="ascii").strip()
            if current != restored:
                fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w", encoding="ascii") as fh:
                    fh.write(restored)
    return manifest
