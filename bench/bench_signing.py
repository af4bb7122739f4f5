"""What digital signatures add to a national meeting's minutes (3,321 sites).

Builds the numbered minutes PDF once (as issuing does), then times the two signing
steps as the services run them, without the database: the signer's signature
(finding the signature block, a PAdES signature with the signature image, and the
validation that follows before anything is stored) and the agency's seal over it
(the seal image placed over the signer's, the agency key from a PKCS#12 file, the
validation). Keys come from a throw-away test PKI. Prints one JSON line;
``--markdown`` adds a section for docs/performance.md. The target: under 0.5 s each.

    python bench/bench_signing.py [--runs 5] [--sites 3321] [--markdown]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image, ImageDraw
from pyhanko.sign import signers

from bench import common
from bench.bench_minutes_pdf import national_minutes
from confmgr.documents.pdf import build_minutes_pdf
from confmgr.printing.fonts import load_fonts
from confmgr.signing import appearance, validation
from confmgr.signing.config import SigningSettings
from confmgr.signing.services import _sign_sync, _signer_widget_box
from tests.signing_pki import PASSWORD, make_pki

TARGET_S = 0.5


def _png(color: tuple[int, int, int], size: tuple[int, int], ring: bool) -> bytes:
    img = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    if ring:
        draw.ellipse((4, 4, size[0] - 4, size[1] - 4), outline=color + (255,), width=10)
    else:
        draw.line((10, size[1] - 20, size[0] // 2, 15, size[0] - 10, size[1] - 30), fill=color + (255,), width=6)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def run(site_count: int, runs: int) -> dict[str, Any]:
    load_fonts(None)
    pdf = build_minutes_pdf(national_minutes(site_count), load_fonts(None))
    with tempfile.TemporaryDirectory() as folder:
        pki = make_pki(Path(folder))
        settings = SigningSettings(trust_roots=pki.trust_dir, agency_p12=pki.agency.p12, agency_p12_password=PASSWORD)
        person = signers.SimpleSigner.load_pkcs12_data(pki.signer.p12_bytes(), other_certs=[], passphrase=PASSWORD.encode())
        agency = signers.SimpleSigner.load_pkcs12_data(pki.agency.p12_bytes(), other_certs=[], passphrase=PASSWORD.encode())
        signature, seal = _png((0, 0, 200), (360, 140), False), _png((220, 0, 0), (400, 400), True)
        sign_times: list[float] = []
        seal_times: list[float] = []
        signed = sealed = b""
        for _ in range(runs + 1):  # the first run warms caches (fonts, images) and is not counted
            started = time.perf_counter()
            place = appearance.find_signer_place(pdf, "Nguyễn Văn Bình")
            box = appearance.signer_box(place, signature)
            signed = _sign_sync(pdf, person, "ConfmgrSigner1", box, appearance.image_style(signature), "", "Ký ban hành", None)
            checks = asyncio.run(validation.check_signatures(signed, settings, pdf))
            assert checks and checks[-1].ok, checks
            sign_times.append(time.perf_counter() - started)

            started = time.perf_counter()
            signer_box = _signer_widget_box(signed)
            assert signer_box is not None
            box = appearance.seal_box(signer_box, seal, 36)
            sealed = _sign_sync(signed, agency, "ConfmgrAgency1", box, appearance.image_style(seal), "", "Ký số của cơ quan", None)
            checks = asyncio.run(validation.check_signatures(sealed, settings, pdf))
            assert len(checks) == 2 and all(c.ok for c in checks), checks
            seal_times.append(time.perf_counter() - started)
    sign_times, seal_times = sign_times[1:], seal_times[1:]
    return {
        "benchmark": "signing",
        "sites": site_count,
        "pdf_bytes": len(pdf),
        "signed_bytes": len(signed),
        "sealed_bytes": len(sealed),
        "runs": runs,
        "sign_median_s": round(statistics.median(sign_times), 3),
        "sign_max_s": round(max(sign_times), 3),
        "seal_median_s": round(statistics.median(seal_times), 3),
        "seal_max_s": round(max(seal_times), 3),
        "target_s": TARGET_S,
        "ok": statistics.median(sign_times) < TARGET_S and statistics.median(seal_times) < TARGET_S,
        "machine": common.machine(),
    }


def markdown(r: dict[str, Any]) -> str:
    return "\n".join([
        "## Digital signatures on the national minutes",
        "",
        f"The minutes of a meeting with {r['sites']:,} sites ({r['pdf_bytes'] / 1e6:.1f} MB PDF), signed and then sealed "
        f"as the services do it (place the image, PAdES signature, validate before storing); median of {r['runs']} runs "
        f"after one warm-up, on {common.describe(r['machine'])}, {r['machine']['date']}, a machine shared with other work.",
        "",
        "| step | median | slowest | target |",
        "| --- | --- | --- | --- |",
        f"| signer's signature (image, validation) | {r['sign_median_s']:.3f} s | {r['sign_max_s']:.3f} s | < {r['target_s']} s |",
        f"| agency seal over it (image, validation of both) | {r['seal_median_s']:.3f} s | {r['seal_max_s']:.3f} s | < {r['target_s']} s |",
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
