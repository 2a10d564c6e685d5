"""``python openapi/export.py DIR``: write the OpenAPI documents the apps produce.

Writes ``<service>.json`` for every service of the registry, ``gateway.json`` (the
gateway's own operations) and ``panjereh.json`` (everything merged, as the
gateway serves it at ``/openapi.json``). Built in-process from
``create_app().openapi()``: creating an app does not touch the database.
Sorted keys and a trailing newline keep the diffs stable.

It lives beside the documents it writes, outside every package: it builds every
service's app, so it imports every server package, which no product may do (the
gateway reaches services over HTTP only). ``deploy/`` is for running the system;
this tool is for the published contract, which is what ``openapi/`` holds. The
tests import it as ``openapi.export`` from the repository root.
"""

from __future__ import annotations

import argparse
import importlib
import json
from pathlib import Path
from typing import Any

from gateway.main import create_app
from gateway.service_docs import merged_document
from gateway.site import VERSION
from kit.registry import registry


def render(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def service_documents() -> dict[str, dict[str, Any]]:
    return {
        service.name: importlib.import_module(f"{service.package}.main").create_app().openapi()
        for service in registry()
    }


def rendered_documents() -> dict[str, str]:
    """File name -> content, for every document the export writes."""
    services = service_documents()
    gateway = create_app().site.openapi()
    files = {f"{name}.json": render(document) for name, document in services.items()}
    files["gateway.json"] = render(gateway)
    files["panjereh.json"] = render(merged_document(services, gateway, VERSION))
    return files


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python openapi/export.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path, help="where to write the files, e.g. openapi")
    args = parser.parse_args(argv)
    args.directory.mkdir(parents=True, exist_ok=True)
    for name, content in rendered_documents().items():
        path = args.directory / name
        path.write_text(content, encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
