"""services.toml is the one declaration of the services: every reader agrees with it.

The Makefile, ``make run``/``make migrate`` (deploy/local/run.py), kit, the
gateway's routes, the Docker image and its entrypoint, the Kubernetes base and
the tests' fixtures either read the registry or are checked against it here.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

import kit
from gateway.config import GatewaySettings
from gateway.main import create_app as create_gateway
from kit.migrations import service_dir
from kit.registry import RegistryError, Service, load, registry
from kit.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = registry()
SERVICES = pytest.mark.parametrize("service", REGISTRY.services, ids=REGISTRY.names)
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


def test_the_registry_is_the_repository_root_file() -> None:
    assert REGISTRY.path == ROOT / "services.toml"
    assert REGISTRY.names  # the declaration order is everybody's order


# --- the loader ----------------------------------------------------------------------------------


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "services.toml"
    path.write_text(text)
    return path


GOOD = """
[services.alpha]
port = 9101
prefix = "/alpha"
package = "alpha"
client = "alpha_client"
calls = ["beta"]
description = "a"

[services.beta]
port = 9102
prefix = "/beta"
package = "beta"
client = "beta_client"
calls = []
description = "b"
token_path = "/v1/token"
"""


def test_a_registry_is_read_with_its_order_and_token_service(tmp_path: Path) -> None:
    reg = load(_write(tmp_path, GOOD))
    assert reg.names == ("alpha", "beta")
    assert reg.token_service.name == "beta"
    assert reg.token_service.token_endpoint == "/beta/v1/token"
    assert reg.publishers == ()
    assert not reg["alpha"].events
    assert reg.followers == ()
    assert [s.name for s in reg.startup_order()] == ["beta", "alpha"]
    assert reg["alpha"].directory == tmp_path.resolve() / "services" / "alpha"
    assert reg.service_urls({"ALPHA_URL": "http://alpha:9101"}) == {
        "alpha": "http://alpha:9101",
        "beta": "http://127.0.0.1:9102",
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("port = 9102", "port = 9101"), "share a port"),
        (('prefix = "/beta"', 'prefix = "/alpha"'), "share a prefix"),
        (('calls = ["beta"]', 'calls = ["gamma"]'), "not other declared services"),
        (('token_path = "/v1/token"', ""), "exactly one service"),
        (('prefix = "/beta"', 'prefix = "/beta/v1"'), "one path segment"),
        (('description = "b"', 'description = "b"\nimage = "x"'), "unknown keys"),
        (('description = "b"', 'description = "b"\nevents = "yes"'), "events: true or false"),
        (('description = "b"', 'description = "b"\nfollows_feeds = 1'), "follows_feeds: true or false"),
    ],
)
def test_a_wrong_registry_is_refused(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    with pytest.raises(RegistryError, match=message):
        load(_write(tmp_path, GOOD.replace(*change)))


def test_the_file_can_be_named_by_the_environment(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD)
    names = subprocess.run(
        [sys.executable, "-m", "kit.registry", "names"],
        env={"PANJEREH_SERVICES_FILE": str(path), "PATH": ""},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert names == ["alpha", "beta"]


# --- code that names no service ------------------------------------------------------------------


def _docstrings(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _code_texts(path: Path) -> Iterator[tuple[int, str]]:
    """Every identifier and string of a module's code (comments and docstrings aside)."""
    tree = ast.parse(path.read_text(), str(path))
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        match node:
            case ast.Constant(value=str() as value) if id(node) not in skip:
                yield line, value
            case ast.Name(id=value) | ast.Attribute(attr=value) | ast.arg(arg=value):
                yield line, value
            case ast.FunctionDef(name=value) | ast.AsyncFunctionDef(name=value) | ast.ClassDef(name=value):
                yield line, value
            case ast.keyword(arg=str() as value):
                yield line, value
            case ast.alias(name=value, asname=asname):
                yield line, f"{value} {asname or ''}"


def _naming(texts: Iterator[tuple[int, str]], where: str) -> list[str]:
    names = set(REGISTRY.names) | {str(service.port) for service in REGISTRY}
    return [
        f"{where}:{line}: {text[:80]!r}"
        for line, text in texts
        if {word.lower() for word in _WORD.findall(text)} & names
    ]


def _generic_modules() -> Iterator[Path]:
    """Code that serves every service alike: kit, the gateway, the deployment scripts."""
    yield from sorted(Path(kit.__file__).resolve().parent.rglob("*.py"))
    yield from sorted((ROOT / "gateway" / "gateway").rglob("*.py"))
    yield ROOT / "deploy" / "local" / "run.py"
    yield ROOT / "deploy" / "kubernetes" / "render.py"
    yield ROOT / "deploy" / "new_service.py"


def test_kit_the_gateway_and_the_deploy_scripts_name_no_service() -> None:
    found = [
        hit for path in _generic_modules() for hit in _naming(_code_texts(path), str(path.relative_to(ROOT)))
    ]
    assert not found, "read these from kit.registry:\n" + "\n".join(found)


