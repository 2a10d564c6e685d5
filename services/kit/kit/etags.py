"""Optimistic concurrency: an ETag on what is read, ``If-Match`` on what changes it (RFC 9110 §13.1.1).

An update without ``If-Match`` is 428 (RFC 6585), one with a stale tag 412; both name the
header as the field at fault.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

from kit.errors import ProblemError, field_error

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=200,
        description="The ETag as last read (GET); required: missing → 428, stale → 412.",
    ),
]


# ``openapi_extra=SENDS_ETAG`` on a route that answers with the resource's ETag: its 2xx answers
# document the header (kit.openapi_headers).
SENDS_ETAG: dict[str, bool] = {"x-sends-etag": True}


class PreconditionRequired(ProblemError):
    status = 428
    code = "if-match-required"
    title = "Send If-Match with the ETag as last read"
    title_fa = "سرآیند If-Match لازم است"

    def __init__(self) -> None:
        detail = "Updates need `If-Match` with the ETag as last read (GET it first)."
        super().__init__(detail, errors=[field_error("#/header/If-Match", detail, "missing")])


class PreconditionFailed(ProblemError):
    status = 412
    code = "etag-mismatch"
    title = "It changed since it was read"
    title_fa = "پس از خواندن تغییر کرده است"

    def __init__(self, current: str) -> None:
        detail = f"The ETag is now {current}: read it again and reapply the change."
        super().__init__(detail, errors=[field_error("#/header/If-Match", detail, "stale")])


def check_if_match(current: str, if_match: str | None) -> None:
    """``If-Match`` (a list of tags, weak ones compared as strong, or ``*``) must name ``current``."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired()
    offered = [tag.strip().removeprefix("W/") for tag in if_match.split(",")]
    if "*" not in offered and current not in offered:
        raise PreconditionFailed(current)
