"""Failures of machine clients."""

from __future__ import annotations

from kit.errors import NotFound, ProblemError


class ClientNotFound(NotFound):
    code = "client-not-found"
    title = "Machine client not found"


class ClientDisabled(ProblemError):
    status = 409
    code = "client-disabled"
    title = "The machine client is disabled"
    title_fa = "کلاینت غیرفعال است"
