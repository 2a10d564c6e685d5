"""Exact-path dispatch in front of Starlette's linear route scan.

Starlette tries every route's regex in order until one matches, so a request
for the twentieth route paid for nineteen failed matches first (~0.8 µs each,
measured on the rules service's calculations). ``ExactPathIndex`` sits first in
the app's routes and finds routes whose path has no parameters with one dict
lookup. The routes stay in the list behind it, so the OpenAPI document, path
parameters and 404/405 handling are unchanged.
"""

from __future__ import annotations

from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match, NoMatchFound, Route
from starlette.types import Receive, Scope, Send


class ExactPathIndex(BaseRoute):
    """Matches requests for parameterless paths by dictionary lookup."""

    def __init__(self, routes: list[BaseRoute]) -> None:
        self.by_path: dict[str, list[Route]] = {}
        earlier_patterns: list[Route] = []
        for route in routes:
            if not isinstance(route, Route):
                continue
            if route.param_convertors:
                earlier_patterns.append(route)
            elif not any(pattern.path_regex.match(route.path) for pattern in earlier_patterns):
                # A parameterised route registered earlier would have won this
                # path in the scan; leaving it out keeps that precedence.
                self.by_path.setdefault(route.path, []).append(route)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        candidates = self.by_path.get(get_route_path(scope))
        if candidates is None:
            return Match.NONE, {}
        partial: tuple[Match, Scope] | None = None
        for route in candidates:
            match, child_scope = route.matches(scope)
            if match == Match.FULL:
                return match, {**child_scope, "route": route}
            if match == Match.PARTIAL and partial is None:
                partial = (match, {**child_scope, "route": route})
        return partial or (Match.NONE, {})

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await scope["route"].handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: object) -> object:
        raise NoMatchFound(name, path_params)  # the routes behind it answer for themselves
