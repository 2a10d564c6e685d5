"""Which problem ``code``s each route can answer, read from the code.

From a route's endpoint and its dependencies, follow every call that resolves to a
function, method or class of ours (module attributes, ``self`` and typed parameters,
defaults, dispatch tables, dependency classes) and collect each ``ProblemError``
subclass constructed or raised on the way; a ``try`` whose handler catches one and
does not re-raise it stops it there. Names in decorators (a route's documented
responses), annotations, ``except`` clauses and ``isinstance`` tests do not count.
Calls through objects whose type the source does not name (the adapters an app
starts with, a peer service's client) are not followed.
"""

from __future__ import annotations

import ast
import builtins
import functools
import inspect
import textwrap
import types
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from kit.errors import ProblemError

OURS = ("kit", "identity", "orders", "rules")


def _ours(obj: Any) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return module.split(".")[0] in OURS


def problem_classes() -> set[type[ProblemError]]:
    """Every ``ProblemError`` subclass imported so far (with a code of its own or not)."""
    found: set[type[ProblemError]] = set()
    stack: list[type[ProblemError]] = [ProblemError]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                stack.append(sub)
    return found


def _is_problem(obj: Any) -> bool:
    return inspect.isclass(obj) and issubclass(obj, ProblemError)


class _Instance:
    """An object of a class of ours, known by its annotation or constructor."""

    def __init__(self, cls: type) -> None:
        self.cls = cls


def _evaluated(annotation: Any, scope: dict[str, Any]) -> Any:
    if isinstance(annotation, str):
        try:
            annotation = eval(annotation, scope)  # noqa: S307 - our own annotations
        except Exception:
            return None
    return annotation


def _typed(annotation: Any, scope: dict[str, Any]) -> _Instance | None:
    """An instance of the class an annotation names (``Annotated`` and ``| None`` unwrapped)."""
    annotation = _evaluated(annotation, scope)
    for _ in range(3):
        args = getattr(annotation, "__args__", None) or getattr(annotation, "__origin__", None)
        if inspect.isclass(annotation) and not args:
            break
        if isinstance(args, tuple) and args:
            annotation = args[0]
        else:
            break
    return _Instance(annotation) if inspect.isclass(annotation) and _ours(annotation) else None


def _member(cls: type, name: str) -> Any:
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass.__dict__[name]
        hint = inspect.get_annotations(klass).get(name)
        if hint is not None:
            module = inspect.getmodule(klass)
            return _typed(hint, vars(module) if module else {})
    return None


def _resolve(node: ast.expr, scope: dict[str, Any], owner: Any) -> Any:
    """The object an expression names, when the source alone says which; else None."""
    if isinstance(node, ast.Name):
        if node.id in ("self", "cls") and owner is not None:
            return _Instance(owner) if inspect.isclass(owner) else owner
        if node.id in scope:
            return scope[node.id]
        return getattr(builtins, node.id, None)
    if isinstance(node, ast.Attribute):
        base = _resolve(node.value, scope, owner)
        if isinstance(base, _Instance):
            return _member(base.cls, node.attr)
        if inspect.ismodule(base) or inspect.isclass(base):
            return inspect.getattr_static(base, node.attr, None)
        if base is not None and _ours(type(base)):
            member = inspect.getattr_static(base, node.attr, None)
            return types.MethodType(member, base) if inspect.isfunction(member) else member
        return None
    if isinstance(node, ast.Call):
        func = _resolve(node.func, scope, owner)
        if inspect.isclass(func) and _ours(func):
            return _Instance(func)
        if inspect.isfunction(func):
            return _typed(func.__annotations__.get("return"), func.__globals__)
    return None


def _locals(tree: ast.AST) -> set[str]:
    """Names bound inside the function (parameters, assignments, loop targets...)."""
    names = {node.arg for node in ast.walk(tree) if isinstance(node, ast.arg)}
    names.update(
        node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    )
    return names


def _scope(func: Callable[..., Any], tree: ast.AST) -> dict[str, Any]:
    """Names the function sees: its module's (unless shadowed), its closure's, its typed parameters."""
    scope = dict(getattr(func, "__globals__", {}))
    for name in _locals(tree):
        scope.pop(name, None)
    closure = getattr(func, "__closure__", None) or ()
    for name, cell in zip(func.__code__.co_freevars, closure, strict=False):
        try:
            scope[name] = cell.cell_contents
        except ValueError:  # an empty cell
            continue
    for name, annotation in getattr(func, "__annotations__", {}).items():
        if name != "return" and name not in scope:
            typed = _typed(annotation, scope)
            if typed is not None:
                scope[name] = typed
    for name, default in _defaults(func).items():
        if inspect.isfunction(default) or _ours(type(default)):
            scope[name] = default  # what runs unless a test passes another
    for node in ast.walk(tree):  # ``client = Client(...)``
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = _resolve(node.value, scope, None) if isinstance(node.value, ast.Call) else None
            if isinstance(value, _Instance):
                scope[node.targets[0].id] = value
    return scope


def _defaults(func: Callable[..., Any]) -> dict[str, Any]:
    try:
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return {}
    return {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty}


