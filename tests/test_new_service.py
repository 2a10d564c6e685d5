"""``make new-service`` (deploy/new_service.py) writes a service that runs, migrates, shows in
the merged document and passes its own tests, and the registry's readers agree with it.

It runs into a scratch checkout: a ``services.toml`` holding the token service alone (its
folder linked from this checkout), copies of the README, the Kubernetes tree, the root
conftest and pyproject; the generated services' tests run there in a subprocess on the
test server, in a fresh database.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kit.registry import FILE_VARIABLE, load, registry

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "deploy" / "new_service.py"
EXAMPLE, BARE = "scratch", "bare"


def _token_service_table() -> str:
    token = registry().token_service
    return (
        f"[services.{token.name}]\nport = {token.port}\nprefix = {json.dumps(token.prefix)}\n"
        f"package = {json.dumps(token.package)}\nclient = {json.dumps(token.client)}\ncalls = []\n"
        f"description = {json.dumps(token.description)}\ntoken_path = {json.dumps(token.token_path)}\n"
    )


def _generate(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(GENERATOR), *args, "--root", str(root)], capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("checkout")
    (root / "services.toml").write_text(_token_service_table())
    for name in ("README.md", "conftest.py", "pyproject.toml"):
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "deploy" / "kubernetes", root / "deploy" / "kubernetes")
    (root / "services").mkdir()
    token = registry().token_service
    (root / "services" / token.name).symlink_to(token.directory)
    (root / "services" / "kit").symlink_to(ROOT / "services" / "kit")  # first-party for ruff
    for args in (
        (EXAMPLE, "--port", "8099", "--description", "a scratch service"),
        (BARE, "--port", "8098", "--prefix", "/bare-bones", "--description", "nothing yet", "--no-example"),
    ):
        done = _generate(root, *args)
        assert done.returncode == 0, done.stderr
    return root


def _environ(root: Path) -> dict[str, str]:
    paths = [root / "services" / n / d for n in (EXAMPLE, BARE) for d in ("", "client", "tests/support")]
    return {
        **os.environ,
        FILE_VARIABLE: str(root / "services.toml"),
        "PYTHONPATH": os.pathsep.join(str(p) for p in paths),
    }


def test_the_declaration_and_the_folders_are_written(checkout: Path) -> None:
    reg = load(checkout / "services.toml")
    assert reg.names == (registry().token_service.name, EXAMPLE, BARE)
    assert (reg[EXAMPLE].port, reg[EXAMPLE].prefix, reg[EXAMPLE].client) == (
        8099,
        "/scratch",
        "scratch_client",
    )
    assert reg[BARE].prefix == "/bare-bones"
    for name in (EXAMPLE, BARE):
        folder = checkout / "services" / name
        for part in (
            "pyproject.toml",
            "alembic.ini",
            "migrations/env.py",
            "migrations/script.py.mako",
            "migrations/versions/0001_initial.py",
            f"{name}/main.py",
            f"{name}/config.py",
            f"{name}/state.py",
            f"{name}/db.py",
            f"{name}/models.py",
            "client/pyproject.toml",
            f"client/{name}_client/__init__.py",
            "tests/conftest.py",
            "tests/test_operations.py",
            "tests/support/pyproject.toml",
            f"tests/support/{name}_testing/app.py",
        ):
            assert (folder / part).is_file(), f"{name}: {part}"
    domain = checkout / "services" / EXAMPLE / EXAMPLE / "notes"
    assert sorted(p.name for p in domain.glob("*.py")) == [
        "__init__.py",
        "api.py",
        "exceptions.py",
        "models.py",
        "repository.py",
        "service.py",
        "views.py",
    ]
    assert not (checkout / "services" / BARE / BARE / "notes").exists()
    assert not list((checkout / "services").rglob("*.tmpl"))


def test_the_files_derived_from_the_registry_follow(checkout: Path) -> None:
    kubernetes = checkout / "deploy" / "kubernetes"
    check = subprocess.run(
        [sys.executable, str(kubernetes / "render.py"), "--check"],
        env=_environ(checkout),
        capture_output=True,
    )
    assert check.returncode == 0, check.stdout
    overlay = yaml.safe_load((kubernetes / "overlays" / "production" / "kustomization.yaml").read_text())
    assert {f"panjereh-{EXAMPLE}", f"panjereh-{BARE}"} <= {image["name"] for image in overlay["images"]}
    readme = (checkout / "README.md").read_text()
    assert f"| {EXAMPLE} | http://127.0.0.1:8099 | `/scratch/...` |" in readme
    assert f"| {BARE} | http://127.0.0.1:8098 | `/bare-bones/...` |" in readme


def test_a_taken_name_or_port_is_refused_and_nothing_written(checkout: Path) -> None:
    before = (checkout / "services.toml").read_text()
    taken_port = _generate(checkout, "other", "--port", "8099", "--description", "x")
    assert taken_port.returncode == 1
    assert "share a port" in taken_port.stderr
    assert not (checkout / "services" / "other").exists()
    assert _generate(checkout, EXAMPLE, "--port", "8097", "--description", "x").returncode == 1
    assert (checkout / "services.toml").read_text() == before


def test_the_generated_code_is_lint_clean(checkout: Path) -> None:
    for command in (["check"], ["format", "--check"]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--no-cache", "services/scratch", "services/bare"],
            cwd=checkout,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_the_services_show_in_the_merged_document(checkout: Path) -> None:
    out = checkout / "openapi"
    subprocess.run(
        [sys.executable, str(ROOT / "openapi" / "export.py"), str(out)],
        env=_environ(checkout),
        capture_output=True,
        check=True,
    )
    paths = json.loads((out / "panjereh.json").read_text())["paths"]
    assert {"/scratch/v1/notes", "/scratch/v1/notes/{note_id}"} <= set(paths)
    assert (out / f"{BARE}.json").is_file()


def test_the_generated_services_migrate_and_pass_their_own_tests(checkout: Path, pg_server_url: str) -> None:
    """The root conftest migrates every service of the scratch registry into a fresh database;
    the generated tests then start each app on it."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "services/scratch/tests", "services/bare/tests"],
        cwd=checkout,
        env={**_environ(checkout), "DATABASE_URL": pg_server_url},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert done.stdout.split()[0] == "." * 10, done.stdout  # 8 tests of the example, 2 of the bare one
