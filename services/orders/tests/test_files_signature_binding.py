"""A final registration's signature binds that file at that version, once (review row 3)."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import pytest
from fastapi import FastAPI
from orders_testing import files as f
from sqlalchemy import func, select, update

from kit.clock import today_tehran
from kit.runtime import runtime_of
from kit.signatures import SIGNATURE_HEADER, sign_detached
from orders.db import signature_jtis
from orders.files.models import OrderFile

BODY = {"validity_months": 6}


@pytest.fixture
async def fida(orders: httpx.AsyncClient, admin_headers: dict[str, str]) -> str:
    return await f.seller(orders, admin_headers)


def _path(file: dict) -> str:
    return f"/v1/order-files/{file['id']}/final-registration"


async def _status(orders: httpx.AsyncClient, owner: f.Merchant, file: dict) -> str:
    return (await orders.get(f"/v1/order-files/{file['id']}", headers=owner.headers)).json()["status"]


def _refusal(response: httpx.Response, status: int, code: str, claim: str) -> None:
    assert response.status_code == status, response.text
    assert (response.json()["code"], response.json()["claim"]) == (code, claim)


async def test_a_header_captured_on_one_file_does_not_register_another(
    orders: httpx.AsyncClient, identity_app: FastAPI, fida: str
) -> None:
    owner = await f.merchant(identity_app, signing=True)
    file_a = await f.submitted(orders, owner, fida)
    file_b = await f.submitted(orders, owner, fida)
    raw, captured = f.signed(owner.key, BODY, file_a)

    on_b = await orders.post(_path(file_b), content=raw, headers={**owner.headers, **captured})
    _refusal(on_b, 403, "signature-binding-mismatch", "htu")
    assert await _status(orders, owner, file_b) == "submitted"

    assert (
        await orders.post(_path(file_a), content=raw, headers={**owner.headers, **captured})
    ).status_code == 200
    again = await orders.post(_path(file_a), content=raw, headers={**owner.headers, **captured})
    _refusal(again, 403, "signature-binding-mismatch", "etag")


async def test_a_signature_for_an_earlier_version_fails_after_a_change(
    orders: httpx.AsyncClient, identity_app: FastAPI, fida: str
) -> None:
    owner = await f.merchant(identity_app, signing=True)
    draft = await f.create(orders, owner.headers, fida)
    added = await orders.post(
        f"/v1/order-files/{draft['id']}/lines", json=f.line_body(), headers=owner.headers
    )
    assert added.status_code == 201, added.text
    read = await orders.get(f"/v1/order-files/{draft['id']}", headers=owner.headers)
    raw, early = f.signed(owner.key, BODY, read.json())  # signed at version N
    assert read.headers["etag"] == f.etag(read.json())
    submitted = await orders.post(f"/v1/order-files/{draft['id']}/submit", headers=owner.headers)
    assert submitted.status_code == 200, submitted.text  # version N + 1

    stale = await orders.post(_path(draft), content=raw, headers={**owner.headers, **early})
    _refusal(stale, 403, "signature-binding-mismatch", "etag")
    unversioned = sign_detached(owner.key, raw, path=f"/orders{_path(draft)}")
    missing = await orders.post(
        _path(draft), content=raw, headers={**owner.headers, **early, SIGNATURE_HEADER: unversioned}
    )
    _refusal(missing, 400, "signature-claim-missing", "etag")
    raw, fresh = f.signed(owner.key, BODY, submitted.json())
    assert (
        await orders.post(_path(draft), content=raw, headers={**owner.headers, **fresh})
    ).status_code == 200


async def test_a_one_time_id_passes_once_across_files(
    orders: httpx.AsyncClient, identity_app: FastAPI, fida: str
) -> None:
    owner = await f.merchant(identity_app, signing=True)
    file_a, file_b = await f.submitted(orders, owner, fida), await f.submitted(orders, owner, fida)
    jti = str(uuid.uuid4())
    raw = b'{"validity_months": 6}'

    def header(file: dict) -> dict[str, str]:
        signature = sign_detached(owner.key, raw, path=f"/orders{_path(file)}", etag=f.etag(file), jti=jti)
        return {**owner.headers, "Content-Type": "application/json", SIGNATURE_HEADER: signature}

    assert (await orders.post(_path(file_a), content=raw, headers=header(file_a))).status_code == 200
    replayed = await orders.post(_path(file_b), content=raw, headers=header(file_b))
    _refusal(replayed, 409, "signature-replayed", "jti")
    assert await _status(orders, owner, file_b) == "submitted"


async def test_a_refused_registration_does_not_use_up_its_jti(
    orders: httpx.AsyncClient, orders_app: tuple[FastAPI, httpx.AsyncClient], identity_app: FastAPI, fida: str
) -> None:
    app = orders_app[0]
    owner = await f.merchant(identity_app, signing=True)
    file = await f.submitted(orders, owner, fida)
    raw, headers = f.signed(owner.key, BODY, file)
    file_id = uuid.UUID(file["id"])

    async def set_proforma_expiry(day: dt.date) -> None:  # no version change: the signature still binds
        async with runtime_of(app).sessionmaker() as session, session.begin():
            await session.execute(
                update(OrderFile).where(OrderFile.id == file_id).values(proforma_expires_on=day)
            )

    await set_proforma_expiry(today_tehran() - dt.timedelta(days=1))
    refused = await orders.post(_path(file), content=raw, headers={**owner.headers, **headers})
    assert (refused.status_code, refused.json()["code"]) == (422, "proforma-expired"), refused.text
    async with runtime_of(app).sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(signature_jtis).where(
            signature_jtis.c.signer == f"user:{owner.party.id}")) == 0  # fmt: skip

    await set_proforma_expiry(dt.date.fromisoformat(file["proforma_expires_on"]))
    done = await orders.post(_path(file), content=raw, headers={**owner.headers, **headers})
    assert done.status_code == 200, done.text
