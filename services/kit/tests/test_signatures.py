"""Signed requests: detached JWS over the JCS form of the body, ES256 and EdDSA."""

from __future__ import annotations

import base64
import json
import time
import uuid
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Request

from kit.errors import ProblemError
from kit.runtime import install
from kit.signatures import (
    MAX_AGE_SECONDS,
    MAX_FUTURE_SECONDS,
    SIGNATURE_DOC,
    SIGNATURE_HEADER,
    SIGNATURE_PARAMETER,
    Act,
    InvalidJwk,
    SignatureAlgorithmUnsupported,
    SignatureBindingMismatch,
    SignatureClaimMissing,
    SignatureExpired,
    SignatureInvalid,
    SignatureKeysUnavailable,
    SignatureKeyUnknown,
    SignatureMalformed,
    SignatureNotYetValid,
    SignatureRequired,
    SignatureVerifier,
    SignedBodyNotJson,
    _check,
    act_of,
    b64url,
    canonical_body,
    jwk_of,
    public_key_from_jwk,
    sign_detached,
    thumbprint,
    verify_detached,
    with_signature,
)
from panjereh_contract.client import ServiceCallError

BODY = {"representative": "0012345679", "access_level": "medium", "amount": 1.50, "names": ["b", "a"]}
RAW = json.dumps(BODY).encode()
JSON = {"Content-Type": "application/json"}
FILE_ID = "0b5e6f0e-6a35-4b83-9d2c-6a1e1a0e5a01"
OWN_PATH = f"/v1/order-files/{FILE_ID}/final-registration"
PATH = f"/orders{OWN_PATH}"
ACT = Act(method="POST", paths=(PATH, OWN_PATH))


def _claims(**members: Any) -> dict[str, Any]:
    """A protected header naming ACT now, with ``members`` added or replaced (None: left out)."""
    header = {"htm": "POST", "htu": PATH, "iat": int(time.time()), "jti": str(uuid.uuid4()), **members}
    return {name: value for name, value in header.items() if value is not None}


def _protected(**members: Any) -> str:
    return b64url(json.dumps(_claims(**members)).encode())


def _keys() -> list[Any]:
    return [ec.generate_private_key(ec.SECP256R1()), Ed25519PrivateKey.generate()]


def _keyset(*private_keys: Any) -> dict[str, dict[str, Any]]:
    return {thumbprint(jwk_of(k)): jwk_of(k) for k in private_keys}


def _raised(exc: type[ProblemError], call: Any, *args: Any) -> ProblemError:
    with pytest.raises(exc) as caught:
        call(*args)
    return caught.value


@pytest.mark.parametrize("key", _keys(), ids=["ES256", "EdDSA"])
def test_a_signature_verifies_and_names_its_key(key: Any) -> None:
    header = sign_detached(key, RAW, path=PATH)
    assert verify_detached(header, RAW, _keyset(key), ACT).kid == thumbprint(jwk_of(key))
    protected = json.loads(base64.urlsafe_b64decode(header.split(".")[0] + "=="))
    assert protected.pop("iat") == pytest.approx(time.time(), abs=5)
    assert uuid.UUID(protected.pop("jti"))
    assert protected == {"alg": "ES256" if isinstance(key, ec.EllipticCurvePrivateKey) else "EdDSA",
                         "kid": thumbprint(jwk_of(key)), "htm": "POST", "htu": PATH}  # fmt: skip
    assert header.split(".")[1] == ""


@pytest.mark.parametrize("key", _keys(), ids=["ES256", "EdDSA"])
def test_reordered_and_reformatted_json_still_verifies(key: Any) -> None:
    header = sign_detached(key, BODY, path=PATH)
    reordered = json.dumps(dict(reversed(BODY.items())), indent=4).encode()
    assert verify_detached(header, reordered, _keyset(key), ACT)
    assert verify_detached(
        header, b'{"amount":1.5,' + RAW[1:].replace(b'"amount": 1.5, ', b""), _keyset(key), ACT
    )


@pytest.mark.parametrize("key", _keys(), ids=["ES256", "EdDSA"])
def test_a_tampered_body_is_refused(key: Any) -> None:
    header = sign_detached(key, RAW, path=PATH)
    for tampered in (
        {**BODY, "access_level": "full"},
        {**BODY, "names": ["a", "b"]},
        {**BODY, "extra": None},
    ):
        problem = _raised(
            SignatureInvalid, verify_detached, header, json.dumps(tampered).encode(), _keyset(key), ACT
        )
        assert problem.status == 403
        assert problem.code == "signature-invalid"


