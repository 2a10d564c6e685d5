"""Signed requests: detached JWS over the JCS form of the body, ES256 and EdDSA."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
import respx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI

from kit.auth import Principal, _principal
from kit.errors import ProblemError, install_problem_handlers
from kit.signatures import (
    SIGNATURE_HEADER,
    SIGNATURE_PARAMETER,
    InvalidJwk,
    SignatureAlgorithmUnsupported,
    SignatureDep,
    SignatureInvalid,
    SignatureKeysUnavailable,
    SignatureKeyUnknown,
    SignatureMalformed,
    SignatureRequired,
    SignatureVerifier,
    SignedBodyNotJson,
    _check,
    b64url,
    canonical_body,
    jwk_of,
    public_key_from_jwk,
    sign_detached,
    thumbprint,
    verify_detached,
    with_signature,
)

BODY = {"representative": "0012345679", "access_level": "medium", "amount": 1.50, "names": ["b", "a"]}
RAW = json.dumps(BODY).encode()
JSON = {"Content-Type": "application/json"}


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
    header = sign_detached(key, RAW)
    assert verify_detached(header, RAW, _keyset(key)) == thumbprint(jwk_of(key))
    protected = json.loads(base64.urlsafe_b64decode(header.split(".")[0] + "=="))
    assert protected == {"alg": "ES256" if isinstance(key, ec.EllipticCurvePrivateKey) else "EdDSA",
                         "kid": thumbprint(jwk_of(key))}  # fmt: skip
    assert header.split(".")[1] == ""


@pytest.mark.parametrize("key", _keys(), ids=["ES256", "EdDSA"])
def test_reordered_and_reformatted_json_still_verifies(key: Any) -> None:
    header = sign_detached(key, BODY)
    reordered = json.dumps(dict(reversed(BODY.items())), indent=4).encode()
    assert verify_detached(header, reordered, _keyset(key))
    assert verify_detached(header, b'{"amount":1.5,' + RAW[1:].replace(b'"amount": 1.5, ', b""), _keyset(key))


@pytest.mark.parametrize("key", _keys(), ids=["ES256", "EdDSA"])
def test_a_tampered_body_is_refused(key: Any) -> None:
    header = sign_detached(key, RAW)
    for tampered in (
        {**BODY, "access_level": "full"},
        {**BODY, "names": ["a", "b"]},
        {**BODY, "extra": None},
    ):
        problem = _raised(
            SignatureInvalid, verify_detached, header, json.dumps(tampered).encode(), _keyset(key)
        )
        assert problem.status == 403
        assert problem.code == "signature-invalid"


def test_an_unknown_or_revoked_kid_is_refused() -> None:
    signer, other = _keys()
    header = sign_detached(signer, RAW)
    problem = _raised(SignatureKeyUnknown, verify_detached, header, RAW, _keyset(other))
    assert problem.status == 403
    assert problem.code == "signature-key-unknown"
    assert problem.extra["errors"][0]["pointer"] == f"#/header/{SIGNATURE_HEADER}"
    _raised(SignatureKeyUnknown, verify_detached, header, RAW, {})


def test_a_kid_claimed_by_another_key_is_refused() -> None:
    signer = ec.generate_private_key(ec.SECP256R1())
    impostor = ec.generate_private_key(ec.SECP256R1())
    header = sign_detached(impostor, RAW, kid=thumbprint(jwk_of(signer)))
    _raised(SignatureInvalid, verify_detached, header, RAW, _keyset(signer))


def test_the_alg_must_match_the_key() -> None:
    ed = Ed25519PrivateKey.generate()
    header = sign_detached(ed, RAW)
    protected = b64url(json.dumps({"alg": "ES256", "kid": thumbprint(jwk_of(ed))}).encode())
    _raised(SignatureInvalid, verify_detached, protected + ".." + header.split("..")[1], RAW, _keyset(ed))


def test_a_der_encoded_es256_signature_is_refused() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    kid = thumbprint(jwk_of(key))
    protected = b64url(json.dumps({"alg": "ES256", "kid": kid}).encode())
    der = key.sign(f"{protected}.{b64url(canonical_body(RAW))}".encode(), ec.ECDSA(hashes.SHA256()))
    _raised(SignatureInvalid, verify_detached, f"{protected}..{b64url(der)}", RAW, _keyset(key))


def test_a_missing_header_is_428() -> None:
    for header in (None, "", "  "):
        problem = _raised(SignatureRequired, verify_detached, header, RAW, {})
        assert problem.status == 428
        assert problem.code == "signature-required"


def test_malformed_headers_are_400() -> None:
    key = Ed25519PrivateKey.generate()
    good = sign_detached(key, RAW)
    protected, signature = good.split("..")
    not_object = b64url(b"[1]")
    no_kid = b64url(json.dumps({"alg": "EdDSA"}).encode())
    crit = b64url(json.dumps({"alg": "EdDSA", "kid": "k", "crit": ["b64"], "b64": False}).encode())
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
        problem = _raised(SignatureMalformed, verify_detached, header, RAW, _keyset(key))
        assert problem.status == 400, header
        assert problem.code == "signature-malformed", header


@pytest.mark.parametrize("alg", ["HS256", "none", "RS256", "ES384"])
def test_other_algorithms_are_400(alg: str) -> None:
    protected = b64url(json.dumps({"alg": alg, "kid": "k"}).encode())
    problem = _raised(SignatureAlgorithmUnsupported, verify_detached, f"{protected}..AAAA", RAW, {})
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


# --- Fetched from identity -----------------------------------------------------------------------

IDENTITY = "http://identity.test"


def _jwks(*private_keys: Any) -> dict[str, Any]:
    return {"keys": [{**jwk_of(k), "kid": thumbprint(jwk_of(k)), "use": "sig"} for k in private_keys]}


async def test_the_verifier_fetches_keys_every_time_so_a_revoked_key_fails_at_once() -> None:
    key = Ed25519PrivateKey.generate()
    header = sign_detached(key, RAW)
    async with httpx.AsyncClient() as http, respx.mock(assert_all_called=True) as router:
        route = router.get(f"{IDENTITY}/v1/parties/user:alice/signature-keys")
        route.return_value = httpx.Response(200, json=_jwks(key))
        verifier = SignatureVerifier(http, IDENTITY + "/")
        assert await verifier.verify("user:alice", header, RAW) == thumbprint(jwk_of(key))
        route.return_value = httpx.Response(200, json={"keys": []})  # revoked at identity
        with pytest.raises(SignatureKeyUnknown):
            await verifier.verify("user:alice", header, RAW)
        assert route.call_count == 2


async def test_the_verifier_refuses_a_missing_header_without_asking_identity() -> None:
    async with httpx.AsyncClient() as http, respx.mock(assert_all_called=False) as router:
        route = router.get(url__startswith=IDENTITY)
        with pytest.raises(SignatureRequired):
            await SignatureVerifier(http, IDENTITY).verify("user:alice", None, RAW)
        assert not route.called


async def test_the_verifier_on_unknown_subject_and_identity_failures() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    header = sign_detached(key, RAW)
    async with httpx.AsyncClient() as http, respx.mock() as router:
        verifier = SignatureVerifier(http, IDENTITY)
        route = router.get(f"{IDENTITY}/v1/parties/user:bob/signature-keys")
        route.return_value = httpx.Response(404, json={"code": "not-found"})
        with pytest.raises(SignatureKeyUnknown):
            await verifier.verify("user:bob", header, RAW)
        for failure in (httpx.Response(500), httpx.Response(200, text="<html>"), httpx.ConnectError("down")):
            route.side_effect = [failure]
            with pytest.raises(SignatureKeysUnavailable) as caught:
                await verifier.verify("user:bob", header, RAW)
            assert caught.value.status == 503


def _signed_app(principal: Principal) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/acts", **with_signature())
    async def act(signature: SignatureDep, body: dict[str, Any]) -> dict[str, str]:
        return {"signer": signature.signer, "kid": signature.kid}

    app.dependency_overrides[_principal] = lambda: principal
    return app


async def test_require_signature_checks_the_actor_s_key() -> None:
    agent, merchant = Ed25519PrivateKey.generate(), ec.generate_private_key(ec.SECP256R1())
    app = _signed_app(Principal(subject="user:merchant", actor="user:agent"))
    async with (
        httpx.AsyncClient() as http,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
        respx.mock(assert_all_called=False) as router,
    ):
        app.state.signature_verifier = SignatureVerifier(http, IDENTITY)
        router.get(f"{IDENTITY}/v1/parties/user:agent/signature-keys").respond(json=_jwks(agent))
        principal_keys = router.get(f"{IDENTITY}/v1/parties/user:merchant/signature-keys")
        principal_keys.respond(json=_jwks(merchant))

        ok = await client.post(
            "/acts", content=RAW, headers={**JSON, SIGNATURE_HEADER: sign_detached(agent, BODY)}
        )
        assert ok.status_code == 200, ok.text
        assert ok.json() == {"signer": "user:agent", "kid": thumbprint(jwk_of(agent))}

        by_principal = await client.post(
            "/acts", content=RAW, headers={**JSON, SIGNATURE_HEADER: sign_detached(merchant, RAW)}
        )
        assert by_principal.status_code == 403
        assert by_principal.json()["code"] == "signature-key-unknown"
        assert not principal_keys.called  # the signer is the actor, never the principal

        missing = await client.post("/acts", content=RAW, headers=JSON)
        assert missing.status_code == 428
        assert missing.headers["content-type"].startswith("application/problem+json")
        assert missing.json()["errors"][0]["pointer"] == f"#/header/{SIGNATURE_HEADER}"

        tampered = await client.post(
            "/acts",
            json={**BODY, "access_level": "full"},
            headers={SIGNATURE_HEADER: sign_detached(agent, RAW)},
        )
        assert tampered.status_code == 403
        assert tampered.json()["code"] == "signature-invalid"

    operation = app.openapi()["paths"]["/acts"]["post"]
    assert SIGNATURE_HEADER in [p["name"] for p in operation["parameters"]]
    assert "428" in operation["responses"]


async def test_require_signature_without_actor_uses_the_subject() -> None:
    user = Ed25519PrivateKey.generate()
    app = _signed_app(Principal(subject="user:solo"))
    async with (
        httpx.AsyncClient() as http,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
        respx.mock() as router,
    ):
        app.state.signature_verifier = SignatureVerifier(http, IDENTITY)
        router.get(f"{IDENTITY}/v1/parties/user:solo/signature-keys").respond(json=_jwks(user))
        response = await client.post(
            "/acts", content=RAW, headers={**JSON, SIGNATURE_HEADER: sign_detached(user, RAW)}
        )
        assert response.status_code == 200
        assert response.json()["signer"] == "user:solo"
