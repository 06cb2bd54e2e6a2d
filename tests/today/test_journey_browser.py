"""Today → briefing → log the conversation → Today: the check-in is gone and the client's
health is recomputed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm import services as crm
from crm.models import Client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_prepares_logs_and_sees_today_update(page, live_server, pm, sign_in_browser, axe_check):
    client = crm.client_create(name="Harbour Freight", account_manager=pm, checkin_cadence_days=14)
    crm.contact_create(client=client, name="Hana Harbour", email="hana@harbour.test")
    for days_ago in (30, 25, 20):
        crm.interaction_log(
            client=client, logged_by=pm, summary=f"Difficult review ({days_ago} days ago)", sentiment=1,
            occurred_at=timezone.now() - timedelta(days=days_ago),
        )  # fmt: skip
    crm.checkin_schedule(client=client, due_on=timezone.localdate() - timedelta(days=2))  # overdue
    client.refresh_from_db()
    score_before = client.health_score
    assert client.health_band == "at_risk"  # 100 − 65 (three very unhappy meetings) − 15 (20 days, cadence 14)

    sign_in_browser(page, pm)
    page.goto(f"{live_server.url}/")
    checkins = page.get_by_role("region", name="Check-ins overdue and due this week")
    expect(checkins).to_contain_text("Harbour Freight")
    expect(checkins).to_contain_text("overdue since")
    assert axe_check(page) == []

    checkins.get_by_role("link", name="Brief me on Harbour Freight").click()
    expect(page.get_by_role("heading", name="Briefing: Harbour Freight", level=1)).to_be_visible()
    expect(page.get_by_role("region", name="The last 3 interactions")).to_contain_text("Difficult review (20 days ago)")
    assert axe_check(page) == []

    page.get_by_role("link", name="Log the conversation").click()
    page.get_by_role("textbox", name="Summary").fill("Cleared the air; new plan agreed")
    page.get_by_label("Very happy", exact=True).check()
    page.get_by_role("button", name="Log it").click()
    expect(page.get_by_role("heading", name="Harbour Freight", level=1)).to_be_visible()

    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("region", name="Check-ins overdue and due this week")).not_to_contain_text(
        "Harbour Freight"
    )
    client = Client.objects.get(pk=client.pk)
    assert client.health_score > score_before  # recomputed when the interaction was logged
    assert client.health_computed_at > timezone.now() - timedelta(minutes=1)
    portfolio = page.get_by_role("region", name="Portfolio health")
    portfolio.get_by_text("Scores as a table").click()
    expect(portfolio.get_by_role("cell", name=str(client.health_score), exact=True)).to_be_visible()
