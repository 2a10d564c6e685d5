"""Key material: ES256 key pairs, their JWK form, and encryption at rest."""

from __future__ import annotations

import base64
import hashlib
import json
import os

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_SANDBOX_KEK_SEED = b"panjereh-sandbox-key-encryption-key"


def key_encryption_key(configured: str, sandbox: bool) -> bytes:
    """The AES-256 key that wraps signing keys. Outside the sandbox it must be configured."""
    if configured:
        return base64.b64decode(configured)
    if sandbox:
        return hashlib.sha256(_SANDBOX_KEK_SEED).digest()
    raise RuntimeError(
        "IDENTITY_KEY_ENCRYPTION_KEY is not set. Generate one with "
        "`python -c 'import os,base64;print(base64.b64encode(os.urandom(32)).decode())'` "
        "(PANJEREH_SANDBOX=1 uses a development key instead)."
    )


def encrypt(kek: bytes, plaintext: bytes, associated: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(kek).encrypt(nonce, plaintext, associated)


def decrypt(kek: bytes, blob: bytes, associated: bytes) -> bytes:
    return AESGCM(kek).decrypt(blob[:12], blob[12:], associated)


def _b64url_uint(value: int) -> str:
    return base64.urlsafe_b64encode(value.to_bytes(32, "big")).decode().rstrip("=")


def new_es256_key() -> tuple[str, bytes, dict[str, str]]:
    """A fresh P-256 key: ``(kid, private PEM, public JWK)``; kid is the RFC 7638 thumbprint."""
    private = ec.generate_private_key(ec.SECP256R1())
    numbers = private.public_key().public_numbers()
    public = {"crv": "P-256", "kty": "EC", "x": _b64url_uint(numbers.x), "y": _b64url_uint(numbers.y)}
    thumbprint = hashlib.sha256(json.dumps(public, separators=(",", ":"), sort_keys=True).encode()).digest()
    kid = base64.urlsafe_b64encode(thumbprint).decode().rstrip("=")
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return kid, pem, {**public, "kid": kid, "use": "sig", "alg": "ES256"}
