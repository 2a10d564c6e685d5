"""Merge the services' OpenAPI documents into the one the gateway serves. Pure: dicts in, dict out.

* Paths go under the service's prefix (``/v1/token`` -> ``/identity/v1/token``).
* Webhooks (requests a service sends, OpenAPI 3.1 ``webhooks``) keep their names (event types,
  unique across services); their operations are namespaced like the paths'.
* operationIds and tags are namespaced by the service (they repeat across
  services: every one has ``health`` and the ``operations`` tag), giving
  ``orders_create_file`` (kit.openapi names an operation after its function);
  ``x-tagGroups`` groups the tags by service for ReDoc.
* Components (schemas, security schemes, ...) with the same name and the same
  definition in several services are kept once. When the definitions differ,
  each service's copy is renamed with the service as prefix
  (``Item`` -> ``OrdersItem``, ``PermitsItem``) and every ``$ref``, discriminator
  mapping and security requirement pointing at it is rewritten. Sameness is
  judged after renaming, so ``Page`` that refers to two different ``Item``
  schemas is split too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

OPENAPI_VERSION = "3.1.0"
_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
_COMPONENTS = "#/components/"

Renames = dict[str, dict[str, str]]  # section -> old name -> new name


@dataclass(frozen=True)
class ApiSource:
    """One document to merge: ``name`` namespaces it, ``prefix`` goes before its paths."""

    name: str
    prefix: str
    document: Mapping[str, Any]


def merge_openapi(
    sources: Sequence[ApiSource], *, title: str, version: str, description: str = ""
) -> dict[str, Any]:
    renames = _component_renames(sources)
    paths: dict[str, Any] = {}
    webhooks: dict[str, Any] = {}
    components: dict[str, dict[str, Any]] = {}
    owners: dict[tuple[str, str], str] = {}
    tags: list[dict[str, Any]] = []
    tag_groups: list[dict[str, Any]] = []

    for source in sources:
        source_renames = renames[source.name]
        document = _rewrite(source.document, source_renames)
        declared = {t["name"]: t for t in document.get("tags", [])}
        undeclared: list[str] = []
        default_security = document.get("security")
        for path, item in document.get("paths", {}).items():
            paths[source.prefix + path] = {
                key: _operation(source.name, op, declared, undeclared, default_security)
                if key in _HTTP_METHODS
                else op
                for key, op in item.items()
            }
        for name, item in document.get("webhooks", {}).items():
            if name in webhooks:
                raise ValueError(f"webhooks/{name} from {source.name} is documented by another service too")
            webhooks[name] = {
                key: _operation(source.name, op, declared, undeclared, None) if key in _HTTP_METHODS else op
                for key, op in item.items()
            }
        group: list[str] = []
        for tag in [*declared, *undeclared]:
            full = _tag_name(source.name, tag)
            tags.append({**declared.get(tag, {}), "name": full})
            group.append(full)
        if group:
            tag_groups.append({"name": source.name, "tags": group})

        for section, entries in document.get("components", {}).items():
            merged_section = components.setdefault(section, {})
            section_renames = source_renames.get(section, {})
            for old_name, value in entries.items():
                name = section_renames.get(old_name, old_name)
                if name in merged_section and merged_section[name] != value:
                    raise ValueError(
                        f"components/{section}/{name} from {source.name} collides with the one from "
                        f"{owners[(section, name)]} even after renaming"
                    )
                merged_section[name] = value
                owners.setdefault((section, name), source.name)

    merged: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": {"title": title, "version": version, "description": description},
        "paths": paths,
        "components": {section: dict(sorted(entries.items())) for section, entries in components.items()},
        "tags": tags,
        "x-tagGroups": tag_groups,
    }
    if webhooks:
        merged["webhooks"] = webhooks
    return merged


def _tag_name(service: str, tag: str) -> str:
    return f"{service}: {tag}" if tag else service


def _operation(
    service: str,
    operation: dict[str, Any],
    declared: Mapping[str, Any],
    undeclared: list[str],
    default_security: list[dict[str, list[str]]] | None,
) -> dict[str, Any]:
    """The operation namespaced by its service, carrying its document's default security explicitly."""
    op = dict(operation)
    if "operationId" in op:
        op["operationId"] = f"{service}_{op['operationId']}"
    own_tags = op.get("tags") or [""]
    for tag in own_tags:
        if tag not in declared and tag not in undeclared:
            undeclared.append(tag)
    op["tags"] = [_tag_name(service, tag) for tag in own_tags]
    if "security" not in op and default_security is not None:
        op["security"] = default_security
    return op


def _is_security_requirements(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(req, dict) for req in value)


def _prefixed(service: str, name: str) -> str:
    return service[:1].upper() + service[1:] + name


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _component_renames(sources: Sequence[ApiSource]) -> dict[str, Renames]:
    """For each source, the components to rename because another source defines them differently."""
    renames: dict[str, Renames] = {source.name: {} for source in sources}
    definitions: dict[tuple[str, str], list[tuple[str, Any]]] = {}
    for source in sources:
        for section, entries in source.document.get("components", {}).items():
            for name, value in entries.items():
                definitions.setdefault((section, name), []).append((source.name, value))
    shared = {key: owners for key, owners in definitions.items() if len(owners) > 1}

    changed = True
    while changed:  # renaming one component can make another that refers to it differ
        changed = False
        for (section, name), owners in shared.items():
            if name in renames[owners[0][0]].get(section, {}):
                continue
            forms = {_canonical(_rewrite(value, renames[service])) for service, value in owners}
            if len(forms) > 1:
                for service, _ in owners:
                    renames[service].setdefault(section, {})[name] = _prefixed(service, name)
                changed = True
    return renames


def _rewrite_ref(ref: str, renames: Renames) -> str:
    if not ref.startswith(_COMPONENTS):
        return ref
    section, _, rest = ref[len(_COMPONENTS) :].partition("/")
    name, slash, tail = rest.partition("/")
    new = renames.get(section, {}).get(name)
    return f"{_COMPONENTS}{section}/{new}{slash}{tail}" if new else ref


def _rewrite(node: Any, renames: Renames) -> Any:
    """A copy of ``node`` with every reference to a renamed component rewritten."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                out[key] = _rewrite_ref(value, renames)
            elif (
                key == "mapping"
                and isinstance(value, dict)
                and all(isinstance(v, str) for v in value.values())
            ):
                out[key] = {k: _rewrite_ref(v, renames) for k, v in value.items()}  # discriminator mapping
            elif key == "security" and _is_security_requirements(value):
                schemes = renames.get("securitySchemes", {})
                out[key] = [
                    {schemes.get(name, name): scopes for name, scopes in req.items()} for req in value
                ]
            else:
                out[key] = _rewrite(value, renames)
        return out
    if isinstance(node, list):
        return [_rewrite(item, renames) for item in node]
    return node
