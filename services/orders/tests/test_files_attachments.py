"""Attachments: PDF or JPEG up to 1 MB, the type read from the content, stored with its SHA-256."""

from __future__ import annotations

import hashlib

import httpx
import pytest
from fastapi import FastAPI
from orders_testing import files as f

from orders.files.attachments import MAX_BYTES

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"
EXE = b"MZ\x90\x00" + b"\x00" * 64


@pytest.fixture
async def draft(
    orders: httpx.AsyncClient, identity_app: FastAPI, admin_headers: dict[str, str]
) -> tuple[f.Merchant, str]:
    owner = await f.merchant(identity_app)
    created = await f.create(orders, owner.headers, await f.seller(orders, admin_headers))
    return owner, f"/v1/order-files/{created['id']}"


async def test_pdf_and_jpeg_are_stored_with_their_hash(
    orders: httpx.AsyncClient, draft: tuple[f.Merchant, str]
) -> None:
    owner, path = draft
    pdf = await orders.post(
        f"{path}/attachments", files={"file": ("proforma.pdf", PDF, "application/pdf")}, headers=owner.headers
    )
    assert pdf.status_code == 201, pdf.text
    assert pdf.json()["media_type"] == "application/pdf"
    assert pdf.json()["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert pdf.json()["size"] == len(PDF)
    jpg = await orders.post(
        f"{path}/attachments", files={"file": ("scan.JPG", JPEG, "image/jpeg")}, headers=owner.headers
    )
    assert jpg.status_code == 201, jpg.text

    listed = await orders.get(f"{path}/attachments", headers=owner.headers)
    assert [a["id"] for a in listed.json()["items"]] == [pdf.json()["id"], jpg.json()["id"]]
    download = await orders.get(f"{path}/attachments/{pdf.json()['id']}", headers=owner.headers)
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["X-Content-SHA256"] == hashlib.sha256(PDF).hexdigest()


@pytest.mark.parametrize(
    ("name", "content", "declared", "status", "code"),
    [
        ("big.pdf", PDF + b"\x00" * MAX_BYTES, "application/pdf", 413, "attachment-too-large"),
        ("virus.pdf", EXE, "application/pdf", 415, "attachment-type-refused"),
        ("notes.txt", b"hello", "text/plain", 415, "attachment-type-refused"),
        ("photo.pdf", JPEG, "application/pdf", 415, "attachment-type-refused"),
        ("doc.jpg", PDF, "application/octet-stream", 415, "attachment-type-refused"),
        ("empty.pdf", b"", "application/pdf", 422, "attachment-empty"),
    ],
    ids=["over-1mb", "exe-named-pdf", "text", "jpeg-named-pdf", "pdf-named-jpg", "empty"],
)
async def test_oversized_disguised_and_empty_files_are_refused(
    orders: httpx.AsyncClient,
    draft: tuple[f.Merchant, str],
    name: str,
    content: bytes,
    declared: str,
    status: int,
    code: str,
) -> None:
    owner, path = draft
    response = await orders.post(
        f"{path}/attachments", files={"file": (name, content, declared)}, headers=owner.headers
    )
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert response.json()["errors"][0]["pointer"] == "#/body/file"
    assert (await orders.get(f"{path}/attachments", headers=owner.headers)).json()["items"] == []


async def test_attachments_obey_access(
    orders: httpx.AsyncClient, identity_app: FastAPI, draft: tuple[f.Merchant, str]
) -> None:
    owner, path = draft
    stranger = await f.merchant(identity_app)
    added = await orders.post(
        f"{path}/attachments", files={"file": ("p.pdf", PDF, "application/pdf")}, headers=owner.headers
    )
    for url in (f"{path}/attachments", f"{path}/attachments/{added.json()['id']}"):
        assert (await orders.get(url, headers=stranger.headers)).status_code == 404
    refused = await orders.post(
        f"{path}/attachments", files={"file": ("p.pdf", PDF, "application/pdf")}, headers=stranger.headers
    )
    assert refused.status_code == 404


async def test_an_upload_over_the_cap_is_refused_while_it_streams(
    orders: httpx.AsyncClient, draft: tuple[f.Merchant, str]
) -> None:
    """A multipart body past one attachment and its framing is cut off (kit.edge), not spooled whole."""
    owner, path = draft
    boundary = "b0undary"
    chunk = b"\x00" * 65_536
    pulled = 0

    async def body():  # type: ignore[no-untyped-def]
        nonlocal pulled
        yield (
            f'--{boundary}\r\ncontent-disposition: form-data; name="file"; filename="big.pdf"\r\n'
            "content-type: application/pdf\r\n\r\n"
        ).encode() + PDF
        for _ in range(640):  # 40 MiB, sent chunked: no Content-Length to refuse it by
            pulled += len(chunk)
            yield chunk
        yield f"\r\n--{boundary}--\r\n".encode()

    headers = {**owner.headers, "content-type": f"multipart/form-data; boundary={boundary}"}
    response = await orders.post(f"{path}/attachments", content=body(), headers=headers)
    assert response.status_code == 413, response.text
    assert response.json()["code"] == "payload-too-large"
    assert pulled <= MAX_BYTES + 2 * 65_536 + 65_536  # read no further than the cap
    declared = await orders.post(
        f"{path}/attachments",
        content=b"x" * 10,
        headers={**headers, "content-length": str(40 * 1024 * 1024)},
    )
    assert declared.status_code == 413
