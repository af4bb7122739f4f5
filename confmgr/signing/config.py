"""Signing settings from ``CONFMGR_*`` variables (read by :mod:`confmgr.settings`).

Imports nothing from confmgr, so the settings module can import it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SigningSettings:
    # The agency key as a PKCS#12 file ...
    agency_p12: Path | None = None
    agency_p12_password: str | None = None
    # ... or on a PKCS#11 token / HSM.
    pkcs11_module: str | None = None
    pkcs11_token_label: str | None = None
    pkcs11_key_label: str | None = None
    pkcs11_pin: str | None = None
    # A folder of CA certificates (PEM or DER) that validation trusts.
    trust_roots: Path | None = None
    # An RFC 3161 time-stamping service: PAdES B-T when set.
    tsa_url: str | None = None
    # Largest signed PDF accepted from an upload.
    max_signed_bytes: int = 30 * 1024 * 1024

    @property
    def sealing_configured(self) -> bool:
        return self.agency_p12 is not None or self.pkcs11_module is not None


def signing_settings_from_env(env: Mapping[str, str]) -> SigningSettings:
    def opt(name: str) -> str | None:
        value = env.get(name)
        return value if value else None

    p12 = opt("CONFMGR_AGENCY_P12")
    roots = opt("CONFMGR_TRUST_ROOTS")
    return SigningSettings(
        agency_p12=Path(p12) if p12 else None,
        agency_p12_password=env.get("CONFMGR_AGENCY_P12_PASSWORD"),
        pkcs11_module=opt("CONFMGR_PKCS11_MODULE"),
        pkcs11_token_label=opt("CONFMGR_PKCS11_TOKEN_LABEL"),
        pkcs11_key_label=opt("CONFMGR_PKCS11_KEY_LABEL"),
        pkcs11_pin=env.get("CONFMGR_PKCS11_PIN"),
        trust_roots=Path(roots) if roots else None,
        tsa_url=opt("CONFMGR_TSA_URL"),
    )
