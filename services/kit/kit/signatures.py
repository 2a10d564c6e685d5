"""Signed requests: a detached JWS over the canonical JSON body, in the
``Panjereh-Signature`` header.

Acts the seeds reserve to holders of a signature "token" (granting
representation, the final registration of an order or a permit) carry the
signer's signature. The signer is the acting user: ``act.sub`` of the access
token when present, else ``sub``. The signer registers public keys with
identity (``POST /v1/me/signature-keys``); identity publishes the active ones at
``GET /v1/parties/{subject}/signature-keys``.

Every line of signature checking lives here; see ``SIGNATURE_DOC`` for the
scheme as client developers read it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

import httpx
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import Depends, Request

from kit.auth import PrincipalDep
from kit.errors import PROBLEM_JSON, ProblemError

SIGNATURE_HEADER = "Panjereh-Signature"
ALGORITHMS = ("ES256", "EdDSA")
_HEADER_POINTER = f"#/header/{SIGNATURE_HEADER}"
_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")
_P256_BYTES = 32
_ED25519_BYTES = 32
# RFC 7638 §3.2: the required public members of each key type, in lexicographic order.
_THUMBPRINT_MEMBERS = {"EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x")}
PRIVATE_JWK_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")

PublicKey = ec.EllipticCurvePublicKey | Ed25519PublicKey
PrivateKey = ec.EllipticCurvePrivateKey | Ed25519PrivateKey

SIGNATURE_DOC = f"""\
**Signed request.** This act needs the signature of the acting user (the
seed's electronic-signature "token"), in the `{SIGNATURE_HEADER}` header.

* **Signer**: the user who acts: the `act.sub` of the access token when the
  token acts for someone (a representative), else its `sub`. The key must be
  one of the signer's *active* signature keys, registered with
  `POST /v1/me/signature-keys` and confirmed by SMS; identity publishes them
  at `GET /v1/parties/{{subject}}/signature-keys` (a JWKS). A revoked key is
  refused at once.
* **What is signed**: the request body in its canonical JSON form,
  JCS ([RFC 8785](https://www.rfc-editor.org/rfc/rfc8785)): keys sorted, no
  whitespace, ECMAScript number and string forms. Whitespace and key order of
  the body as sent therefore do not matter; any change of a value does.
  Duplicate member names, NaN and integers beyond ±2^53 cannot be signed.
* **Form**: a JWS with detached payload
  ([RFC 7515 Appendix F](https://www.rfc-editor.org/rfc/rfc7515#appendix-F)):
  `{SIGNATURE_HEADER}: <BASE64URL(protected header)>..<BASE64URL(signature)>`.
  The protected header is `{{"alg": "ES256" | "EdDSA", "kid": <key id>}}`
  where the key id is the key's RFC 7638 JWK thumbprint (SHA-256). The
  signing input is `BASE64URL(protected header) + "." + BASE64URL(JCS(body))`.
  ES256 signatures are the 64-byte `R || S` form (RFC 7518 §3.4); EdDSA uses
  Ed25519 (RFC 8037). `crit` is not supported.
* **Refusals**: no header → 428 `signature-required`; a header that is not
  this form → 400 `signature-malformed`; another algorithm → 400
  `signature-alg-unsupported`; a body that is not JSON → 400
  `signed-body-not-json`; a key that is not one of the signer's active keys →
  403 `signature-key-unknown`; a signature that does not match the body →
  403 `signature-invalid`.
"""

SIGNATURE_PARAMETER: dict[str, Any] = {
    "name": SIGNATURE_HEADER,
    "in": "header",
    "required": True,
    "description": SIGNATURE_DOC,
    # `eyJ`: every protected header is a JSON object, `{"` in base64url.
    "schema": {"type": "string", "pattern": r"^eyJ[A-Za-z0-9_-]*\.\.[A-Za-z0-9_-]+$", "maxLength": 4096},
}


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


SIGNATURE_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _problem_response("Bad request (a malformed signature, an unsupported algorithm...)"),
    403: _problem_response(
        "Not allowed (unknown or revoked signature key, signature not matching the body...)"
    ),
    428: _problem_response("The `Panjereh-Signature` header is required"),
}


def with_signature(route_args: dict[str, Any] | None = None) -> dict[str, Any]:
    """Route arguments documenting the ``Panjereh-Signature`` header and its
    refusals, merged into ``route_args`` (e.g. ``kit.json_body.documented(...)``)::

        @router.post("/v1/things", **with_signature({"responses": PROBLEM_RESPONSES}))
    """
    args = dict(route_args or {})
    extra = dict(args.get("openapi_extra") or {})
    extra["parameters"] = [*extra.get("parameters", []), SIGNATURE_PARAMETER]
    args["openapi_extra"] = extra
    args["responses"] = {**SIGNATURE_RESPONSES, **(args.get("responses") or {})}
    return args


# --- Problems ------------------------------------------------------------------------------------


class _SignatureProblem(ProblemError):
    pointer = _HEADER_POINTER

    def __init__(self, detail: str) -> None:
        super().__init__(detail, errors=[{"pointer": self.pointer, "detail": detail, "type": self.code}])


class SignatureRequired(_SignatureProblem):
    status = 428
    code = "signature-required"
    title = "This request must be signed"
    title_fa = "این درخواست باید امضا شود"


class SignatureMalformed(_SignatureProblem):
    status = 400
    code = "signature-malformed"
    title = "The signature header is malformed"
    title_fa = "قالب امضا نادرست است"


class SignatureAlgorithmUnsupported(_SignatureProblem):
    status = 400
    code = "signature-alg-unsupported"
    title = "The signature algorithm is not supported"
    title_fa = "الگوریتم امضا پشتیبانی نمی‌شود"


class SignatureKeyUnknown(_SignatureProblem):
    status = 403
    code = "signature-key-unknown"
    title = "The signature key is not an active key of the signer"
    title_fa = "کلید امضا از کلیدهای فعال امضاکننده نیست"


class SignatureInvalid(_SignatureProblem):
    status = 403
    code = "signature-invalid"
    title = "The signature does not match the request"
    title_fa = "امضا با درخواست مطابقت ندارد"


class SignedBodyNotJson(_SignatureProblem):
    status = 400
    code = "signed-body-not-json"
    title = "A signed request body must be JSON that JCS can canonicalise"
    title_fa = "بدنه درخواست امضاشده باید JSON باشد"
    pointer = "#/body"


class SignatureKeysUnavailable(ProblemError):
    status = 503
    code = "signature-keys-unavailable"
    title = "The signer's keys cannot be fetched now"
    title_fa = "کلیدهای امضاکننده اکنون در دسترس نیست"


class InvalidJwk(ProblemError):
    status = 422
    code = "jwk-invalid"
    title = "The key is not an acceptable public JWK"
    title_fa = "کلید عمومی پذیرفتنی نیست"

    def __init__(self, detail: str, *, pointer: str = "#/body/jwk", kind: str = "jwk-invalid") -> None:
        super().__init__(detail, errors=[{"pointer": pointer, "detail": detail, "type": kind}])


# --- Encoding ------------------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _b64url_decode(text: str) -> bytes:
    """Strict base64url without padding (RFC 7515 §2); anything else raises ValueError."""
    if not _B64URL.match(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url(data) != text:  # non-zero trailing bits: a second spelling of the same bytes
        raise ValueError("not canonical base64url")
    return data


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f"duplicate member {key!r}")
        obj[key] = value
    return obj


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _loads(raw: bytes | str) -> Any:
    return json.loads(raw, object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant)


def canonical_body(raw: bytes) -> bytes:
    """The JCS (RFC 8785) form of the JSON document ``raw``.

    Refused (``SignedBodyNotJson``): a body that is not UTF-8 JSON, has
    duplicate member names, NaN/Infinity, or integers JCS cannot represent
    exactly (beyond ±2^53).
    """
    try:
        return rfc8785.dumps(_loads(raw.decode("utf-8")))
    except (UnicodeDecodeError, ValueError, RecursionError, rfc8785.CanonicalizationError) as exc:
        raise SignedBodyNotJson(f"The body cannot be canonicalised for signing: {exc}.") from None


# --- Keys ----------------------------------------------------------------------------------------


def _member(jwk: dict[str, Any], name: str) -> str:
    value = jwk.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidJwk(f"The JWK lacks the string member {name!r}.")
    return value


def _coordinate(jwk: dict[str, Any], name: str, size: int) -> bytes:
    try:
        data = _b64url_decode(_member(jwk, name))
    except ValueError:
        raise InvalidJwk(f"The JWK member {name!r} is not base64url.") from None
    if len(data) != size:
        raise InvalidJwk(f"The JWK member {name!r} must be {size} bytes.")
    return data


def jwk_algorithm(jwk: dict[str, Any]) -> str:
    """``ES256`` for an EC P-256 key, ``EdDSA`` for an OKP Ed25519 key; else ``InvalidJwk``."""
    if not isinstance(jwk, dict):
        raise InvalidJwk("The JWK must be a JSON object.")
    kty = jwk.get("kty")
    if kty == "EC":
        if jwk.get("crv") != "P-256":
            raise InvalidJwk("Only the P-256 curve is accepted for EC keys (ES256).")
        alg = "ES256"
    elif kty == "OKP":
        if jwk.get("crv") != "Ed25519":
            raise InvalidJwk("Only Ed25519 is accepted for OKP keys (EdDSA).")
        alg = "EdDSA"
    else:
        raise InvalidJwk("The key type must be EC (P-256, ES256) or OKP (Ed25519, EdDSA).")
    if jwk.get("alg", alg) != alg:
        raise InvalidJwk(f"A {kty} {jwk['crv']} key is used with alg {alg}, not {jwk.get('alg')!r}.")
    if jwk.get("use", "sig") != "sig":
        raise InvalidJwk("The key's use must be 'sig'.")
    return alg


def public_key_from_jwk(jwk: dict[str, Any]) -> PublicKey:
    """The public key of an EC P-256 or OKP Ed25519 JWK. A JWK carrying private
    members (``d``...) is refused: private keys never leave the signer."""
    alg = jwk_algorithm(jwk)
    present = [m for m in PRIVATE_JWK_MEMBERS if m in jwk]
    if present:
        raise InvalidJwk(
            f"The JWK carries private members ({', '.join(present)}): send the public key only, "
            "and treat this private key as disclosed."
        )
    if alg == "ES256":
        x = _coordinate(jwk, "x", _P256_BYTES)
        y = _coordinate(jwk, "y", _P256_BYTES)
        try:
            numbers = ec.EllipticCurvePublicNumbers(
                int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()
            )
            return numbers.public_key()
        except ValueError:
            # No schema can say which (x, y) lie on the curve: a distinct type for clients and tests.
            raise InvalidJwk(
                "The point (x, y) is not on the P-256 curve.", kind="jwk_point_not_on_curve"
            ) from None
    return Ed25519PublicKey.from_public_bytes(_coordinate(jwk, "x", _ED25519_BYTES))


def public_jwk(jwk: dict[str, Any]) -> dict[str, str]:
    """The validated key reduced to its required public members (RFC 7638 set)."""
    public_key_from_jwk(jwk)
    return {m: jwk[m] for m in _THUMBPRINT_MEMBERS[jwk["kty"]]}


def thumbprint(jwk: dict[str, Any]) -> str:
    """The RFC 7638 JWK thumbprint (SHA-256, base64url) of an EC or OKP key."""
    kty = jwk.get("kty") if isinstance(jwk, dict) else None
    members = _THUMBPRINT_MEMBERS.get(kty) if isinstance(kty, str) else None
    if members is None:
        raise InvalidJwk("The key type must be EC or OKP.")
    canonical = json.dumps(
        {m: _member(jwk, m) for m in members}, separators=(",", ":"), sort_keys=True, ensure_ascii=False
    )
    return b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def jwk_of(key: PrivateKey | PublicKey) -> dict[str, str]:
    """The public JWK of a cryptography key (P-256 or Ed25519), for tests and clients."""
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey | Ed25519PrivateKey) else key
    if isinstance(public, Ed25519PublicKey):
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": b64url(public.public_bytes(Encoding.Raw, PublicFormat.Raw)),
        }
    if not isinstance(public.curve, ec.SECP256R1):
        raise ValueError("only P-256 EC keys sign ES256")
    numbers = public.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url(numbers.x.to_bytes(_P256_BYTES, "big")),
        "y": b64url(numbers.y.to_bytes(_P256_BYTES, "big")),
    }


# --- Signing and verifying -----------------------------------------------------------------------


def sign_detached(private_key: PrivateKey, body: bytes | Any, kid: str | None = None) -> str:
    """The ``Panjereh-Signature`` value for ``body`` (raw JSON bytes, or a JSON-able
    object), signed with a P-256 (ES256) or Ed25519 (EdDSA) private key.
    ``kid`` defaults to the key's thumbprint. For tests and client developers."""
    payload = canonical_body(body) if isinstance(body, bytes) else rfc8785.dumps(body)
    kid = kid or thumbprint(jwk_of(private_key))
    alg = "EdDSA" if isinstance(private_key, Ed25519PrivateKey) else "ES256"
    protected = b64url(json.dumps({"alg": alg, "kid": kid}, separators=(",", ":")).encode())
    signing_input = f"{protected}.{b64url(payload)}".encode("ascii")
    if isinstance(private_key, Ed25519PrivateKey):
        signature = private_key.sign(signing_input)
    else:
        if not isinstance(private_key.curve, ec.SECP256R1):
            raise ValueError("ES256 needs a P-256 key")
        r, s = decode_dss_signature(private_key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(_P256_BYTES, "big") + s.to_bytes(_P256_BYTES, "big")
    return f"{protected}..{b64url(signature)}"


@dataclass(frozen=True, slots=True)
class _Parsed:
    protected: str
    alg: str
    kid: str
    signature: bytes


def _parse_header(header_value: str | None) -> _Parsed:
    if header_value is None or not header_value.strip():
        raise SignatureRequired(f"Sign the request body and send the signature in `{SIGNATURE_HEADER}`.")
    parts = header_value.strip().split(".")
    if len(parts) != 3 or not parts[0] or not parts[2]:
        raise SignatureMalformed("Expected `<protected header>..<signature>` (a JWS with detached payload).")
    if parts[1]:
        raise SignatureMalformed("The payload must be detached: leave it empty (`<header>..<signature>`).")
    try:
        header = _loads(_b64url_decode(parts[0]).decode("utf-8"))
        signature = _b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise SignatureMalformed(
            "The protected header or the signature is not valid base64url JSON."
        ) from None
    if not isinstance(header, dict):
        raise SignatureMalformed("The protected header must be a JSON object.")
    if "crit" in header or "b64" in header:
        raise SignatureMalformed("`crit` and `b64` are not supported in the protected header.")
    alg, kid = header.get("alg"), header.get("kid")
    if not isinstance(alg, str) or not isinstance(kid, str) or not kid:
        raise SignatureMalformed("The protected header must name `alg` and `kid` as strings.")
    if alg not in ALGORITHMS:
        raise SignatureAlgorithmUnsupported(f"Sign with ES256 or EdDSA, not {alg!r}.")
    return _Parsed(protected=parts[0], alg=alg, kid=kid, signature=signature)


def _check(public_key: PublicKey, alg: str, signature: bytes, signing_input: bytes) -> None:
    try:
        if alg == "ES256":
            if not isinstance(public_key, ec.EllipticCurvePublicKey) or len(signature) != 2 * _P256_BYTES:
                raise InvalidSignature
            r = int.from_bytes(signature[:_P256_BYTES], "big")
            s = int.from_bytes(signature[_P256_BYTES:], "big")
            public_key.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(hashes.SHA256()))
        else:
            if not isinstance(public_key, Ed25519PublicKey):
                raise InvalidSignature
            public_key.verify(signature, signing_input)
    except InvalidSignature:
        raise SignatureInvalid("The signature does not match this body and key.") from None


def check_header(header_value: str | None) -> str:
    """The ``kid`` a well-formed ``Panjereh-Signature`` names, before any key is looked up
    (so a missing or malformed header is refused without a network call)."""
    return _parse_header(header_value).kid


def verify_detached(header_value: str | None, raw_body: bytes, keys: dict[str, dict[str, Any]]) -> str:
    """Verify ``Panjereh-Signature`` over the JCS form of ``raw_body`` with the
    signer's active ``keys`` (``{kid: public JWK}``); returns the ``kid``.

    Raises ``SignatureRequired`` (428), ``SignatureMalformed`` (400),
    ``SignatureAlgorithmUnsupported`` (400), ``SignedBodyNotJson`` (400),
    ``SignatureKeyUnknown`` (403: not an active key of the signer, e.g.
    revoked) or ``SignatureInvalid`` (403: another body or key).
    """
    parsed = _parse_header(header_value)
    payload = canonical_body(raw_body)
    jwk = keys.get(parsed.kid)
    if jwk is None:
        raise SignatureKeyUnknown(f"Key {parsed.kid!r} is not an active signature key of the signer.")
    try:
        public_key = public_key_from_jwk(jwk)
    except InvalidJwk:
        raise SignatureKeyUnknown(f"Key {parsed.kid!r} is not a usable signature key.") from None
    signing_input = f"{parsed.protected}.{b64url(payload)}".encode("ascii")
    _check(public_key, parsed.alg, parsed.signature, signing_input)
    return parsed.kid


# --- Other services: keys fetched from identity --------------------------------------------------


def keys_from_jwks(jwks: Any) -> dict[str, dict[str, Any]]:
    """``{kid: jwk}`` of a JWKS document; entries without a string ``kid`` are skipped."""
    entries = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(entries, list):
        raise ValueError("not a JWKS")
    return {e["kid"]: e for e in entries if isinstance(e, dict) and isinstance(e.get("kid"), str)}


class SignatureVerifier:
    """Verifies signed requests against the signer's keys published by identity.

    Keys are fetched on every verification, never cached: a key revoked a
    second ago is refused now. (Signed acts are rare, final acts; the extra
    request is cheap next to them.)
    """

    def __init__(self, http: httpx.AsyncClient, identity_url: str) -> None:
        self._http = http
        self._identity_url = identity_url.rstrip("/")

    def keys_url(self, subject: str) -> str:
        return f"{self._identity_url}/v1/parties/{quote(subject, safe=':')}/signature-keys"

    async def active_keys(self, subject: str) -> dict[str, dict[str, Any]]:
        """``{kid: jwk}`` of ``subject``'s active signature keys (empty for an unknown subject)."""
        try:
            response = await self._http.get(self.keys_url(subject))
            if response.status_code == 404:
                return {}
            response.raise_for_status()
            return keys_from_jwks(response.json())
        except (httpx.HTTPError, ValueError) as exc:
            raise SignatureKeysUnavailable(
                "The signer's signature keys cannot be fetched from identity; try again."
            ) from exc

    async def verify(self, signer: str, header_value: str | None, raw_body: bytes) -> str:
        """Verify the request as signed by ``signer`` (a ``user:``/``legal:`` subject); returns the kid."""
        check_header(header_value)
        return verify_detached(header_value, raw_body, await self.active_keys(signer))


@dataclass(frozen=True, slots=True)
class VerifiedSignature:
    """Who signed the request (``signer``, a subject) and with which key (``kid``)."""

    signer: str
    kid: str


def require_signature() -> Any:
    """Dependency: the request carries a valid ``Panjereh-Signature`` of the acting
    user (the token's actor when it acts for someone, else its subject); answers
    the ``VerifiedSignature``. Document the route with ``with_signature()``.

    Uses ``app.state.signature_verifier`` when set, else a ``SignatureVerifier``
    on ``app.state.http`` and the identity URL of the settings.
    """

    async def check(request: Request, principal: PrincipalDep) -> VerifiedSignature:
        state = request.app.state
        verifier: SignatureVerifier | None = getattr(state, "signature_verifier", None)
        if verifier is None:
            verifier = SignatureVerifier(state.http, state.settings.identity_url)
        signer = principal.actor or principal.subject
        kid = await verifier.verify(signer, request.headers.get(SIGNATURE_HEADER), await request.body())
        return VerifiedSignature(signer=signer, kid=kid)

    return Depends(check)


SignatureDep = Annotated[VerifiedSignature, require_signature()]