def _owner_class(func: Callable[..., Any]) -> type | None:
    parts = func.__qualname__.split(".")
    if len(parts) < 2 or "<locals>" in parts:
        return None
    owner: Any = inspect.getmodule(func)
    for part in parts[:-1]:
        owner = getattr(owner, part, None)
    return owner if inspect.isclass(owner) else None


def _functions(obj: Any) -> Iterator[tuple[Callable[..., Any], Any]]:
    """The functions to read for a callable: itself, a class's ``__init__``/``__call__``,
    or the handlers of a dispatch table (a dict)."""
    if isinstance(obj, staticmethod | classmethod):
        obj = obj.__func__
    if isinstance(obj, functools.partial):
        obj = obj.func
    if isinstance(obj, dict):  # a dispatch table of handlers
        for value in obj.values():
            yield from _functions(value)
        return
    if isinstance(obj, types.MethodType):
        if _ours(obj.__func__):
            yield obj.__func__, obj.__self__
        return
    if inspect.isclass(obj):
        if not _ours(obj) or _is_problem(obj):
            return
        for name in ("__init__", "__call__"):
            method = obj.__dict__.get(name)
            if method is not None:
                yield method, obj
        return
    if not inspect.isfunction(obj):
        call = inspect.getattr_static(type(obj), "__call__", None)
        if _ours(type(obj)) and inspect.isfunction(call):
            yield call, type(obj)
        return
    obj = inspect.unwrap(obj)
    if _ours(obj):
        yield obj, _owner_class(obj)


@functools.cache
def _tree(func: Callable[..., Any]) -> ast.AST | None:
    try:
        return ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return None


def _caught(tree: ast.AST) -> set[int]:
    """Ids of the nodes naming a class in an ``except`` clause, an ``isinstance`` test, an
    annotation or a decorator: places that name a refusal without raising it."""
    ids: set[int] = set()
    for node in ast.walk(tree):
        for decorator in getattr(node, "decorator_list", ()):  # a route's documented responses
            ids.update(id(n) for n in ast.walk(decorator))
        annotation = getattr(node, "annotation", None) or getattr(node, "returns", None)
        if isinstance(annotation, ast.AST):
            ids.update(id(n) for n in ast.walk(annotation))
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            ids.update(id(n) for n in ast.walk(node.type))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "isinstance":
            ids.update(id(n) for n in ast.walk(node))
    return ids


def raised_by(callables: list[Any]) -> set[type[ProblemError]]:
    """Every ``ProblemError`` subclass the callables (and what they call) construct or raise."""
    memo: dict[Any, frozenset[type[ProblemError]]] = {}
    return {cls for c in callables for func, owner in _functions(c) for cls in _raises(func, owner, memo)}


def _raises(
    func: Callable[..., Any], owner: Any, memo: dict[Any, frozenset[type[ProblemError]]]
) -> frozenset:
    key = (func, owner if owner is None or inspect.isclass(owner) else id(owner))
    if key in memo:  # done, or in progress (a recursive call adds nothing new)
        return memo[key]
    memo[key] = frozenset()
    tree = _tree(func)
    if tree is None:
        return memo[key]
    scope = _scope(func, tree)
    skip = _caught(tree)
    parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found: set[type[ProblemError]] = set()
    for node in ast.walk(tree):
        if id(node) in skip or not isinstance(node, ast.Name | ast.Attribute):
            continue
        target = _resolve(node, scope, owner)
        if _is_problem(target):
            found.add(target)
        elif target is not None and not isinstance(target, _Instance):
            called = {cls for f, o in _functions(target) for cls in _raises(f, o, memo)}
            found.update(_escaping(called, node, parents, scope, owner))
    memo[key] = frozenset(found)
    return memo[key]


def _escaping(
    raised: set[type[ProblemError]],
    node: ast.AST,
    parents: dict[int, ast.AST],
    scope: dict[str, Any],
    owner: Any,
) -> set[type[ProblemError]]:
    """The refusals raised at ``node`` that leave the function: an enclosing ``try`` whose
    handler catches one and does not re-raise it (a bare ``raise``) turns it into whatever
    the handler raises, or into nothing."""
    child, parent = node, parents.get(id(node))
    while parent is not None and raised:
        if isinstance(parent, ast.Try) and any(child is statement for statement in parent.body):
            for handler in parent.handlers:
                reraises = any(isinstance(n, ast.Raise) and n.exc is None for n in ast.walk(handler))
                caught = _handled_classes(handler, scope, owner)
                if not reraises:
                    raised = {cls for cls in raised if not issubclass(cls, caught)}
        child, parent = parent, parents.get(id(parent))
    return raised


def _handled_classes(handler: ast.ExceptHandler, scope: dict[str, Any], owner: Any) -> tuple[type, ...]:
    if handler.type is None:
        return (BaseException,)
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    classes = tuple(c for c in (_resolve(n, scope, owner) for n in names) if inspect.isclass(c))
    return classes


def _dependency_calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _dependency_calls(sub)


def route_refusals(app: FastAPI) -> dict[tuple[str, str], set[type[ProblemError]]]:
    """(method, path) -> the ``ProblemError`` classes the route can answer, for every API route."""
    table: dict[tuple[str, str], set[type[ProblemError]]] = {}
    for route in app.routes:
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        refusals = raised_by([route.endpoint, *_dependency_calls(route.dependant)])
        for method in route.methods:
            table[(method.lower(), route.path)] = refusals
    return table
