"""Attachments of a file: PDF or JPEG up to 1 MB, the type read from the content, not the name."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import PurePath

from orders.documents import MAX_BYTES, SIGNATURES, sniff
from orders.files.access import actor_of
from orders.files.exceptions import AttachmentEmpty, AttachmentTooLarge, AttachmentTypeRefused
from orders.files.models import OrderAttachment, OrderFile
from orders.files.service import Context, record_act

POINTER = "#/body/file"
GENERIC_TYPES = {"", "application/octet-stream"}


def check(file_name: str, declared: str, content: bytes) -> str:
    """The media type of an acceptable attachment, else the refusal: empty (422), over 1 MB
    (413), not PDF or JPEG by content, or a name or declared type that disagrees with the
    content (a disguised file) (415)."""
    if not content:
        raise AttachmentEmpty("The attachment is empty.", POINTER)
    if len(content) > MAX_BYTES:
        raise AttachmentTooLarge(f"Attachments may be at most {MAX_BYTES} bytes (1 MB).", POINTER)
    media_type = sniff(content)
    if media_type is None:
        raise AttachmentTypeRefused(
            "The content is neither a PDF (%PDF-) nor a JPEG (FF D8 FF), whatever its name says.", POINTER
        )
    extensions = SIGNATURES[media_type][1]
    suffix = PurePath(file_name).suffix.lower()
    if suffix and suffix not in extensions:
        raise AttachmentTypeRefused(
            f"The content is {media_type} but the name ends in {suffix!r}: a disguised file is refused.",
            POINTER,
        )
    base = declared.split(";")[0].strip().lower()
    if (
        base not in GENERIC_TYPES
        and base != media_type
        and not (base == "image/jpg" and media_type == "image/jpeg")
    ):
        raise AttachmentTypeRefused(
            f"The content is {media_type} but was sent as {base!r}: a disguised file is refused.", POINTER
        )
    return media_type


async def add(
    ctx: Context, file: OrderFile, file_name: str, declared: str, content: bytes
) -> OrderAttachment:
    media_type = check(file_name, declared, content)
    row = OrderAttachment(
        id=uuid.uuid4(),
        file_id=file.id,
        file_name=file_name,
        media_type=media_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_by=actor_of(ctx.principal),
    )
    ctx.session.add(row)
    await ctx.session.flush()
    await record_act(
        ctx, file, "attachment-added", attachment_id=str(row.id), sha256=row.sha256, size=row.size
    )
    await ctx.session.refresh(row)
    return row
