"""Add a service: its one declaration in services.toml and its own folder, from the template.

    python deploy/new_service.py NAME --port 8006 [--prefix /NAME] --description "one line"
                                 [--summary "for the API document"] [--no-example] [--root DIR]
    make new-service NAME=... PORT=... DESCRIPTION="..." [PREFIX=/...] [SUMMARY="..."] [EXAMPLE=no]

Writes ``services/<name>/`` from ``deploy/service_template/base`` (and, unless
``--no-example``, ``deploy/service_template/example`` on top: one domain, ``notes``, in the
house shape), appends the ``[services.<name>]`` table to ``services.toml``, and brings the
files derived from the registry along: the Kubernetes base (``render.py``), each overlay's
image list and the README's ports table. services/README.md, "Adding a service", says what to
fill in next.

In the template, ``*.tmpl`` files are ``string.Template`` text (``${name}``, ``${package}``,
...) and lose the suffix; other files are copied as they are; the path segments
``__package__``, ``__client__`` and ``__testing__`` become the package names.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from string import Template

from kit.registry import FILE_NAME, FILE_VARIABLE, RegistryError, load

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "service_template"
SUFFIX = ".tmpl"
_IMAGE = re.compile(
    r"^(\s*- \{name: panjereh-)([a-z0-9]+)(, newName: \S+/)([a-z0-9]+)(, newTag: .*\})$", re.M
)
_PORT_ROW = re.compile(r"^\| [a-z0-9]+ \| http://127\.0\.0\.1:\d+ \| `/[a-z0-9-]+/\.\.\.` \|$", re.M)


def _table(name: str, port: int, prefix: str, description: str) -> str:
    return (
        f"\n[services.{name}]\nport = {port}\nprefix = {json.dumps(prefix)}\npackage = {json.dumps(name)}\n"
        f"client = {json.dumps(name + '_client')}\ncalls = []\ndescription = {json.dumps(description)}\n"
        "events = true\n"
    )


def _values(name: str, port: int, prefix: str, description: str, summary: str | None) -> dict[str, str]:
    summary = summary or description[:1].upper() + description[1:]
    summary = summary if summary.endswith(".") else summary + "."
    return {
        "name": name,
        "Name": name.capitalize(),
        "NAME": name.upper(),
        "package": name,
        "client": f"{name}_client",
        "testing": f"{name}_testing",
        "port": str(port),
        "prefix": prefix,
        "summary": summary,
        "summary_literal": json.dumps(summary, ensure_ascii=False),
        "date": dt.date.today().isoformat(),
    }


def _target(relative: Path, values: dict[str, str]) -> Path:
    names = {
        "__package__": values["package"],
        "__client__": values["client"],
        "__testing__": values["testing"],
    }
    parts = [names.get(part, part) for part in relative.parts]
    if parts[-1].endswith(SUFFIX):
        parts[-1] = parts[-1][: -len(SUFFIX)]
    return Path(*parts)


def service_files(values: dict[str, str], *, example: bool) -> dict[Path, str]:
    """The service's folder, relative path -> text: the base, then the example domain over it."""
    files: dict[Path, str] = {}
    for layer in ("base", "example") if example else ("base",):
        root = TEMPLATE / layer
        for source in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            text = source.read_text()
            if source.name.endswith(SUFFIX):
                text = Template(text).substitute(values)
            files[_target(source.relative_to(root), values)] = text
    return files


def _add_image(text: str, name: str, services: tuple[str, ...]) -> str:
    """The overlay's ``images`` with ``panjereh-<name>`` after the last service's image."""
    rows = [m for m in _IMAGE.finditer(text) if m.group(2) == m.group(4) in services]
    if not rows:
        return text
    last = rows[-1]
    row = f"{last.group(1)}{name}{last.group(3)}{name}{last.group(5)}"
    return text[: last.end()] + "\n" + row + text[last.end() :]


def _add_port_row(text: str, name: str, port: int, prefix: str) -> str:
    rows = list(_PORT_ROW.finditer(text))
    if not rows:
        raise RegistryError("README.md has no ports table to extend")
    row = f"| {name} | http://127.0.0.1:{port} | `{prefix}/...` |"
    return text[: rows[-1].end()] + "\n" + row + text[rows[-1].end() :]


def create(
    root: Path,
    name: str,
    port: int,
    prefix: str,
    description: str,
    *,
    summary: str | None = None,
    example: bool,
) -> Path:
    """Write the service into the checkout at ``root``; answer its folder. ``summary``: the
    description of its OpenAPI document and package (default: the registry's line)."""
    registry_file = root / FILE_NAME
    services = load(registry_file).names
    declaration = registry_file.read_text() + _table(name, port, prefix, description)
    folder = root / "services" / name
    if folder.exists():
        raise RegistryError(f"{folder} exists already")
    with tempfile.TemporaryDirectory() as scratch:  # check the new registry before writing anything
        candidate = Path(scratch) / FILE_NAME
        candidate.write_text(declaration)
        load(candidate)
    for relative, text in service_files(
        _values(name, port, prefix, description, summary), example=example
    ).items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(text)
    # Imports sort by the new package's name, and lines wrap by its length: ruff settles both.
    ruff = [sys.executable, "-m", "ruff"]
    subprocess.run(
        [*ruff, "check", "--fix-only", "--select", "I", "--quiet", str(folder)], cwd=root, check=True
    )
    subprocess.run([*ruff, "format", "--quiet", str(folder)], cwd=root, check=True)
    registry_file.write_text(declaration)
    kubernetes = root / "deploy" / "kubernetes"
    subprocess.run(
        [sys.executable, str(kubernetes / "render.py")],
        env={**os.environ, FILE_VARIABLE: str(registry_file)},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    for overlay in sorted(kubernetes.glob("overlays/*/kustomization.yaml")):
        overlay.write_text(_add_image(overlay.read_text(), name, services))
    readme = root / "README.md"
    readme.write_text(_add_port_row(readme.read_text(), name, port, prefix))
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", help="lower-case letters and digits: the service, its package and schema")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--prefix", help="its path behind the gateway (default /NAME)")
    parser.add_argument("--description", required=True, help="one line, for people")
    parser.add_argument(
        "--summary", help="a sentence or two for its OpenAPI document (default: --description)"
    )
    parser.add_argument("--no-example", action="store_true", help="no example domain: operations only")
    parser.add_argument("--root", type=Path, default=HERE.parent, help="the checkout (default: this one)")
    args = parser.parse_args(argv)
    try:
        folder = create(
            args.root.resolve(),
            args.name,
            args.port,
            args.prefix or f"/{args.name}",
            args.description,
            summary=args.summary,
            example=not args.no_example,
        )
    except RegistryError as exc:
        print(f"new-service: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {folder}; next: make install, make migrate, make openapi (services/README.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
