"""The authorization matrix: every operation of the gateway's merged OpenAPI document that takes
an object ID in its path has a row here, saying what each caller of the world
(``tests.security.world.CALLERS``) gets on an object of merchant A's.

Expectations come from the SPEC, not from what the code does today:

* anonymous: 401 wherever a token is needed;
* the owner (A): allowed;
* A's representatives: only with a merchant-role grant and at or above the file's level
  (below it the file does not exist for them: 404); never A's account, keys or grants
  (those need the user's own token: 403);
* another merchant, and anyone without a relation to the object: 404, as if it did not exist;
* officers only where their office reviews (MIMT reviews order files under review; a customs
  office reviews none of it);
* the admin client: the admin operations, and nothing of a merchant's.

``ALLOWED`` means the request passed authorization: 2xx for a read; for a write, anything but
401/403/404 and 5xx (the world's objects are in states where most writes end in 409/422/428
after the check, so the matrix can run them all without changing what later rows see).

A new object operation in the document without a row fails ``test_every_object_operation_has_a_row``;
a row whose operation left the document fails it too.

``test_authorization_matrix`` checks a row's callers together (one test a row keeps the suite
fast) and names every caller that got something else.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from orders_testing import files as f

from tests.security.world import CALLERS, PDF, REPRESENTATIVES, World, phone_card, signed_request

ALLOWED = "allowed"
DENIED = "denied"  # 403 or 404: refused, and the caller may know the object exists anyway
Outcome = str | int
METHODS = ("get", "put", "post", "patch", "delete")


def everyone(outcome: Outcome, **others: Outcome) -> dict[str, Outcome]:
    """``outcome`` for every caller but those named (``rep_full=...`` names ``rep-full``)."""
    table = dict.fromkeys(CALLERS, outcome)
    table.update({name.replace("_", "-"): value for name, value in others.items()})
    return table


def reps(below_medium: Outcome, at_or_above: Outcome) -> dict[str, Outcome]:
    """The merchant-role representatives on A's medium-level file."""
    return {
        "rep-very-limited": below_medium,
        "rep-limited": below_medium,
        "rep-medium": at_or_above,
        "rep-full": at_or_above,
    }


# A's medium-level file under review.
FILE_READ = {
    **everyone(404, anonymous=401, owner=ALLOWED, trader_full=DENIED, officer_mimt=ALLOWED),
    **reps(404, ALLOWED),
}
FILE_CHANGE = {**FILE_READ, **reps(404, ALLOWED), "officer-mimt": 403}
FILE_OWNER_ONLY = {**FILE_READ, **reps(404, 403), "officer-mimt": 403}
FILE_REVIEW = {**FILE_READ, **reps(404, 403), "owner": 403, "officer-mimt": ALLOWED}
# A's own account, keys, grants and legal person: A's own token only.
ACCOUNT = {
    **everyone(404, anonymous=401, owner=ALLOWED, trader_full=403, admin=403),
    **dict.fromkeys(REPRESENTATIVES, 403),
}
# A draft product request of A's: the owner and the representatives (any level, product-id scope).
DRAFT_REQUEST = {
    **everyone(404, anonymous=401, owner=ALLOWED, trader_full=DENIED),
    **dict.fromkeys(REPRESENTATIVES, ALLOWED),
}
ADMIN_ONLY = everyone(403, anonymous=401, admin=ALLOWED)
ANY_TOKEN = everyone(ALLOWED, anonymous=401)
PUBLIC = everyone(ALLOWED)
UNKNOWN = everyone(404)  # an ID that is its own capability (a registration, a login challenge)
FEED_ONLY = everyone(403, anonymous=401)  # the Mikhak feed's machine client, none of the callers

# The caller's own user token (not an acting-for or machine one): about the caller alone.
OWN_USER_TOKEN = {
    **everyone(ALLOWED, anonymous=401, trader_full=403, admin=403),
    **dict.fromkeys(REPRESENTATIVES, 403),
}