def _shell_texts(path: Path) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(path.read_text().splitlines(), 1):
        code = line.split("#", 1)[0] if not line.lstrip().startswith("#") else ""
        yield number, code


@pytest.mark.parametrize(
    "path",
    ["deploy/docker/Dockerfile", "deploy/docker/entrypoint.sh", "deploy/docker/Dockerfile.dockerignore"],
)
def test_the_image_names_no_service(path: str) -> None:
    found = _naming(_shell_texts(ROOT / path), path)
    assert not found, "the image must read services.toml (kit.registry):\n" + "\n".join(found)


def test_the_image_carries_the_registry() -> None:
    dockerfile = (ROOT / "deploy/docker/Dockerfile").read_text()
    assert "COPY services.toml" in dockerfile
    assert "PANJEREH_SERVICES_FILE=/app/services.toml" in dockerfile
    assert "cp services.toml /app/services.toml" in dockerfile
    assert "!services.toml" in (ROOT / "deploy/docker/Dockerfile.dockerignore").read_text().splitlines()


def _service_lists(path: Path) -> Iterator[str]:
    """Literal lists, tuples, sets and dicts naming two services or more."""
    names = set(REGISTRY.names)
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        items = node.keys if isinstance(node, ast.Dict) else getattr(node, "elts", None)
        if isinstance(node, ast.List | ast.Tuple | ast.Set | ast.Dict) and items:
            named = {i.value for i in items if isinstance(i, ast.Constant) and i.value in names}
            if len(named) >= 2:
                yield f"{path.relative_to(ROOT)}:{node.lineno}: {sorted(named)}"


def test_no_fixture_keeps_its_own_list_of_services() -> None:
    files = [
        *sorted(ROOT.glob("conftest.py")),
        *sorted((ROOT / "tests").rglob("conftest.py")),
        *sorted((ROOT / "gateway").rglob("conftest.py")),
        ROOT / "tests" / "test_schemathesis.py",
        ROOT / "tests" / "test_migrations.py",
        *sorted((ROOT / "gateway" / "tests").glob("test_gateway_[or]*.py")),  # openapi, routing
        *_generic_modules(),
    ]
    found = [hit for path in files for hit in _service_lists(path)]
    assert not found, "iterate over kit.registry.registry() instead:\n" + "\n".join(found)


def test_the_readme_ports_table_is_the_registry() -> None:
    rows = re.findall(
        r"^\| ([a-z0-9]+) \| http://127\.0\.0\.1:(\d+) \| `(/[a-z0-9-]+)/\.\.\.` \|$",
        (ROOT / "README.md").read_text(),
        re.M,
    )
    assert rows == [(s.name, str(s.port), s.prefix) for s in REGISTRY]


# --- the Makefile ---------------------------------------------------------------------------------


