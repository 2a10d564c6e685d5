"""The cast of the security suite, built through the gateway only, over real HTTP.

``build_world`` registers and confirms people by the SMS read back from the sandbox, has the
admin client give roles, registers signature keys, grants and accepts representations and
exchanges them for acting-for tokens, and creates the objects merchant A owns. Every attack
test reads its callers (``World.callers``) and objects (``World`` fields) from here, so a
test names *who* and *what*, never how they came to be.

Callers (``CALLERS``, in the order of the authorization matrix):

* ``anonymous`` — no token;
* ``owner`` — merchant A in their own token;
* ``rep-very-limited`` … ``rep-full`` — A's representatives through merchant-role grants
  (scopes ``foreign-trade`` and ``product-id``) at each access level, acting-for tokens;
* ``trader-full`` — A's representative through a trader-role grant with scope ``full``;
* ``other-merchant`` — merchant B in their own token;
* ``officer-mimt`` — an officer of the Ministry of Industry, Mine and Trade, which reviews
  order files; ``officer-customs`` — an officer of a customs office, which does not;
* ``admin`` — the admin machine client.

Merchant B's signature key is left unconfirmed (the identity sends one signature-key SMS a
minute to a number, and the matrix needs a key to read, confirm and revoke): a test that needs
B to sign registers B another key a minute later, or uses A.
"""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import ec
from identity_testing.parties import mobile
from orders_testing import files as f

from kit.clock import today_tehran
from kit.signatures import SIGNATURE_HEADER, jwk_of, sign_detached
from panjereh_contract.identifiers import legal_national_id_check_digit
from tests.test_flow_representation import bearer, exchange, log_in, ok, register, sms_code

LEVELS = ("very-limited", "limited", "medium", "full")
REPRESENTATIVES = tuple(f"rep-{level}" for level in LEVELS)
CALLERS = (
    "anonymous",
    "owner",
    *REPRESENTATIVES,
    "trader-full",
    "other-merchant",
    "officer-mimt",
    "officer-customs",
    "admin",
)
MIMT_OFFICE = {"kind": "issuing-authority", "code": "mimt", "name": "Ministry of Industry, Mine and Trade"}
CUSTOMS_OFFICE = {"kind": "customs-office", "code": "10300", "name": "Shahid Rajaee customs"}
MERCHANT_SCOPES = ["foreign-trade", "product-id"]
DISPOSABLE = ("approve", "reject", "cancel")
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def idempotent(headers: dict[str, str] | None = None) -> dict[str, str]:
    """``headers`` with a fresh ``Idempotency-Key``."""
    return {**(headers or {}), "Idempotency-Key": str(uuid.uuid4())}


def signed_request(
    key: ec.EllipticCurvePrivateKey, body: dict[str, Any], *, path: str, etag: str | None = None
) -> tuple[bytes, dict[str, str]]:
    """The raw JSON body and the headers that sign it with ``key`` for ``POST path`` (on the
    object version ``etag``): the one place the suite signs."""
    raw = json.dumps(body).encode()
    signature = sign_detached(key, raw, path=path, etag=etag)
    return raw, {"Content-Type": "application/json", SIGNATURE_HEADER: signature}


@dataclass
class Person:
    """A registered natural person: the registration body (national code, mobile, password),
    party ``id``, token ``subject``, and the tokens and keys the world gave them."""

    data: dict[str, Any]
    token: str = ""
    refresh_token: str = ""
    key: ec.EllipticCurvePrivateKey | None = None
    kid: str = ""

    @property
    def id(self) -> str:
        return str(self.data["id"])

    @property
    def subject(self) -> str:
        return str(self.data["subject"])

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


@dataclass
class Representative:
    """A representative of A: the person (with their own token) and the accepted grant's
    acting-for token."""

    person: Person
    grant_id: str
    access_level: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


