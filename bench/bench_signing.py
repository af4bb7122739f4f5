"""What digital signatures add to a national meeting's minutes (3,321 sites).

Builds the numbered minutes PDF once (as issuing does) and stores it as an issued
document in a temporary SQLite data dir, then times the two signing steps through
the services themselves, each from the call to the commit:
``sign_with_own_key`` (the signer's stored PKCS#12 opened with the password, the
signature block found, a PAdES signature with the signature image, the validation
of the new signature, the revision stored) and ``seal`` (the signer's signature
checked again, the seal image over it, the agency key from a PKCS#12 file, the
validation, the revision stored). Each run signs and seals a fresh copy of the
issued minutes. Keys come from a throw-away test PKI. Prints one JSON line;
``--markdown`` adds a section for docs/performance.md. The target: under 0.5 s each.

    python bench/bench_signing.py [--runs 5] [--sites 3321] [--markdown]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common
from bench.bench_minutes_pdf import national_minutes
from confmgr.documents.pdf import build_minutes_pdf
from confmgr.printing.fonts import load_fonts
from tests.signing_pki import PASSWORD, make_pki, png

TARGET_S = 0.5
CHAIR = {"full_name": "Nguyễn Văn Bình", "position": "Giám đốc", "organization": "Sở Nội vụ"}
SECRETARY = {"full_name": "Trần Thị Thu Hằng", "position": "Chuyên viên", "organization": "Văn phòng Sở Nội vụ"}


async def _session(maker: Any, work: Any) -> Any:
    """One request's worth of work: a session, the work, the commit."""
    async with maker() as db:
        result = await work(db)
        await db.commit()
        return result


async def _measure(settings: Any, pdf: bytes, signer_p12: bytes, runs: int) -> dict[str, Any]:
    from confmgr.accounts.models import User
    from confmgr.agency.models import Agency
    from confmgr.db import create_engine, create_session_maker
    from confmgr.documents import services as documents
    from confmgr.documents.models import IssuedDocument
    from confmgr.meetings.models import Meeting
    from confmgr.signing import services

    engine = create_engine(settings.database, immediate=True)
    maker = create_session_maker(engine)
    signature, seal_image = png((0, 0, 200), (360, 140)), png((220, 0, 0), (400, 400), ring=True)

    async def setup(db: Any) -> tuple[int, int]:
        db.add(Agency(name="Sở Nội vụ", parent_name="Ủy ban nhân dân tỉnh Bình Định", abbreviation="SNV", place_name="Bình Định"))
        secretary = User(username="thuky", full_name="Trần Thị Thu Hằng", password_hash="-", role="secretary")
        clerk = User(username="vanthu", full_name="Phạm Thị Văn Thư", password_hash="-", role="clerk")
        db.add_all([secretary, clerk])
        await db.flush()
        await services.save_credential(db, secretary, settings, p12=signer_p12, password=PASSWORD, image=signature)
        await services.save_seal_image(db, clerk, seal_image, 36)
        return secretary.id, clerk.id

    secretary_id, clerk_id = await _session(maker, setup)

    async def issued_minutes(db: Any, number: int) -> int:
        """A fresh ended meeting whose minutes are issued with ``pdf`` (what issuing stores)."""
        started = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
        meeting = Meeting(title="Hội nghị trực tuyến toàn quốc", title_search="hoi nghi", starts_at=started,
                          ends_at=started + timedelta(hours=3), mode="hybrid", venue="Hội trường", status="documents_issued",
                          chair=CHAIR, secretary=SECRETARY)
        db.add(meeting)
        await db.flush()
        stored = await documents._store_bytes(db, settings, pdf, f"bien-ban-{number:02d}-BB-SNV.pdf", meeting.id, [])
        db.add(IssuedDocument(
            meeting_id=meeting.id, kind="minutes", symbol="BB-SNV", year=2026, number=number, number_text=f"{number:02d}/BB-SNV",
            issued_on=date(2026, 1, 5), signer={"secretary": SECRETARY, "chair": CHAIR}, title="Biên bản", sha256=stored.sha256,
            size=stored.size, pdf_file_id=stored.id,
        ))
        return int(meeting.id)

    sign_times: list[float] = []
    seal_times: list[float] = []
    sizes: dict[str, int] = {}
    for run in range(runs + 1):  # the first run warms caches (fonts, imports, SQLite pages) and is not counted
        mid = await _session(maker, lambda db, n=run + 1: issued_minutes(db, n))

        async def sign(db: Any, mid: int = mid) -> Any:
            return await services.sign_with_own_key(db, await db.get(User, secretary_id), settings, mid, "minutes", PASSWORD)

        async def seal(db: Any, mid: int = mid) -> Any:
            return await services.seal(db, await db.get(User, clerk_id), settings, mid, "minutes")

        for label, step, times in (("sign", sign, sign_times), ("seal", seal, seal_times)):
            started = time.perf_counter()
            revision = await _session(maker, step)
            times.append(time.perf_counter() - started)
            sizes[label] = revision.size

    async def last_checks(db: Any) -> list[Any]:
        return (await services.signatures(db, await db.get(User, clerk_id), settings, mid, "minutes")).checks

    checks = await _session(maker, last_checks)
    await engine.dispose()
    # What was stored holds: both signatures intact, trusted, over the issued bytes.
    assert [(c.kind, c.ok, c.covers_issued_bytes) for c in checks] == [("signer", True, True), ("agency", True, True)], checks
    return {"sign": sign_times[1:], "seal": seal_times[1:], "sizes": sizes}