def test_an_unknown_or_revoked_kid_is_refused() -> None:
    signer, other = _keys()
    header = sign_detached(signer, RAW, path=PATH)
    problem = _raised(SignatureKeyUnknown, verify_detached, header, RAW, _keyset(other), ACT)
    assert problem.status == 403
    assert problem.code == "signature-key-unknown"
    assert problem.extra["errors"][0]["pointer"] == f"#/header/{SIGNATURE_HEADER}"
    _raised(SignatureKeyUnknown, verify_detached, header, RAW, {}, ACT)


def test_a_kid_claimed_by_another_key_is_refused() -> None:
    signer = ec.generate_private_key(ec.SECP256R1())
    impostor = ec.generate_private_key(ec.SECP256R1())
    header = sign_detached(impostor, RAW, path=PATH, kid=thumbprint(jwk_of(signer)))
    _raised(SignatureInvalid, verify_detached, header, RAW, _keyset(signer), ACT)


def test_the_alg_must_match_the_key() -> None:
    ed = Ed25519PrivateKey.generate()
    header = sign_detached(ed, RAW, path=PATH)
    protected = _protected(alg="ES256", kid=thumbprint(jwk_of(ed)))
    _raised(
        SignatureInvalid, verify_detached, protected + ".." + header.split("..")[1], RAW, _keyset(ed), ACT
    )


def test_a_der_encoded_es256_signature_is_refused() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    kid = thumbprint(jwk_of(key))
    protected = _protected(alg="ES256", kid=kid)
    der = key.sign(f"{protected}.{b64url(canonical_body(RAW))}".encode(), ec.ECDSA(hashes.SHA256()))
    _raised(SignatureInvalid, verify_detached, f"{protected}..{b64url(der)}", RAW, _keyset(key), ACT)


def test_a_missing_header_is_428() -> None:
    for header in (None, "", "  "):
        problem = _raised(SignatureRequired, verify_detached, header, RAW, {}, ACT)
        assert problem.status == 428
        assert problem.code == "signature-required"


def test_malformed_headers_are_400() -> None:
    key = Ed25519PrivateKey.generate()
    good = sign_detached(key, RAW, path=PATH)
    protected, signature = good.split("..")
    not_object = b64url(b"[1]")
    no_kid = _protected(alg="EdDSA")
    crit = _protected(alg="EdDSA", kid="k", crit=["b64"], b64=False)
    duplicate = b64url(b'{"alg":"EdDSA","kid":"a","kid":"b"}')
    for header in (
        "garbage",
        f"{protected}.{b64url(RAW)}.{signature}",  # attached payload
        f"{protected}...{signature}",
        f"{protected}..",
        f"..{signature}",
        f"{protected}=..{signature}",  # padding
        f"{protected}..{signature}+",
        f"{not_object}..{signature}",
        f"{no_kid}..{signature}",
        f"{crit}..{signature}",
        f"{duplicate}..{signature}",
    ):
        problem = _raised(SignatureMalformed, verify_detached, header, RAW, _keyset(key), ACT)
        assert problem.status == 400, header
        assert problem.code == "signature-malformed", header


@pytest.mark.parametrize("alg", ["HS256", "none", "RS256", "ES384"])
def test_other_algorithms_are_400(alg: str) -> None:
    protected = _protected(alg=alg, kid="k")
    problem = _raised(SignatureAlgorithmUnsupported, verify_detached, f"{protected}..AAAA", RAW, {}, ACT)
    assert problem.status == 400
    assert problem.code == "signature-alg-unsupported"


@pytest.mark.parametrize(
    "raw",
    [b"not json", b'{"a": 1, "a": 2}', b'{"a": NaN}', b'{"a": 9007199254740993}', b"\xff", b'{"a": 1'],
)
def test_a_body_jcs_cannot_canonicalise_is_refused(raw: bytes) -> None:
    problem = _raised(SignedBodyNotJson, canonical_body, raw)
    assert problem.status == 400
    assert problem.extra["errors"][0]["pointer"] == "#/body"


def test_canonical_body_is_jcs() -> None:
    assert canonical_body(b'{ "b": [1.0, 2e1, "\\u00e9"], "a": {"z": null, "y": true} }') == (
        '{"a":{"y":true,"z":null},"b":[1,20,"é"]}'.encode()
    )


