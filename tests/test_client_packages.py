"""The client packages install and import on their own: in a fresh virtualenv holding only
panjereh-contract and the ``*_client`` packages (built from their folders, not editable), every
module of every client imports, and no server library (FastAPI, SQLAlchemy, asyncpg, alembic,
kit) is installed or imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = sorted(p.parent for p in (ROOT / "services").glob("*/client/pyproject.toml"))
SERVER_ONLY = ("fastapi", "starlette", "sqlalchemy", "asyncpg", "alembic", "kit")

# Run inside the fresh virtualenv: import every module of each client package.
IMPORT_ALL = """
import importlib, importlib.util, json, pkgutil, sys
imported = []
for name in sys.argv[1:]:
    package = importlib.import_module(name)
    imported.append(name)
    for module in pkgutil.walk_packages(package.__path__, name + "."):
        importlib.import_module(module.name)
        imported.append(module.name)
print(json.dumps({
    "imported": imported,
    "loaded": sorted({m.partition(".")[0] for m in sys.modules}),
    "installed": {n: importlib.util.find_spec(n) is not None for n in SERVER_ONLY},
}))
"""


def _extras(client: Path) -> str:
    """``[mock]``-style extras of the client, so that every module (the respx mock too) imports."""
    project = tomllib.loads((client / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = sorted(project.get("optional-dependencies", {}))
    return f"[{','.join(extras)}]" if extras else ""


def _import_names(client: Path) -> list[str]:
    return sorted(
        d.name for d in client.iterdir() if d.name.endswith("_client") and (d / "__init__.py").exists()
    )


@pytest.mark.timeout(180)
def test_client_packages_install_and_import_without_the_server(tmp_path: Path) -> None:
    assert len(CLIENTS) >= 5, CLIENTS
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    packages = [str(ROOT / "services" / "contract")] + [f"{client}{_extras(client)}" for client in CLIENTS]
    pip = [
        python,
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "-q",
        "-c",
        str(ROOT / "constraints.txt"),
    ]
    # One build backend for the six local packages instead of an isolated one each: far quicker.
    subprocess.run([*pip, "setuptools>=68"], check=True, env=env, cwd=tmp_path)
    subprocess.run([*pip, "--no-build-isolation", *packages], check=True, env=env, cwd=tmp_path)
    names = [name for client in CLIENTS for name in _import_names(client)]
    script = f"SERVER_ONLY = {SERVER_ONLY!r}\n{IMPORT_ALL}"
    result = subprocess.run(
        [python, "-c", script, *names], check=True, env=env, cwd=tmp_path, capture_output=True, text=True
    )
    report = json.loads(result.stdout)
    assert set(names) <= set(report["imported"])
    assert {"identity_client.mock", "orders_client.files"} <= set(report["imported"])
    assert not set(SERVER_ONLY) & set(report["loaded"]), report["loaded"]
    assert not any(report["installed"].values()), report["installed"]
