from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.models import Client, Interaction

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def nav(page):
    return page.get_by_role("navigation", name="Main")


def test_a_manager_sets_up_a_client_and_logs_a_meeting(page, live_server, pm, other_pm, sign_in_browser, axe_check):
    sign_in_browser(page, pm)
    nav(page).get_by_role("link", name="Clients", exact=True).click()
    page.get_by_role("link", name="New client").click()
    page.get_by_label("Name").fill("Globex Corporation")
    page.get_by_label("Industry").fill("Manufacturing")
    page.get_by_label("Time zone").fill("Europe/Berlin")  # a searchable box with a datalist
    page.get_by_label("Check-in every (days)").fill("10")
    page.get_by_role("button", name="Add client").click()
    expect(page.get_by_role("heading", name="Globex Corporation", level=1)).to_be_visible()

    page.get_by_role("link", name="Add contact").click()
    page.get_by_label("Name").fill("Hank Scorpio")
    page.get_by_label("Email").fill("hank@globex.test")
    page.get_by_label("Title or role").fill("CEO")
    page.get_by_role("button", name="Save and add another").click()
    page.get_by_label("Name").fill("Frank Grimes")
    page.get_by_label("Email").fill("frank@globex.test")
    page.get_by_role("button", name="Save contact").click()
    contacts = page.get_by_role("region", name="Contacts")
    expect(contacts.get_by_role("link", name="Edit Hank Scorpio")).to_be_visible()
    expect(contacts.get_by_role("link", name="Edit Frank Grimes")).to_be_visible()
    assert axe_check(page) == []

    page.get_by_role("link", name="Log an interaction").click()
    expect(page.get_by_label("Hank Scorpio")).to_be_checked()  # the primary contact, preselected
    page.get_by_role("textbox", name="Summary").fill("Kick-off meeting: scope and first milestones agreed")
    page.get_by_label("Happy", exact=True).check()
    page.get_by_label("Action").fill("Send the project plan")
    due = (timezone.localdate() + timedelta(days=3)).isoformat()
    page.get_by_label("Due").fill(due)
    page.get_by_role("button", name="+ Add another action item").click()
    expect(page.locator("input[name='items-1-text']")).to_be_visible()
    next_checkin = timezone.localdate() + timedelta(days=6)
    page.get_by_label("Next check-in").fill(next_checkin.isoformat())
    assert axe_check(page) == []
    page.get_by_role("button", name="Log it").click()

    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline.get_by_text("Kick-off meeting: scope and first milestones agreed")).to_be_visible()
    expect(timeline.get_by_text("Happy")).to_be_visible()
    expect(
        page.get_by_role("region", name="Open action items").get_by_text("Send the project plan", exact=True)
    ).to_be_visible()

    nav(page).get_by_role("link", name="Clients", exact=True).click()
    row = page.get_by_role("row", name="Globex Corporation")
    expect(row).to_contain_text(next_checkin.strftime("%-d %b %Y"))
    assert axe_check(page) == []

    interaction = Interaction.objects.get()
    assert interaction.sentiment == 4
    assert interaction.action_items.get().due_on.isoformat() == due

    # Someone outside the team cannot see it at all.
    client_url = f"{live_server.url}/clients/{Client.objects.get().pk}/"
    page.get_by_role("button", name=pm.get_short_name()).click()
    page.get_by_role("button", name="Sign out").click()
    sign_in_browser(page, other_pm)
    response = page.goto(client_url)
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
