"""Every event a service publishes is in the catalogue (panjereh_contract.event_types), and every
catalogued type is published somewhere: read from the code (AST).

A ``publish(session, table, topic, subject, payload, kind=...)`` call (``kit.outbox``) makes the
feed type ``<service>.<kind>.<topic after its first dot>`` (``kit.feed_api.event_type``). Its
topic and kind are string literals, a conditional between literals, a module constant, or a
parameter of the function around it (a helper such as orders' ``_event``): then the argument
at each call of that helper in the module is read the same way. Anything else cannot be checked
and fails the test: write the topic so it can be read.

The catalogue's helpers (``matches``, ``known_pattern``) are tested here too.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kit.feed_api import event_type
from kit.registry import registry
from panjereh_contract.event_types import EventData, event_types, known_pattern, matches

# Published by notifications on a subscriber's request (its own lane wires it).
NOT_FROM_AN_OUTBOX_SCAN = frozenset({"notifications.test.sent"})


class Unreadable(Exception):
    """A topic or kind the scan cannot resolve to literals."""


@dataclass(frozen=True)
class Published:
    type: str
    where: str


def _functions(tree: ast.Module) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _enclosing(tree: ast.Module, target: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    inner = None
    for function in _functions(tree):
        inside = any(node is target for node in ast.walk(function))
        if inside and (inner is None or any(node is function for node in ast.walk(inner))):
            inner = function
    return inner


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _argument(call: ast.Call, index: int, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return call.args[index] if index < len(call.args) else None


class Module:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.tree = ast.parse(path.read_text(), filename=str(path))
        self.constants: dict[str, ast.expr] = {}
        for node in self.tree.body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
            ):
                self.constants[node.targets[0].id] = node.value

    def values(self, node: ast.expr, depth: int = 0) -> set[str]:
        """Every string ``node`` may be, or ``Unreadable``."""
        if depth > 5:
            raise Unreadable("too deep")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.IfExp):
            return self.values(node.body, depth) | self.values(node.orelse, depth)
        if isinstance(node, ast.Name):
            function = _enclosing(self.tree, node)
            if function is not None:
                parameters = [a.arg for a in [*function.args.posonlyargs, *function.args.args]]
                kwonly = [a.arg for a in function.args.kwonlyargs]
                if node.id in parameters or node.id in kwonly:
                    index = parameters.index(node.id) if node.id in parameters else 10**6
                    return self._from_callers(function.name, index, node.id, depth)
            if node.id in self.constants:
                return self.values(self.constants[node.id], depth + 1)
        raise Unreadable(f"{self.path}:{node.lineno}: {ast.unparse(node)}")

    def _from_callers(self, function: str, index: int, name: str, depth: int) -> set[str]:
        found: set[str] = set()
        calls = [n for n in ast.walk(self.tree) if isinstance(n, ast.Call) and _called_name(n) == function]
        if not calls:
            raise Unreadable(f"{self.path}: {function} is never called in its module")
        for call in calls:
            argument = _argument(call, index, name)
            if argument is None:
                raise Unreadable(f"{self.path}:{call.lineno}: {function}(...) without {name}")
            found |= self.values(argument, depth + 1)
        return found

    def imports_publish(self) -> bool:
        return any(
            isinstance(node, ast.ImportFrom)
            and node.module == "kit.outbox"
            and any(alias.name == "publish" for alias in node.names)
            for node in ast.walk(self.tree)
        )

    def published(self, service: str) -> Iterator[Published]:
        if not self.imports_publish():
            return
        for call in ast.walk(self.tree):
            if not (isinstance(call, ast.Call) and _called_name(call) == "publish"):
                continue
            topic = _argument(call, 2, "topic")
            if topic is None:
                raise Unreadable(f"{self.path}:{call.lineno}: publish(...) without a topic")
            topics = self.values(topic)
            kind = _argument(call, 99, "kind")
            for one, kind_value in itertools.product(
                sorted(topics), sorted(self.values(kind)) if kind is not None else [None]
            ):
                kind_of = kind_value or one.split(".", 1)[0]
                yield Published(event_type(service, kind_of, one), f"{self.path.name}:{call.lineno}")


def published_in(directory: Path, service: str) -> list[Published]:
    return [p for path in sorted(directory.rglob("*.py")) for p in Module(path).published(service)]


def _everything() -> list[Published]:
    return [
        p for service in registry() for p in published_in(service.directory / service.package, service.name)
    ]


def test_every_published_event_is_catalogued() -> None:
    published = _everything()
    assert published, "the scan found no publish() call at all"
    unknown = sorted({(p.type, p.where) for p in published if p.type not in event_types()})
    assert not unknown, f"published but not in panjereh_contract.event_types: {unknown}"


def test_every_catalogued_type_is_published_somewhere() -> None:
    published = {p.type for p in _everything()}
    missing = sorted(set(event_types()) - published - NOT_FROM_AN_OUTBOX_SCAN)
    assert not missing, f"catalogued but published nowhere: {missing}"


def test_the_issue_s_events_are_catalogued() -> None:
    required = {
        *(
            f"identity.representation.{what}"
            for what in ("granted", "accepted", "rejected", "revoked", "expired")
        ),
        *(
            f"orders.order-file.{what}"
            for what in ("submitted", "approved", "rejected", "extended", "expired", "cancelled")
        ),
        "orders.product.issued",
        "orders.product-request.rejected",
        "notifications.test.sent",
    }
    assert required <= set(event_types())
    for entry in event_types().values():
        assert issubclass(entry.data, EventData)
        assert entry.summary.endswith(".")
        assert entry.type.count(".") == 2


# ------------------------------------------------------------------ the scan itself can fail


def test_the_scan_reads_helpers_constants_and_conditionals(tmp_path: Path) -> None:
    (tmp_path / "service.py").write_text(
        "from kit.outbox import publish\n"
        'KIND = "widget"\n'
        "async def _event(session, topic, thing):\n"
        "    await publish(session, table, topic, thing, {}, kind=KIND)\n"
        "async def make(session, ok):\n"
        '    await _event(session, "widget.made" if ok else "widget.failed", 1)\n'
        "async def drop(session):\n"
        '    await publish(session, table, "gadget.dropped", "g", {})\n'
    )
    assert sorted(p.type for p in published_in(tmp_path, "shop")) == [
        "shop.gadget.dropped",
        "shop.widget.failed",
        "shop.widget.made",
    ]


def test_a_topic_the_scan_cannot_read_fails(tmp_path: Path) -> None:
    (tmp_path / "service.py").write_text(
        "from kit.outbox import publish\n"
        "async def make(session, what):\n"
        '    await publish(session, table, f"widget.{what}", "w", {})\n'
        "async def caller(session):\n"
        "    await make(session, compute())\n"
    )
    with pytest.raises(Unreadable):
        published_in(tmp_path, "shop")


# ------------------------------------------------------------------ subscription patterns


@pytest.mark.parametrize(
    ("pattern", "type_", "expected"),
    [
        ("orders.order-file.approved", "orders.order-file.approved", True),
        ("orders.order-file.approved", "orders.order-file.rejected", False),
        ("orders.*", "orders.order-file.approved", True),
        ("orders.*", "identity.representation.revoked", False),
        ("orders.order-file.*", "orders.order-file.approved", True),
        ("orders.order-file.*", "orders.product.issued", False),
        ("orders.order.*", "orders.order-file.approved", False),
        ("*", "identity.representation.revoked", True),
        ("orders*", "orders.order-file.approved", False),
        ("*.order-file.approved", "orders.order-file.approved", False),
        ("orders.*.approved", "orders.order-file.approved", False),
        (".*", "orders.order-file.approved", False),
    ],
)
def test_patterns_match_exact_service_and_kind_wildcards(pattern: str, type_: str, expected: bool) -> None:
    assert matches(pattern, type_) is expected


def test_known_patterns_name_at_least_one_catalogued_type() -> None:
    assert known_pattern("*")
    assert known_pattern("identity.*")
    assert known_pattern("orders.order-file.*")
    assert known_pattern("orders.product.issued")
    assert not known_pattern("orders.order-file.approve")
    assert not known_pattern("nobody.*")
    assert not known_pattern("orders.nothing.*")
    assert not known_pattern("orders.*.approved")
