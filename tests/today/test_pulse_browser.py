"""In Chromium: a report recipient answers the pulse from its link (the page asks before it
records); the manager then sees the answer on Today and the client page, whose 12-month health
chart is drawn; Today's at-risk link opens the filtered client list. axe finds nothing serious."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm import pulse
from crm import services as crm
from crm.models import Client, HealthSnapshot, PulseAnswer
from portal.pulse import pulse_links
from projects import services as projects
from tests.factories import ContactFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_client_answers_and_the_manager_sees_it(page, live_server, pm, sign_in_browser, axe_check, settings):
    settings.SITE_URL = live_server.url
    client = crm.client_create(name="Harbour Freight", account_manager=pm, checkin_cadence_days=14)
    contact = ContactFactory(client=client, name="Hana Harbour", receives_reports=True)
    project = projects.project_create(client=client, name="Dock scheduling", manager=pm, status="active")
    crm.interaction_log(client=client, logged_by=pm, summary="Friendly review", sentiment=5)
    today = timezone.localdate()
    for days_ago in range(1, 120):
        HealthSnapshot.objects.create(client=client, day=today - timedelta(days=days_ago), score=90, band="healthy")

    links = pulse_links(contact_id=contact.pk, project_id=project.pk, week=pulse.pulse_week(client=client))
    page.goto(links[0].url)  # "Very unhappy"
    expect(page.get_by_role("heading", name="How are we doing on Dock scheduling?")).to_be_visible()
    expect(page.get_by_label("Very unhappy")).to_be_checked()
    assert not PulseAnswer.objects.exists()  # opening the link records nothing
    assert axe_check(page) == []
    page.get_by_label("Anything you would like to tell us? (optional)").fill("Nobody answers our emails.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    assert PulseAnswer.objects.get().comment == "Nobody answers our emails."
    crm.client_health_recompute(clients=Client.objects.filter(pk=client.pk))
    assert Client.objects.get(pk=client.pk).health_score == 55  # mood (5 + 2 × 1) / 3: −30; the gap: −15
    gull = crm.client_create(name="Gull Ferries", account_manager=pm)
    Client.objects.filter(pk=gull.pk).update(health_score=20, health_band="at_risk")

    sign_in_browser(page, pm)
    page.goto(f"{live_server.url}/")
    answers = page.get_by_role("region", name="Unhappy pulse answers (last 14 days)")
    expect(answers).to_contain_text("Nobody answers our emails.")
    expect(page.get_by_role("region", name="Perception gaps")).to_contain_text("Harbour Freight")
    portfolio = page.get_by_role("region", name="Portfolio health")
    expect(portfolio.get_by_role("link", name="Gull Ferries")).to_be_visible()  # at-risk clients are named
    assert axe_check(page) == []

    page.goto(f"{live_server.url}/clients/{client.pk}/")
    history = page.get_by_role("region", name="Health over the last 12 months")
    expect(history).to_contain_text("Fell in the last 14 days")
    assert page.evaluate("() => Chart.getChart(document.querySelector('canvas[data-chart=history]')) !== undefined")
    expect(page.get_by_role("region", name="Timeline")).to_contain_text("Nobody answers our emails.")
    assert axe_check(page) == []

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="At risk: 1").click()
    expect(page).to_have_url(f"{live_server.url}/clients/?health=at_risk")
    expect(page.get_by_role("link", name="Gull Ferries")).to_be_visible()
    expect(page.get_by_role("link", name="Harbour Freight")).to_have_count(0)