@dataclass
class World:
    """Who acts and what they act on; see the module's docstring."""

    gateway: str
    admin_credentials: tuple[str, str]
    admin_token: str
    merchant_a: Person
    merchant_b: Person
    representatives: dict[str, Representative]
    trader_full: Representative
    officer_mimt: Person
    officer_customs: Person
    outsider: Person  # registered, no role beyond base-natural, never granted anything
    seller: str
    files: dict[str, dict[str, Any]]  # A's draft files by access level
    file_under_review: dict[str, Any]  # A's medium file, signed and under review
    disposable: dict[str, dict[str, Any]]  # A's medium files under review for the acts that end
    # a review: "approve", "reject", "cancel" (one each: those rows may change them)
    line_id: str  # a line of file_under_review
    attachment_id: str  # an attachment of file_under_review
    product_request: dict[str, Any]  # A's draft product request (not sent)
    request_to_submit: dict[str, Any]  # another draft of A's, for the submit row
    product_id: str  # an issued product ID
    pending_grant: str  # A's grant to the outsider, not answered
    grant_to_revoke: str  # A's grant to the outsider, for the revoke row
    legal_person: dict[str, Any]  # a legal person A manages
    spare_client_id: str  # a machine client the admin may disable
    car_brand: str
    mobile_change_id: str  # a change of A's mobile number, started, not confirmed
    inquiry_id: str  # A's car-case-permit inquiry (Mikhak approved A's car)
    mikhak_case_id: str
    rule_id: str  # a rule of the rules service (public law)
    sandbox_mobile: str  # a mobile number nobody registered, for the sandbox ownership rows
    sandbox_company: str  # a national ID nobody registered, for the sandbox registry rows
    subscription: str  # A's notifications subscription (no webhook URL), made with A's own token
    subscription_to_delete: str  # another of A's, for the delete row

    def headers(self, caller: str) -> dict[str, str]:
        """The Authorization header of ``caller`` (one of ``CALLERS``)."""
        if caller == "anonymous":
            return {}
        if caller == "owner":
            return self.merchant_a.headers
        if caller in self.representatives:
            return self.representatives[caller].headers
        if caller == "trader-full":
            return self.trader_full.headers
        if caller == "other-merchant":
            return self.merchant_b.headers
        if caller == "officer-mimt":
            return self.officer_mimt.headers
        if caller == "officer-customs":
            return self.officer_customs.headers
        if caller == "admin":
            return bearer(self.admin_token)
        raise KeyError(caller)


# ------------------------------------------------------------------ steps


async def admin_token(http: httpx.AsyncClient, credentials: tuple[str, str]) -> str:
    issued = ok(
        await http.post("/identity/v1/token", data={"grant_type": "client_credentials"}, auth=credentials)
    )
    return str(issued["access_token"])


async def person(http: httpx.AsyncClient) -> Person:
    """A registered person, confirmed by the SMS code, logged in."""
    someone = Person(await register(http))
    await refresh_login(http, someone)
    return someone


async def refresh_login(http: httpx.AsyncClient, someone: Person) -> None:
    """Log in again: new access and refresh tokens (e.g. after a role was given)."""
    session = await log_in(http, someone.data)
    someone.token = session["access_token"]
    someone.refresh_token = session.get("refresh_token", "")


async def give_role(http: httpx.AsyncClient, admin: str, someone: Person, role: dict[str, Any]) -> None:
    """The admin client gives ``someone`` a role (``{"role": ...}`` with its card or office)."""
    ok(
        await http.post(
            f"/identity/v1/parties/{someone.id}/roles", json=role, headers=idempotent(bearer(admin))
        ),
        201,
    )


def commercial_card() -> dict[str, str]:
    return {
        "number": f"{random.randrange(10**9, 10**10)}",
        "issued_on": "2025-01-01",
        "expires_on": (today_tehran() + timedelta(days=365)).isoformat(),
    }


async def signature_key(http: httpx.AsyncClient, someone: Person, *, confirm: bool = True) -> tuple[Any, str]:
    """A new signature key registered to ``someone`` (confirmed by the SMS code unless told)."""
    key = ec.generate_private_key(ec.SECP256R1())
    registered = ok(
        await http.post(
            "/identity/v1/me/signature-keys",
            json={"name": f"key {uuid.uuid4().hex[:6]}", "jwk": jwk_of(key)},
            headers=idempotent(someone.headers),
        ),
        201,
    )
    if confirm:
        code = await sms_code(http, someone.data["mobile"], "signature-key")
        ok(
            await http.post(
                f"/identity/v1/me/signature-keys/{registered['kid']}/confirm",
                json={"code": code},
                headers=someone.headers,
            )
        )
    return key, str(registered["kid"])


