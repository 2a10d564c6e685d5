"""Render the Kubernetes base's per-service part from the registry (services.toml).

    python deploy/kubernetes/render.py           # write deploy/kubernetes/base/services/
    python deploy/kubernetes/render.py --check   # exit 1 if it is not what the registry says

Writes, into ``base/services/``: one ``<name>.yaml`` per service from
``service.yaml.template`` (Deployment with its migration init container,
Service, PodDisruptionBudget, HPA), a ``kustomization.yaml`` listing them with
their images, and ``services.env``: every service's in-cluster URL
(``<NAME>_URL``, read by the services and the gateway), its metrics port and
the host names the services answer to. ``base/kustomization.yaml`` adds
``services.env`` to the ``panjereh-settings`` ConfigMap. A file left from a
service no longer in the registry is removed (reported by ``--check``).
tests/test_service_registry.py runs the check.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from string import Template

from kit.registry import Registry, Service, registry

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "service.yaml.template"
OUT = HERE / "base" / "services"
METRICS_PORT = 9100  # every pod's metrics listener (the port named ``metrics``)
PROBE_HOSTS = ("localhost", "127.0.0.1")  # the kubelet's probes send Host: localhost
HEADER = "# Rendered from services.toml by deploy/kubernetes/render.py; do not edit.\n"


def _manifest(service: Service) -> str:
    return Template(TEMPLATE.read_text()).substitute(
        name=service.name, port=service.port, package=service.package, description=service.description
    )


def _kustomization(reg: Registry) -> str:
    resources = "".join(f"  - {service.name}.yaml\n" for service in reg)
    images = "".join(f"  - {{name: panjereh-{service.name}, newTag: latest}}\n" for service in reg)
    return (
        f"{HEADER}# The services of the registry; deploy/kubernetes/base includes this directory.\n"
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n\n"
        f"resources:\n{resources}\n"
        "# The images built by deploy/docker/Dockerfile (--build-arg SERVICE=<name>).\n"
        f"images:\n{images}"
    )


def _settings(reg: Registry) -> str:
    urls = "".join(f"{service.url_variable}=http://{service.name}:{service.port}\n" for service in reg)
    metrics = "".join(f"{service.name.upper()}_METRICS_PORT={METRICS_PORT}\n" for service in reg)
    hosts = ",".join([*reg.names, *PROBE_HOSTS])
    return (
        f"{HEADER}# Added to panjereh-settings (base/kustomization.yaml, beside settings.env).\n"
        "# Where every process reaches each service in the cluster (not through the gateway):\n"
        "# the services' peers and token keys, the gateway's upstreams.\n"
        f"{urls}"
        "# Prometheus metrics on their own port (named metrics on every pod).\n"
        f"{metrics}"
        "# Host names the services answer to (kit.edge; another Host gets 400): the names\n"
        "# the gateway and the other services call them by, and localhost for the probes.\n"
        f"PANJEREH_ALLOWED_HOSTS={hosts}\n"
    )


def rendered(reg: Registry) -> dict[Path, str]:
    """Every file of ``base/services/`` and its content."""
    files = {OUT / f"{service.name}.yaml": _manifest(service) for service in reg}
    files[OUT / "kustomization.yaml"] = _kustomization(reg)
    files[OUT / "services.env"] = _settings(reg)
    return files


def stale(reg: Registry) -> list[Path]:
    """Files that differ from the rendering, are missing, or should not be there."""
    files = rendered(reg)
    present = set(OUT.glob("*")) if OUT.is_dir() else set()
    wrong = [path for path, text in files.items() if not path.is_file() or path.read_text() != text]
    return sorted([*wrong, *(present - set(files))])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only say whether the files are current")
    args = parser.parse_args()
    reg = registry()
    outdated = stale(reg)
    if args.check:
        for path in outdated:
            print(f"stale: {path.relative_to(reg.root)}", file=sys.stderr)
        return 1 if outdated else 0
    files = rendered(reg)
    OUT.mkdir(exist_ok=True)
    for path in outdated:
        if path in files:
            path.write_text(files[path])
        else:
            path.unlink()
        print(f"wrote {path.relative_to(reg.root)}" if path in files else f"removed {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