def _make(variable: str) -> str:
    return subprocess.run(
        ["make", "-s", f"print-{variable}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_the_makefile_reads_the_registry() -> None:
    assert _make("SERVICES").split() == list(REGISTRY.names)
    editables = _make("EDITABLES")
    inputs = _make("INSTALL_INPUTS").split()
    assert "services.toml" in inputs
    for service in REGISTRY:
        assert f"-e services/{service.name}/client -e services/{service.name} " in editables
        assert f"services/{service.name}/pyproject.toml" in inputs
        support = service.directory / "tests" / "support"
        if (support / "pyproject.toml").is_file():
            assert f"-e services/{service.name}/tests/support" in editables


# --- each service's own folder --------------------------------------------------------------------


@SERVICES
def test_the_service_folder_is_what_the_registry_says(service: Service) -> None:
    assert service_dir(service.name) == service.directory
    for part in ("pyproject.toml", "alembic.ini", "migrations/env.py", f"{service.package}/main.py"):
        assert (service.directory / part).is_file(), part
    project = tomllib.loads((service.directory / "pyproject.toml").read_text())
    assert project["tool"]["setuptools"]["packages"]["find"]["include"] == [f"{service.package}*"]
    client = tomllib.loads((service.client_directory / "pyproject.toml").read_text())
    assert client["tool"]["setuptools"]["packages"]["find"]["include"] == [f"{service.client}*"]
    assert (service.client_directory / service.client / "__init__.py").is_file()
    importlib.import_module(service.client)


@SERVICES
def test_the_app_and_its_settings_carry_the_registry_name(service: Service) -> None:
    assert importlib.import_module(f"{service.package}.main").SPEC.name == service.name
    settings_class = importlib.import_module(f"{service.package}.config").Settings
    assert issubclass(settings_class, ServiceSettings)
    assert settings_class.model_config["env_prefix"] == f"{service.name.upper()}_"
    assert settings_class.model_fields["service_name"].default == service.name


@SERVICES
def test_events_is_declared_by_exactly_the_services_with_a_feed(service: Service) -> None:
    """``events = true`` is what notifications follows: the services that serve their outbox."""
    spec = importlib.import_module(f"{service.package}.main").SPEC
    assert service.events == (spec.outbox_table is not None)


@SERVICES
def test_a_feed_follower_takes_its_feed_client_from_its_settings(service: Service) -> None:
    """``make run`` and the cluster set ``feed_client_variables`` of each ``follows_feeds`` service."""
    fields = importlib.import_module(f"{service.package}.config").Settings.model_fields
    takes = {"feed_client_id", "feed_client_secret"} <= set(fields)
    assert takes == service.follows_feeds
    assert service.feed_client_variables == (
        f"{service.name.upper()}_FEED_CLIENT_ID",
        f"{service.name.upper()}_FEED_CLIENT_SECRET",
    )


@SERVICES
def test_a_service_calls_only_its_declared_peers(service: Service) -> None:
    """A service reaches another through ``settings.url_of(name)`` and its client package."""
    allowed = {*service.calls, service.name, REGISTRY.token_service.name}
    clients = {other.client: other.name for other in REGISTRY}
    used: set[str] = set()
    for path in (service.directory / service.package).rglob("*.py"):
        text = path.read_text()
        used |= set(re.findall(r"url_of\(\"([a-z0-9]+)\"\)", text))
        used |= {
            clients[c] for c in re.findall(r"^\s*(?:from|import) ([a-z0-9_]+)", text, re.M) if c in clients
        }
    assert used <= allowed, f"{service.name} calls {sorted(used - allowed)}: declare them in `calls`"
    assert set(service.calls) <= used, f"{service.name} declares calls it never makes"


# --- kit and the gateway --------------------------------------------------------------------------


def test_kit_settings_know_every_service_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REGISTRY.services[-1].url_variable, "http://elsewhere:1")
    urls = ServiceSettings().service_urls
    assert list(urls) == list(REGISTRY.names)
    assert urls[REGISTRY.services[-1].name] == "http://elsewhere:1"
    assert all(urls[s.name] == s.local_url for s in REGISTRY.services[:-1])
    token = REGISTRY.token_service
    assert ServiceSettings().jwks_url == f"{token.local_url}/.well-known/jwks.json"


async def test_the_gateway_routes_each_prefix_to_its_service() -> None:
    settings = GatewaySettings()
    assert settings.service_urls == {s.name: s.local_url for s in REGISTRY}
    gateway = create_gateway(settings)
    async with gateway.site.router.lifespan_context(gateway.site):
        routes = {key: (upstream.name, upstream.prefix) for key, upstream in gateway._routes.items()}
    assert routes == {s.prefix[1:]: (s.name, s.prefix.encode()) for s in REGISTRY}


def test_the_gateway_refuses_an_upstream_the_registry_does_not_know() -> None:
    with pytest.raises(ValueError, match="not a service of the registry"):
        GatewaySettings(service_urls={"nowhere": "http://nowhere:1"})


# --- Kubernetes ----------------------------------------------------------------------------------

K8S = ROOT / "deploy" / "kubernetes"


def _render() -> object:
    spec = importlib.util.spec_from_file_location("render", K8S / "render.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_kubernetes_base_is_rendered_from_the_registry() -> None:
    render = _render()
    assert render.stale(REGISTRY) == [], "run: python deploy/kubernetes/render.py"  # type: ignore[attr-defined]
    base = yaml.safe_load((K8S / "base" / "kustomization.yaml").read_text())
    assert "services" in base["resources"]
    assert "services/services.env" in base["configMapGenerator"][0]["envs"]


@SERVICES
def test_each_service_has_its_deployment_service_and_port(service: Service) -> None:
    documents = list(yaml.safe_load_all((K8S / "base" / "services" / f"{service.name}.yaml").read_text()))
    kinds = {d["kind"]: d for d in documents}
    assert set(kinds) == {"Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler"}
    (container,) = kinds["Deployment"]["spec"]["template"]["spec"]["containers"]
    assert container["image"] == f"panjereh-{service.name}"
    assert {"name": "http", "containerPort": service.port, "protocol": "TCP"} in container["ports"]
    assert kinds["Service"]["metadata"]["name"] == service.name
    assert kinds["Service"]["spec"]["ports"][0]["port"] == service.port
    settings = (K8S / "base" / "services" / "services.env").read_text()
    assert f"{service.url_variable}=http://{service.name}:{service.port}\n" in settings


def test_the_gateway_pod_takes_its_upstreams_from_the_shared_settings() -> None:
    text = (K8S / "base" / "gateway.yaml").read_text()
    assert not re.search(r"GATEWAY_[A-Z]+_URL", text)


def test_the_production_overlay_names_every_image() -> None:
    overlay = yaml.safe_load((K8S / "overlays" / "production" / "kustomization.yaml").read_text())
    images = {image["name"] for image in overlay["images"]}
    assert {f"panjereh-{s.name}" for s in REGISTRY} | {"panjereh-gateway"} == images