async def merchant(http: httpx.AsyncClient, admin: str, *, confirm_key: bool = True) -> Person:
    """A merchant: registered, confirmed, a commercial card from the admin, a signature key
    (confirmed by the SMS code unless told; one SMS a minute per purpose, so a person gets one)."""
    someone = Person(await register(http))
    await give_role(http, admin, someone, {"role": "merchant", "commercial_card": commercial_card()})
    await refresh_login(http, someone)
    someone.key, someone.kid = await signature_key(http, someone, confirm=confirm_key)
    return someone


async def grant(
    http: httpx.AsyncClient,
    grantor: Person,
    representative: Person,
    *,
    role: str = "merchant",
    scopes: list[str] | None = None,
    access_level: str = "medium",
    **overrides: Any,
) -> dict[str, Any]:
    """A signed grant from ``grantor`` to ``representative``, pending their answer."""
    assert grantor.key is not None, "the grantor needs a signature key"
    body = {
        "grantor_role": role,
        "representative": {"national_code": representative.data["national_code"]},
        "scopes": scopes if scopes is not None else MERCHANT_SCOPES,
        "access_level": access_level,
        "starts_on": today_tehran().isoformat(),
        "ends_on": (today_tehran() + timedelta(days=90)).isoformat(),
        **overrides,
    }
    raw, headers = signed_request(grantor.key, body, path="/identity/v1/representations")
    return ok(  # type: ignore[no-any-return]
        await http.post(
            "/identity/v1/representations", content=raw, headers=idempotent({**grantor.headers, **headers})
        ),
        201,
    )


async def accept(http: httpx.AsyncClient, representative: Person, grant_id: str) -> None:
    ok(await http.post(f"/identity/v1/representations/{grant_id}/accept", headers=representative.headers))


async def representative_of(
    http: httpx.AsyncClient,
    grantor: Person,
    *,
    role: str = "merchant",
    scopes: list[str] | None = None,
    access_level: str = "medium",
) -> Representative:
    """A new person granted by ``grantor``, who accepts and exchanges for an acting-for token."""
    agent = await person(http)
    created = await grant(http, grantor, agent, role=role, scopes=scopes, access_level=access_level)
    await accept(http, agent, created["id"])
    acting = ok(await exchange(http, created["id"], agent.token))
    return Representative(agent, created["id"], access_level, acting["access_token"])


async def officer(http: httpx.AsyncClient, admin: str, office: dict[str, str]) -> Person:
    someone = Person(await register(http))
    await give_role(http, admin, someone, {"role": "officer", "office": office})
    await refresh_login(http, someone)
    return someone


def legal_national_id() -> str:
    first_ten = f"{random.randrange(10**9, 10**10)}"
    return first_ten + str(legal_national_id_check_digit(first_ten))


async def legal_person(http: httpx.AsyncClient, manager: Person) -> dict[str, Any]:
    """A legal person ``manager`` registers and manages: the sandbox companies registry
    first names them its manager (only the registry's managers can register a company)."""
    national_id = legal_national_id()
    ok(
        await http.put(
            f"/identity/v1/sandbox/companies/{national_id}",
            json={
                "name": f"Sherkat {uuid.uuid4().hex[:6]}",
                "registration_number": str(random.randint(10_000, 999_999)),
                "managers": [manager.data["national_code"]],
            },
        )
    )
    return ok(  # type: ignore[no-any-return]
        await http.post(
            "/identity/v1/legal-persons",
            json={"national_id": national_id},
            headers=idempotent(manager.headers),
        ),
        201,
    )


async def seller(http: httpx.AsyncClient, admin: str) -> str:
    fida = f.fida_id()
    ok(
        await http.post(
            "/orders/v1/sellers",
            json={"fida_id": fida, "name": f"Seller {fida}", "country": "AE"},
            headers=bearer(admin),
        ),
        201,
    )
    return fida


