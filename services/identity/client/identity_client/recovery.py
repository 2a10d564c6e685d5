"""Password recovery contract: by an SMS code to the registered mobile, or through My Government."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from identity_client.accounts import Password
from panjereh_contract.identifiers import DIGIT, NationalCode, normalise_digits

# The SMS code (4-8 digits, Persian and Arabic digits read as 0-9) or My Government's reset code.
RecoveryCode = Annotated[
    str, StringConstraints(pattern=f"^(?:{DIGIT}|[A-Za-z_-])" + "{4,64}$"), AfterValidator(normalise_digits)
]


class RecoveryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    national_code: NationalCode


class Recovery(BaseModel):
    """A password recovery in progress: set the new password at
    `POST /v1/password-recovery/{recovery_id}/reset` before `expires_at`."""

    recovery_id: uuid.UUID
    method: Literal["sms", "my-government"]
    expires_at: datetime
    reset_code: str | None = Field(
        default=None,
        description="Only from My Government's callback: the code to give to `reset` (once).",
    )


class RecoveryReset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: RecoveryCode = Field(
        description="The code sent by SMS (method `sms`) or the `reset_code` of My Government's callback."
    )
    password: Password = Field(description="The new password, under the registration's password policy.")
