"""Bad input gets a clear message beside the field, keeps what was typed, and saves nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.models import ActionItem, Client, Interaction


@pytest.fixture
def signed_in(client, pm):
    client.force_login(pm)
    return client


def client_form_data(pm, **overrides):
    return {
        "name": "Globex",
        "status": "active",
        "time_zone": "Europe/London",
        "account_manager": pm.pk,
        "checkin_cadence_days": 14,
        "preferred_channel": "email",
        **overrides,
    }


def log_data(**overrides):
    return {
        "kind": "meeting",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "summary": "Weekly sync",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-0-owner_side": "us",
        **overrides,
    }


@pytest.mark.parametrize("cadence", ["0", "366", "-4", "weekly"])
def test_a_cadence_out_of_range_is_refused_and_the_form_keeps_what_was_typed(signed_in, pm, cadence):
    response = signed_in.post(reverse("crm:client_create"), client_form_data(pm, checkin_cadence_days=cadence))
    assert response.status_code == 200
    assert response.context["form"].errors["checkin_cadence_days"]
    assert 'value="Globex"' in response.content.decode()
    assert not Client.objects.exists()


def test_a_manager_cannot_give_away_a_client_and_lose_sight_of_it(signed_in, pm, other_pm):
    response = signed_in.post(reverse("crm:client_create"), client_form_data(pm, account_manager=other_pm.pk))
    assert "no longer see this client" in response.content.decode()
    assert not Client.objects.exists()


def test_a_client_is_created_with_the_creator_as_account_manager(signed_in, pm):
    response = signed_in.get(reverse("crm:client_create"))
    assert response.context["form"].initial["account_manager"] == pm
    response = signed_in.post(reverse("crm:client_create"), client_form_data(pm, website="globex.example"))
    client = Client.objects.get()
    assert response.url == reverse("crm:client_detail", kwargs={"pk": client.pk})
    assert client.website == "https://globex.example"


def test_a_duplicate_contact_email_is_a_field_error(signed_in, acme):
    response = signed_in.post(
        reverse("crm:contact_create", kwargs={"pk": acme.pk}), {"name": "Jane Two", "email": "JANE@acme.test"}
    )
    assert response.status_code == 200
    assert "already has that email" in str(response.context["form"].errors["email"])
    assert 'value="Jane Two"' in response.content.decode()
    assert acme.contacts.count() == 1


@pytest.mark.parametrize(
    "field, value",
    [("email", "not-an-email"), ("phone", "call me maybe"), ("phone", "12"), ("name", "x" * 151), ("name", "")],
)
def test_malformed_contact_details_are_field_errors(signed_in, acme, field, value):
    data = {"name": "Sam", "email": "sam@acme.test", "phone": "+44 20 7946 0000", field: value}
    response = signed_in.post(reverse("crm:contact_create", kwargs={"pk": acme.pk}), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert acme.contacts.count() == 1


def test_phone_numbers_people_actually_write_are_accepted(signed_in, acme):
    for phone in ["+44 (0)20 7946 0000", "020-7946-0000 x12", "+1 415.555.0100"]:
        response = signed_in.post(
            reverse("crm:contact_create", kwargs={"pk": acme.pk}), {"name": phone, "phone": phone}
        )
        assert response.status_code == 302, response.context["form"].errors


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"next_checkin_on": "2020-01-01"}, "next_checkin_on"),
        ({"summary": "x" * 501}, "summary"),
        ({"summary": ""}, "summary"),
        ({"occurred_at": "2099-01-01T10:00"}, "occurred_at"),
        ({"occurred_at": "yesterday-ish"}, "occurred_at"),
        ({"sentiment": "6"}, "sentiment"),
        ({"duration_minutes": "2000"}, "duration_minutes"),
        ({"attendees": ["999999"]}, "attendees"),
        ({"resolution": "We agreed", "flag": ""}, "flag"),
    ],
)
def test_log_form_errors_are_shown_and_nothing_is_saved(signed_in, acme, overrides, field):
    items_before = ActionItem.objects.count()
    response = signed_in.post(
        reverse("crm:interaction_log", kwargs={"pk": acme.pk}),
        log_data(**{"items-0-text": "Send the plan", **overrides}),
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert 'value="Send the plan"' in response.content.decode()  # the action item row survives
    assert not Interaction.objects.exists()
    assert ActionItem.objects.count() == items_before


def test_an_action_item_row_with_a_date_but_no_text_is_an_error(signed_in, acme):
    due = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = signed_in.post(
        reverse("crm:interaction_log", kwargs={"pk": acme.pk}), log_data(**{"items-0-due_on": due})
    )
    assert response.status_code == 200
    assert "Say what the action is" in response.content.decode()
    assert not Interaction.objects.exists()


def test_the_log_form_is_prefilled_for_a_routine_meeting(signed_in, acme, pm):
    response = signed_in.get(reverse("crm:interaction_log", kwargs={"pk": acme.pk}))
    form = response.context["form"]
    primary = acme.contacts.get(is_primary=True)
    assert form.initial["attendees"] == [str(primary.pk)]
    assert form.initial["staff_present"] == [str(pm.pk)]
    assert form.initial["next_checkin_on"] == timezone.localdate() + timedelta(days=acme.checkin_cadence_days)
    assert abs(form.initial["occurred_at"] - timezone.localtime()) < timedelta(minutes=2)
    sentiment = form["sentiment"]
    assert [choice.choice_label for choice in sentiment][1:] == [
        "Very unhappy",
        "Unhappy",
        "Neutral",
        "Happy",
        "Very happy",
    ]
    assert sentiment.field.widget.input_type == "radio"


def test_another_action_item_row_comes_numbered_after_the_last(signed_in, acme):
    response = signed_in.get(reverse("crm:action_item_row", kwargs={"pk": acme.pk}), {"items-TOTAL_FORMS": "3"})
    html = response.content.decode()
    assert 'name="items-3-text"' in html
    assert 'name="items-TOTAL_FORMS" value="4"' in html and 'hx-swap-oob="true"' in html


def test_a_routine_meeting_logs_with_only_a_summary_and_a_sentiment(signed_in, acme):
    form_page = signed_in.get(reverse("crm:interaction_log", kwargs={"pk": acme.pk}))
    form = form_page.context["form"]
    data = log_data(summary="Quick sync, all good", sentiment="5")
    data["attendees"] = form.initial["attendees"]
    data["next_checkin_on"] = form.initial["next_checkin_on"].isoformat()
    response = signed_in.post(reverse("crm:interaction_log", kwargs={"pk": acme.pk}), data)
    assert response.status_code == 302
    interaction = Interaction.objects.get()
    assert interaction.sentiment == 5
    assert list(interaction.attendees.values_list("name", flat=True)) == ["Jane Client"]


def test_interaction_edit_keeps_the_client_and_changes_the_rest(signed_in, acme, pm):
    from crm import services

    interaction = services.interaction_log(client=acme, logged_by=pm, summary="First draft", sentiment=2)
    data = log_data(summary="Corrected summary", sentiment="3")
    del data["items-TOTAL_FORMS"], data["items-INITIAL_FORMS"], data["items-0-owner_side"]
    response = signed_in.post(reverse("crm:interaction_edit", kwargs={"pk": interaction.pk}), data)
    assert response.status_code == 302
    interaction.refresh_from_db()
    assert (interaction.summary, interaction.sentiment, interaction.client) == ("Corrected summary", 3, acme)


def test_editing_an_interaction_keeps_its_closed_project_and_former_staff(signed_in, acme, pm, teammate):
    from crm import services
    from projects import services as projects

    project = projects.project_create(client=acme, name="Finished rollout", manager=pm, status="active")
    interaction = services.interaction_log(
        client=acme, logged_by=pm, summary="Retro", project=project, staff_present=[pm, teammate]
    )
    projects.project_close(project=project, status="completed", by=pm)
    acme.team.remove(teammate)
    page = signed_in.get(reverse("crm:interaction_edit", kwargs={"pk": interaction.pk})).content.decode()
    assert "Finished rollout" in page
    data = log_data(summary="Retro (typo fixed)", project=str(project.pk), staff_present=[str(pm.pk), str(teammate.pk)])
    del data["items-TOTAL_FORMS"], data["items-INITIAL_FORMS"], data["items-0-owner_side"]
    response = signed_in.post(reverse("crm:interaction_edit", kwargs={"pk": interaction.pk}), data)
    assert response.status_code == 302
    interaction.refresh_from_db()
    assert interaction.project == project
    assert set(interaction.staff_present.all()) == {pm, teammate}


def test_rescheduling_a_checkin_into_the_past_is_refused(signed_in, acme):
    checkin = acme.checkins.get(state="due")
    response = signed_in.post(reverse("crm:checkin_reschedule", kwargs={"pk": checkin.pk}), {"due_on": "2001-01-01"})
    assert response.status_code == 200
    assert "in the past" in response.content.decode()
    checkin.refresh_from_db()
    assert checkin.due_on.year != 2001


text = st.text(max_size=600)
maybe_int = st.one_of(st.integers(-(10**12), 10**12).map(str), text)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.fixed_dictionaries({
    "name": text, "status": text, "time_zone": text, "account_manager": maybe_int, "team": maybe_int,
    "checkin_cadence_days": maybe_int, "preferred_channel": text, "website": text, "goals": text,
}))  # fmt: skip
def test_random_client_forms_never_cause_a_server_error(signed_in, acme, data):
    assert signed_in.post(reverse("crm:client_create"), data).status_code in (200, 302)
    assert signed_in.post(reverse("crm:client_edit", kwargs={"pk": acme.pk}), data).status_code in (200, 302)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.fixed_dictionaries({
    "name": text, "email": text, "phone": text, "title": text, "is_primary": text, "receives_reports": text,
}))  # fmt: skip
def test_random_contact_forms_never_cause_a_server_error(signed_in, acme, data):
    assert signed_in.post(reverse("crm:contact_create", kwargs={"pk": acme.pk}), data).status_code in (200, 302)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.fixed_dictionaries({
    "kind": text, "occurred_at": text, "duration_minutes": maybe_int, "summary": text, "sentiment": maybe_int,
    "attendees": maybe_int, "staff_present": maybe_int, "flag": text, "resolution": text, "next_checkin_on": text,
    "items-TOTAL_FORMS": maybe_int, "items-INITIAL_FORMS": maybe_int, "items-0-text": text,
    "items-0-owner_side": text, "items-0-owner": maybe_int, "items-0-owner_contact": maybe_int, "items-0-due_on": text,
}))  # fmt: skip
def test_random_log_forms_never_cause_a_server_error(signed_in, acme, data):
    response = signed_in.post(reverse("crm:interaction_log", kwargs={"pk": acme.pk}), data)
    assert response.status_code in (200, 302)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(due_on=text)
def test_random_reschedule_dates_never_cause_a_server_error(signed_in, acme, due_on):
    checkin = acme.checkins.filter(state="due").first()
    response = signed_in.post(reverse("crm:checkin_reschedule", kwargs={"pk": checkin.pk}), {"due_on": due_on})
    assert response.status_code in (200, 302)


def test_dates_outside_1990_to_2099_are_field_errors_not_crashes(signed_in, acme, pm):
    from projects import services as projects

    response = signed_in.post(
        reverse("crm:interaction_log", kwargs={"pk": acme.pk}), log_data(occurred_at="0001-01-01T00:00")
    )
    assert response.status_code == 200
    assert "Enter a date between 1990 and 2099" in response.content.decode()
    project = projects.project_create(client=acme, name="P", manager=pm, status="active")
    response = signed_in.post(
        reverse("projects:project_close", kwargs={"pk": project.pk}), {"status": "completed", "ended_on": "9999-12-20"}
    )
    assert response.status_code == 200
    assert "Enter a date between 1990 and 2099" in response.content.decode()
    project.refresh_from_db()
    assert project.status == "active"


@pytest.mark.parametrize(
    "path_and_query",
    [
        ("crm:client_list", {"sort": "health", "cursor": "W0luZmluaXR5LDEsIm5leHQiXQ"}),  # [Infinity, 1, "next"]
        ("crm:client_list", {"sort": "name", "cursor": "WyJcdTAwMDAiLCAxLCAibmV4dCJd"}),  # ["\u0000", 1, "next"]
        ("crm:log", {"client": "²"}),
    ],
)
def test_hostile_query_strings_get_a_page_not_a_500(signed_in, acme, path_and_query):
    name, query = path_and_query
    assert signed_in.get(reverse(name), query).status_code == 200


def test_a_hostile_row_count_gets_a_row_not_a_500(signed_in, acme):
    url = reverse("crm:action_item_row", kwargs={"pk": acme.pk})
    assert signed_in.get(url, {"items-TOTAL_FORMS": "²"}).status_code == 200


def test_a_model_form_never_writes_onto_the_instance_it_edits(acme, other_pm):
    """Services are the only writers: validating an edit leaves the client as stored, so the
    service sees what changed (a new account manager, a new zone) by comparing with it."""
    from crm.forms import ClientForm

    form = ClientForm(
        client_form_data(other_pm, name="Renamed", time_zone="Asia/Tokyo", team=[acme.account_manager_id]),
        instance=acme,
        editor=other_pm,
    )
    assert form.is_valid(), form.errors
    assert (acme.name, acme.time_zone, acme.account_manager_id) == (
        "Acme Corp",
        "Europe/London",
        acme.account_manager_id,
    )
    assert acme.account_manager_id != other_pm.pk
