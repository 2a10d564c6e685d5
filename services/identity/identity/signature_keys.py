"""Users' signature keys (the seed's "token") and checking a signed request against them.

A user registers a public key (ES256 on P-256, or EdDSA on Ed25519); it stays
``pending`` until the SMS code sent to the user's own mobile confirms it, then
is ``active`` until the user revokes it. Only active keys verify signatures and
are published. Flushes, never commits.
"""

from __future__ import annotations

import uuid

from fastapi import Request
from identity_client.signature_keys import (
    PublicSignatureJwk,
    SignatureJwkSet,
    SignatureKeyCreate,
    SignatureKeyOut,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from identity import audit, codes
from identity import signature_keys_repository as repository
from identity.exceptions import (
    MobileNotConfirmed,
    SignatureKeyExists,
    SignatureKeyLimit,
    SignatureKeyNotFound,
    SignatureKeyNotPending,
)
from identity.models import Party, SignatureKey, VerificationCode
from identity.subjects import LEGAL_PREFIX, party_id_of, subject_of
from kit.clock import now_utc
from kit.signatures import (
    Act,
    SignedClaims,
    check_header,
    jwk_algorithm,
    public_jwk,
    thumbprint,
    verify_detached,
)
from panjereh_contract.identifiers import normalise_digits

CODE_PURPOSE = "signature-key"
MAX_LIVE_KEYS = 10
_SMS = "Panjereh: {code} confirms a new signature key on your account. Do not share it."


async def verify_party_signature(
    session: AsyncSession, party_id: uuid.UUID, signature_header: str | None, body: bytes, act: Act
) -> SignedClaims:
    """Check the detached JWS ``signature_header`` (``Panjereh-Signature``) over its
    protected header and the JCS form of the JSON ``body`` against ``party_id``'s
    active keys, for ``act`` (method, path, version, time); returns the signed claims.
    Raises a 4xx ProblemError naming what is wrong (missing, malformed, another act,
    expired, unknown or revoked key, tampered body). The caller uses up the ``jti``
    (``kit.signatures.remember_jti``) in the act's transaction."""
    check_header(signature_header, act)
    keys = {key.kid: key.public_jwk for key in await repository.active_keys(session, party_id)}
    return verify_detached(signature_header, body, keys, act)


def key_out(key: SignatureKey) -> SignatureKeyOut:
    return SignatureKeyOut(
        kid=key.kid,
        name=key.name,
        alg=key.alg,  # type: ignore[arg-type]
        status=key.status,  # type: ignore[arg-type]
        jwk=key.public_jwk,
        created_at=key.created_at,
        activated_at=key.activated_at,
        revoked_at=key.revoked_at,
    )


async def register_key(
    request: Request, session: AsyncSession, user: Party, data: SignatureKeyCreate
) -> tuple[SignatureKey, VerificationCode]:
    """Register ``data.jwk`` as a pending key of ``user`` and text a code to the
    user's mobile. Registering again a key that is still pending restarts its
    confirmation with a new code; an active or revoked key, or a key another
    account registered, is refused (409)."""
    sent = data.jwk.model_dump(exclude_none=True)
    alg = jwk_algorithm(sent)
    jwk = public_jwk(sent)
    kid = thumbprint(jwk)
    if not user.mobile:
        raise MobileNotConfirmed("Confirm a mobile number before registering a signature key.")
    key = await repository.key_of(session, user.id, kid, for_update=True)
    if key is not None and key.status != "pending":
        raise SignatureKeyExists(
            f"This key is already registered ({key.status}); generate a new key pair.", pointer="#/body/jwk"
        )
    if await repository.kid_held_by_another(session, user.id, kid):
        raise SignatureKeyExists("This key is registered to another account.", pointer="#/body/jwk")
    if key is None and await repository.live_key_count(session, user.id) >= MAX_LIVE_KEYS:
        raise SignatureKeyLimit(f"At most {MAX_LIVE_KEYS} pending or active keys; revoke one first.")
    code = await codes.issue(
        request,
        session,
        purpose=CODE_PURPOSE,
        mobile=user.mobile,
        party_id=user.id,
        data={"kid": kid},
        message=_SMS,
    )
    if key is None:
        key = SignatureKey(party_id=user.id, kid=kid, alg=alg, public_jwk=jwk, name=data.name)
        try:
            async with session.begin_nested():
                session.add(key)
                await session.flush()
        except IntegrityError:  # the same key registered concurrently
            raise SignatureKeyExists("This key is already registered.", pointer="#/body/jwk") from None
    key.name = data.name
    key.verification_code_id = code.id
    audit.record(
        session,
        actor=subject_of(user),
        action="signature-key.registered",
        object_type="signature-key",
        object_id=kid,
        details={"name": data.name, "alg": alg},
    )
    await session.flush()
    await session.refresh(key)
    return key, code


async def key_or_404(
    session: AsyncSession, user: Party, kid: str, *, for_update: bool = False
) -> SignatureKey:
    key = await repository.key_of(session, user.id, kid, for_update=for_update)
    if key is None:
        raise SignatureKeyNotFound(f"You have no signature key {kid!r}.")
    return key


async def confirm_key(
    request: Request, session: AsyncSession, user: Party, kid: str, code: str
) -> SignatureKey:
    """Activate a pending key with the SMS code sent when it was registered."""
    key = await key_or_404(session, user, kid, for_update=True)
    if key.status != "pending" or key.verification_code_id is None:
        raise SignatureKeyNotPending(f"The key is {key.status}, not waiting for a code.")
    await codes.check(
        request, session, code_id=key.verification_code_id, purpose=CODE_PURPOSE, code=normalise_digits(code)
    )
    key.status = "active"
    key.activated_at = now_utc()
    audit.record(
        session,
        actor=subject_of(user),
        action="signature-key.activated",
        object_type="signature-key",
        object_id=kid,
    )
    await session.flush()
    return key


async def revoke_key(session: AsyncSession, user: Party, kid: str) -> SignatureKey:
    """Revoke a pending or active key: it verifies nothing from now on, here or in
    any service. Revoking a revoked key changes nothing."""
    key = await key_or_404(session, user, kid, for_update=True)
    if key.status != "revoked":
        key.status = "revoked"
        key.revoked_at = now_utc()
        audit.record(
            session,
            actor=subject_of(user),
            action="signature-key.revoked",
            object_type="signature-key",
            object_id=kid,
        )
        await session.flush()
    return key


async def published_jwks(session: AsyncSession, subject: str) -> SignatureJwkSet:
    """The active keys of the party ``subject`` names (``user:``/``legal:``), as a JWKS.
    An unknown or inactive party has none."""
    party_id = party_id_of(subject)
    if party_id is None:
        return SignatureJwkSet(keys=[])
    kind = "legal" if subject.startswith(LEGAL_PREFIX) else "natural"
    keys = await repository.published_keys(session, party_id, kind)
    return SignatureJwkSet(
        keys=[PublicSignatureJwk(**key.public_jwk, kid=key.kid, alg=key.alg, use="sig") for key in keys]
    )
