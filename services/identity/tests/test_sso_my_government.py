"""Login through "My Government": the whole flow over real HTTP against the fake
provider, and every refusal (ownership, account, state, id_token)."""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
import respx
from fastapi import FastAPI
from identity_testing.parties import make_user, national_code
from jose import jwt
from kit_testing import app_client, serve
from sqlalchemy import update

from identity import sso
from identity.main import create_app
from identity.models import Party, SsoLogin
from identity.sso_fake import FakeKey
from identity.state import identity_state_of
from kit.clock import now_utc
from kit.processes import free_port
from kit.runtime import runtime_of

START = "/v1/sso/my-government/start"
CALLBACK = "/v1/sso/my-government/callback"


@pytest.fixture(scope="module")
async def served(settings_for) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:  # type: ignore[no-untyped-def]
    """identity (sandbox) served over real HTTP: the callback's calls to the fake
    provider go through the network like calls to the real one."""
    port = free_port()
    app = create_app(
        settings_for("identity", sandbox=True, service_urls={"identity": f"http://127.0.0.1:{port}"})
    )
    running = await serve(app, port=port)
    try:
        async with httpx.AsyncClient(base_url=running.url) as http:
            yield app, http
    finally:
        await running.stop()


async def _authorize(http: httpx.AsyncClient, national_code: str, mobile: str) -> httpx.Response:
    """Start, then "log in" at the fake My Government: its 302 back to the callback."""
    start = await http.get(START)
    assert start.status_code == 200, start.text
    url = start.json()["authorization_url"]
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"] == [start.json()["state"]]
    # the person "logs in" at My Government: the fake takes who they are as parameters
    redirect = await http.get(url + "&" + urlencode({"national_code": national_code, "mobile": mobile}))
    assert redirect.status_code == 302, redirect.text
    return redirect


async def _sso_login(http: httpx.AsyncClient, national_code: str, mobile: str) -> httpx.Response:
    redirect = await _authorize(http, national_code, mobile)
    return await http.get(redirect.headers["location"])


async def test_the_whole_flow_over_http(served: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, http = served
    party = await make_user(app)
    assert party.national_code is not None
    assert party.mobile is not None
    redirect = await _authorize(http, party.national_code, party.mobile)
    location = urlsplit(redirect.headers["location"])
    assert location.path == CALLBACK
    assert set(parse_qs(location.query)) == {"code", "state"}
    response = await http.get(redirect.headers["location"])
    assert response.status_code == 200, response.text
    body = response.json()
    claims = jwt.get_unverified_claims(body["access_token"])
    assert claims["sub"] == f"user:{party.id}"
    assert claims["amr"] == ["sso"]
    assert body["refresh_token"]
    refreshed = await http.post(
        "/v1/token", data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}
    )
    assert refreshed.status_code == 200
    assert jwt.get_unverified_claims(refreshed.json()["access_token"])["amr"] == ["sso"]
    # the state works once
    replay = await http.get(redirect.headers["location"])
    assert replay.status_code == 409
    assert replay.json()["code"] == "sso-state-used"


