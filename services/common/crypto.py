"""Field encryption at rest (AES-256-GCM) and keyed hashes for look-ups.

`FieldCipher(key)` encrypts one string into a self-describing token
`v1:<base64 nonce+ciphertext>`; the key comes from the environment (PII_KEY),
and any string is stretched to 32 bytes with HKDF, so operators can paste a
long random passphrase. A keyed hash (HMAC-SHA256) finds a record by a value
without decrypting anything. Plain Python: no nameko, no pymongo.
"""
import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "v1:"


def derive_key(secret: str, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(secret.encode())


class FieldCipher:
    def __init__(self, secret: str, purpose: str = "window-pii"):
        self._aead = AESGCM(derive_key(secret, purpose + ":encrypt"))
        self._hash_key = derive_key(secret, purpose + ":lookup")

    def encrypt(self, value: str | None, context: str = "") -> str | None:
        """`context` (e.g. the field name) is bound to the ciphertext: it cannot be moved to another field."""
        if value is None:
            return None
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, value.encode(), context.encode())
        return PREFIX + base64.b64encode(nonce + sealed).decode()

    def decrypt(self, token: str | None, context: str = "") -> str | None:
        if token is None:
            return None
        if not token.startswith(PREFIX):
            raise ValueError("not an encrypted field")
        raw = base64.b64decode(token[len(PREFIX):])
        return self._aead.decrypt(raw[:12], raw[12:], context.encode()).decode()

    def lookup_hash(self, value: str) -> str:
        return hmac.new(self._hash_key, value.encode(), hashlib.sha256).hexdigest()


def is_encrypted(value) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)
