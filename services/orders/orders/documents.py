"""Documents attached to order files and product requests (seed 003: PDF or JPG
under 1 MB). The type is read from the content's magic number; the name and the
declared type are not trusted."""

from __future__ import annotations

from orders_client.products import MAX_ATTACHMENT_BYTES

MAX_BYTES = MAX_ATTACHMENT_BYTES
# What the content starts with, and the file names that go with it.
SIGNATURES = {
    "application/pdf": (b"%PDF-", {".pdf"}),
    "image/jpeg": (b"\xff\xd8\xff", {".jpg", ".jpeg"}),
}


def sniff(content: bytes) -> str | None:
    """``application/pdf`` or ``image/jpeg`` by the bytes' magic number; None for anything else."""
    for media_type, (magic, _) in SIGNATURES.items():
        if content.startswith(magic):
            return media_type
    return None
