"""The URL × role matrix: every manager URL of an app, requested by every kind of person with
every method it accepts. Scoped URLs answer 404 to anyone outside the object's scope; a URL
added to an app without being listed here fails the test that checks coverage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

ROLES = ["admin", "account_manager", "team_member", "other_manager", "client_contact", "anonymous"]
INSIDE = {"admin", "account_manager", "team_member"}


@dataclass(frozen=True)
class Route:
    """One URL of the matrix: how to build its kwargs from the world, which methods it
    accepts, and whether it is about one client's object (scoped) or the person's own list."""

    name: str
    kwargs: Callable[[Any], dict[str, Any]] = lambda world: {}
    methods: tuple[str, ...] = ("GET",)
    scoped: bool = True
    post_data: Callable[[Any], dict[str, Any]] = field(default=lambda world: {})


def url_names(namespace: str) -> set[str]:
    resolver = get_resolver()
    app_resolver: URLResolver = next(
        r for r in resolver.url_patterns if isinstance(r, URLResolver) and r.namespace == namespace
    )
    return {p.name for p in app_resolver.url_patterns if isinstance(p, URLPattern)}


def expected_status(route: Route, role: str, method: str) -> set[int]:
    if role == "anonymous":
        return {302}
    if role == "client_contact":
        return {404}
    if method not in route.methods:
        return {405}  # decided before any lookup, so it says nothing about the object
    if route.scoped and role not in INSIDE:
        return {404}
    return {200, 302}
