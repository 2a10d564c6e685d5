"""Every endpoint lists the problem ``code``s it can answer, and the lists hold.

Each documented refusal status carries ``x-problem-codes`` (code -> title). What a
route's code can raise (``problem_codes.route_refusals``, read from the source) must
be documented under its status, and nothing else (kit's common refusals and what the
reading cannot see aside); every documented code must be some ``ProblemError``'s;
every ``ProblemError`` must be documented somewhere.
"""

from __future__ import annotations

import importlib
import re
from functools import cache
from typing import Any

import pytest
from fastapi import FastAPI
from identity_client.representations import SCOPES_BY_ROLE

from kit.access_levels import ROLE_SCOPES
from kit.errors import (
    CODES_KEY,
    COMMON_422,
    REFUSALS_MARKDOWN,
    Forbidden,
    NotFound,
    ProblemError,
    Unauthenticated,
    merge_problem_responses,
    problem_responses,
)
from kit.idempotency import IdempotencyKeyInvalid, IdempotencyKeyReused, IdempotencyRequestInFlight
from kit.signatures import SIGNATURE_RESPONSES
from panjereh_contract.access_levels import AccessLevel
from tests.problem_codes import problem_classes, route_refusals

SERVICES = ("identity", "orders", "rules")
METHODS = {"get", "put", "post", "patch", "delete"}
IDEMPOTENCY = (IdempotencyKeyInvalid, IdempotencyKeyReused, IdempotencyRequestInFlight)
# Codes no route of these services answers: the base class's own, and the refusals of
# the My Government stand-in (a test double served only in the sandbox).
UNDOCUMENTED = {"bad-request", "oauth-error", "sandbox-sso-authorize-refused"}


@cache
def app(name: str) -> FastAPI:
    return importlib.import_module(f"{name}.main").create_app()


@cache
def document(name: str) -> dict[str, Any]:
    return app(name).openapi()


