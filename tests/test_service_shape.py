"""The house shape of a service's domain packages (services/README.md), read from the code (AST).

1. A ``repository.py`` holds the queries and knows nothing of the web: it imports neither
   fastapi nor starlette (a page is ``kit.pagination.fetch_page``; the api builds the link).
2. A ``service.py`` takes a typed context or plain values, never the web ``Request``: it neither
   imports ``Request`` from fastapi/starlette nor declares a parameter annotated ``Request``.
3. No product module reads or writes ``app.state.<name>``: a service's state is one typed
   object under ``kit.runtime.ATTRIBUTE``, reached only by ``getattr``/``setattr`` with that
   name in the few modules that own it.

Each check is a function of a directory, so the tests below also show it fails on a planted file.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from kit.registry import registry

ROOT = Path(__file__).resolve().parents[1]
WEB = {"fastapi", "starlette"}
SERVER_PACKAGES = [service.directory / service.package for service in registry()]
PRODUCT_PACKAGES = [*SERVER_PACKAGES, ROOT / "services" / "kit" / "kit", ROOT / "gateway" / "gateway"]
# The modules that own the typed state: only they touch ``app.state``, by ``ATTRIBUTE``.
STATE_OWNERS = frozenset(
    ROOT / path
    for path in (
        "services/kit/kit/runtime.py",
        "services/kit/kit/edge.py",
        "services/kit/kit/signatures.py",
        "gateway/gateway/state.py",
    )
)


def _modules(directory: Path, name: str = "*.py") -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(directory.rglob(name)):
        if not any(part.endswith(".egg-info") or part.startswith(".") for part in path.parts):
            yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _where(path: Path, node: ast.AST) -> str:
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    return f"{shown}:{getattr(node, 'lineno', 0)}"


def _imported(node: ast.AST) -> list[str]:
    """The modules an import statement names (absolute imports only)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module]
    return []


def repositories_importing_the_web(directory: Path) -> list[str]:
    """Every import of fastapi or starlette in a ``repository.py`` under ``directory``."""
    return [
        f"{_where(path, node)} imports {module}"
        for path, tree in _modules(directory, "repository.py")
        for node in ast.walk(tree)
        for module in _imported(node)
        if module.split(".")[0] in WEB
    ]


def _names_request(annotation: ast.expr | None) -> bool:
    if annotation is None:
        return False
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return False
    return any(
        (isinstance(n, ast.Name) and n.id == "Request")
        or (isinstance(n, ast.Attribute) and n.attr == "Request")
        for n in ast.walk(annotation)
    )


def services_taking_requests(directory: Path) -> list[str]:
    """Every import of the web ``Request`` and every parameter annotated ``Request`` in a
    ``service.py`` under ``directory``."""
    found = []
    for path, tree in _modules(directory, "service.py"):
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and (node.module or "").split(".")[0] in WEB
                and any(alias.name == "Request" for alias in node.names)
            ):
                found.append(f"{_where(path, node)} imports Request from {node.module}")
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                args = node.args
                for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
                    if arg is not None and _names_request(arg.annotation):
                        found.append(f"{_where(path, arg)} parameter {arg.arg!r} is a Request")
    return found


def _is_app(node: ast.expr) -> bool:
    """``app``, ``*_app``, ``x.app`` or ``x["app"]``: an application object."""
    if isinstance(node, ast.Name):
        return node.id == "app" or node.id.endswith("_app")
    if isinstance(node, ast.Attribute):
        return node.attr == "app"
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant) and node.slice.value == "app"
    return False


def _is_app_state(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "state" and _is_app(node.value)


def app_state_uses(directory: Path, owners: frozenset[Path] = STATE_OWNERS) -> list[str]:
    """Every use of an app's ``state`` under ``directory`` other than ``getattr``/``setattr``
    of ``ATTRIBUTE`` in one of ``owners``."""
    found = []
    for path, tree in _modules(directory):
        sanctioned: set[int] = set()
        if path in owners:
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in {"getattr", "setattr"}
                    and len(node.args) >= 2
                    and _is_app_state(node.args[0])
                    and isinstance(node.args[1], ast.Name)
                    and node.args[1].id == "ATTRIBUTE"
                ):
                    sanctioned.add(id(node.args[0]))
        for node in ast.walk(tree):
            if _is_app_state(node) and id(node) not in sanctioned:
                found.append(f"{_where(path, node)} uses {ast.unparse(node)} outside kit.runtime's ATTRIBUTE")
    return found


# ------------------------------------------------------------------ the product


def test_the_registry_names_server_packages() -> None:
    assert SERVER_PACKAGES
    assert all(package.is_dir() for package in SERVER_PACKAGES)


@pytest.mark.parametrize("package", SERVER_PACKAGES, ids=lambda p: p.name)
def test_no_repository_imports_the_web(package: Path) -> None:
    assert repositories_importing_the_web(package) == []


@pytest.mark.parametrize("package", SERVER_PACKAGES, ids=lambda p: p.name)
def test_no_service_takes_a_request(package: Path) -> None:
    assert services_taking_requests(package) == []


@pytest.mark.parametrize("package", PRODUCT_PACKAGES, ids=lambda p: p.name)
def test_app_state_only_through_the_runtime_attribute(package: Path) -> None:
    assert app_state_uses(package) == []


# ------------------------------------------------------------------ the checks can fail


def _plant(directory: Path, relative: str, text: str) -> Path:
    path = directory / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_repository_importing_fastapi_is_found(tmp_path: Path) -> None:
    _plant(tmp_path, "shop/items/repository.py", "from sqlalchemy import select\n")
    _plant(tmp_path, "shop/items/api.py", "from fastapi import Request\n")
    assert repositories_importing_the_web(tmp_path) == []
    _plant(tmp_path, "shop/items/repository.py", "import starlette.requests\nfrom fastapi import Request\n")
    assert len(repositories_importing_the_web(tmp_path)) == 2


def test_a_service_taking_a_request_is_found(tmp_path: Path) -> None:
    _plant(
        tmp_path,
        "shop/items/service.py",
        "from shop.models import ProductRequest\n"
        "def act(request: ProductRequest, links: object) -> None: ...\n",
    )
    assert services_taking_requests(tmp_path) == []
    _plant(tmp_path, "shop/items/service.py", "from starlette.requests import Request\n")
    _plant(
        tmp_path,
        "shop/other/service.py",
        "import fastapi\nasync def act(*, http: 'fastapi.Request') -> None: ...\n",
    )
    _plant(tmp_path, "shop/more/service.py", "def act(ctx, http: Request | None = None) -> None: ...\n")
    assert len(services_taking_requests(tmp_path)) == 3


def test_app_state_outside_the_runtime_attribute_is_found(tmp_path: Path) -> None:
    owner = _plant(
        tmp_path,
        "kit/runtime.py",
        "def of(app):\n    return getattr(app.state, ATTRIBUTE, None)\n"
        "def put(app, s):\n    setattr(app.state, ATTRIBUTE, s)\n",
    )
    _plant(tmp_path, "shop/api.py", "def who(request):\n    return request.state.principal, ctx.state.kek\n")
    assert app_state_uses(tmp_path, frozenset({owner})) == []
    assert len(app_state_uses(tmp_path, frozenset())) == 2  # the same calls, in a module that owns nothing
    _plant(
        tmp_path,
        "shop/api.py",
        "def who(request, app):\n"
        "    request.app.state.rules = 1\n"
        "    return app.state.settings, getattr(request.app.state, 'catalogue'), scope['app'].state.x\n",
    )
    assert len(app_state_uses(tmp_path, frozenset({owner}))) == 4