async def test_persian_digits_and_international_mobile_form_are_normalised(
    served: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, http = served
    party = await make_user(app)
    assert party.national_code is not None
    assert party.mobile is not None
    persian = party.national_code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    response = await _sso_login(http, persian, "+98" + party.mobile[1:])
    assert response.status_code == 200, response.text


async def test_a_mobile_of_someone_else_is_refused(served: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, http = served
    party = await make_user(app)
    assert party.national_code is not None
    assert party.mobile is not None
    owner = await http.put(
        f"/v1/sandbox/mobile-owners/{party.mobile}", json={"national_code": national_code()}
    )
    assert owner.status_code == 200, owner.text
    response = await _sso_login(http, party.national_code, party.mobile)
    assert response.status_code == 403
    assert response.json()["code"] == "sso-mobile-not-owned"


async def test_unknown_and_inactive_accounts_are_refused(served: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, http = served
    unknown = await _sso_login(http, national_code(), "09351234567")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "sso-account-not-found"
    assert "register" in unknown.json()["detail"]
    pending = await make_user(app, status="pending")
    assert pending.national_code is not None
    assert pending.mobile is not None
    refused = await _sso_login(http, pending.national_code, pending.mobile)
    assert refused.status_code == 403
    assert refused.json()["code"] == "account-not-active"


async def test_unknown_and_expired_states(served: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, http = served
    party = await make_user(app)
    assert party.national_code is not None
    assert party.mobile is not None
    unknown = await http.get(CALLBACK, params={"code": "x", "state": "not-a-state-we-issued"})
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "sso-state-unknown"
    assert unknown.json()["errors"][0]["pointer"] == "#/query/state"
    missing = await http.get(CALLBACK, params={"code": "x"})
    assert missing.status_code == 422
    redirect = await _authorize(http, party.national_code, party.mobile)
    state = parse_qs(urlsplit(redirect.headers["location"]).query)["state"][0]
    async with runtime_of(app).sessionmaker() as session, session.begin():
        await session.execute(
            update(SsoLogin)
            .where(SsoLogin.state == state)
            .values(expires_at=now_utc() - timedelta(seconds=1))
        )
    expired = await http.get(redirect.headers["location"])
    assert expired.status_code == 410


async def test_a_provider_error_spends_the_state(served: tuple[FastAPI, httpx.AsyncClient]) -> None:
    _, http = served
    state = (await http.get(START)).json()["state"]
    denied = await http.get(CALLBACK, params={"state": state, "error": "access_denied"})
    assert denied.status_code == 400
    assert denied.json()["code"] == "sso-denied"
    assert (await http.get(CALLBACK, params={"state": state, "code": "x"})).status_code == 409


async def test_a_forged_code_is_refused_by_the_provider(served: tuple[FastAPI, httpx.AsyncClient]) -> None:
    _, http = served
    state = (await http.get(START)).json()["state"]
    response = await http.get(CALLBACK, params={"state": state, "code": "forged"})
    assert response.status_code == 400
    assert response.json()["code"] == "sso-code-refused"


async def test_redirect_uri_must_be_registered(served: tuple[FastAPI, httpx.AsyncClient]) -> None:
    _, http = served
    response = await http.get(START, params={"redirect_uri": "https://evil.example/steal"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/query/redirect_uri"
    own = await http.get(START, params={"redirect_uri": str(http.base_url).rstrip("/") + CALLBACK})
    assert own.status_code == 200


@pytest.mark.parametrize("header", ["Host", "X-Forwarded-Host"])
async def test_a_forged_host_does_not_make_its_callback_allowed(
    served: tuple[FastAPI, httpx.AsyncClient], header: str
) -> None:
    """The allowed redirect URIs come from settings, never from the request's Host (#7)."""
    _, http = served
    forged = {header: "evil.example"}
    refused = await http.get(START, params={"redirect_uri": "http://evil.example" + CALLBACK}, headers=forged)
    # 400 when the Host allow-list refuses the request first; else SSO refuses the URI
    assert refused.status_code in (400, 422), refused.text
    if refused.status_code == 422:
        assert refused.json()["code"] == "sso-redirect-uri-not-allowed"
    # without a redirect_uri, the default and the provider's address ignore the forged host too
    default = await http.get(START, headers=forged)
    if default.status_code == 400:
        return
    assert default.status_code == 200
    url = default.json()["authorization_url"]
    assert url.startswith(str(http.base_url).rstrip("/") + "/v1/sandbox/my-government/authorize?")
    assert parse_qs(urlsplit(url).query)["redirect_uri"] == [str(http.base_url).rstrip("/") + CALLBACK]


async def test_configured_redirect_uris_are_allowed(settings_for) -> None:  # type: ignore[no-untyped-def]
    page = "https://app.panjereh.example/sso/back"
    app = create_app(
        settings_for(
            "identity",
            sandbox=True,
            sso_public_url="https://api.panjereh.example/identity",
            sso_redirect_uris=[page],
        )
    )
    async with app_client(app) as client:
        assert (await client.get(START, params={"redirect_uri": page})).status_code == 200
        default = (await client.get(START)).json()["authorization_url"]
        assert default.startswith("https://api.panjereh.example/identity/v1/sandbox/my-government/authorize?")
        query = parse_qs(urlsplit(default).query)
        assert query["redirect_uri"] == ["https://api.panjereh.example/identity" + CALLBACK]
        other = await client.get(START, params={"redirect_uri": "https://app.panjereh.example/other"})
        assert other.status_code == 422


async def test_fake_provider_checks_pkce_client_and_single_use(
    served: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, http = served
    party = await make_user(app)
    assert party.national_code is not None
    assert party.mobile is not None
    redirect = await _authorize(http, party.national_code, party.mobile)
    code = parse_qs(urlsplit(redirect.headers["location"]).query)["code"][0]
    token_url = "/v1/sandbox/my-government/token"
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": str(http.base_url).rstrip("/") + CALLBACK,
        "code_verifier": "w" * 64,
    }
    client_auth = (runtime_of(app).settings.sso_client_id, sso.SANDBOX_CLIENT_SECRET)
    wrong_verifier = await http.post(token_url, data=form, auth=client_auth)
    assert wrong_verifier.status_code == 400
    assert wrong_verifier.json()["error"] == "invalid_grant"
    wrong_secret = await http.post(token_url, data=form, auth=(client_auth[0], "nope"))
    assert wrong_secret.status_code == 401
    # identity's callback (right verifier) still works: the fake refused without spending the code
    assert (await http.get(redirect.headers["location"])).status_code == 200
    # and then the code is spent at the provider, even with the right verifier
    state = parse_qs(urlsplit(redirect.headers["location"]).query)["state"][0]
    async with runtime_of(app).sessionmaker() as session:
        pending = await session.get(SsoLogin, state)
    assert pending is not None
    again = await http.post(
        token_url, data={**form, "code_verifier": pending.code_verifier}, auth=client_auth
    )
    assert again.status_code == 400
    assert "already used" in again.json()["detail"]


# --- id_token checks: the provider's answers replaced with respx --------------------------------


def _id_token(app: FastAPI, party: Party, expected_nonce: str, **overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": sso.sandbox_issuer(runtime_of(app).settings),
        "sub": "someone",
        "aud": runtime_of(app).settings.sso_client_id,
        "iat": now,
        "exp": now + 300,
        "nonce": expected_nonce,
        "national_code": party.national_code,
        "mobile": party.mobile,
        **overrides,
    }
    return FakeKey(identity_state_of(app).kek).sign({k: v for k, v in claims.items() if v is not None})


async def _callback_with(
    app: FastAPI, client: httpx.AsyncClient, make_token: Any, *, token_status: int = 200
) -> httpx.Response:
    """Start in-process, have the provider (mocked) answer ``make_token(nonce)``, call back."""
    start = (await client.get(START)).json()
    nonce = parse_qs(urlsplit(start["authorization_url"]).query)["nonce"][0]
    provider = sso.sandbox_issuer(runtime_of(app).settings)
    with respx.mock(assert_all_called=False) as mock:
        mock.post(provider + "/token").respond(token_status, json={"id_token": make_token(nonce)})
        mock.get(provider + "/jwks.json").respond(
            200, json={"keys": [FakeKey(identity_state_of(app).kek).jwk]}
        )
        return await client.get(CALLBACK, params={"state": start["state"], "code": "any"})


async def test_a_valid_id_token_logs_in(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app)
    response = await _callback_with(app, client, lambda nonce: _id_token(app, party, nonce))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "overrides",
    [
        {"nonce": "another-login"},
        {"aud": "another-client"},
        {"iss": "https://evil.example"},
        {"exp": int(time.time()) - 60},
        {"aud": None},
        {"national_code": "123"},
    ],
    ids=["nonce", "aud", "iss", "expired", "no-aud", "bad-national-code"],
)
async def test_an_invalid_id_token_is_refused(
    app: FastAPI, client: httpx.AsyncClient, overrides: dict[str, Any]
) -> None:
    party = await make_user(app)
    response = await _callback_with(app, client, lambda nonce: _id_token(app, party, nonce, **overrides))
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "sso-id-token-invalid"


async def test_an_id_token_signed_by_another_key_is_refused(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app)
    stranger = FakeKey(b"\x01" * 32)

    def forged(nonce: str) -> str:
        token = _id_token(app, party, nonce)
        return stranger.sign(jwt.get_unverified_claims(token))

    response = await _callback_with(app, client, forged)
    assert response.status_code == 401


async def test_provider_failures(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app)
    down = await _callback_with(app, client, lambda nonce: _id_token(app, party, nonce), token_status=503)
    assert down.status_code == 502
    start = (await client.get(START)).json()
    with respx.mock() as mock:
        mock.post(sso.sandbox_issuer(runtime_of(app).settings) + "/token").mock(
            side_effect=httpx.ConnectError("down")
        )
        unreachable = await client.get(CALLBACK, params={"state": start["state"], "code": "any"})
    assert unreachable.status_code == 502
    assert unreachable.json()["code"] == "sso-provider-unavailable"


async def test_not_configured_outside_the_sandbox(identity: httpx.AsyncClient) -> None:
    response = await identity.get(START)
    assert response.status_code == 404
    assert response.json()["code"] == "sso-not-configured"
    assert (await identity.get("/v1/sandbox/my-government/jwks.json")).status_code == 404


async def test_a_configured_provider_is_called_at_its_own_addresses(settings_for) -> None:  # type: ignore[no-untyped-def]
    """The production path: provider endpoints and credentials from settings, over HTTP."""
    issuer = "https://my.gov.example"
    settings = settings_for(
        "identity",
        sandbox=True,
        sso_issuer=issuer,
        sso_authorization_url=issuer + "/oauth/authorize",
        sso_token_url=issuer + "/oauth/token",
        sso_jwks_url=issuer + "/jwks",
        sso_client_id="panjereh-prod",
        sso_client_secret="s3cret",
    )
    key = FakeKey(b"\x02" * 32)
    app = create_app(settings)
    async with app_client(app) as client:
        party = await make_user(app)
        start = (await client.get(START)).json()
        assert start["authorization_url"].startswith(issuer + "/oauth/authorize?")
        query = parse_qs(urlsplit(start["authorization_url"]).query)
        assert query["client_id"] == ["panjereh-prod"]
        now = int(time.time())
        id_token = key.sign(
            {
                "iss": issuer,
                "sub": "x",
                "aud": "panjereh-prod",
                "iat": now,
                "exp": now + 60,
                "nonce": query["nonce"][0],
                "national_code": party.national_code,
                "mobile": party.mobile,
            }
        )
        with respx.mock() as mock:
            token_route = mock.post(issuer + "/oauth/token").respond(200, json={"id_token": id_token})
            mock.get(issuer + "/jwks").respond(200, json={"keys": [key.jwk]})
            response = await client.get(CALLBACK, params={"state": start["state"], "code": "the-code"})
        assert response.status_code == 200, response.text
        sent = token_route.calls.last.request
        assert sent.headers["authorization"] == "Basic " + base64.b64encode(b"panjereh-prod:s3cret").decode()
        form = parse_qs(sent.content.decode())
        assert form["code"] == ["the-code"]
        assert form["grant_type"] == ["authorization_code"]
        assert sso.pkce_challenge(form["code_verifier"][0]) == query["code_challenge"][0]
        assert form["redirect_uri"] == query["redirect_uri"]
