"""Secret site links: ``<base>/s/<token>``.

A token carries 192 random bits. The database keeps an HMAC of it (to find the site)
and a Fernet encryption of it (so the secretariat can show and resend the link); a
copy of the database alone opens no site.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken

from confmgr.i18n import N_

TOKEN_BYTES = 24
# What every route of a site's link answers when the token opens nothing (the portal's
# pages, its API, the live stream): one message, whatever the reason.
INVALID_LINK = N_("This link is not valid. Ask the secretariat for a new one.")


@dataclass(frozen=True)
class SiteKeys:
    secret_key: str
    _fernet: Fernet = field(init=False, repr=False)
    _mac_key: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        root = self.secret_key.encode()
        # Two keys derived from the one secret, one per purpose.
        mac_key = hashlib.sha256(b"confmgr site token mac\0" + root).digest()
        enc_key = hashlib.sha256(b"confmgr site token encryption\0" + root).digest()
        object.__setattr__(self, "_mac_key", mac_key)
        object.__setattr__(self, "_fernet", Fernet(base64.urlsafe_b64encode(enc_key)))

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(TOKEN_BYTES)

    def digest(self, token: str) -> str:
        return hmac.new(self._mac_key, token.encode(), hashlib.sha256).hexdigest()

    def encrypt(self, token: str) -> str:
        return self._fernet.encrypt(token.encode()).decode()

    def decrypt(self, encrypted: str) -> str | None:
        try:
            return self._fernet.decrypt(encrypted.encode()).decode()
        except InvalidToken:
            return None

    def issue(self) -> tuple[str, str, str]:
        """A new token with its digest and its encrypted form."""
        token = self.new_token()
        return token, self.digest(token), self.encrypt(token)


# Real tokens are 43 characters; anything much longer is not worth hashing.
MAX_TOKEN_LENGTH = 128


def token_digest(keys: SiteKeys, token: str | None) -> str | None:
    """The keyed hash a site is found by, or None for what cannot be a token."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return keys.digest(token)
