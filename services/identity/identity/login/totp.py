"""TOTP (RFC 6238) second factor with pyotp: secrets encrypted at rest, replay refused.

A secret is 160 random bits (base32), AES-GCM encrypted with the key-encryption
key and bound to its party (associated data), so a secret copied onto another
account does not decrypt. A code is accepted in the current 30-second step or
one step either side (``valid_window`` 1, for clock drift), and each step only
once: the step of the last accepted code is kept in ``Account.totp_last_step``.
"""

from __future__ import annotations

import hmac
import time
import uuid

import pyotp

from identity import crypto
from identity.accounts.models import Account

ISSUER = "Panjereh"
DIGITS = 6
PERIOD = 30
VALID_WINDOW = 1


def new_secret() -> str:
    return pyotp.random_base32()


def _associated(party_id: uuid.UUID) -> bytes:
    return f"totp:{party_id}".encode()


def encrypt_secret(kek: bytes, party_id: uuid.UUID, secret: str) -> bytes:
    return crypto.encrypt(kek, secret.encode(), _associated(party_id))


def decrypt_secret(kek: bytes, party_id: uuid.UUID, blob: bytes) -> str:
    return crypto.decrypt(kek, blob, _associated(party_id)).decode()


def mask_national_code(national_code: str) -> str:
    """``0084575948`` -> ``008****948``: enough for the user to recognise, not to read."""
    return national_code[:3] + "*" * (len(national_code) - 6) + national_code[-3:]


def provisioning_uri(secret: str, account_name: str) -> str:
    """The ``otpauth://`` URI authenticator apps read from a QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=PERIOD).provisioning_uri(
        name=account_name, issuer_name=ISSUER
    )


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step whose code is ``code`` (within ``VALID_WINDOW``), or None."""
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=PERIOD)
    current = int((time.time() if now is None else now) // PERIOD)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def accept(account: Account, secret: str, code: str) -> bool:
    """Whether ``code`` is valid and not a replay; on success records its step
    on ``account`` (the caller holds the account row locked)."""
    step = matching_step(secret, code)
    if step is None or (account.totp_last_step is not None and step <= account.totp_last_step):
        return False
    account.totp_last_step = step
    return True