def test_rfc8037_ed25519_thumbprint_and_signature() -> None:
    """The test vectors of RFC 8037 Appendix A."""
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    assert thumbprint(jwk) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    signature = base64.urlsafe_b64decode(
        "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg=="
    )
    _check(
        public_key_from_jwk(jwk),
        "EdDSA",
        signature,
        b"eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc",
    )
    with pytest.raises(SignatureInvalid):
        _check(public_key_from_jwk(jwk), "EdDSA", signature, b"eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5")


def test_thumbprint_ignores_optional_members_and_order() -> None:
    jwk = jwk_of(ec.generate_private_key(ec.SECP256R1()))
    assert thumbprint(
        {"y": jwk["y"], "x": jwk["x"], "kty": "EC", "crv": "P-256", "alg": "ES256"}
    ) == thumbprint(jwk)


@pytest.mark.parametrize("jwk", [{"kty": ["EC"]}, {"kty": "RSA"}, {"kty": "OKP", "crv": "Ed25519"}, []])
def test_thumbprint_refuses_what_is_not_an_ec_or_okp_key(jwk: Any) -> None:
    with pytest.raises(InvalidJwk):
        thumbprint(jwk)


def test_public_key_from_jwk_refuses_what_is_not_a_public_p256_or_ed25519_key() -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    good = jwk_of(ec_key)
    d = b64url(ec_key.private_numbers().private_value.to_bytes(32, "big"))
    p384 = jwk_of(ec.generate_private_key(ec.SECP256R1())) | {"crv": "P-384"}
    off_curve = good | {
        "y": b64url(
            (int.from_bytes(base64.urlsafe_b64decode(good["y"] + "="), "big") ^ 1).to_bytes(32, "big")
        )
    }
    for bad in (
        good | {"d": d},
        {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
        p384,
        off_curve,
        good | {"x": good["x"][:-2]},
        good | {"alg": "EdDSA"},
        good | {"use": "enc"},
        {"kty": "OKP", "crv": "X25519", "x": good["x"]},
        {"kty": "OKP", "crv": "Ed25519"},
        {"kty": "OKP", "crv": "Ed25519", "x": 5},
    ):
        with pytest.raises(InvalidJwk) as caught:
            public_key_from_jwk(bad)
        assert caught.value.status == 422, bad
        assert caught.value.extra["errors"][0]["pointer"] == "#/body/jwk", bad
    assert isinstance(public_key_from_jwk(good | {"alg": "ES256", "use": "sig"}), ec.EllipticCurvePublicKey)


def test_with_signature_documents_the_header_and_its_refusals() -> None:
    args = with_signature(
        {"responses": {409: {"description": "x"}}, "openapi_extra": {"parameters": [{"a": 1}]}}
    )
    assert args["openapi_extra"]["parameters"] == [{"a": 1}, SIGNATURE_PARAMETER]
    assert set(args["responses"]) == {400, 403, 409, 428}
    assert "JCS" in SIGNATURE_PARAMETER["description"]
    assert "act.sub" in SIGNATURE_PARAMETER["description"]


# --- The act a signature binds -------------------------------------------------------------------


def _refused(exc: type[ProblemError], header: str, act: Act = ACT, **kwargs: Any) -> ProblemError:
    with pytest.raises(exc) as caught:
        verify_detached(header, RAW, _keyset(_KEY), act, **kwargs)
    return caught.value


_KEY = Ed25519PrivateKey.generate()


def test_both_spellings_of_the_path_verify_and_the_claims_are_returned() -> None:
    for path in (PATH, OWN_PATH):
        header = sign_detached(_KEY, RAW, path=path, jti="a-one-time-id-0001", iat=1_800_000_000)
        claims = verify_detached(header, RAW, _keyset(_KEY), ACT, now=1_800_000_010)
        assert (claims.jti, claims.iat, claims.kid) == (
            "a-one-time-id-0001",
            1_800_000_000,
            thumbprint(jwk_of(_KEY)),
        )


def test_another_method_is_a_binding_mismatch_naming_htm() -> None:
    problem = _refused(SignatureBindingMismatch, sign_detached(_KEY, RAW, path=PATH, method="PUT"))
    assert (problem.status, problem.code, problem.extra["claim"]) == (
        403,
        "signature-binding-mismatch",
        "htm",
    )
    assert problem.extra["errors"][0]["claim"] == "htm"


@pytest.mark.parametrize(
    "path",
    [
        f"/orders/v1/order-files/{uuid.uuid4()}/final-registration",  # another file of the same signer
        f"/v1/order-files/{uuid.uuid4()}/final-registration",
        f"/identity/v1/order-files/{FILE_ID}/final-registration",  # another service's prefix
        f"/orders/v1/order-files/{FILE_ID}/submit",  # another act on the same file
        f"{PATH}?x=1",
        f"{PATH}/",
        f"https://gateway.example{PATH}",
    ],
)
def test_another_path_is_a_binding_mismatch_naming_htu(path: str) -> None:
    problem = _refused(SignatureBindingMismatch, sign_detached(_KEY, RAW, path=path))
    assert problem.extra["claim"] == "htu"


def test_a_stale_version_is_a_binding_mismatch_naming_etag() -> None:
    act = Act(method="POST", paths=(PATH,), version=f'"{FILE_ID}.4"')
    assert verify_detached(
        sign_detached(_KEY, RAW, path=PATH, etag=f'"{FILE_ID}.4"'), RAW, _keyset(_KEY), act
    )
    assert verify_detached(
        sign_detached(_KEY, RAW, path=PATH, etag=f'W/"{FILE_ID}.4"'), RAW, _keyset(_KEY), act
    )
    stale = _refused(
        SignatureBindingMismatch, sign_detached(_KEY, RAW, path=PATH, etag=f'"{FILE_ID}.3"'), act
    )
    assert stale.extra["claim"] == "etag"
    assert f'"{FILE_ID}.4"' in stale.detail
    missing = _refused(SignatureClaimMissing, sign_detached(_KEY, RAW, path=PATH), act)
    assert (missing.status, missing.code, missing.extra["claim"]) == (400, "signature-claim-missing", "etag")


def test_a_creation_act_refuses_an_etag() -> None:
    problem = _refused(SignatureBindingMismatch, sign_detached(_KEY, RAW, path=PATH, etag='"x.1"'))
    assert problem.extra["claim"] == "etag"


def test_an_old_iat_is_expired_and_a_future_one_not_yet_valid() -> None:
    now = 1_800_000_000
    for age in (0, MAX_AGE_SECONDS, -MAX_FUTURE_SECONDS):
        assert verify_detached(
            sign_detached(_KEY, RAW, path=PATH, iat=now - age), RAW, _keyset(_KEY), ACT, now=now
        )
    old = _refused(
        SignatureExpired, sign_detached(_KEY, RAW, path=PATH, iat=now - MAX_AGE_SECONDS - 1), now=now
    )
    assert (old.status, old.code, old.extra["claim"]) == (403, "signature-expired", "iat")
    future = sign_detached(_KEY, RAW, path=PATH, iat=now + MAX_FUTURE_SECONDS + 1)
    ahead = _refused(SignatureNotYetValid, future, now=now)
    assert (ahead.status, ahead.code, ahead.extra["claim"]) == (403, "signature-not-yet-valid", "iat")


def test_a_header_edited_to_name_another_act_no_longer_verifies() -> None:
    """The claims are signed: rewriting `htu` (or `iat`) of a captured header breaks it."""
    captured = sign_detached(_KEY, RAW, path=f"/orders/v1/order-files/{uuid.uuid4()}/final-registration")
    claims = json.loads(base64.urlsafe_b64decode(captured.split(".")[0] + "=="))
    forged = b64url(json.dumps({**claims, "htu": PATH}).encode()) + ".." + captured.split("..")[1]
    _refused(SignatureInvalid, forged)


@pytest.mark.parametrize("claim", ["htm", "htu", "iat", "jti"])
def test_each_claim_is_required(claim: str) -> None:
    header = _protected(alg="EdDSA", kid=thumbprint(jwk_of(_KEY)), **{claim: None}) + "..AAAA"
    problem = _refused(SignatureClaimMissing, header)
    assert (problem.status, problem.code, problem.extra["claim"]) == (400, "signature-claim-missing", claim)


@pytest.mark.parametrize(
    ("claim", "value"),
    [("htm", 1), ("htu", ["/x"]), ("iat", "1800000000"), ("iat", 1.5), ("iat", True), ("jti", "short"),
     ("jti", "has spaces in it, too many"), ("jti", "x" * 129), ("etag", 4)],
)  # fmt: skip
def test_ill_typed_claims_are_malformed(claim: str, value: Any) -> None:
    header = _protected(alg="EdDSA", kid=thumbprint(jwk_of(_KEY)), **{claim: value}) + "..AAAA"
    problem = _refused(SignatureMalformed, header)
    assert problem.extra["claim"] == claim


async def test_act_of_accepts_the_service_s_own_path_with_its_name_or_bare() -> None:
    app = FastAPI()
    # act_of reads only the service's name from its runtime.
    install(app, SimpleNamespace(runtime=SimpleNamespace(service_name="orders")))  # type: ignore[arg-type]
    seen: list[Act] = []

    @app.post("/v1/things/{thing_id}")
    async def thing(thing_id: str, request: Request) -> None:
        seen.append(act_of(request, version='"v"'))

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        await client.post("/v1/things/42", headers={"X-Forwarded-Prefix": "/identity"})
    assert seen == [Act(method="POST", paths=("/orders/v1/things/42", "/v1/things/42"), version='"v"')]


def test_with_signature_says_what_the_etag_holds() -> None:
    on_object = with_signature(version="the file's `ETag`")["openapi_extra"]["parameters"][0]
    assert on_object["description"].endswith("**This endpoint**: `etag` is the file's `ETag`.")
    creation = with_signature()["openapi_extra"]["parameters"][0]["description"]
    assert "creates: no `etag`" in creation
    for code in ("signature-replayed", "signature-expired", "signature-binding-mismatch", "import rfc8785"):
        assert code in creation


# --- Fetched from identity -----------------------------------------------------------------------


class PublishedKeys:
    """A signer's published keys as a ``KeyLookup``: what it answers now, and how often it was asked."""

    def __init__(self, answer: dict[str, dict[str, Any]] | Exception) -> None:
        self.answer = answer
        self.asked: list[str] = []

    async def __call__(self, signer: str) -> dict[str, dict[str, Any]]:
        self.asked.append(signer)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


async def test_the_verifier_looks_keys_up_every_time_so_a_revoked_key_fails_at_once() -> None:
    key = Ed25519PrivateKey.generate()
    header = sign_detached(key, RAW, path=PATH)
    published = PublishedKeys({thumbprint(jwk_of(key)): jwk_of(key)})
    verifier = SignatureVerifier(published)
    assert (await verifier.verify("user:alice", header, RAW, ACT)).kid == thumbprint(jwk_of(key))
    published.answer = {}  # revoked where the keys are published
    with pytest.raises(SignatureKeyUnknown):
        await verifier.verify("user:alice", header, RAW, ACT)
    assert published.asked == ["user:alice", "user:alice"]


async def test_the_verifier_refuses_a_missing_or_misbound_header_without_looking_keys_up() -> None:
    misbound = sign_detached(Ed25519PrivateKey.generate(), RAW, path=PATH, method="GET")
    published = PublishedKeys({})
    with pytest.raises(SignatureRequired):
        await SignatureVerifier(published).verify("user:alice", None, RAW, ACT)
    with pytest.raises(SignatureBindingMismatch):
        await SignatureVerifier(published).verify("user:alice", misbound, RAW, ACT)
    assert not published.asked


@pytest.mark.parametrize(
    "failure",
    [ServiceCallError(500, {}), ValueError("not a JWKS"), httpx.ConnectError("down")],
    ids=["peer-error", "not-a-jwks", "no-answer"],
)
async def test_the_verifier_on_unknown_signer_and_unreadable_keys(failure: Exception) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    header = sign_detached(key, RAW, path=PATH)
    with pytest.raises(SignatureKeyUnknown):
        await SignatureVerifier(PublishedKeys({})).verify("user:bob", header, RAW, ACT)
    with pytest.raises(SignatureKeysUnavailable) as caught:
        await SignatureVerifier(PublishedKeys(failure)).verify("user:bob", header, RAW, ACT)
    assert caught.value.status == 503
    assert caught.value.code == "signature-keys-unavailable"


def test_the_documented_example_signs_what_kit_verifies() -> None:
    """The snippet client developers copy from SIGNATURE_DOC works as written."""
    code = SIGNATURE_DOC.split("```python\n")[1].split("```")[0]
    functions = code.split("# An act on an existing object")[0]  # the call below it needs a live object
    namespace: dict[str, Any] = {}
    exec(functions, namespace)  # noqa: S102 - our own documentation
    key = ec.generate_private_key(ec.SECP256R1())
    kid = thumbprint(jwk_of(key))
    etag = f'"{FILE_ID}.3"'
    header = namespace["sign"](key, kid, "POST", PATH, BODY, etag=etag)
    act = Act(method="POST", paths=(PATH, OWN_PATH), version=etag)
    assert verify_detached(header, RAW, _keyset(key), act).kid == kid
    assert namespace["check"](key.public_key(), header, BODY)["etag"] == etag