# A's notifications subscription: made in A's own name, so A's own token only; acting-for tokens
# are refused (403: subscriptions are in one's own name), anyone else, the admin included, 404.
SUBSCRIPTION = {
    **everyone(404, anonymous=401, owner=ALLOWED, trader_full=403),
    **dict.fromkeys(REPRESENTATIVES, 403),
}


@dataclass(frozen=True)
class Row:
    """One operation: its path parameters from the world, the request's body (one that reaches
    the authorization check), what each caller gets, and the cells known to disagree today."""

    params: Callable[[World], dict[str, str]]
    expect: dict[str, Outcome]
    body: Callable[[World], dict[str, Any]] = lambda _: {}
    # Problem codes that come only after the authorization check (e.g. a signature checked
    # against the caller's keys): the request passed it.
    after_check: frozenset[str] = frozenset()


def _file(w: World) -> dict[str, str]:
    return {"file_id": w.file_under_review["id"]}


def _line(w: World) -> dict[str, str]:
    return {**_file(w), "line_id": w.line_id}


def _disposable(act: str) -> Callable[[World], dict[str, str]]:
    return lambda w: {"file_id": w.disposable[act]["id"]}


def _request(w: World) -> dict[str, str]:
    return {"request_id": w.product_request["id"]}


def _json(body: dict[str, Any]) -> Callable[[World], dict[str, Any]]:
    return lambda _: {"json": body}


def _final_registration(w: World) -> dict[str, Any]:
    assert w.merchant_a.key is not None
    file = w.file_under_review
    path = f"/orders/v1/order-files/{file['id']}/final-registration"
    raw, headers = signed_request(w.merchant_a.key, {"validity_months": 6}, path=path, etag=f.etag(file))
    return {"content": raw, "headers": headers}


def _random(name: str) -> Callable[[World], dict[str, str]]:
    return lambda _: {name: str(uuid.uuid4())}


def _subscription_message(w: World) -> dict[str, str]:
    return {"subscription_id": w.subscription, "message_id": str(uuid.uuid4())}


