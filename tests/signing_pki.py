"""A small PKI for the signing tests, made with ``cryptography``.

A root and an intermediate CA (the "government CA"), a signer (a person), the agency,
a time-stamping authority, an expired signer and a signer under a root nobody trusts.
Everything is written as PEM and PKCS#12 files into a folder; ``trust/`` holds only
the trusted root, as ``CONFMGR_TRUST_ROOTS`` would.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from PIL import Image, ImageDraw

PASSWORD = "Mật-khẩu-ký-2026"


@dataclass
class Party:
    name: str
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    chain: list[x509.Certificate] = field(default_factory=list)
    p12: Path | None = None
    key_pem: Path | None = None
    cert_pem: Path | None = None

    def p12_bytes(self, password: str = PASSWORD) -> bytes:
        return pkcs12.serialize_key_and_certificates(
            self.name.encode(), self.key, self.cert, self.chain,
            serialization.BestAvailableEncryption(password.encode()),
        )


def _name(cn: str, org: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])


def _cert(
    subject: x509.Name, key: object, issuer: x509.Name, issuer_key: object, *, ca: bool,
    not_before: datetime, not_after: datetime, eku: list[x509.ObjectIdentifier] | None = None,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())  # type: ignore[attr-defined]
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)  # type: ignore[attr-defined]
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)  # type: ignore[attr-defined]
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                          encipher_only=False, decipher_only=False), critical=True)
    elif eku:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                          encipher_only=False, decipher_only=False), critical=True)
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=True)
    else:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                          encipher_only=False, decipher_only=False), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())  # type: ignore[arg-type]


@dataclass
class Pki:
    folder: Path
    root: Party
    intermediate: Party
    signer: Party
    agency: Party
    tsa: Party
    expired: Party
    untrusted: Party
    untrusted_root: Party

    @property
    def trust_dir(self) -> Path:
        return self.folder / "trust"


def _rsa() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_pki(folder: Path) -> Pki:
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.now(timezone.utc)
    start, end = now - timedelta(days=30), now + timedelta(days=365)
    root_key = _rsa()
    root_name = _name("Root CA Chính phủ (thử nghiệm)", "Ban Cơ yếu Chính phủ")
    root = Party("root", root_key, _cert(root_name, root_key, root_name, root_key, ca=True, not_before=start, not_after=end + timedelta(days=3650)))
    inter_key = _rsa()
    inter_name = _name("CA phục vụ các cơ quan Nhà nước (thử nghiệm)", "Ban Cơ yếu Chính phủ")
    inter = Party("intermediate", inter_key, _cert(inter_name, inter_key, root_name, root_key, ca=True, not_before=start, not_after=end + timedelta(days=365)))

    def leaf(label: str, cn: str, org: str, *, key: object = None, not_before: datetime = start,
             not_after: datetime = end, eku: list[x509.ObjectIdentifier] | None = None,
             issuer: Party = inter, chain: list[x509.Certificate] | None = None) -> Party:
        k = key or ec.generate_private_key(ec.SECP256R1())
        cert = _cert(_name(cn, org), k, issuer.cert.subject, issuer.key, ca=False, not_before=not_before, not_after=not_after, eku=eku)
        return Party(label, k, cert, chain if chain is not None else [inter.cert, root.cert])  # type: ignore[arg-type]

    signer = leaf("signer", "Trần Minh Hoàng", "Sở Nội vụ tỉnh Bình Định", key=_rsa())
    agency = leaf("agency", "Sở Nội vụ tỉnh Bình Định", "Ủy ban nhân dân tỉnh Bình Định")
    tsa = leaf("tsa", "Dịch vụ cấp dấu thời gian (thử nghiệm)", "Ban Cơ yếu Chính phủ", key=_rsa(), eku=[ExtendedKeyUsageOID.TIME_STAMPING])
    expired = leaf("expired", "Nguyễn Văn Hết Hạn", "Sở Nội vụ tỉnh Bình Định",
                   not_before=now - timedelta(days=400), not_after=now - timedelta(days=2))
    other_key = _rsa()
    other_name = _name("CA lạ", "Tổ chức không được tin cậy")
    other_root = Party("untrusted-root", other_key, _cert(other_name, other_key, other_name, other_key, ca=True, not_before=start, not_after=end))
    untrusted = leaf("untrusted", "Người Lạ", "Tổ chức không được tin cậy", issuer=other_root, chain=[other_root.cert])
    pki = Pki(folder, root, inter, signer, agency, tsa, expired, untrusted, other_root)
    pki.trust_dir.mkdir(exist_ok=True)
    (pki.trust_dir / "root.pem").write_bytes(root.cert.public_bytes(serialization.Encoding.PEM))
    for party in (root, inter, signer, agency, tsa, expired, untrusted, other_root):
        party.cert_pem = folder / f"{party.name}.crt.pem"
        party.cert_pem.write_bytes(party.cert.public_bytes(serialization.Encoding.PEM))
        party.key_pem = folder / f"{party.name}.key.pem"
        party.key_pem.write_bytes(party.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        if party not in (root, other_root, inter):
            party.p12 = folder / f"{party.name}.p12"
            party.p12.write_bytes(party.p12_bytes())
    return pki


def png(color: tuple[int, int, int], size: tuple[int, int], *, ring: bool = False, alpha: bool = True) -> bytes:
    """A signature image (a stroke) or a seal image (a ring) for the tests and the bench."""
    img = Image.new("RGBA" if alpha else "RGB", size, (0, 0, 0, 0) if alpha else (255, 255, 255))
    draw = ImageDraw.Draw(img)
    if ring:
        draw.ellipse((4, 4, size[0] - 4, size[1] - 4), outline=color + (255,), width=8)
    else:
        draw.line((10, size[1] - 20, size[0] // 2, 15, size[0] - 10, size[1] - 30), fill=color + (255,), width=6)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()
