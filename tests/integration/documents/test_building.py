"""The minutes and the notice are built in worker processes, not on the event loop."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

from confmgr.printing import pool as printing_pool
from tests.integration.documents.conftest import Built, pdf_text


def _worker_pid(workers: int) -> int:
    async def ask() -> int:
        return await asyncio.get_running_loop().run_in_executor(printing_pool.pool(workers), os.getpid)

    return asyncio.run(ask())


def test_the_draft_is_built_in_a_worker_process(client: Any, api: dict[str, str], meeting: Built, settings: Any) -> None:
    assert settings.document_workers == 1
    pdf = client.get(f"/api/v1/meetings/{meeting.id}/documents/minutes.pdf", headers=api)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "DỰ THẢO" in pdf_text(pdf.content) or "BIÊN BẢN" in pdf_text(pdf.content)
    docx = client.get(f"/api/v1/meetings/{meeting.id}/documents/minutes.docx", headers=api)
    assert docx.status_code == 200 and docx.content.startswith(b"PK")
    pool = printing_pool._pools[1]
    assert isinstance(pool, ProcessPoolExecutor)
    assert _worker_pid(1) != os.getpid()


def test_zero_workers_builds_in_a_thread_of_the_server() -> None:
    assert isinstance(printing_pool.pool(0), ThreadPoolExecutor)
    assert _worker_pid(0) == os.getpid()


def test_a_dead_worker_is_replaced(client: Any, api: dict[str, str], meeting: Built) -> None:
    assert client.get(f"/api/v1/meetings/{meeting.id}/documents/minutes.pdf", headers=api).status_code == 200
    pid = _worker_pid(1)
    os.kill(pid, 9)
    again = client.get(f"/api/v1/meetings/{meeting.id}/documents/minutes.pdf", headers=api)
    assert again.status_code == 200 and again.content.startswith(b"%PDF")
    assert _worker_pid(1) != pid