ROWS: dict[str, Row] = {
    # ------------------------------------------------------------------ orders: order files
    "GET /orders/v1/order-files/{file_id}": Row(_file, FILE_READ),
    "PATCH /orders/v1/order-files/{file_id}": Row(_file, FILE_CHANGE, _json({"total_amount": "120000.50"})),
    "PUT /orders/v1/order-files/{file_id}/access-level": Row(
        _file, FILE_OWNER_ONLY, _json({"access_level": "medium"})
    ),
    "GET /orders/v1/order-files/{file_id}/access-level-history": Row(_file, FILE_OWNER_ONLY),
    "GET /orders/v1/order-files/{file_id}/attachments": Row(_file, FILE_READ),
    "POST /orders/v1/order-files/{file_id}/attachments": Row(
        _file, FILE_CHANGE, lambda _: {"files": {"file": ("proforma.pdf", PDF, "application/pdf")}}
    ),
    "GET /orders/v1/order-files/{file_id}/attachments/{attachment_id}": Row(
        lambda w: {**_file(w), "attachment_id": w.attachment_id}, FILE_READ
    ),
    "GET /orders/v1/order-files/{file_id}/duties-estimate": Row(_file, FILE_READ),
    "GET /orders/v1/order-files/{file_id}/history": Row(_file, FILE_READ),
    "POST /orders/v1/order-files/{file_id}/lines": Row(_file, FILE_CHANGE, _json(f.line_body())),
    "PATCH /orders/v1/order-files/{file_id}/lines/{line_id}": Row(
        _line, FILE_CHANGE, _json({"quantity": "3"})
    ),
    "DELETE /orders/v1/order-files/{file_id}/lines/{line_id}": Row(_line, FILE_CHANGE),
    "POST /orders/v1/order-files/{file_id}/submit": Row(_file, FILE_CHANGE),
    # Signed with A's key: a representative passes the check, then their signature is refused.
    "POST /orders/v1/order-files/{file_id}/final-registration": Row(
        _file, FILE_CHANGE, _final_registration, after_check=frozenset({"signature-key-unknown"})
    ),
    "POST /orders/v1/order-files/{file_id}/extend": Row(_file, FILE_CHANGE, _json({"months": 3})),
    "POST /orders/v1/order-files/{file_id}/cancel": Row(_disposable("cancel"), FILE_CHANGE),
    "POST /orders/v1/order-files/{file_id}/approve": Row(_disposable("approve"), FILE_REVIEW),
    "POST /orders/v1/order-files/{file_id}/reject": Row(
        _disposable("reject"), FILE_REVIEW, _json({"reason": "The proforma does not match the goods."})
    ),
    # ------------------------------------------------------------------ orders: product IDs
    "GET /orders/v1/product-requests/{request_id}": Row(_request, DRAFT_REQUEST),
    "PUT /orders/v1/product-requests/{request_id}": Row(
        _request, DRAFT_REQUEST, lambda _: {"json": phone_card()}
    ),
    # Only the supervising body's officers (mimt) decide: any other caller is refused (403)
    # before the request is looked up; to a mimt officer a draft does not exist (404).
    "POST /orders/v1/product-requests/{request_id}/approve": Row(
        _request,
        everyone(403, anonymous=401, officer_mimt=404),
    ),
    "POST /orders/v1/product-requests/{request_id}/reject": Row(
        _request,
        everyone(403, anonymous=401, officer_mimt=404),
        _json({"reason": "Not a real phone."}),
    ),
    "POST /orders/v1/product-requests/{request_id}/submit": Row(
        lambda w: {"request_id": w.request_to_submit["id"]}, DRAFT_REQUEST
    ),
    # A product ID belongs to the product, not to a person: any signed-in caller reads it.
    "GET /orders/v1/products/{product_id}": Row(lambda w: {"product_id": w.product_id}, ANY_TOKEN),
    "GET /orders/v1/products/{product_id}/barcode.png": Row(
        lambda w: {"product_id": w.product_id}, ANY_TOKEN
    ),
    "GET /orders/v1/products/{product_id}/barcode.svg": Row(
        lambda w: {"product_id": w.product_id}, ANY_TOKEN
    ),
    # ------------------------------------------------------------------ orders: sellers, cars, reference
    "GET /orders/v1/sellers/{fida_id}": Row(lambda w: {"fida_id": w.seller}, ANY_TOKEN),
    "POST /orders/v1/car-brands/{brand_id}/models": Row(
        lambda w: {"brand_id": w.car_brand}, ADMIN_ONLY, _json({"id": "hatch-y", "name": "Hatch Y"})
    ),
    # The applicant's own token only: acting-for and machine tokens are refused before the lookup.
    "GET /orders/v1/car-case-permits/inquiries/{inquiry_id}": Row(
        lambda w: {"inquiry_id": w.inquiry_id},
        {
            **everyone(404, anonymous=401, owner=ALLOWED, trader_full=403, admin=403),
            **dict.fromkeys(REPRESENTATIVES, 403),
        },
    ),
    "GET /orders/v1/mikhak/cases/{case_id}": Row(lambda w: {"case_id": w.mikhak_case_id}, FEED_ONLY),
    "POST /orders/v1/mikhak/cases/{case_id}/revocation": Row(
        lambda w: {"case_id": w.mikhak_case_id}, FEED_ONLY, _json({"reason": "Residence not confirmed."})
    ),
    "GET /orders/v1/customs-offices/{office_id}": Row(lambda _: {"office_id": "10300"}, PUBLIC),
    "GET /orders/v1/product-headings/{heading_id}": Row(lambda _: {"heading_id": "mobile-phone"}, PUBLIC),
    "GET /orders/v1/tariff-lines/{hs_code}": Row(lambda _: {"hs_code": f.STANDARDS_LINE}, PUBLIC),
    # ------------------------------------------------------------------ rules (public law)
    "GET /rules/v1/rules/{rule_id}": Row(lambda w: {"rule_id": w.rule_id}, PUBLIC),
    "GET /rules/v1/rules/{rule_id}/timeline": Row(lambda w: {"rule_id": w.rule_id}, PUBLIC),
    # ------------------------------------------------------------------ identity: machine clients, roles
    "GET /identity/v1/clients/{client_id}": Row(lambda w: {"client_id": w.spare_client_id}, ADMIN_ONLY),
    "POST /identity/v1/clients/{client_id}/secret": Row(
        lambda w: {"client_id": w.spare_client_id}, ADMIN_ONLY, _json({"grace_seconds": 0})
    ),
    "POST /identity/v1/clients/{client_id}/disable": Row(
        lambda w: {"client_id": w.spare_client_id}, ADMIN_ONLY
    ),
    "GET /identity/v1/parties/{party_id}/roles": Row(lambda w: {"party_id": w.outsider.id}, ADMIN_ONLY),
    "POST /identity/v1/parties/{party_id}/roles": Row(
        lambda w: {"party_id": w.outsider.id}, ADMIN_ONLY, _json({"role": "trader"})
    ),
    "DELETE /identity/v1/parties/{party_id}/roles/{role}": Row(
        lambda w: {"party_id": w.outsider.id, "role": "trader"}, ADMIN_ONLY
    ),
    # ------------------------------------------------------------------ identity: A's account and grants
    "GET /identity/v1/legal-persons/{legal_id}": Row(lambda w: {"legal_id": w.legal_person["id"]}, ACCOUNT),
    "POST /identity/v1/legal-persons/{legal_id}/managers": Row(
        lambda w: {"legal_id": w.legal_person["id"]},
        ACCOUNT,
        lambda w: {"json": {"national_code": w.outsider.data["national_code"]}},
    ),
    "POST /identity/v1/me/mobile-change/{change_id}/confirm": Row(
        lambda w: {"change_id": w.mobile_change_id}, ACCOUNT, _json({"code": "0000"})
    ),
    "GET /identity/v1/representations/{representation_id}": Row(
        lambda w: {"representation_id": w.representatives["rep-medium"].grant_id}, ACCOUNT
    ),
    "GET /identity/v1/representations/{representation_id}/history": Row(
        lambda w: {"representation_id": w.representatives["rep-medium"].grant_id}, ACCOUNT
    ),
    "POST /identity/v1/representations/{representation_id}/revoke": Row(
        lambda w: {"representation_id": w.grant_to_revoke}, ACCOUNT, _json({})
    ),
    # A pending grant to the outsider: only the outsider answers it, and they are no caller here;
    # the grantor, who knows it, is told so (403).
    "POST /identity/v1/representations/{representation_id}/accept": Row(
        lambda w: {"representation_id": w.pending_grant}, {**ACCOUNT, "owner": 403}
    ),
    "POST /identity/v1/representations/{representation_id}/reject": Row(
        lambda w: {"representation_id": w.pending_grant}, {**ACCOUNT, "owner": 403}, _json({})
    ),
    # B's signature key (unconfirmed): the holder is the other merchant here.
    "GET /identity/v1/me/signature-keys/{kid}": Row(
        lambda w: {"kid": w.merchant_b.kid}, {**ACCOUNT, "owner": 404, "other-merchant": ALLOWED}
    ),
    "POST /identity/v1/me/signature-keys/{kid}/confirm": Row(
        lambda w: {"kid": w.merchant_b.kid},
        {**ACCOUNT, "owner": 404, "other-merchant": ALLOWED},
        _json({"code": "0000"}),
    ),
    "DELETE /identity/v1/me/signature-keys/{kid}": Row(
        lambda w: {"kid": w.merchant_b.kid}, {**ACCOUNT, "owner": 404, "other-merchant": ALLOWED}
    ),
    # How the caller stands to a party: always about the caller alone.
    "GET /identity/v1/me/relations/{subject}": Row(
        lambda w: {"subject": w.merchant_a.subject}, OWN_USER_TOKEN
    ),
    # Public keys, published for anyone to verify signatures.
    "GET /identity/v1/parties/{subject}/signature-keys": Row(
        lambda w: {"subject": w.merchant_a.subject}, PUBLIC
    ),
    # Sandbox tools (the stack runs identity in the sandbox; without it they do not exist).
    "PUT /identity/v1/sandbox/mobile-owners/{mobile}": Row(
        lambda w: {"mobile": w.sandbox_mobile},
        PUBLIC,
        lambda w: {"json": {"national_code": w.outsider.data["national_code"]}},
    ),
    "DELETE /identity/v1/sandbox/mobile-owners/{mobile}": Row(lambda w: {"mobile": w.sandbox_mobile}, PUBLIC),
    "PUT /identity/v1/sandbox/companies/{national_id}": Row(
        lambda w: {"national_id": w.sandbox_company},
        PUBLIC,
        lambda w: {"json": {"name": "Sherkat", "registration_number": "1", "managers": []}},
    ),
    "DELETE /identity/v1/sandbox/companies/{national_id}": Row(
        lambda w: {"national_id": w.sandbox_company}, PUBLIC
    ),
    # ------------------------------------------------------------------ notifications: subscriptions
    "GET /notifications/v1/subscriptions/{subscription_id}": Row(
        lambda w: {"subscription_id": w.subscription}, SUBSCRIPTION
    ),
    "PATCH /notifications/v1/subscriptions/{subscription_id}": Row(
        lambda w: {"subscription_id": w.subscription}, SUBSCRIPTION, _json({"description": "mine"})
    ),
    "DELETE /notifications/v1/subscriptions/{subscription_id}": Row(
        lambda w: {"subscription_id": w.subscription_to_delete}, SUBSCRIPTION
    ),
    # No webhook URL: the owner passes the check and is told so (409).
    "POST /notifications/v1/subscriptions/{subscription_id}/verify": Row(
        lambda w: {"subscription_id": w.subscription}, SUBSCRIPTION
    ),
    "POST /notifications/v1/subscriptions/{subscription_id}/secret": Row(
        lambda w: {"subscription_id": w.subscription}, SUBSCRIPTION
    ),
    # ------------------------------------------------------------------ notifications: boxes, deliveries
    "GET /notifications/v1/subscriptions/{subscription_id}/messages": Row(
        lambda w: {"subscription_id": w.subscription}, SUBSCRIPTION
    ),
    # A message ID that is not in the box: the owner passes the check and is told so (404).
    "POST /notifications/v1/subscriptions/{subscription_id}/messages/{message_id}/acknowledge": Row(
        _subscription_message, SUBSCRIPTION, after_check=frozenset({"message-not-found"})
    ),
    "POST /notifications/v1/subscriptions/{subscription_id}/acknowledgements": Row(
        lambda w: {"subscription_id": w.subscription},
        SUBSCRIPTION,
        lambda _: {"json": {"message_ids": [str(uuid.uuid4())]}},
    ),
    "GET /notifications/v1/subscriptions/{subscription_id}/attempts": Row(
        lambda w: {"subscription_id": w.subscription}, SUBSCRIPTION
    ),
    "POST /notifications/v1/subscriptions/{subscription_id}/messages/{message_id}/replay": Row(
        _subscription_message,
        SUBSCRIPTION,
        after_check=frozenset({"message-not-found", "webhook-not-active"}),
    ),
    # No webhook URL: the owner passes the check and is told so (409).
    "POST /notifications/v1/subscriptions/{subscription_id}/replay": Row(
        lambda w: {"subscription_id": w.subscription},
        SUBSCRIPTION,
        _json({"since": "2026-01-01T00:00:00Z", "until": "2026-01-02T00:00:00Z"}),
        after_check=frozenset({"webhook-not-active"}),
    ),
    "POST /notifications/v1/subscriptions/{subscription_id}/test": Row(
        lambda w: {"subscription_id": w.subscription}, SUBSCRIPTION
    ),
    "GET /notifications/v1/subscriptions/{subscription_id}/statistics": Row(
        lambda w: {"subscription_id": w.subscription}, SUBSCRIPTION
    ),
    # IDs that are their own capability: an unknown one is 404 whoever asks.
    "POST /identity/v1/registrations/{registration_id}/code": Row(_random("registration_id"), UNKNOWN),
    "POST /identity/v1/registrations/{registration_id}/confirm": Row(
        _random("registration_id"), UNKNOWN, _json({"code": "0000"})
    ),
    "POST /identity/v1/login/{challenge_id}/verify": Row(
        _random("challenge_id"), UNKNOWN, _json({"code": "0000"})
    ),
    "POST /identity/v1/password-recovery/{recovery_id}/reset": Row(
        _random("recovery_id"), UNKNOWN, _json({"code": "0000", "password": "Zagros-Peak-4410?"})
    ),
}


