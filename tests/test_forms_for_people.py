"""Forms a person likes (issue 15): a searchable time-zone picker of canonical names with the
usual ones first, a currency per client with amounts in the reader's locale, an error summary
linking to each field, messages that say what to do, HTML limits that match the server's, no
account manager offered as her own teammate, and weeks read as "Week of 23 Nov"."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse

from crm.models import Client
from projects import services as projects
from ui.timezones import USUAL_TIME_ZONES, canonical_time_zones, time_zone_options


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
        "currency": "EUR",
        **overrides,
    }


def test_the_time_zone_list_has_only_canonical_names_with_the_usual_ones_first():
    zones = canonical_time_zones()
    for alias in ["Factory", "localtime", "US/Eastern", "Asia/Calcutta", "Europe/Kiev", "GMT", "Etc/GMT+1", "Zulu"]:
        assert alias not in zones
    assert {"Europe/London", "Asia/Kolkata", "Europe/Kyiv", "America/Argentina/Buenos_Aires", "UTC"} <= set(zones)
    options = time_zone_options()
    assert options[: len(USUAL_TIME_ZONES)] == USUAL_TIME_ZONES
    assert len(options) == len(set(options)) == len(zones)


def test_the_time_zone_field_is_a_searchable_box_defaulting_to_the_managers_zone(signed_in, pm):
    pm.time_zone = "Europe/Berlin"
    pm.save(update_fields=["time_zone"])
    html = signed_in.get(reverse("crm:client_create")).content.decode()
    box = re.search(r'<input[^>]*name="time_zone"[^>]*>', html).group(0)
    assert 'value="Europe/Berlin"' in box
    assert 'list="id_time_zone-zones"' in box
    datalist = re.search(r'<datalist id="id_time_zone-zones">(.*?)</datalist>', html, re.S).group(1)
    assert datalist.startswith('<option value="Europe/London">')
    assert "Factory" not in datalist and "localtime" not in datalist


@pytest.mark.parametrize(
    ("typed", "saved"), [("america/new york", "America/New_York"), ("Asia/Singapore", "Asia/Singapore")]
)
def test_a_time_zone_typed_loosely_is_saved_by_its_canonical_name(signed_in, pm, typed, saved):
    response = signed_in.post(reverse("crm:client_create"), client_form_data(pm, time_zone=typed))
    assert response.status_code == 302
    assert Client.objects.get(name="Globex").time_zone == saved


@pytest.mark.parametrize("typed", ["Factory", "localtime", "US/Eastern", "Mars/Olympus"])
def test_an_alias_or_unknown_time_zone_is_refused_with_a_hint(signed_in, pm, typed):
    response = signed_in.post(reverse("crm:client_create"), client_form_data(pm, time_zone=typed))
    assert response.status_code == 200
    assert "Pick a time zone from the list, such as Europe/London" in response.content.decode()
    assert not Client.objects.filter(name="Globex").exists()


def test_a_client_keeps_an_older_zone_name_it_already_has_when_edited(signed_in, acme):
    Client.objects.filter(pk=acme.pk).update(time_zone="US/Eastern")
    data = client_form_data(acme.account_manager, name="Acme Corp", time_zone="US/Eastern")
    response = signed_in.post(reverse("crm:client_edit", args=[acme.pk]), data)
    assert response.status_code == 302


def test_a_client_has_a_currency_and_costs_show_in_it_for_the_readers_locale(signed_in, pm, acme):
    response = signed_in.post(reverse("crm:client_edit", args=[acme.pk]), client_form_data(pm, currency="GBP"))
    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.currency == "GBP"
    project = projects.project_create(client=acme, name="Portal", manager=pm)
    projects.change_request_propose(project=project, title="Export", cost_impact=Decimal("12000.00"))
    page = reverse("projects:project_detail", args=[project.pk])
    assert "cost £12,000.00" in signed_in.get(page, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert "cost 12.000,00\xa0£" in signed_in.get(page, HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").content.decode()
    form = signed_in.get(reverse("projects:change_request_create", args=[project.pk])).content.decode()
    assert "Cost impact (GBP)" in form


def test_a_currency_that_is_not_iso_4217_is_refused(signed_in, pm):
    response = signed_in.post(reverse("crm:client_create"), client_form_data(pm, currency="XYZ"))
    assert response.status_code == 200
    assert "Choose one of the options offered." in response.content.decode()


def test_a_form_with_several_errors_lists_them_at_the_top_with_links_to_the_fields(signed_in, pm):
    response = signed_in.post(reverse("crm:client_create"), client_form_data(pm, name="", checkin_cadence_days=0))
    html = response.content.decode()
    summary = re.search(r'<div class="alert alert-danger error-summary".*?</div>', html, re.S).group(0)
    assert "There are 2 problems to fix" in summary
    assert '<a class="alert-link" href="#id_name">Name</a>: Enter name: it is needed.' in summary
    assert 'href="#id_checkin_cadence_days"' in summary
    assert "Enter a number from 1 to 365." in summary
    assert "This field is required." not in html
    assert "greater than or equal to" not in html


def test_a_single_error_needs_no_summary(signed_in, pm):
    html = signed_in.post(reverse("crm:client_create"), client_form_data(pm, name="")).content.decode()
    assert "error-summary" not in html
    assert "Enter name: it is needed." in html


def test_the_log_form_summary_covers_its_action_item_rows(signed_in, acme):
    data = {
        "kind": "meeting",
        "occurred_at": "",
        "summary": "",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-0-owner_side": "us",
        "items-0-due_on": "2030-01-01",
    }
    html = signed_in.post(reverse("crm:interaction_log", args=[acme.pk]), data).content.decode()
    assert "There are 3 problems to fix" in html
    assert 'href="#id_items-0-text">Action</a>: Say what the action is, or clear the row.' in html


def test_the_cadence_input_has_the_servers_limits(signed_in):
    html = signed_in.get(reverse("crm:client_create")).content.decode()
    cadence = re.search(r'<input[^>]*name="checkin_cadence_days"[^>]*>', html).group(0)
    assert 'min="1"' in cadence and 'max="365"' in cadence


@time_machine.travel(datetime(2026, 11, 25, 12, 0, tzinfo=UTC), tick=False)
@pytest.mark.parametrize(
    ("value", "text"),
    [
        (date(2026, 11, 25), "Week of 23 Nov"),
        (date(2026, 11, 23), "Week of 23 Nov"),
        (date(2026, 11, 29), "Week of 23 Nov"),
        (date(2025, 12, 31), "Week of 29 Dec 2025"),
    ],
)
def test_weeks_read_as_the_week_of_their_monday(value, text):
    assert Template("{% load ui %}{{ value|week_of }}").render(Context({"value": value})) == text


def test_a_time_element_gets_at_most_three_fraction_digits():
    moment = datetime.fromisoformat("2026-11-19T12:23:56.273118+00:00")
    assert Template("{% load ui %}{{ value|datetime_attr }}").render(Context({"value": moment})) == (
        "2026-11-19T12:23:56+00:00"
    )