async def order_file(http: httpx.AsyncClient, owner: Person, fida: str, access_level: str) -> dict[str, Any]:
    return ok(  # type: ignore[no-any-return]
        await http.post(
            "/orders/v1/order-files",
            json=f.file_body(fida, access_level=access_level),
            headers=owner.headers,
        ),
        201,
    )


async def under_review(
    http: httpx.AsyncClient, owner: Person, fida: str, *, attach: bool = False
) -> tuple[dict[str, Any], str, str]:
    """A medium-level file of ``owner`` with one line (and an attachment), submitted and
    signed: under review. Returns the file, its line ID and its attachment ID ("" if none)."""
    assert owner.key is not None
    file = await order_file(http, owner, fida, "medium")
    path = f"/orders/v1/order-files/{file['id']}"
    line = ok(await http.post(f"{path}/lines", json=f.line_body(), headers=owner.headers), 201)
    attachment = ""
    if attach:
        attachment = ok(
            await http.post(
                f"{path}/attachments",
                files={"file": ("proforma.pdf", PDF, "application/pdf")},
                headers=owner.headers,
            ),
            201,
        )["id"]
    submitted = ok(await http.post(f"{path}/submit", headers=owner.headers))
    raw, headers = signed_request(
        owner.key, {"validity_months": 6}, path=f"{path}/final-registration", etag=f.etag(submitted)
    )
    file = ok(
        await http.post(f"{path}/final-registration", content=raw, headers={**owner.headers, **headers})
    )
    assert file["status"] == "under-review", file
    return file, str(line["id"]), str(attachment)


def phone_card() -> dict[str, Any]:
    """A product card with only existing values: issued at once when sent."""
    body = "626" + "".join(random.choices("0123456789", k=9))
    odd = sum(int(d) for d in body[-1::-2])
    even = sum(int(d) for d in body[-2::-2])
    gtin = body + str((10 - (odd * 3 + even) % 10) % 10)
    return {
        "heading": "mobile-phone",
        "international_code": {"type": "gtin", "value": gtin},
        "hs_code": "85171390",
        "unit": "u",
        "packaging": {"type": "box", "weight_kg": "0.45"},
        "attributes": {
            "brand": "samsung",
            "model": f"Galaxy Sec {uuid.uuid4().hex[:10]}",
            "memory": "128gb",
            "colour": "black",
        },
    }


async def _created(
    http: httpx.AsyncClient, path: str, headers: dict[str, str], body: dict[str, Any], status: int = 201
) -> dict[str, Any]:
    return ok(await http.post(path, json=body, headers=headers), status)  # type: ignore[no-any-return]


async def car_case(http: httpx.AsyncClient, admin: str, applicant: Person, brand: str) -> tuple[str, str]:
    """Mikhak (a machine client with the feed scope) approves ``applicant``'s car case, and the
    applicant makes the case-permit inquiry. Returns the case ID and the inquiry's ID."""
    ok(
        await http.post(
            f"/orders/v1/car-brands/{brand}/models",
            json={"id": "sedan-x", "name": "Sedan X"},
            headers=bearer(admin),
        ),
        201,
    )
    client = await _created(
        http,
        "/identity/v1/clients",
        idempotent(bearer(admin)),
        {"name": "security suite mikhak", "scopes": ["mikhak-feed"]},
    )
    mikhak = await admin_token(http, (client["client_id"], client["client_secret"]))
    case_id = f"MK-{uuid.uuid4().hex[:12]}"
    case = {
        "case_id": case_id,
        "national_code": applicant.data["national_code"],
        "first_name": "Sara",
        "last_name": "Ahmadi",
        "birth_date": "1990-01-01",
        "residence_country": "DE",
        "residence_start_date": "2020-05-01",
        "confirming_mission": "Embassy of the I.R. of Iran, Berlin",
        "days_abroad_in_1404": 200,
        "car": {
            "brand": brand,
            "model": "Sedan X",
            "vin": f"JTDBR32E7{random.randrange(10**8):08d}",
            "manufacture_date": "2022-06-01",
            "ownership_date": "2023-01-10",
        },
        "submitted_on": "2026-01-15",
        "status": "approved",
        "decided_on": "2026-02-01",
    }
    await _created(http, "/orders/v1/mikhak/cases", bearer(mikhak), case)
    inquiry = await _created(
        http, "/orders/v1/car-case-permits/inquiries", applicant.headers, {"mikhak_case_id": case_id}
    )
    return case_id, str(inquiry["id"])