def _split(operation: str) -> tuple[str, str]:
    method, path = operation.split(" ", 1)
    return method, path


def _code(response: httpx.Response) -> str | None:
    if not response.headers.get("content-type", "").startswith("application/problem+json"):
        return None
    return response.json().get("code")  # type: ignore[no-any-return]


def _matches(row: Row, expected: Outcome, method: str, response: httpx.Response) -> bool:
    status = response.status_code
    if expected == ALLOWED:
        if method == "GET":
            return 200 <= status < 300
        return status < 500 and (status not in (401, 403, 404) or _code(response) in row.after_check)
    if expected == DENIED:
        return status in (403, 404)
    return status == expected


async def test_every_object_operation_has_a_row(gateway: httpx.AsyncClient) -> None:
    document = (await gateway.get("/openapi.json")).json()
    in_document = {
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        if "{" in path
        for method in operations
        if method in METHODS
    }
    assert sorted(in_document - ROWS.keys()) == [], "object operations without a row in ROWS"
    assert sorted(ROWS.keys() - in_document) == [], "rows of ROWS whose operation is not in the document"
    for operation, row in ROWS.items():
        assert set(row.expect) == set(CALLERS), operation


async def _send(gateway: httpx.AsyncClient, world: World, operation: str, caller: str) -> httpx.Response:
    row = ROWS[operation]
    method, template = _split(operation)
    request = row.body(world)
    headers = {**request.pop("headers", {}), **world.headers(caller)}
    return await gateway.request(method, template.format(**row.params(world)), headers=headers, **request)


