"""What the endpoints do: logging through the log form's service and rules, action items,
filters like the list pages', keyset pages, bad input as 400 (never 500)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from crm import services
from crm.models import ActionItem, CheckIn, Client, Interaction
from tests.api.conftest import api_as
from tests.factories import ClientFactory, UserFactory

NOW = datetime.fromisoformat("2026-06-10T12:00:00+00:00")


@pytest.fixture
def api(pm):
    return api_as(pm)


@time_machine.travel(NOW, tick=False)
def test_logging_through_the_api_completes_the_checkin_and_schedules_the_next(api, acme, pm, teammate):
    open_checkin = acme.checkins.get(state="due")
    contact = acme.contacts.get()
    response = api.post(
        reverse("api:interaction-list"),
        {
            "client": acme.pk,
            "kind": "call",
            "occurred_at": "2026-06-10T11:00:00+00:00",
            "summary": "Agreed the plan",
            "sentiment": 4,
            "attendees": [contact.pk],
            "staff_present": [pm.pk, teammate.pk],
            "action_items": [{"text": "Send minutes", "due_on": "2026-06-12"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["attendees"] == [contact.pk] and sorted(body["staff_present"]) == sorted([pm.pk, teammate.pk])
    open_checkin.refresh_from_db()
    assert open_checkin.state == CheckIn.State.DONE
    assert open_checkin.completed_by_id == body["id"]
    acme.refresh_from_db()
    assert acme.last_contacted_at == datetime.fromisoformat("2026-06-10T11:00:00+00:00")
    next_checkin = acme.checkins.get(state="due")
    assert next_checkin.due_on == date(2026, 6, 24)  # last contact + the 14-day cadence
    assert acme.next_checkin_due == next_checkin.due_on
    item = ActionItem.objects.get(text="Send minutes")
    assert item.owner == pm and item.interaction_id == body["id"]


@time_machine.travel(NOW, tick=False)
def test_a_next_checkin_date_given_is_the_one_booked(api, acme):
    response = api.post(
        reverse("api:interaction-list"),
        {
            "client": acme.pk,
            "occurred_at": "2026-06-10T09:00",
            "summary": "Quick sync",
            "next_checkin_on": "2026-07-01",
        },
        format="json",
    )
    assert response.status_code == 201
    assert acme.checkins.get(state="due").due_on.isoformat() == "2026-07-01"
    assert response.json()["staff_present"] == [acme.account_manager_id]  # the caller (pm), as the form offers


@time_machine.travel(NOW, tick=False)
def test_a_backdated_log_never_moves_last_contact_backwards(api, acme, pm):
    services.interaction_log(client=acme, logged_by=pm, summary="Today", occurred_at=NOW - timedelta(hours=1))
    response = api.post(
        reverse("api:interaction-list"),
        {"client": acme.pk, "occurred_at": "2026-05-01T09:00:00+00:00", "summary": "Old call, logged late"},
        format="json",
    )
    assert response.status_code == 201
    acme.refresh_from_db()
    assert acme.last_contacted_at == NOW - timedelta(hours=1)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"occurred_at": "2026-06-11T12:00:00+00:00"}, "occurred_at"),  # in the future: the form's rule
        ({"resolution": "Sorted", "flag": ""}, "flag"),
        ({"occurred_at": "1900-01-01T00:00:00+00:00"}, "occurred_at"),
        ({"summary": ""}, "summary"),
        ({"kind": "telepathy"}, "kind"),
        ({"sentiment": 9}, "sentiment"),
        ({"attendees": ["x"]}, "attendees"),
        ({"next_checkin_on": "2026-01-01"}, "next_checkin_on"),  # in the past
        ({"action_items": [{"text": "x", "owner_side": "us", "due_on": "9999-01-01"}]}, "action_items"),
    ],
)
def test_bad_interaction_input_is_a_400_naming_the_field(api, acme, change, field):
    data = {"client": acme.pk, "occurred_at": "2026-06-10T09:00:00+00:00", "summary": "Call", **change}
    response = api.post(reverse("api:interaction-list"), data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Interaction.objects.filter(client=acme).exists()


@time_machine.travel(NOW, tick=False)
def test_people_and_projects_must_be_this_clients(api, acme, pm):
    elsewhere = ClientFactory(account_manager=pm)
    stranger_contact = services.contact_create(client=elsewhere, name="Not Acme")
    from projects import services as project_services

    foreign_project = project_services.project_create(client=elsewhere, name="Theirs", manager=pm)
    for change in (
        {"attendees": [stranger_contact.pk]},
        {"project": foreign_project.pk},
        {"staff_present": [UserFactory().pk]},
        {"action_items": [{"text": "x", "owner": UserFactory().pk}]},
    ):
        data = {"client": acme.pk, "occurred_at": "2026-06-10T09:00:00+00:00", "summary": "Call", **change}
        assert api.post(reverse("api:interaction-list"), data, format="json").status_code == 400, change
    assert not Interaction.objects.exists()


def test_an_archived_client_takes_no_new_interactions(api, acme):
    services.client_archive(client=acme)
    data = {"client": acme.pk, "occurred_at": timezone.now().isoformat(), "summary": "Call"}
    assert api.post(reverse("api:interaction-list"), data, format="json").status_code == 404


@pytest.mark.parametrize("body", [[], "text", {"client": "abc"}, {"client": 2**70}, {"client": None}])
def test_garbage_bodies_are_400(api, acme, body):
    assert api.post(reverse("api:interaction-list"), body, format="json").status_code == 400
    assert api.post(reverse("api:action-item-list"), body, format="json").status_code == 400


# Action items --------------------------------------------------------------------------------------


def test_an_action_item_is_created_and_completed(api, acme, pm):
    contact = acme.contacts.get()
    response = api.post(
        reverse("api:action-item-list"),
        {"client": acme.pk, "text": "Sign the SOW", "owner_side": "client", "owner_contact": contact.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    item = ActionItem.objects.get(pk=response.json()["id"])
    assert (item.owner_side, item.owner_contact, item.owner) == ("client", contact, None)
    done = api.post(reverse("api:action-item-complete", kwargs={"pk": item.pk}))
    assert done.status_code == 200 and done.json()["is_done"] is True
    item.refresh_from_db()
    first_done_at = item.done_at
    assert first_done_at is not None
    api.post(reverse("api:action-item-complete", kwargs={"pk": item.pk}))
    item.refresh_from_db()
    assert item.done_at == first_done_at  # completing twice changes nothing


def test_an_action_items_owner_defaults_to_the_caller_and_must_be_on_the_team(api, acme, pm):
    response = api.post(reverse("api:action-item-list"), {"client": acme.pk, "text": "Call back"}, format="json")
    assert response.status_code == 201 and response.json()["owner"] == pm.pk
    outsider = UserFactory()
    response = api.post(
        reverse("api:action-item-list"), {"client": acme.pk, "text": "x", "owner": outsider.pk}, format="json"
    )
    assert response.status_code == 400 and "owner" in response.json()


def test_action_item_create_service_refuses_another_clients_contact(acme, pm):
    """The service's own rule (called directly): a client-side owner is one of this client's contacts."""
    from django.core.exceptions import ValidationError

    other = services.contact_create(client=ClientFactory(account_manager=pm), name="Elsewhere")
    draft = services.ActionItemDraft(text="x", owner_side="client", owner_contact=other)
    with pytest.raises(ValidationError):
        services.action_item_create(client=acme, draft=draft)
    item = services.action_item_create(client=acme, draft=services.ActionItemDraft(text="Ok", owner=pm))
    assert (item.client, item.owner, item.interaction) == (acme, pm, None)


def test_action_item_filters(api, acme, pm):
    mine = ActionItem.objects.create(client=acme, text="Mine", owner=pm, due_on=timezone.localdate() - timedelta(1))
    ActionItem.objects.create(client=acme, text="Theirs", owner_side="client")
    done = ActionItem.objects.create(client=acme, text="Done", owner=pm, done_at=timezone.now())
    url = reverse("api:action-item-list")

    def ids(params):
        return {row["id"] for row in api.get(url, params).json()["results"]}

    assert ids({"mine": "true", "show": "open"}) == {mine.pk}
    assert ids({"show": "overdue"}) == {mine.pk}
    assert ids({"show": "done"}) == {done.pk}


# Filters and pages ----------------------------------------------------------------------------------


def test_client_filters_match_the_client_list(api, acme, pm, teammate):
    dormant = services.client_create(name="Sleepy Ltd", account_manager=teammate, team=[pm], status="dormant")
    url = reverse("api:client-list")

    def names(params):
        return {row["name"] for row in api.get(url, params).json()["results"]}

    assert names({}) == {"Acme Corp", "Sleepy Ltd"}
    assert names({"status": "dormant"}) == {"Sleepy Ltd"}
    assert names({"account_manager": pm.pk}) == {"Acme Corp"}
    assert names({"q": "jane@acme"}) == {"Acme Corp"}  # a contact's email, as on the page
    services.client_archive(client=dormant)
    assert names({"archived": "true"}) == {"Sleepy Ltd"}


@pytest.mark.parametrize(
    "params", [{"status": "nope"}, {"account_manager": "x"}, {"account_manager": 2**70}, {"q": "x" * 101}]
)
def test_a_malformed_filter_is_a_400(api, acme, params):
    response = api.get(reverse("api:client-list"), params)
    assert response.status_code == 400
    assert set(params) <= set(response.json())


def test_a_hostile_cursor_is_a_404_not_a_500(api, acme):
    assert api.get(reverse("api:client-list"), {"cursor": "%%%not-a-cursor"}).status_code == 404


def test_lists_page_by_cursor_without_overlap(api, pm):
    for index in range(30):
        ClientFactory(account_manager=pm, name=f"Client {index:02d}")
    first = api.get(reverse("api:client-list")).json()
    assert len(first["results"]) == 25 and first["next"] and "cursor=" in first["next"]
    second = api.get(first["next"]).json()
    seen = [row["name"] for row in first["results"] + second["results"]]
    assert seen == sorted(seen) and len(set(seen)) == 30 and second["next"] is None
    assert Client.objects.count() == 30


def test_times_come_back_in_the_callers_zone(api, acme, pm):
    pm.time_zone = "Asia/Tokyo"
    pm.save()
    services.interaction_log(
        client=acme, logged_by=pm, summary="x", occurred_at=datetime.fromisoformat("2026-01-01T00:00:00+00:00")
    )
    row = api_as(pm).get(reverse("api:interaction-list")).json()["results"][0]
    assert row["occurred_at"] == "2026-01-01T09:00:00+09:00"