def operations(name: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document(name)["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_problem_responses_group_classes_by_status() -> None:
    class Taken(ProblemError):
        status = 409
        code = "name-taken"
        title = "The name is taken"

    responses = problem_responses(401, Taken, NotFound, Forbidden)
    assert set(responses) == {401, 403, 404, 409}
    assert CODES_KEY not in responses[401]
    assert responses[409][CODES_KEY] == {"name-taken": "The name is taken"}
    assert "| `name-taken` | The name is taken |" in responses[409]["description"]
    merged = merge_problem_responses(responses, problem_responses(Unauthenticated, Taken, NotFound))
    assert merged[404][CODES_KEY] == {"not-found": NotFound.title}
    assert merged[401][CODES_KEY] == {"unauthenticated": Unauthenticated.title}
    assert merged[409]["description"].count("name-taken") == 1


@pytest.mark.parametrize("name", SERVICES)
def test_every_refusal_lists_its_codes(name: str) -> None:
    missing = [
        f"{method.upper()} {path} {status}"
        for method, path, operation in operations(name)
        for status in ("403", "409", "422")
        if status in operation["responses"] and not operation["responses"][status].get(CODES_KEY)
    ]
    assert not missing, f"refusals documented without their codes: {missing}"


@pytest.mark.parametrize("name", SERVICES)
def test_every_422_lists_the_validation_codes(name: str) -> None:
    common = {cls.code for cls in COMMON_422}
    lacking = [
        f"{method.upper()} {path}"
        for method, path, operation in operations(name)
        if "422" in operation["responses"] and not common <= set(operation["responses"]["422"][CODES_KEY])
    ]
    assert not lacking


@pytest.mark.parametrize("name", SERVICES)
def test_documented_codes_cover_what_the_code_raises(name: str) -> None:
    """A refusal a route's code can raise is documented under its status (the generic
    401 of authentication aside: its description names both its codes)."""
    documented = {(method, path): operation["responses"] for method, path, operation in operations(name)}
    undocumented: list[str] = []
    for (method, path), classes in route_refusals(app(name)).items():
        responses = documented[(method, path)]
        for cls in classes:
            if issubclass(cls, Unauthenticated):
                assert "401" in responses, f"{method.upper()} {path} does not document 401"
                continue
            codes = responses.get(str(cls.status), {}).get(CODES_KEY, {})
            if cls.code not in codes:
                undocumented.append(f"{method.upper()} {path}: {cls.status} {cls.code} ({cls.__name__})")
    assert not undocumented, "raised but not documented:\n" + "\n".join(sorted(undocumented))


# Documented beyond what the reading of the source finds (code -> the paths it may be on), and why.
NOT_SEEN_BY_READING = {
    # Raised by the adapters a service's state holds (its SMS sender...), chosen at start-up.
    "sms-unavailable": "/v1/",
    "ownership-inquiry-unavailable": "/v1/",
    "company-registry-unavailable": "/v1/",
    # Documented on every calculation, registered in one loop: each checks its inputs as it needs.
    "calculation-input-invalid": "/v1/calculations/",
}


@pytest.mark.parametrize("name", SERVICES)
def test_documented_codes_are_what_the_code_raises(name: str) -> None:
    """No route documents a code its code cannot answer (the common refusals kit adds, and
    those the reading cannot see, aside)."""
    kit_added = {cls.code for cls in (*COMMON_422, *IDEMPOTENCY)} | {
        code for response in SIGNATURE_RESPONSES.values() for code in response[CODES_KEY]
    }
    documented = {(method, path): operation["responses"] for method, path, operation in operations(name)}
    extra: list[str] = []
    for (method, path), classes in route_refusals(app(name)).items():
        raised = {(cls.status, cls.code) for cls in classes}
        for status, response in documented[(method, path)].items():
            for code in response.get(CODES_KEY, {}):
                unseen = path.startswith(NOT_SEEN_BY_READING.get(code, "\0"))
                if (int(status), code) not in raised and code not in kit_added and not unseen:
                    extra.append(f"{method.upper()} {path}: {status} {code}")
    assert not extra, "documented but never raised:\n" + "\n".join(sorted(extra))


def _documented_codes() -> dict[str, set[int]]:
    codes: dict[str, set[int]] = {}
    for name in SERVICES:
        for _, _, operation in operations(name):
            for status, response in operation["responses"].items():
                for code in response.get(CODES_KEY, {}):
                    codes.setdefault(code, set()).add(int(status))
    return codes


def test_every_documented_code_is_a_problem_class() -> None:
    for name in SERVICES:
        app(name)
    known = {(cls.code, cls.status) for cls in problem_classes()}
    unknown = sorted(
        f"{status} {code}"
        for code, statuses in _documented_codes().items()
        for status in statuses
        if (code, status) not in known
    )
    assert not unknown, f"documented codes no ProblemError answers: {unknown}"


def test_every_problem_class_is_documented_on_a_route() -> None:
    for name in SERVICES:
        app(name)
    documented = _documented_codes()
    ours = [cls for cls in problem_classes() if cls.__module__.split(".")[0] in ("kit", *SERVICES)]
    never = sorted(
        f"{cls.__module__}.{cls.__name__} ({cls.status} {cls.code})"
        for cls in ours
        if cls.code not in documented
        and cls.code not in UNDOCUMENTED
        and not issubclass(cls, Unauthenticated)
    )
    assert not never, "refusals no route documents:\n" + "\n".join(never)


# ``Enum.MEMBER``, ``A_CONSTANT`` (settings' environment variables aside), ``a_function()``.
PYTHON_NAME = re.compile(
    r"\b[A-Z][A-Za-z]+\.[A-Z][A-Z_]+\b|\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b|\b[a-z]+_[a-z_]+\(\)"
)
ENVIRONMENT = re.compile(r"^(PANJEREH|IDENTITY|ORDERS|RULES)_")


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [
            text
            for key, value in node.items()
            for text in (
                [value] if key in ("description", "summary") and isinstance(value, str) else _texts(value)
            )
        ]
    if isinstance(node, list):
        return [text for value in node for text in _texts(value)]
    return []


@pytest.mark.parametrize("name", SERVICES)
def test_descriptions_speak_to_clients_not_in_python_names(name: str) -> None:
    names = {
        match
        for text in _texts(document(name))
        for match in PYTHON_NAME.findall(text)
        if not ENVIRONMENT.match(match)
    }
    assert not names, f"Python names in {name}'s descriptions: {sorted(names)}"


@pytest.mark.parametrize("name", SERVICES)
def test_the_description_states_the_order_of_checks(name: str) -> None:
    assert REFUSALS_MARKDOWN in document(name)["info"]["description"]


@pytest.mark.parametrize("name", ["identity", "orders"])
def test_the_description_tables_access_levels_and_scopes_by_role(name: str) -> None:
    description = document(name)["info"]["description"]
    for level in AccessLevel:
        assert f"| `{level}` |" in description
    for role, scopes in ROLE_SCOPES.items():
        row = next(line for line in description.splitlines() if line.startswith(f"| `{role}` |"))
        assert all(f"`{scope}`" in row.split("|")[2] for scope in scopes), row


def test_the_scopes_field_names_what_each_role_may_grant() -> None:
    """The words on a grant's `scopes` and the rule access checks apply are one list."""
    for role, text in SCOPES_BY_ROLE.items():
        assert set(re.findall(r"`\[?\"?([a-z-]+)\"?\]?`", text)) == ROLE_SCOPES[role], role