async def build_world(http: httpx.AsyncClient, gateway: str, admin_credentials: tuple[str, str]) -> World:
    """The whole cast; see the module's docstring. Some 150 requests, most of the time in
    password hashing (registrations and logins)."""
    admin = await admin_token(http, admin_credentials)
    # People one at a time: password hashing is the cost, and the machine may have two cores.
    a = await merchant(http, admin)
    # B's key stays unconfirmed: the object of the signature-key rows (one such SMS a minute).
    b = await merchant(http, admin, confirm_key=False)
    officer_mimt = await officer(http, admin, MIMT_OFFICE)
    officer_customs = await officer(http, admin, CUSTOMS_OFFICE)
    outsider = await person(http)
    fida = await seller(http, admin)
    await give_role(http, admin, a, {"role": "trader"})
    await refresh_login(http, a)

    representatives = {
        f"rep-{level}": await representative_of(http, a, access_level=level) for level in LEVELS
    }
    trader_full = await representative_of(http, a, role="trader", scopes=["full"], access_level="full")
    files = dict(
        zip(
            LEVELS, await asyncio.gather(*(order_file(http, a, fida, level) for level in LEVELS)), strict=True
        )
    )
    (file_under_review, line_id, attachment_id), *others = await asyncio.gather(
        under_review(http, a, fida, attach=True), *(under_review(http, a, fida) for _ in DISPOSABLE)
    )
    disposable = {act: other[0] for act, other in zip(DISPOSABLE, others, strict=True)}

    brand = f"sec-{uuid.uuid4().hex[:8]}"
    product_request, to_submit, product, pending, to_revoke, company, spare_client, _ = await asyncio.gather(
        _created(http, "/orders/v1/product-requests", a.headers, {**phone_card(), "submit": False}),
        _created(http, "/orders/v1/product-requests", a.headers, {**phone_card(), "submit": False}),
        _created(http, "/orders/v1/products", a.headers, phone_card()),
        grant(http, a, outsider, access_level="limited"),
        grant(http, a, outsider, access_level="limited"),
        legal_person(http, a),
        _created(
            http,
            "/identity/v1/clients",
            idempotent(bearer(admin)),
            {"name": "security suite spare", "scopes": ["clearance-agent"]},
        ),
        _created(http, "/orders/v1/car-brands", bearer(admin), {"id": brand, "name": brand}),
    )
    change = await _created(http, "/identity/v1/me/mobile-change", a.headers, {"mobile": mobile()}, 202)
    case_id, inquiry_id = await car_case(http, admin, a, brand)
    rules = ok(await http.get("/rules/v1/rules"))
    subscription, subscription_to_delete = await asyncio.gather(
        *(
            _created(http, "/notifications/v1/subscriptions", a.headers, {"event_types": ["orders.*"]})
            for _ in range(2)
        )
    )

    return World(
        gateway=gateway,
        admin_credentials=admin_credentials,
        admin_token=admin,
        merchant_a=a,
        merchant_b=b,
        representatives=representatives,
        trader_full=trader_full,
        officer_mimt=officer_mimt,
        officer_customs=officer_customs,
        outsider=outsider,
        seller=fida,
        files=files,
        file_under_review=file_under_review,
        disposable=disposable,
        line_id=line_id,
        attachment_id=attachment_id,
        product_request=product_request,
        request_to_submit=to_submit,
        product_id=str(product["product_id"]),
        pending_grant=str(pending["id"]),
        grant_to_revoke=str(to_revoke["id"]),
        legal_person=company,
        spare_client_id=str(spare_client["client_id"]),
        car_brand=brand,
        mobile_change_id=str(change["id"]),
        inquiry_id=inquiry_id,
        mikhak_case_id=case_id,
        rule_id=str(rules["items"][0]["id"]),
        sandbox_mobile=mobile(),
        sandbox_company=legal_national_id(),
        subscription=str(subscription["id"]),
        subscription_to_delete=str(subscription_to_delete["id"]),
    )
