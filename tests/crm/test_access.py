from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.urls import reverse

from crm import services
from crm.models import ActionItem
from tests.access import ROLES, Route, expected_status, url_names
from tests.factories import UserFactory

ROUTES = [
    Route("client_list", scoped=False),
    Route("client_create", methods=("GET", "POST"), scoped=False),
    Route("client_detail", lambda w: {"pk": w.client.pk}),
    Route("client_edit", lambda w: {"pk": w.client.pk}, methods=("GET", "POST")),
    Route("client_archive", lambda w: {"pk": w.client.pk}, methods=("POST",)),
    Route("client_restore", lambda w: {"pk": w.archived.pk}, methods=("POST",)),
    Route("contact_create", lambda w: {"pk": w.client.pk}, methods=("GET", "POST")),
    Route("contact_edit", lambda w: {"pk": w.contact.pk}, methods=("GET", "POST")),
    Route("portal_access:grant", lambda w: {"pk": w.contact.pk}, methods=("POST",)),
    Route("portal_access:revoke", lambda w: {"pk": w.contact.pk}, methods=("POST",)),
    Route("interaction_log", lambda w: {"pk": w.client.pk}, methods=("GET", "POST")),
    Route("action_item_row", lambda w: {"pk": w.client.pk}),
    Route("log", scoped=False),
    Route("interaction_detail", lambda w: {"pk": w.interaction.pk}),
    Route("interaction_edit", lambda w: {"pk": w.interaction.pk}, methods=("GET", "POST")),
    Route("action_item_list", scoped=False),
    Route("action_item_complete", lambda w: {"pk": w.item.pk}, methods=("POST",)),
    Route("checkin_briefing", lambda w: {"pk": w.checkin.pk}),
    Route("checkin_reschedule", lambda w: {"pk": w.checkin.pk}, methods=("GET", "POST")),
    Route("checkin_skip", lambda w: {"pk": w.checkin.pk}, methods=("POST",)),
]


def qualified(name: str) -> str:
    return name if ":" in name else f"crm:{name}"


def test_every_crm_url_is_in_the_matrix():
    """The client pages, and the portal-access buttons on a contact's page (owned by the portal)."""
    expected = {f"crm:{name}" for name in url_names("crm")} | {f"portal_access:{n}" for n in url_names("portal_access")}
    assert expected == {qualified(route.name) for route in ROUTES}


@pytest.fixture
def world(acme, pm, teammate, other_pm, admin_user, client_contact):
    interaction = services.interaction_log(client=acme, logged_by=pm, summary="Kick-off")
    archived = services.client_create(name="Old Co", account_manager=pm, team=[teammate])
    services.client_archive(client=archived)
    return SimpleNamespace(
        client=acme,
        archived=archived,
        contact=acme.contacts.get(),
        interaction=interaction,
        item=ActionItem.objects.create(client=acme, text="Send the plan", owner=pm),
        checkin=acme.checkins.get(state="due"),
        people={
            "admin": admin_user,
            "account_manager": pm,
            "team_member": teammate,
            "other_manager": other_pm,
            "client_contact": client_contact,
            "anonymous": None,
        },
    )


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_crm_url_answers_by_role(client, world, route, role, method):
    person = world.people[role]
    if person is not None:
        client.force_login(person)
    url = reverse(qualified(route.name), kwargs=route.kwargs(world))
    response = client.get(url) if method == "GET" else client.post(url, route.post_data(world))
    assert response.status_code in expected_status(route, role, method), (role, method, url)
    if role == "anonymous":
        assert response.url.startswith(reverse("accounts:sign_in"))


def test_a_manager_outside_the_team_learns_nothing_from_a_404(client, world, other_pm):
    client.force_login(other_pm)
    response = client.get(reverse("crm:client_detail", kwargs={"pk": world.client.pk}))
    missing = client.get(reverse("crm:client_detail", kwargs={"pk": 999999}))
    assert response.status_code == missing.status_code == 404
    assert world.client.name not in response.content.decode()


def test_lists_show_only_the_clients_in_scope(client, world, other_pm):
    services.client_create(name="Bob's own client", account_manager=other_pm)
    client.force_login(other_pm)
    page = client.get(reverse("crm:client_list")).content.decode()
    assert "Bob&#x27;s own client" in page
    assert world.client.name not in page
    log_picker = client.get(reverse("crm:log")).content.decode()
    assert world.client.name not in log_picker


def test_my_action_items_are_only_mine_at_clients_i_still_see(client, world, pm, teammate):
    ActionItem.objects.create(client=world.client, text="Teammate's job", owner=teammate)
    client.force_login(pm)
    page = client.get(reverse("crm:action_item_list")).content.decode()
    assert "Send the plan" in page
    assert "Teammate&#x27;s job" not in page
    services.client_update(client=world.client, account_manager=UserFactory(), team=[teammate])
    page = client.get(reverse("crm:action_item_list")).content.decode()
    assert "Send the plan" not in page
