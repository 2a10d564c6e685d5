"""The layout's import rules (docs in ARCHITECTURE "Layout"), for tests as much as for products.

- Under ``services/<name>/`` (product, client, tests and test support) nothing imports
  another service's server package: a service reaches another through its ``*_client``
  package, and its tests through that service's test support (``<name>_testing``).
  ``kit`` is shared; the gateway's product package imports no server package either.
- No product package holds test support: no ``testing`` or ``*_testing`` module, and no
  import of a ``*_testing`` package. Test support lives in ``services/<name>/tests/support``.

Cross-service folders (the root ``tests/``, ``bench/``, ``gateway/tests``, the root
conftest) start every service and may import any server package.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVICES_DIR = ROOT / "services"
SHARED = "kit"
# A service is a folder of services/ holding a package of its own name.
SERVICES = sorted(
    d.name for d in SERVICES_DIR.iterdir() if (d / d.name / "__init__.py").is_file() and d.name != SHARED
)
PRODUCT_PACKAGES = [
    *(SERVICES_DIR / name / name for name in [SHARED, *SERVICES]),
    *sorted(SERVICES_DIR.glob("*/client/*_client")),
    ROOT / "gateway" / "gateway",
]


def _python_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*.py")):
        if not any(part.endswith(".egg-info") or part.startswith(".") for part in path.parts):
            yield path


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """``(line, module)`` of every absolute import in ``path``, at any depth of the code."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{line}"


def _foreign_server_imports(folder: Path, own: str) -> list[str]:
    return [
        f"{_where(path, line)} imports {module}"
        for path in _python_files(folder)
        for line, module in _imports(path)
        if module.split(".")[0] in SERVICES and module.split(".")[0] != own
    ]


def test_the_services_are_found() -> None:
    assert {"identity", "orders", "rules"} <= set(SERVICES)
    assert all(package.is_dir() for package in PRODUCT_PACKAGES)


@pytest.mark.parametrize("name", [SHARED, *SERVICES])
def test_a_service_imports_no_other_services_server_package(name: str) -> None:
    found = _foreign_server_imports(SERVICES_DIR / name, own=name)
    assert not found, "use the other service's *_client or <name>_testing package:\n" + "\n".join(found)


def test_the_gateway_package_imports_no_server_package() -> None:
    found = _foreign_server_imports(ROOT / "gateway" / "gateway", own="gateway")
    assert not found, "the gateway reaches services over HTTP:\n" + "\n".join(found)


@pytest.mark.parametrize("package", PRODUCT_PACKAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_product_package_holds_no_test_support(package: Path) -> None:
    def is_support(name: str) -> bool:
        return name == "testing" or name.endswith("_testing")

    found = [
        f"{path.relative_to(ROOT)} is test support"
        for path in _python_files(package)
        if is_support(path.stem) or any(is_support(part) for part in path.relative_to(package).parts[:-1])
    ]
    found += [
        f"{_where(path, line)} imports {module}"
        for path in _python_files(package)
        for line, module in _imports(path)
        if is_support(module.split(".")[0])
    ]
    assert not found, "test support belongs in services/<name>/tests/support:\n" + "\n".join(found)


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    """The walk itself works: a planted import of another server package is reported."""
    planted = tmp_path / "tests" / "test_planted.py"
    planted.parent.mkdir()
    planted.write_text(
        "import orders\n\n\ndef f():\n    from identity.models import Party\n", encoding="utf-8"
    )
    assert _foreign_server_imports(tmp_path, own="orders") == [f"{planted}:5 imports identity.models"]
