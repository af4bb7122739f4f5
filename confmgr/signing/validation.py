"""Validating the signatures of a PDF with pyHanko and pyhanko-certvalidator.

Three questions are answered apart, in Vietnamese for the pages: is the signature
*intact* (the signed bytes are unchanged and the cryptography holds), is it *trusted*
(the certificate chains to a root of ``CONFMGR_TRUST_ROOTS`` and was valid), and does
it *cover the issued bytes* (the signed file starts with exactly the bytes issued
with the number, and the signature covers everything but its own appended part).
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, ModificationLevel, SuspiciousModification
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from confmgr.i18n import N_
from confmgr.signing.config import SigningSettings
from confmgr.signing.keys import cert_info

AGENCY_FIELD_PREFIX = "ConfmgrAgency"
SIGNER_FIELD_PREFIX = "ConfmgrSigner"
# A signer's certificate may carry either usage; agencies' certificates often only one.
KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False)


class NotAPdf(ValueError):
    """The bytes are not a PDF pyHanko can read."""


@dataclass
class SignatureCheck:
    field_name: str
    signer: str
    organization: str
    signed_at: datetime | None
    timestamped: bool
    kind: str  # "signer" | "agency"
    intact: bool
    trusted: bool
    covers_issued_bytes: bool
    covers_whole_file: bool
    revision_end: int  # the signed file's length when this signature was made
    modification_ok: bool
    problems: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # message ids and params

    @property
    def ok(self) -> bool:
        return self.intact and self.trusted and self.covers_issued_bytes and self.modification_ok


# ---- trust roots ------------------------------------------------------------------

_roots_lock = threading.Lock()
_roots_cache: dict[str, tuple[float, list[asn1_x509.Certificate]]] = {}


def trust_roots(settings: SigningSettings) -> list[asn1_x509.Certificate]:
    """The CA certificates (PEM or DER) of ``CONFMGR_TRUST_ROOTS``, reread when the folder changes."""
    folder = settings.trust_roots
    if folder is None or not folder.is_dir():
        return []
    stamp = max([folder.stat().st_mtime] + [p.stat().st_mtime for p in folder.iterdir() if p.is_file()])
    with _roots_lock:
        cached = _roots_cache.get(str(folder))
        if cached and cached[0] == stamp:
            return cached[1]
        certs: list[asn1_x509.Certificate] = []
        for path in sorted(folder.iterdir()):
            if path.is_file():
                certs.extend(_read_certs(path))
        _roots_cache[str(folder)] = (stamp, certs)
        return certs


def _read_certs(path: Path) -> list[asn1_x509.Certificate]:
    data = path.read_bytes()
    try:
        if pem.detect(data):
            return [asn1_x509.Certificate.load(der) for _t, _h, der in pem.unarmor(data, multiple=True)]
        cert = asn1_x509.Certificate.load(data)
        cert.native  # parse now, so a bad file is skipped here  # noqa: B018
        return [cert]
    except (ValueError, TypeError):
        return []


def validation_context(settings: SigningSettings) -> ValidationContext:
    return ValidationContext(trust_roots=trust_roots(settings), allow_fetching=False, revocation_mode="soft-fail")


# ---- checks -----------------------------------------------------------------------


def reader_of(data: bytes) -> PdfFileReader:
    if not data.startswith(b"%PDF-"):
        raise NotAPdf("not a PDF")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        reader.root  # noqa: B018 - parse the trailer now
        return reader
    except (PdfReadError, ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise NotAPdf(str(exc)) from exc


def base_revision(reader: PdfFileReader, length: int) -> int | None:
    """The revision that ends the first ``length`` bytes (the issued file's last revision)."""
    starts = [reader.xrefs.get_xref_container_info(rev).start_location for rev in range(reader.xrefs.total_revisions)]
    inside = [rev for rev, start in enumerate(starts) if start < length]
    return inside[-1] if inside else None


# What an update after the issued bytes may change in an existing object.
_CATALOG_KEYS = frozenset({"/AcroForm", "/Perms", "/DSS", "/Extensions", "/Version", "/Metadata"})
_PAGE_KEYS = frozenset({"/Annots"})


def _is_sig_widget(annot: Any) -> bool:
    from pyhanko.pdf_utils import generic

    if not isinstance(annot, generic.DictionaryObject) or annot.get("/Subtype") != "/Widget":
        return False
    ft = annot.get("/FT")
    if ft is None and "/Parent" in annot:
        ft = annot["/Parent"].get_object().get("/FT")
    return ft == "/Sig"


def _changed_keys(old: Any, new: Any) -> set[str]:
    keys = set(old.keys()) | set(new.keys())
    return {k for k in keys if (k in old) != (k in new) or _raw(old, k) != _raw(new, k)}


def _raw(d: Any, key: str) -> Any:
    return _ref(d.raw_get(key))


def _ref(value: Any) -> Any:
    return value.reference if hasattr(value, "reference") else value


def content_changes_after(data: bytes, issued_length: int, reader: PdfFileReader | None = None) -> str | None:
    """What the incremental updates after the issued bytes changed beyond adding
    signature fields: None when nothing else, else a short reason.

    The numbered file has no form, so pyHanko's difference analysis (which starts from
    a signed revision) cannot judge the first update; this does, object by object: the
    catalog may gain a form, pages may gain signature widgets, the document
    information may change; any other existing object (content, fonts, the page tree)
    may not, and every new annotation must be a signature field.
    """
    from pyhanko.pdf_utils import generic

    reader = reader or reader_of(data)
    base_rev = base_revision(reader, issued_length)
    if base_rev is None:
        return "base revision not found"
    last = reader.xrefs.total_revisions - 1
    if base_rev == last:
        return None
    base = reader.get_historical_resolver(base_rev)
    base_root_ref = _ref(base.trailer_view.raw_get("/Root"))
    base_info_ref = _ref(base.trailer_view.raw_get("/Info")) if "/Info" in base.trailer_view else None
    for rev in range(base_rev + 1, last + 1):
        now = reader.get_historical_resolver(rev)
        if _ref(now.trailer_view.raw_get("/Root")) != base_root_ref:
            return "catalog replaced"
        # Only objects this revision rewrote are looked at (a large document has
        # hundreds of pages; walking them all would cost seconds).
        for ref in reader.xrefs.explicit_refs_in_revision(rev):
            if reader.xrefs.get_introducing_revision(ref) > base_rev:
                continue  # a new object: harmless unless an existing one points to it (checked here)
            if ref == base_root_ref:
                changed = _changed_keys(base.get_object(ref), now.get_object(ref))
                if changed - _CATALOG_KEYS:
                    return f"catalog keys changed: {sorted(changed - _CATALOG_KEYS)}"
                continue
            if base_info_ref is not None and ref == base_info_ref:
                continue
            old, new = base.get_object(ref), now.get_object(ref)
            if isinstance(old, generic.DictionaryObject) and old.get("/Type") == "/Page" and isinstance(new, generic.DictionaryObject):
                changed = _changed_keys(old, new)
                if changed - _PAGE_KEYS:
                    return f"page keys changed: {sorted(changed - _PAGE_KEYS)}"
                old_annots = _annot_refs(old)
                for annot_ref in _annot_refs(new):
                    if annot_ref in old_annots:
                        continue
                    annot = annot_ref.get_object() if isinstance(annot_ref, generic.Reference) else annot_ref
                    if not _is_sig_widget(annot):
                        return "an annotation other than a signature was added"
                continue
            # Anything else that existed (content streams, fonts, the page tree, an
            # existing annotation list) may not change.
            return f"existing object {ref.idnum} changed"
        acroform = now.get_object(base_root_ref).get("/AcroForm")
        if acroform is not None:
            acroform = acroform.get_object()
            for field_ref in acroform.get("/Fields", []):
                if field_ref.get_object().get("/FT") != "/Sig":
                    return "a form field other than a signature was added"
    return None


def _annot_refs(page: Any) -> list[Any]:
    annots = page.get("/Annots")
    if annots is None:
        return []
    out = []
    for i in range(len(annots)):
        raw = annots.raw_get(i) if hasattr(annots, "raw_get") else annots[i]
        out.append(raw.reference if hasattr(raw, "reference") else raw)
    return out


async def check_signatures(
    data: bytes, settings: SigningSettings, issued: bytes | None, *, after: int = 0, reader: PdfFileReader | None = None,
) -> list[SignatureCheck]:
    """Every signature of ``data``, oldest first, validated against ``issued`` (the
    numbered file's bytes, when known).

    With ``after``, only the signatures made after the first ``after`` bytes: what a
    step of confmgr's own just appended to a revision that was validated when it was
    stored. Validating an earlier signature once a later revision exists runs pyHanko's
    difference analysis, which walks every object of the document (half a second on
    the national minutes); the updates since the issued bytes are still checked here
    object by object (:func:`content_changes_after`).
    """
    reader = reader or reader_of(data)
    starts_with_issued = issued is not None and data.startswith(issued)
    issued_len = len(issued) if issued is not None else 0
    content_problem = content_changes_after(data, issued_len, reader) if starts_with_issued else None
    out: list[SignatureCheck] = []
    for sig in reader.embedded_signatures:
        byte_range = list(sig.byte_range) if hasattr(sig, "byte_range") else list(sig.sig_object["/ByteRange"])
        revision_end = int(byte_range[2]) + int(byte_range[3]) if len(byte_range) == 4 else 0
        if after and revision_end <= after:
            continue
        field_name = str(sig.field_name or "")
        problems: list[tuple[str, dict[str, Any]]] = []
        try:
            status = await async_validate_pdf_signature(
                sig, signer_validation_context=validation_context(settings), key_usage_settings=KEY_USAGE,
            )
            intact, valid, trusted = bool(status.intact), bool(status.valid), bool(status.trusted)
            coverage = status.coverage
            docmdp_ok = status.docmdp_ok is not False
            mod_level = status.modification_level
            cert = status.signing_cert
            ts = status.timestamp_validity
            signed_at = ts.timestamp if ts is not None else status.signer_reported_dt
            timestamped = ts is not None
        except Exception:  # noqa: BLE001 - a broken signature is a finding, not a crash
            intact = valid = trusted = False
            coverage = None
            docmdp_ok = False
            mod_level = None
            cert = sig.signer_cert
            signed_at = None
            timestamped = False
        info = cert_info(cert) if cert is not None else None
        covers_whole_revision = coverage is not None and coverage >= SignatureCoverageLevel.ENTIRE_REVISION
        covers_issued = bool(
            starts_with_issued and covers_whole_revision and byte_range and int(byte_range[0]) == 0
            and int(byte_range[1]) >= issued_len and revision_end >= issued_len
        )
        modification_ok = docmdp_ok and (mod_level is None or mod_level <= ModificationLevel.FORM_FILLING) and content_problem is None
        if not intact or not valid:
            problems.append((N_("The signature is not intact: the signed bytes were changed or the signature is damaged."), {}))
        if not trusted:
            problems.append(_trust_problem(info))
        if issued is not None and not starts_with_issued:
            problems.append((N_("The file does not start with exactly the bytes of the numbered document."), {}))
        elif issued is not None and not covers_issued:
            problems.append((N_("The signature does not cover the whole numbered document."), {}))
        if not modification_ok:
            problems.append((N_("After the numbered document something other than signatures was changed (the content was altered)."), {}))
        out.append(
            SignatureCheck(
                field_name=field_name,
                signer=info.common_name if info else "",
                organization=info.organization if info else "",
                signed_at=signed_at,
                timestamped=timestamped,
                kind="agency" if field_name.startswith(AGENCY_FIELD_PREFIX) else "signer",
                intact=intact and valid,
                trusted=trusted,
                covers_issued_bytes=covers_issued,
                covers_whole_file=coverage == SignatureCoverageLevel.ENTIRE_FILE,
                revision_end=revision_end,
                modification_ok=modification_ok,
                problems=problems,
            )
        )
    return out


def _trust_problem(info: Any) -> tuple[str, dict[str, Any]]:
    now = datetime.now(timezone.utc)
    if info is not None and info.not_after < now:
        return N_("The certificate expired on {date}; the signature is not trusted."), {"date": info.not_after.date().isoformat()}
    if info is not None and info.not_before > now:
        return N_("The certificate is not valid yet; the signature is not trusted."), {}
    return N_("The certificate does not chain to a trusted certification authority; the signature is not trusted."), {}
