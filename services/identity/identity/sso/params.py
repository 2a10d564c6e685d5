"""What My Government sends back to a callback, and what a callback can answer: one
definition for the login and the password-recovery callbacks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from identity.adapters.exceptions import OwnershipInquiryUnavailable
from identity.login.exceptions import AccountNotActive
from identity.sso.exceptions import (
    SsoAccountNotFound,
    SsoCodeRefused,
    SsoDenied,
    SsoIdTokenInvalid,
    SsoMobileNotOwned,
    SsoNotConfigured,
    SsoProviderUnavailable,
    SsoStateExpired,
    SsoStateUnknown,
    SsoStateUsed,
)
from kit.errors import problem_responses

SsoRedirectUri = Annotated[
    str | None,
    Query(
        max_length=500,
        description="Where My Government sends the browser back with `code` and `state`: "
        "identity's own callback of this flow (the default) or a page registered in "
        "`IDENTITY_SSO_REDIRECT_URIS` that passes them on to it.",
    ),
]
SsoState = Annotated[str, Query(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="From `start`.")]
# `+` with max_length rather than a counted repetition: engines such as RE2 refuse counts over 1,000.
SsoCode = Annotated[
    str | None, Query(pattern=r"^[\x21-\x7e]+$", max_length=2000, description="From My Government.")
]
SsoError = Annotated[
    str | None, Query(max_length=100, description="My Government's error, if the login failed.")
]

CALLBACK_RESPONSES: dict[int | str, dict[str, Any]] = problem_responses(
    422,
    SsoCodeRefused,
    SsoDenied,
    SsoIdTokenInvalid,
    AccountNotActive,
    SsoMobileNotOwned,
    SsoAccountNotFound,
    SsoNotConfigured,
    SsoStateUnknown,
    SsoStateUsed,
    SsoStateExpired,
    SsoProviderUnavailable,
    OwnershipInquiryUnavailable,
    described={502: "My Government unreachable", 503: "Ownership inquiry unavailable"},
)
