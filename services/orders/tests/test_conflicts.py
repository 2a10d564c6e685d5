"""orders.conflicts without a live identity: each tie refuses, and an identity that cannot
answer stops the decision (503 or 401/403), never lets it through."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from kit.auth import Principal
from kit.errors import Forbidden, Unauthenticated
from kit.runtime import ATTRIBUTE
from kit.settings import ServiceSettings
from orders.cars.exceptions import PeerUnavailable
from orders.conflicts import ConflictOfInterest, ensure_independent

OFFICER = "user:00000000-0000-4000-8000-000000000001"
OWNER = "user:00000000-0000-4000-8000-000000000002"
AGENCY = "legal:00000000-0000-4000-8000-000000000003"


def _request(answer: Any) -> tuple[Any, list[str]]:
    """A request whose app asks a fake identity; ``answer(subject)`` is its response."""
    asked: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer officer"
        subject = request.url.path.rsplit("/", 1)[1]
        asked.append(subject)
        return answer(subject)

    runtime = SimpleNamespace(
        settings=ServiceSettings(service_urls={"identity": "http://identity"}),
        http=httpx.AsyncClient(transport=httpx.MockTransport(handle)),
    )
    state = SimpleNamespace(**{ATTRIBUTE: SimpleNamespace(runtime=runtime)})
    return SimpleNamespace(
        app=SimpleNamespace(state=state), headers={"Authorization": "Bearer officer"}
    ), asked


def _ties(**ties: list[str]) -> Any:
    return lambda subject: httpx.Response(200, json={"subject": subject, "relations": ties.get(subject, [])})


ME = Principal(subject=OFFICER, roles=frozenset({"officer"}))


async def test_an_unrelated_officer_passes_after_asking_about_the_owner() -> None:
    request, asked = _request(_ties())
    await ensure_independent(request, ME, owner=OWNER, made_by=["user:someone"], signed_by="user:someone")
    assert asked == [OWNER]


@pytest.mark.parametrize(
    ("kwargs", "ties"),
    [
        ({"owner": OFFICER}, {}),
        ({"owner": OWNER, "made_by": [OFFICER]}, {}),
        ({"owner": OWNER, "signed_by": OFFICER}, {}),
        ({"owner": OWNER}, {OWNER: ["representative"]}),
        ({"owner": AGENCY}, {AGENCY: ["manager"]}),
        ({"owner": OWNER, "made_by": [AGENCY]}, {AGENCY: ["manager"]}),
        ({"owner": OWNER, "signed_by": AGENCY}, {AGENCY: ["manager"]}),
    ],
)
async def test_each_tie_refuses(kwargs: dict[str, Any], ties: dict[str, list[str]]) -> None:
    request, _ = _request(_ties(**ties))
    with pytest.raises(ConflictOfInterest) as refused:
        await ensure_independent(request, ME, **kwargs)
    assert refused.value.status == 403
    assert refused.value.code == "conflict-of-interest"


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (lambda _: httpx.Response(503, json={}), PeerUnavailable),
        (lambda _: httpx.Response(401, json={}), Unauthenticated),
        (lambda _: httpx.Response(403, json={}), Forbidden),
    ],
)
async def test_no_answer_from_identity_decides_nothing(answer: Any, error: type[Exception]) -> None:
    request, _ = _request(answer)
    with pytest.raises(error):
        await ensure_independent(request, ME, owner=OWNER)


async def test_identity_unreachable_is_503() -> None:
    def down(_: str) -> httpx.Response:
        raise httpx.ConnectError("refused")

    request, _ = _request(down)
    with pytest.raises(PeerUnavailable):
        await ensure_independent(request, ME, owner=OWNER)
