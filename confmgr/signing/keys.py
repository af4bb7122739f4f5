"""Keys that sign: the agency's (PKCS#12 file or PKCS#11 token) and a person's own
PKCS#12 (kept encrypted, opened only with the password typed at signing).

Nothing here logs or keeps a password or PIN.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign import signers
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper

from confmgr.errors import Conflict, InvalidInput
from confmgr.i18n import N_
from confmgr.signing.config import SigningSettings

MAX_P12_BYTES = 64 * 1024


class SigningKeyError(Conflict):
    """The configured agency key cannot be used (missing file, wrong PIN, no token)."""


@dataclass(frozen=True)
class CertificateInfo:
    common_name: str
    organization: str
    not_before: datetime
    not_after: datetime
    serial: str


def cert_info(cert: x509.Certificate | asn1_x509.Certificate) -> CertificateInfo:
    if isinstance(cert, asn1_x509.Certificate):
        cert = x509.load_der_x509_certificate(cert.dump())

    def attr(oid: x509.ObjectIdentifier) -> str:
        values = cert.subject.get_attributes_for_oid(oid)
        return str(values[0].value) if values else ""

    return CertificateInfo(
        common_name=attr(x509.NameOID.COMMON_NAME),
        organization=attr(x509.NameOID.ORGANIZATION_NAME),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        serial=format(cert.serial_number, "x"),
    )


# ---- a person's PKCS#12 -----------------------------------------------------------


def _fernet(secret_key: str) -> Fernet:
    key = hashlib.sha256(b"confmgr personal signing key\0" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def check_pkcs12(data: bytes, password: str) -> CertificateInfo:
    """Open an uploaded PKCS#12 with its password: it must hold a key and its certificate."""
    if not data:
        raise InvalidInput("Choose a file.", field_errors={"p12": N_("Choose a file.")})
    if len(data) > MAX_P12_BYTES:
        raise InvalidInput("This is not a PKCS#12 file (.p12 or .pfx).", field_errors={"p12": N_("This is not a PKCS#12 file (.p12 or .pfx).")})
    try:
        key, cert, _others = pkcs12.load_key_and_certificates(data, password.encode())
    except ValueError:
        raise InvalidInput(
            "The file cannot be opened with this password, or it is not a PKCS#12 file.",
            field_errors={"password": N_("The file cannot be opened with this password, or it is not a PKCS#12 file.")},
        ) from None
    if key is None or cert is None:
        raise InvalidInput("The file holds no signing key and certificate.", field_errors={"p12": N_("The file holds no signing key and certificate.")})
    return cert_info(cert)


def seal_pkcs12(secret_key: str, data: bytes) -> bytes:
    """The PKCS#12 (already locked by its own password) encrypted once more with the server's key."""
    return _fernet(secret_key).encrypt(data)


def personal_signer(secret_key: str, stored: bytes, password: str) -> signers.SimpleSigner:
    """The signer of a stored PKCS#12, opened with the password typed now."""
    try:
        data = _fernet(secret_key).decrypt(stored)
    except InvalidToken:
        raise Conflict("The stored certificate cannot be read. Upload it again.") from None
    try:
        return signers.SimpleSigner.load_pkcs12_data(data, other_certs=[], passphrase=password.encode())
    except (ValueError, TypeError):
        raise InvalidInput(
            "The password does not open your certificate.",
            field_errors={"password": N_("The password does not open your certificate.")},
        ) from None


# ---- the agency's key -------------------------------------------------------------


@contextmanager
def agency_signer(settings: SigningSettings) -> Iterator[signers.Signer]:
    """The agency's signer for the time of one signature (a PKCS#11 session is closed after)."""
    if settings.pkcs11_module:
        from pkcs11 import exceptions as p11_errors
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

        try:
            session = open_pkcs11_session(
                settings.pkcs11_module,
                token_criteria=TokenCriteria(label=settings.pkcs11_token_label) if settings.pkcs11_token_label else None,
                user_pin=settings.pkcs11_pin,
            )
        except (p11_errors.PKCS11Error, OSError, RuntimeError, Exception) as exc:  # noqa: BLE001 - any token failure
            raise SigningKeyError(
                N_("The agency's token cannot be opened (module, token label or PIN). Tell the administrator.")
            ) from exc
        try:
            label = settings.pkcs11_key_label
            # Hash here and sign the digest on the token: the mechanism every token has.
            yield PKCS11Signer(
                session, cert_label=label, key_label=label, use_raw_mechanism=True,
                other_certs_to_pull=None,  # the chain certificates on the token go into the signature
            )
        finally:
            session.close()
        return
    if settings.agency_p12:
        try:
            data = settings.agency_p12.read_bytes()
            password = settings.agency_p12_password.encode() if settings.agency_p12_password else None
            signer = signers.SimpleSigner.load_pkcs12_data(data, other_certs=[], passphrase=password)
        except (OSError, ValueError) as exc:
            raise SigningKeyError(
                N_("The agency's key file cannot be opened (path or password). Tell the administrator.")
            ) from exc
        yield signer
        return
    raise SigningKeyError(N_("The agency's signing key is not configured. Tell the administrator."))


def timestamper(settings: SigningSettings) -> TimeStamper | None:
    """An RFC 3161 client when ``CONFMGR_TSA_URL`` is set (PAdES B-T), else None (B-B)."""
    return HTTPTimeStamper(settings.tsa_url, timeout=10) if settings.tsa_url else None