# The answers of a row, sent when its first cell runs: the refused callers together, then the
# allowed ones one by one (their writes may change the object, and must come after the rest).
_answers: dict[tuple[str, str], dict[str, httpx.Response]] = {}


async def _answer(gateway: httpx.AsyncClient, world: World, operation: str, caller: str) -> httpx.Response:
    key = (world.merchant_a.subject, operation)  # a world built again has another A
    if key not in _answers:
        expect = ROWS[operation].expect
        refused = [c for c in CALLERS if expect[c] != ALLOWED]
        answers = dict(
            zip(
                refused,
                await asyncio.gather(*(_send(gateway, world, operation, c) for c in refused)),
                strict=True,
            )
        )
        for allowed in (c for c in CALLERS if expect[c] == ALLOWED):
            answers[allowed] = await _send(gateway, world, operation, allowed)
        _answers[key] = answers
    return _answers[key][caller]


def _mismatch(operation: str, caller: str, response: httpx.Response) -> str | None:
    row = ROWS[operation]
    method, _ = _split(operation)
    expected = row.expect[caller]
    if response.status_code < 500 and _matches(row, expected, method, response):
        return None
    body = response.text if "json" in response.headers.get("content-type", "") else ""
    return f"{caller} {method} {response.request.url.path}: expected {expected}, got {response.status_code} {body}"


@pytest.mark.parametrize("operation", list(ROWS))
async def test_authorization_matrix(operation: str, world: World, gateway: httpx.AsyncClient) -> None:
    """Every caller of the row gets what the row says."""
    mismatches = [
        mismatch
        for caller in CALLERS
        if (mismatch := _mismatch(operation, caller, await _answer(gateway, world, operation, caller)))
    ]
    assert not mismatches, "\n".join(mismatches)
