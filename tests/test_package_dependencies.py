"""Every package declares what it imports.

For each package of the repository (contract, kit, each service, each client, the gateway),
every module's top-level imports that are neither the standard library nor the package itself
name a distribution its ``pyproject.toml`` lists (dependencies or an extra). A package that
works only because a sibling happens to pull a library in breaks the day the sibling drops it.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from fnmatch import fnmatch
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECTS = sorted(
    p
    for base in (ROOT / "services", ROOT / "gateway")
    for p in base.rglob("pyproject.toml")
    if not {".venv", "build"} & set(p.relative_to(ROOT).parts)
)


def _normalised(name: str) -> str:
    """A distribution name as PEP 503 compares them (``PyYAML`` == ``pyyaml``, ``a_b`` == ``a-b``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match, requirement
    return _normalised(match.group(1))


def _declared(project: dict) -> set[str]:
    requirements = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        requirements.extend(extra)
    return {_requirement_name(r) for r in requirements}


def _own_packages(pyproject: Path, config: dict) -> list[Path]:
    """The import packages the distribution ships: ``[tool.setuptools] packages`` or its
    ``packages.find`` ``include`` patterns (every package beside the pyproject by default)."""
    packages = config.get("tool", {}).get("setuptools", {}).get("packages", {"find": {}})
    include = packages if isinstance(packages, list) else packages.get("find", {}).get("include", ["*"])
    return [
        d
        for d in pyproject.parent.iterdir()
        if (d / "__init__.py").is_file() and d.name != "tests" and any(fnmatch(d.name, p) for p in include)
    ]


def _imports(module: Path) -> set[str]:
    """The top-level names ``module`` imports (absolute imports only)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"), filename=str(module))):
        if isinstance(node, ast.Import):
            names.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.partition(".")[0])
    return names


@cache
def _distributions() -> dict[str, set[str]]:
    return {name: {_normalised(d) for d in dists} for name, dists in packages_distributions().items()}


def test_every_package_is_found() -> None:
    names = {p.parent.relative_to(ROOT).as_posix() for p in PYPROJECTS}
    assert {
        "services/contract",
        "services/kit",
        "services/orders",
        "services/orders/client",
        "gateway",
    } <= names


@pytest.mark.parametrize("pyproject", PYPROJECTS, ids=lambda p: p.parent.relative_to(ROOT).as_posix())
def test_every_third_party_import_is_declared(pyproject: Path) -> None:
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    declared = _declared(config["project"])
    packages = _own_packages(pyproject, config)
    assert packages, f"{pyproject} ships no package"
    own = {p.name for p in packages}
    undeclared: dict[str, set[str]] = {}
    for package in packages:
        for module in package.rglob("*.py"):
            for name in _imports(module) - own - set(sys.stdlib_module_names) - {"__future__"}:
                dists = _distributions().get(name)
                if not dists or not dists & declared:
                    where = undeclared.setdefault(name, set())
                    where.add(module.relative_to(ROOT).as_posix())
    assert not undeclared, "\n".join(
        f"{name} ({' or '.join(sorted(_distributions().get(name, {'not installed'})))}) imported by "
        f"{', '.join(sorted(modules))}: declare it in {pyproject.relative_to(ROOT)}"
        for name, modules in sorted(undeclared.items())
    )
