"""The URL × role matrix for the API: every endpoint, every method, every kind of person.
Staff send a token; the client contact has no token (none can be issued to one) and comes with
their portal session, which gets 404 as on every manager page; anonymous sends nothing (401)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.access import ROLES
from tests.api.conftest import api_as

INSIDE = {"admin", "account_manager", "team_member"}
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
ALL = tuple(METHODS)


@dataclass(frozen=True)
class Endpoint:
    name: str
    kwargs: Callable[[Any], dict[str, Any]] = lambda w: {}
    methods: dict[str, int] = field(default_factory=lambda: {"GET": 200})
    scoped: tuple[str, ...] = ()  # methods about one object of a client: outsiders get 404
    post_data: Callable[[Any], dict[str, Any]] = lambda w: {}


def _interaction(w: Any) -> dict[str, Any]:
    return {"client": w.client.pk, "summary": "Call about the plan", "kind": "call", "occurred_at": "2026-01-05T10:00"}


ENDPOINTS = [
    Endpoint("client-list"),
    Endpoint("client-detail", lambda w: {"pk": w.client.pk}, scoped=ALL),
    Endpoint("contact-list"),
    Endpoint("contact-detail", lambda w: {"pk": w.contact.pk}, scoped=ALL),
    # Creating is scoped by the client named in the body: an outsider's POST is a 404.
    Endpoint("interaction-list", methods={"GET": 200, "POST": 201}, post_data=_interaction, scoped=("POST",)),
    Endpoint("interaction-detail", lambda w: {"pk": w.interaction.pk}, scoped=ALL),
    Endpoint(
        "action-item-list",
        methods={"GET": 200, "POST": 201},
        post_data=lambda w: {"client": w.client.pk, "text": "Book the review"},
        scoped=("POST",),
    ),
    Endpoint("action-item-detail", lambda w: {"pk": w.item.pk}, scoped=ALL),
    Endpoint("action-item-complete", lambda w: {"pk": w.item.pk}, methods={"POST": 200}, scoped=ALL),
    Endpoint("checkin-list"),
    Endpoint("checkin-detail", lambda w: {"pk": w.checkin.pk}, scoped=ALL),
    Endpoint("project-list"),
    Endpoint("project-detail", lambda w: {"pk": w.project.pk}, scoped=ALL),
    Endpoint("milestone-list"),
    Endpoint("milestone-detail", lambda w: {"pk": w.milestone.pk}, scoped=ALL),
    Endpoint("risk-list"),
    Endpoint("risk-detail", lambda w: {"pk": w.risk.pk}, scoped=ALL),
    Endpoint("schema"),
    Endpoint("docs"),
]


def api_url_names() -> set[str]:
    """The named routes under /api/v1/ (the account pages and the feed have their own tests)."""
    api = next(r for r in get_resolver().url_patterns if isinstance(r, URLResolver) and r.namespace == "api")
    found = set()
    for pattern in api.url_patterns:
        if isinstance(pattern, URLPattern) and str(pattern.pattern).startswith("api/v1/"):
            found.add(pattern.name)
    return found


def test_every_api_endpoint_is_in_the_matrix():
    assert api_url_names() == {endpoint.name for endpoint in ENDPOINTS}


def expected(endpoint: Endpoint, role: str, method: str) -> int:
    if role == "anonymous":
        return 401
    if role == "client_contact":
        return 404
    if method not in endpoint.methods:
        return 405
    if method in endpoint.scoped and role not in INSIDE:
        return 404
    return endpoint.methods[method]


def clients_by_role(world: Any) -> dict[str, Any]:
    """An API client per role: staff with a token, the contact with a portal session, anonymous bare."""
    clients = {}
    for role, person in world.people.items():
        if role == "client_contact":
            clients[role] = api_as()
            clients[role].force_login(person)  # the portal session: still no API
        else:
            clients[role] = api_as(person)
    return clients


# Every role is asked within one test per endpoint and method (the world is built once for all
# six); the assertion names the role that answered wrongly.
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
@pytest.mark.parametrize("method", METHODS)
def test_api_endpoint_answers_by_role(api_world, endpoint, method):
    url = reverse(f"api:{endpoint.name}", kwargs=endpoint.kwargs(api_world))
    answers = {}
    for role, api in clients_by_role(api_world).items():
        data = endpoint.post_data(api_world) if method == "POST" else {}
        answers[role] = getattr(api, method.lower())(url, data, format="json").status_code
    assert answers == {role: expected(endpoint, role, method) for role in ROLES}, url


@pytest.mark.parametrize("name", ["client-list", "project-list", "checkin-list", "risk-list"])
def test_a_list_holds_only_what_the_pages_show(api_world, other_pm, name):
    """Bob (no part in acme) sees his own client's rows and none of acme's."""
    body = api_as(other_pm).get(reverse(f"api:{name}")).json()
    clients = {row.get("client", row.get("id")) for row in body["results"]}
    assert api_world.client.pk not in clients
    if name == "client-list":
        assert clients == {api_world.other_client.pk}
