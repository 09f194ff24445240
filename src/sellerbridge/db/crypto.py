"""Secrets and buyer data at rest (A3, B13): Fernet ciphertext in the database, never clear text.

- :class:`SecretBox` encrypts and decrypts text columns (``None`` stays ``None``) and hashes e-mails
  with a keyed HMAC-SHA256, so customers can be matched by e-mail (B5) without storing it in clear
  and without the hash being a plain, guessable digest of the address.
- :func:`load_or_create_key` takes the key from settings, else from ``data_dir/secret.key``, creating
  that file (mode 0600, in a 0700 directory: ``db/files.py``) the first time; a key file left
  looser by an older version is narrowed to 0600 when read.

Losing the key loses every secret and PII value; the key never appears in logs or reprs.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.fernet import Fernet, InvalidToken

from .files import PRIVATE_FILE, private_dir, private_file

if TYPE_CHECKING:
    from sellerbridge.settings import Settings

KEY_FILE_NAME = "secret.key"
_KEY_FILE_READ_ATTEMPTS = 50  # x 20 ms
# Domain separation: the e-mail HMAC key is derived from, never equal to, the encryption key.
_EMAIL_HASH_CONTEXT = b"sellerbridge/email-hash/v1\x00"


class SecretBoxError(ValueError):
    """A value could not be decrypted: wrong key, or the column was tampered with."""


class SecretBox:
    """Fernet encryption of text values and keyed hashing of e-mail addresses."""

    __slots__ = ("_email_key", "_fernet")

    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError):
            raise SecretBoxError("the secret key must be 32 url-safe base64-encoded bytes (Fernet)") from None
        self._email_key = hashlib.sha256(_EMAIL_HASH_CONTEXT + key).digest()

    def __repr__(self) -> str:
        return "SecretBox(<key hidden>)"

    def encrypt(self, value: str | None) -> str | None:
        if value is None:
            return None
        return self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str | None) -> str | None:
        if token is None:
            return None
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise SecretBoxError("cannot decrypt a stored value: wrong secret key?") from None

    def hash_email(self, email: str | None) -> str | None:
        """HMAC-SHA256 (hex) of the e-mail, lower-cased and stripped; None or blank gives None (B5)."""
        if email is None:
            return None
        normalized = email.strip().lower()
        if not normalized:
            return None
        # one-shot hmac.digest: the same HMAC as hmac.new(...).hexdigest(), without a Python HMAC object
        return hmac.digest(self._email_key, normalized.encode("utf-8"), "sha256").hex()


def generate_key() -> bytes:
    return Fernet.generate_key()


def load_or_create_key(settings: Settings) -> bytes:
    """The hub's secret key: ``settings.secret_key``, else ``data_dir/secret.key`` (created 0600)."""
    if settings.secret_key is not None:
        key = settings.secret_key.get_secret_value().strip().encode("ascii")
        SecretBox(key)  # refuse a malformed key now, not at the first encryption
        return key
    return _load_or_create_key_file(Path(settings.data_dir) / KEY_FILE_NAME)


def _load_or_create_key_file(path: Path) -> bytes:
    private_dir(path.parent)
    key = generate_key()
    try:
        # O_EXCL: two processes starting at once never write two different keys.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        private_file(path)
        return _read_key_file(path)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    return key


def _read_key_file(path: Path) -> bytes:
    # Another process may have just created the file and not written it yet: wait a moment for it.
    for _ in range(_KEY_FILE_READ_ATTEMPTS):
        key = path.read_bytes().strip()
        if key:
            SecretBox(key)
            return key
        time.sleep(0.02)
    raise SecretBoxError(f"{path} is empty: restore the key (remove the file only on a fresh install, never with data)")
