"""Login attacks through the gateway: lockout abuse (#8), 2FA enrolment with a token
alone (#11), SSO redirect_uri on a forged Host (#7, SSO part), and password recovery."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from identity_testing.parties import national_code

from tests.test_flow_representation import bearer, log_in, ok, register, sms_code

WRONG = "Wrong-Password-123"
NEW_PASSWORD = "Zagros-Peak-4410?"
_addresses = iter(range(1, 250))


def _address() -> dict[str, str]:
    """A client address of its own, as the trusted proxy in front of ``proxied`` (conftest) says."""
    return {"X-Forwarded-For": f"203.0.113.{next(_addresses)}"}


def _problem(response: httpx.Response) -> tuple[int, dict[str, Any], str | None]:
    body = {k: v for k, v in response.json().items() if k not in ("instance", "request_id")}
    return response.status_code, body, response.headers.get("retry-after")


async def _login(http: httpx.AsyncClient, code: str, password: str, source: dict[str, str]) -> httpx.Response:
    return await http.post(
        "/identity/v1/login", json={"national_code": code, "password": password}, headers=source
    )


async def test_failed_logins_neither_lock_the_owner_out_nor_reveal_registration(
    proxied: httpx.AsyncClient,
) -> None:
    http = proxied
    person = await register(http)
    attacker = _address()
    answers: dict[str, list[tuple[int, dict[str, Any], str | None]]] = {}
    for code in (person["national_code"], national_code()):
        tries = [await _login(http, code, WRONG, attacker) for _ in range(6)]
        # the attacker's source backs off: even the right password is refused, as a wrong one
        tries.append(await _login(http, code, person["password"], attacker))
        answers[code] = [_problem(r) for r in tries]
    registered, unknown = answers.values()
    assert registered == unknown  # no 429, no Retry-After: nothing tells the code is registered
    assert {status for status, _, _ in registered} == {401}
    assert len({str(body) for _, body, _ in registered}) == 1
    # the owner, from their own address, still gets in
    owner = ok(await _login(http, person["national_code"], person["password"], _address()))
    assert "access_token" in owner


async def test_second_factor_enrolment_with_a_token_alone_is_refused(http: httpx.AsyncClient) -> None:
    person = await register(http)
    stolen = bearer((await log_in(http, person))["access_token"])
    for path in ("/identity/v1/me/two-factor/totp", "/identity/v1/me/two-factor/sms"):
        token_alone = await http.post(path, headers=stolen)
        assert token_alone.status_code == 422, token_alone.text
        guessed = await http.post(path, json={"password": WRONG}, headers=stolen)
        assert guessed.status_code == 422
        assert guessed.json()["code"] == "password-wrong"
    assert ok(await http.get("/identity/v1/me/two-factor", headers=stolen)) == {"method": "none"}
    started = ok(
        await http.post(
            "/identity/v1/me/two-factor/totp", json={"password": person["password"]}, headers=stolen
        )
    )
    assert started["secret"]


async def test_sso_redirect_uri_on_a_forged_host_is_refused(http: httpx.AsyncClient) -> None:
    start = "/identity/v1/sso/my-government/start"
    for forged in ({"Host": "evil.example"}, {"X-Forwarded-Host": "evil.example"}):
        response = await http.get(
            start,
            params={"redirect_uri": "http://evil.example/identity/v1/sso/my-government/callback"},
            headers=forged,
        )
        assert response.status_code != 200, response.text
        if response.status_code == 422:
            assert response.json()["code"] == "sso-redirect-uri-not-allowed"
    default = await http.get(start, headers={"X-Forwarded-Host": "evil.example"})
    if default.status_code == 200:
        assert "evil.example" not in default.json()["authorization_url"]


async def test_password_recovery_by_sms_end_to_end(proxied: httpx.AsyncClient) -> None:
    http = proxied
    person = await register(http)
    old = await log_in(http, person)
    source = _address()
    for _ in range(5):  # this address backs off; the reset clears it
        await _login(http, person["national_code"], WRONG, source)
    key = {"Idempotency-Key": str(uuid.uuid4()), **source}
    started = ok(
        await http.post(
            "/identity/v1/password-recovery", json={"national_code": person["national_code"]}, headers=key
        ),
        202,
    )
    replayed = ok(
        await http.post(
            "/identity/v1/password-recovery", json={"national_code": person["national_code"]}, headers=key
        ),
        202,
    )
    assert replayed["recovery_id"] == started["recovery_id"]
    unknown = ok(
        await http.post(
            "/identity/v1/password-recovery", json={"national_code": national_code()}, headers=source
        ),
        202,
    )
    assert set(unknown) == set(started)
    code = await sms_code(http, person["mobile"], "password-recovery")
    reset = await http.post(
        f"/identity/v1/password-recovery/{started['recovery_id']}/reset",
        json={"code": code, "password": NEW_PASSWORD},
        headers=source,
    )
    assert reset.status_code == 204, reset.text
    refreshed = await http.post(
        "/identity/v1/token", data={"grant_type": "refresh_token", "refresh_token": old["refresh_token"]}
    )
    assert refreshed.status_code == 400
    assert (await _login(http, person["national_code"], person["password"], source)).status_code == 401
    assert "access_token" in ok(await _login(http, person["national_code"], NEW_PASSWORD, source))
