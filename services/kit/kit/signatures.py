"""Signed requests: a detached JWS over the canonical JSON body, in the
``Panjereh-Signature`` header, whose protected header binds the act: method
(``htm``), path (``htu``), the object's version (``etag``), time (``iat``) and a
one-time ID (``jti``, remembered by each verifying service in its own
``signature_jtis`` table and refused when seen again).

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
import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import Depends, Request
from sqlalchemy import Column, DateTime, Index, MetaData, String, Table, delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit.auth import PrincipalDep
from kit.canonical_json import NotCanonicalisable, canonical, strict_loads
from kit.clock import now_utc
from kit.db import SessionDep
from kit.errors import ProblemError, merge_problem_responses, problem_responses
from kit.registry import registry
from kit.runtime import ATTRIBUTE, ServiceState, runtime
from panjereh_contract.client import ServiceCallError
from panjereh_contract.jwk import PRIVATE_JWK_MEMBERS

SIGNATURE_HEADER = "Panjereh-Signature"
ALGORITHMS = ("ES256", "EdDSA")
_HEADER_POINTER = f"#/header/{SIGNATURE_HEADER}"
_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")
_JTI = re.compile(r"[A-Za-z0-9._~-]{16,128}")
# How far `iat` may lie in the past and in the future (clock skew); a `jti` is kept that long.
MAX_AGE_SECONDS = 300
MAX_FUTURE_SECONDS = 60
_P256_BYTES = 32
_ED25519_BYTES = 32
# RFC 7638 §3.2: the required public members of each key type, in lexicographic order.
_THUMBPRINT_MEMBERS = {"EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x")}

PublicKey = ec.EllipticCurvePublicKey | Ed25519PublicKey
PrivateKey = ec.EllipticCurvePrivateKey | Ed25519PrivateKey

SIGNATURE_DOC = """\
**Signed request.** This act needs the signature of the acting user (the
seed's electronic-signature "token"), in the `Panjereh-Signature` header. A
signature binds the act, not only its body: the method, the path (with the
object's ID), the object's version, the time and a one-time ID. A signature
captured on one request never signs another, nor the same one twice.

* **Signer**: the user who acts: the `act.sub` of the access token when the
  token acts for someone (a representative), else its `sub`. The key must be
  one of the signer's *active* signature keys, registered with
  `POST /v1/me/signature-keys` and confirmed by SMS; TOKEN_SERVICE publishes them
  at `GET /v1/parties/{subject}/signature-keys` (a JWKS). A revoked key is
  refused at once.
* **Form**: a JWS with detached payload
  ([RFC 7515 Appendix F](https://www.rfc-editor.org/rfc/rfc7515#appendix-F)):
  `Panjereh-Signature: <BASE64URL(protected header)>..<BASE64URL(signature)>`.
  The signing input is `BASE64URL(protected header) + "." + BASE64URL(JCS(body))`.
  ES256 signatures are the 64-byte `R || S` form (RFC 7518 §3.4); EdDSA uses
  Ed25519 (RFC 8037). `crit` and `b64` are not supported.
* **Body**: signed in its canonical JSON form, JCS
  ([RFC 8785](https://www.rfc-editor.org/rfc/rfc8785)): keys sorted, no
  whitespace, ECMAScript number and string forms. Whitespace and key order of
  the body as sent therefore do not matter; any change of a value does.
  Duplicate member names, NaN and integers beyond ±2^53 cannot be signed.
* **Protected header** (a JSON object, every member signed):
  * `alg`: `ES256` or `EdDSA`; `kid`: the key's RFC 7638 JWK thumbprint (SHA-256).
  * `htm`: the HTTP method, upper case (`POST`).
  * `htu`: the request path as you call it through the gateway, with the
    service prefix and the object's ID, without query or host:
    `/<service>/v1/<objects>/{id}/<act>`. The gateway strips the
    prefix (`/<service>`) before forwarding, so each service accepts its own
    path in two spellings only: `/<service>` + its path (through the gateway)
    or its bare path (`/v1/...`, a direct call inside the cluster). Never a
    path of another object or another service.
  * `etag`: the object's version, the `ETag` you read (`GET`) before
    signing, where the act is on an existing object (each signed endpoint
    says which object). A signature made for one version fails once the
    object changes: read it again and sign anew. Acts that create (granting
    representation) have no object yet: leave `etag` out.
  * `iat`: when you signed, in integer seconds since the epoch (UTC). Accepted
    from 5 minutes in the past to 1 minute in the future.
  * `jti`: a one-time ID, 16 to 128 characters of `A-Z a-z 0-9 . _ ~ -` (a
    UUID is fine). The service remembers it, per signer, for as long as the
    `iat` would be accepted, and refuses it when seen again; of two
    concurrent requests with one `jti`, exactly one passes. It is
    remembered in the act's own transaction: an act that is refused (a 4xx
    after the signature, or a 5xx) does not use up the `jti`, so resending
    the very same request is answered as the first time. A retry through
    `Idempotency-Key` replays the first answer without checking the
    signature again; any other retry needs a new signature.
* **Refusals**, each a problem with its own `code`; the claim at fault is
  named in `claim` (and in `errors[].claim`):
  no header → 428 `signature-required`; a header that is not this form, or
  a claim of the wrong type → 400 `signature-malformed`; a missing claim →
  400 `signature-claim-missing`; another algorithm → 400
  `signature-alg-unsupported`; a body that is not JSON → 400
  `signed-body-not-json`; `htm`, `htu` or `etag` not those of this request →
  403 `signature-binding-mismatch`; `iat` older than 5 minutes → 403
  `signature-expired`; `iat` more than 1 minute ahead → 403
  `signature-not-yet-valid`; a key that is not one of the signer's active
  keys → 403 `signature-key-unknown`; a signature that does not match the
  header and body → 403 `signature-invalid`; a `jti` already used → 409
  `signature-replayed`.

Signing (and checking) in Python with `cryptography` and `rfc8785`:

```python
import base64, json, time, uuid
import rfc8785
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature, encode_dss_signature)

def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

def sign(key: ec.EllipticCurvePrivateKey, kid: str, method: str, path: str,
         body: dict, etag: str | None = None) -> str:
    header = {"alg": "ES256", "kid": kid, "htm": method, "htu": path,
              "iat": int(time.time()), "jti": str(uuid.uuid4())}
    if etag is not None:
        header["etag"] = etag
    protected = b64url(json.dumps(header).encode())
    signing_input = f"{protected}.{b64url(rfc8785.dumps(body))}".encode()
    r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    return f"{protected}..{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"

def check(public_key: ec.EllipticCurvePublicKey, value: str, body: dict) -> dict:
    protected, _, signature = value.split(".")
    raw = base64.urlsafe_b64decode(signature + "==")
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    signing_input = f"{protected}.{b64url(rfc8785.dumps(body))}".encode()
    public_key.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))  # InvalidSignature
    return json.loads(base64.urlsafe_b64decode(protected + "=="))

# An act on an existing object: GET the object first and keep its ETag.
path = f"{service_prefix}/v1/{objects}/{object_id}/{act}"  # as the endpoint documents it
body = {"validity_months": 6}
headers = {"Panjereh-Signature": sign(key, kid, "POST", path, body, etag=etag)}
httpx.post(gateway + path, content=json.dumps(body), headers={**headers, **auth})
```
""".replace("TOKEN_SERVICE", registry().token_service.name)


def signature_parameter(version: str | None = None) -> dict[str, Any]:
    """The OpenAPI header parameter of a signed endpoint; ``version`` says what its
    `etag` claim holds (None: a creation act, no `etag`)."""
    binds = (
        f"\n**This endpoint**: `etag` is {version}."
        if version
        else "\n**This endpoint** creates: no `etag`; sign `htm`, `htu`, `iat` and `jti`."
    )
    return {
        "name": SIGNATURE_HEADER,
        "in": "header",
        "required": True,
        "description": SIGNATURE_DOC + binds,
        # `eyJ`: every protected header is a JSON object, `{"` in base64url.
        "schema": {"type": "string", "pattern": r"^eyJ[A-Za-z0-9_-]*\.\.[A-Za-z0-9_-]+$", "maxLength": 4096},
    }


SIGNATURE_PARAMETER: dict[str, Any] = signature_parameter()


def with_signature(route_args: dict[str, Any] | None = None, *, version: str | None = None) -> dict[str, Any]:
    """Route arguments documenting the ``Panjereh-Signature`` header and its
    refusals, merged into ``route_args`` (e.g. ``kit.json_body.documented(...)``);
    ``version`` says what the ``etag`` claim holds on an act on an existing object::

        @router.post("/v1/things", **with_signature({"responses": PROBLEM_RESPONSES}))
    """
    args = dict(route_args or {})
    extra = dict(args.get("openapi_extra") or {})
    extra["parameters"] = [*extra.get("parameters", []), signature_parameter(version)]
    args["openapi_extra"] = extra
    args["responses"] = merge_problem_responses(args.get("responses") or {}, SIGNATURE_RESPONSES)
    return args


# --- Problems ------------------------------------------------------------------------------------


class _SignatureProblem(ProblemError):
    pointer = _HEADER_POINTER

    def __init__(self, detail: str, *, claim: str | None = None) -> None:
        error = {"pointer": self.pointer, "detail": detail, "type": self.code}
        if claim is None:
            super().__init__(detail, errors=[error])
        else:
            super().__init__(detail, claim=claim, errors=[{**error, "claim": claim}])


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


class SignatureClaimMissing(_SignatureProblem):
    status = 400
    code = "signature-claim-missing"
    title = "The signature's protected header lacks a claim this act needs"
    title_fa = "سرآیند امضا ادعای لازم را ندارد"


class SignatureBindingMismatch(_SignatureProblem):
    status = 403
    code = "signature-binding-mismatch"
    title = "The signature was made for another act (method, path or version)"
    title_fa = "امضا برای درخواست دیگری ساخته شده است"


class SignatureExpired(_SignatureProblem):
    status = 403
    code = "signature-expired"
    title = "The signature is too old"
    title_fa = "زمان امضا گذشته است"


class SignatureNotYetValid(_SignatureProblem):
    status = 403
    code = "signature-not-yet-valid"
    title = "The signature claims to be made in the future"
    title_fa = "زمان امضا در آینده است"


class SignatureReplayed(_SignatureProblem):
    status = 409
    code = "signature-replayed"
    title = "This signature was already used"
    title_fa = "این امضا پیش‌تر به کار رفته است"


class SignedBodyNotJson(_SignatureProblem):
    status = 400
    code = "signed-body-not-json"
    title = "A signed request body must be JSON that JCS can canonicalise"
    title_fa = "بدنه درخواست امضاشده باید JSON باشد"
    pointer = "#/body"


# The refusals of every signed act (``with_signature``), grouped by status.
SIGNATURE_RESPONSES: dict[int | str, dict[str, Any]] = problem_responses(
    SignatureMalformed,
    SignatureAlgorithmUnsupported,
    SignatureClaimMissing,
    SignedBodyNotJson,
    SignatureKeyUnknown,
    SignatureInvalid,
    SignatureBindingMismatch,
    SignatureExpired,
    SignatureNotYetValid,
    SignatureReplayed,
    SignatureRequired,
)


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


def canonical_body(raw: bytes) -> bytes:
    """The JCS (RFC 8785) form of the JSON document ``raw``.

    Refused (``SignedBodyNotJson``): a body that is not UTF-8 JSON, has
    duplicate member names, NaN/Infinity, or integers JCS cannot represent
    exactly (beyond ±2^53).
    """
    try:
        return canonical(raw)
    except NotCanonicalisable as exc:
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


def sign_detached(
    private_key: PrivateKey,
    body: bytes | Any,
    *,
    path: str,
    method: str = "POST",
    etag: str | None = None,
    kid: str | None = None,
    iat: int | None = None,
    jti: str | None = None,
) -> str:
    """The ``Panjereh-Signature`` value for ``method path`` (on the object version
    ``etag``) with ``body`` (raw JSON bytes, or a JSON-able object), signed now with a
    fresh ``jti`` by a P-256 (ES256) or Ed25519 (EdDSA) private key. ``kid`` defaults to
    the key's thumbprint. For tests and client developers (see ``SIGNATURE_DOC``)."""
    payload = canonical_body(body) if isinstance(body, bytes) else rfc8785.dumps(body)
    header: dict[str, Any] = {
        "alg": "EdDSA" if isinstance(private_key, Ed25519PrivateKey) else "ES256",
        "kid": kid or thumbprint(jwk_of(private_key)),
        "htm": method,
        "htu": path,
        "iat": int(now_utc().timestamp()) if iat is None else iat,
        "jti": jti or str(uuid.uuid4()),
    }
    if etag is not None:
        header["etag"] = etag
    protected = b64url(json.dumps(header, separators=(",", ":")).encode())
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
class Act:
    """What a request does, which its signature must name: the method, the paths
    that spell it (see ``act_of``) and the object's version (None: a creation act)."""

    method: str
    paths: tuple[str, ...]
    version: str | None = None


def act_of(request: Request, version: str | None = None) -> Act:
    """The act ``request`` performs on the object at ``version`` (its ETag), if any.

    The gateway forwards ``/<service>/v1/...`` as ``/v1/...``; a client signs the
    path it called, so the service accepts its own path with its own name as the
    prefix, or bare (a call inside the cluster). Its name comes from the service,
    never from a request header, so no header can widen what a signature covers.
    """
    path: str = request.scope["path"]
    service = runtime(request).service_name
    paths = (f"/{service}{path}", path)
    return Act(method=request.method.upper(), paths=paths, version=version)


@dataclass(frozen=True, slots=True)
class SignedClaims:
    """What a verified signature says: its key, its one-time ID and when it was made."""

    kid: str
    jti: str
    iat: int


@dataclass(frozen=True, slots=True)
class _Parsed:
    protected: str
    alg: str
    signature: bytes
    header: dict[str, Any]

    @property
    def claims(self) -> SignedClaims:
        return SignedClaims(kid=self.header["kid"], jti=self.header["jti"], iat=self.header["iat"])


def _required(header: dict[str, Any], name: str, kind: type, described: str) -> Any:
    value = header.get(name)
    if value is None:
        raise SignatureClaimMissing(f"The protected header must carry `{name}` ({described}).", claim=name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise SignatureMalformed(f"`{name}` in the protected header must be {described}.", claim=name)
    return value


def _parse_header(header_value: str | None) -> _Parsed:
    if header_value is None or not header_value.strip():
        raise SignatureRequired(f"Sign the request and send the signature in `{SIGNATURE_HEADER}`.")
    parts = header_value.strip().split(".")
    if len(parts) != 3 or not parts[0] or not parts[2]:
        raise SignatureMalformed("Expected `<protected header>..<signature>` (a JWS with detached payload).")
    if parts[1]:
        raise SignatureMalformed("The payload must be detached: leave it empty (`<header>..<signature>`).")
    try:
        header = strict_loads(_b64url_decode(parts[0]).decode("utf-8"))
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
    _required(header, "htm", str, "the HTTP method")
    _required(header, "htu", str, "the request path")
    _required(header, "iat", int, "the signing time in integer seconds")
    if not _JTI.fullmatch(_required(header, "jti", str, "a one-time ID")):
        raise SignatureMalformed("`jti` must be 16 to 128 characters of A-Z a-z 0-9 . _ ~ -.", claim="jti")
    if "etag" in header and not isinstance(header["etag"], str):
        raise SignatureMalformed("`etag` must be the ETag string as read.", claim="etag")
    return _Parsed(protected=parts[0], alg=alg, signature=signature, header=header)


def _opaque(etag: str) -> str:
    """The tag without its weakness mark, compared as ``If-Match`` does (kit.etags)."""
    return etag.strip().removeprefix("W/")


def _check_act(header: dict[str, Any], act: Act, now: int) -> None:
    """The signed claims name this request's act, at a time still accepted."""
    if header["htm"] != act.method:
        raise SignatureBindingMismatch(
            f"The signature is for method {header['htm']!r}, not {act.method}.", claim="htm"
        )
    if header["htu"] not in act.paths:
        raise SignatureBindingMismatch(
            f"The signature is for path {header['htu']!r}, not {act.paths[0]!r}: sign the path you call.",
            claim="htu",
        )
    etag = header.get("etag")
    if act.version is None and etag is not None:
        raise SignatureBindingMismatch("This act creates an object: leave `etag` out.", claim="etag")
    if act.version is not None:
        if etag is None:
            raise SignatureClaimMissing(
                f"Sign the object's version as `etag` (now {act.version}).", claim="etag"
            )
        if _opaque(etag) != _opaque(act.version):
            raise SignatureBindingMismatch(
                f"The signature is for version {etag}, the object is now {act.version}: "
                "read it again and sign anew.",
                claim="etag",
            )
    age = now - header["iat"]
    if age > MAX_AGE_SECONDS:
        raise SignatureExpired(
            f"Signed {age} s ago; a signature is accepted for {MAX_AGE_SECONDS} s: sign anew.", claim="iat"
        )
    if age < -MAX_FUTURE_SECONDS:
        raise SignatureNotYetValid(
            f"`iat` is {-age} s ahead of the server's clock (at most {MAX_FUTURE_SECONDS} s): "
            "check the signer's clock.",
            claim="iat",
        )


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
        raise SignatureInvalid("The signature does not match this header, body and key.") from None


def check_header(header_value: str | None, act: Act, *, now: int | None = None) -> SignedClaims:
    """The claims of a well-formed ``Panjereh-Signature`` naming ``act`` at an accepted
    time, checked before any key is looked up (so such refusals cost no network call).
    The claims are not yet authenticated: ``verify_detached`` does that."""
    parsed = _parse_header(header_value)
    _check_act(parsed.header, act, int(now_utc().timestamp()) if now is None else now)
    return parsed.claims


def verify_detached(
    header_value: str | None,
    raw_body: bytes,
    keys: dict[str, dict[str, Any]],
    act: Act,
    *,
    now: int | None = None,
) -> SignedClaims:
    """Verify ``Panjereh-Signature`` over its protected header and the JCS form of
    ``raw_body`` with the signer's active ``keys`` (``{kid: public JWK}``), for ``act``;
    returns the signed claims. The ``jti`` is not checked here: ``remember_jti``.

    Raises ``SignatureRequired`` (428), ``SignatureMalformed``, ``SignatureClaimMissing``,
    ``SignatureAlgorithmUnsupported``, ``SignedBodyNotJson`` (400),
    ``SignatureBindingMismatch``, ``SignatureExpired``, ``SignatureNotYetValid``,
    ``SignatureKeyUnknown`` (not an active key of the signer, e.g. revoked) or
    ``SignatureInvalid`` (another header, body or key) (403).
    """
    parsed = _parse_header(header_value)
    _check_act(parsed.header, act, int(now_utc().timestamp()) if now is None else now)
    payload = canonical_body(raw_body)
    claims = parsed.claims
    jwk = keys.get(claims.kid)
    if jwk is None:
        raise SignatureKeyUnknown(f"Key {claims.kid!r} is not an active signature key of the signer.")
    try:
        public_key = public_key_from_jwk(jwk)
    except InvalidJwk:
        raise SignatureKeyUnknown(f"Key {claims.kid!r} is not a usable signature key.") from None
    signing_input = f"{parsed.protected}.{b64url(payload)}".encode("ascii")
    _check(public_key, parsed.alg, parsed.signature, signing_input)
    return claims


# --- One-time IDs --------------------------------------------------------------------------------


def signature_jti_table(metadata: MetaData) -> Table:
    """The ``jti`` store of a verifying service, created in its own schema by its migrations."""
    return Table(
        "signature_jtis",
        metadata,
        Column("signer", String(300), primary_key=True),
        Column("jti", String(128), primary_key=True),
        Column("signed_at", DateTime(timezone=True), nullable=False),
        Index("ix_signature_jtis_signed_at", "signed_at"),
    )


async def remember_jti(session: AsyncSession, table: Table, signer: str, claims: SignedClaims) -> None:
    """Record ``claims.jti`` of ``signer`` in the act's own transaction, or raise
    ``SignatureReplayed`` (409) when it is already there.

    ``INSERT ... ON CONFLICT DO NOTHING`` waits on a concurrent insert of the same
    key: when that one commits this one is refused, when it rolls back (its act
    failed) this one goes on. So a refused act does not use up its ``jti``.
    """
    inserted = await session.scalar(
        insert(table)
        .values(signer=signer, jti=claims.jti, signed_at=dt.datetime.fromtimestamp(claims.iat, dt.UTC))
        .on_conflict_do_nothing()
        .returning(table.c.jti)
    )
    if inserted is None:
        raise SignatureReplayed(
            f"The one-time ID {claims.jti!r} was already used: sign the request anew.", claim="jti"
        )


async def purge_jtis(sessionmaker: async_sessionmaker[AsyncSession], table: Table) -> int:
    """Forget one-time IDs whose ``iat`` is refused anyway (older than the accepted
    age, plus the future allowance as a margin for clocks); returns how many."""
    cutoff = now_utc() - dt.timedelta(seconds=MAX_AGE_SECONDS + MAX_FUTURE_SECONDS)
    async with sessionmaker() as session, session.begin():
        result = await session.execute(delete(table).where(table.c.signed_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


def jti_purger(table: Table) -> Callable[[Any], Awaitable[None]]:
    """A ``ServiceSpec.periodic`` hook purging ``table`` (kit housekeeping)."""

    async def purge(state: ServiceState) -> None:
        await purge_jtis(state.runtime.sessionmaker, table)

    return purge


# --- Verifying a signer's request against the keys they published --------------------------------


class KeyLookup(Protocol):
    """``{kid: public JWK}`` of ``signer``'s active signature keys, empty for a signer
    nobody knows. Raising ``ServiceCallError``, ``httpx.HTTPError`` or ``ValueError``
    means the keys cannot be read now (``SignatureKeysUnavailable``, 503). A service
    gives its ``SignatureVerifier`` one, e.g. identity's client package's
    ``IdentityClient.signer_keys``."""

    async def __call__(self, signer: str, /) -> dict[str, dict[str, Any]]: ...


class SignatureVerifier:
    """Verifies signed requests against the signer's published keys.

    Keys are looked up on every verification, never cached: a key revoked a
    second ago is refused now. (Signed acts are rare, final acts; the extra
    request is cheap next to them.)
    """

    def __init__(self, keys: KeyLookup) -> None:
        self._keys = keys

    async def active_keys(self, signer: str) -> dict[str, dict[str, Any]]:
        """``{kid: jwk}`` of ``signer``'s active signature keys (empty for an unknown signer)."""
        try:
            return await self._keys(signer)
        except (ServiceCallError, httpx.HTTPError, ValueError) as exc:
            raise SignatureKeysUnavailable(
                "The signer's published signature keys cannot be read now; try again."
            ) from exc

    async def verify(self, signer: str, header_value: str | None, raw_body: bytes, act: Act) -> SignedClaims:
        """Verify the request as ``act`` signed by ``signer`` (a ``user:``/``legal:`` subject)."""
        check_header(header_value, act)
        return verify_detached(header_value, raw_body, await self.active_keys(signer), act)


@dataclass(frozen=True, slots=True)
class VerifiedSignature:
    """Who signed the request (``signer``, a subject) and with which key (``kid``)."""

    signer: str
    kid: str


def _verifier(request: Request) -> SignatureVerifier:
    state: ServiceState = getattr(request.app.state, ATTRIBUTE)
    if state.signature_verifier is None:
        raise RuntimeError(
            "a service that verifies signed requests builds its state with a signature_verifier"
        )
    return state.signature_verifier


async def verify_signed_request(
    request: Request, signer: str, session: AsyncSession, jtis: Table, *, version: str | None = None
) -> VerifiedSignature:
    """Check ``request``'s ``Panjereh-Signature`` by ``signer`` for its own act on the
    object at ``version`` (None: a creation act), and use up its ``jti`` in ``session``
    (the act's transaction), with the ``signature_verifier`` of the service's state
    (kit.runtime; a ``SignatureVerifier`` the service builds at start-up)."""
    act = act_of(request, version)
    claims = await _verifier(request).verify(
        signer, request.headers.get(SIGNATURE_HEADER), await request.body(), act
    )
    await remember_jti(session, jtis, signer, claims)
    return VerifiedSignature(signer=signer, kid=claims.kid)


def require_signature(jtis: Table) -> Any:
    """Dependency for a creation act: the request carries a valid ``Panjereh-Signature``
    of the acting user (the token's actor when it acts for someone, else its subject),
    whose ``jti`` is used up in the request's session; answers the
    ``VerifiedSignature``. Document the route with ``with_signature()``. An act on an
    existing object calls ``verify_signed_request`` with the object's version instead."""

    async def check(request: Request, principal: PrincipalDep, session: SessionDep) -> VerifiedSignature:
        return await verify_signed_request(request, principal.actor or principal.subject, session, jtis)

    return Depends(check)
