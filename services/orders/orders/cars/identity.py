"""The caller's national code, from identity.

Access tokens name the party (``sub`` = ``user:<uuid>``) but not its national code; identity's
``GET /v1/me`` answers it to the person's own token. Orders forwards the caller's token there, so
an applicant cannot claim someone else's Mikhak case by typing their national code.
"""

from __future__ import annotations

import httpx
from panjereh_contract.client import ServiceCallError, ServiceClient

from kit.errors import Forbidden, Unauthenticated
from orders.cars.exceptions import PeerUnavailable


class IdentityMe(ServiceClient):
    async def national_code(self, authorization: str) -> str:
        """The national code of the person whose own token ``authorization`` carries."""
        try:
            response = await self._request("GET", "/v1/me", headers={"Authorization": authorization})
        except ServiceCallError as exc:
            if exc.status == 401:
                raise Unauthenticated("identity does not accept this token.") from exc
            if exc.status < 500:
                raise Forbidden("identity does not show this token's profile: use your own token.") from exc
            raise PeerUnavailable("identity") from exc
        except httpx.HTTPError as exc:
            raise PeerUnavailable("identity") from exc
        return str(response.json()["national_code"])