def run(site_count: int, runs: int) -> dict[str, Any]:
    from confmgr.migrations import upgrade
    from confmgr.settings import load_settings

    pdf = build_minutes_pdf(national_minutes(site_count), load_fonts(None))
    with tempfile.TemporaryDirectory() as folder:
        pki = make_pki(Path(folder) / "pki")
        settings = load_settings({
            "CONFMGR_DATA_DIR": str(Path(folder) / "data"), "CONFMGR_SECRET_KEY": "bench-" + "x" * 40,
            "CONFMGR_TRUST_ROOTS": str(pki.trust_dir), "CONFMGR_AGENCY_P12": str(pki.agency.p12),
            "CONFMGR_AGENCY_P12_PASSWORD": PASSWORD,
        })
        upgrade(settings)
        load_before = os.getloadavg()[0]
        measured = asyncio.run(_measure(settings, pdf, pki.signer.p12_bytes(), runs))
        load_after = os.getloadavg()[0]
    sign_times, seal_times = measured["sign"], measured["seal"]
    result = {
        "benchmark": "signing",
        "sites": site_count,
        "pdf_bytes": len(pdf),
        "signed_bytes": measured["sizes"]["sign"],
        "sealed_bytes": measured["sizes"]["seal"],
        "runs": runs,
        "sign_median_s": round(statistics.median(sign_times), 3),
        "sign_max_s": round(max(sign_times), 3),
        "seal_median_s": round(statistics.median(seal_times), 3),
        "seal_max_s": round(max(seal_times), 3),
        "target_s": TARGET_S,
        "ok": statistics.median(sign_times) < TARGET_S and statistics.median(seal_times) < TARGET_S,
        "load_average": [round(load_before, 2), round(load_after, 2)],
        "machine": common.machine(),
    }
    return result


def markdown(r: dict[str, Any]) -> str:
    return "\n".join([
        "## Digital signatures on the national minutes",
        "",
        f"The minutes of a meeting with {r['sites']:,} sites ({r['pdf_bytes'] / 1e6:.1f} MB PDF), issued, then signed and "
        f"sealed through the services (`sign_with_own_key`, `seal`), each timed from the call to the commit: open the key, "
        f"place the image, PAdES signature, validate, store the revision (SQLite, files on disk); median of {r['runs']} runs "
        f"after one warm-up, on {common.describe(r['machine'])}, {r['machine']['date']} "
        f"(load average {r['load_average'][0]} at the start, {r['load_average'][1]} at the end).",
        "",
        "| step | median | slowest | target |",
        "| --- | --- | --- | --- |",
        f"| signer's signature (image, validation, stored) | {r['sign_median_s']:.3f} s | {r['sign_max_s']:.3f} s | < {r['target_s']} s |",
        f"| agency seal over it (signer's signature checked, image, validation, stored) | {r['seal_median_s']:.3f} s | {r['seal_max_s']:.3f} s | < {r['target_s']} s |",
        "",
        f"The signed file is {r['signed_bytes'] - r['pdf_bytes']:,} bytes larger than the numbered one, the sealed "
        f"{r['sealed_bytes'] - r['signed_bytes']:,} bytes larger than the signed one (incremental updates).",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=3321)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--markdown", action="store_true", help="also print a markdown section")
    args = parser.parse_args(argv)
    result = run(args.sites, args.runs)
    print(json.dumps(result, ensure_ascii=False))
    if args.markdown:
        print()
        print(markdown(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
