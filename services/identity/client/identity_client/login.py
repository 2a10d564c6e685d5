"""Login contract: password, second factor (SMS or TOTP), "My Government" SSO, logout."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from panjereh_contract.identifiers import DIGIT, NationalCode, normalise_digits

# 4 to 8 digits (Persian and Arabic digits accepted, returned as 0-9).
CodeText = Annotated[str, StringConstraints(pattern=f"^{DIGIT}{{4,8}}$"), AfterValidator(normalise_digits)]
PasswordText = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class LoginRequest(BaseModel):
    """National code and password."""

    model_config = ConfigDict(extra="forbid")

    national_code: NationalCode
    password: PasswordText = Field(description="The account's password.")


class LoginChallenge(BaseModel):
    """The password was right and a second factor is due: send the code to
    `POST /v1/login/{challenge_id}/verify` before `expires_at`."""

    challenge_id: uuid.UUID
    method: Literal["sms", "totp"] = Field(
        description="`sms`: a code was sent to the account's mobile; `totp`: a code from the authenticator app."
    )
    expires_at: datetime


class LoginVerify(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: CodeText = Field(description="The SMS code (4 digits) or the TOTP code (6 digits).")


class TwoFactorStatus(BaseModel):
    """The second factor asked at every password login."""

    method: Literal["none", "sms", "totp"]


class PasswordConfirm(BaseModel):
    """The current password, asked again before the second factor changes."""

    model_config = ConfigDict(extra="forbid")

    password: PasswordText = Field(description="The account's current password.")


class TotpEnrolment(BaseModel):
    """A new TOTP secret, pending until confirmed with a code from the app."""

    secret: str = Field(description="Base32 secret, for typing into the app by hand.")
    otpauth_uri: str = Field(description="`otpauth://totp/...` URI to show as a QR code.")
    issuer: str
    account_name: str = Field(description="The national code, masked.")
    digits: int = 6
    period: int = Field(default=30, description="Seconds per code.")


class SecondFactorCodeConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: CodeText = Field(description="The code from the SMS or the authenticator app.")


class SmsCodeSent(BaseModel):
    """A code was sent to the account's mobile."""

    mobile: str = Field(description="The number it went to, masked.", examples=["0912***4567"])
    expires_at: datetime


class TwoFactorDisable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: PasswordText
    code: CodeText = Field(
        description="A code of the current method: from the app (TOTP) or from "
        "`POST /v1/me/two-factor/sms` (SMS)."
    )


class SsoStart(BaseModel):
    """Send the user's browser to `authorization_url`. After logging in at My
    Government, the browser comes back to the redirect URI with `code` and `state`."""

    authorization_url: str
    state: str
    expires_at: datetime
