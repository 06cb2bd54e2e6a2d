"""A manager remembers a phrase, not the client: the search box in the navigation finds the
meeting; on the client page, History says who changed the status and when."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from crm import services as crm

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_finds_a_meeting_by_a_phrase_and_reads_the_history(page, live_server, pm, sign_in_browser, axe_check):
    client = crm.client_create(name="Northwind Traders", account_manager=pm)
    crm.interaction_log(
        client=client, logged_by=pm, summary="Quarterly review", notes="They asked about the loyalty programme"
    )

    sign_in_browser(page, pm)
    page.goto(f"{live_server.url}/clients/")
    box = page.get_by_role("searchbox", name="Search clients, contacts, meetings and projects")
    box.fill("loyalty programme")
    box.press("Enter")
    interactions = page.get_by_role("region", name="Interactions")
    expect(interactions.get_by_role("link", name="Quarterly review")).to_be_visible()
    expect(interactions.locator("mark").first).to_have_text("loyalty")
    assert axe_check(page) == []

    box = page.get_by_role("searchbox", name="Search clients, contacts, meetings and projects")
    box.fill("Nortwind")
    box.press("Enter")
    page.get_by_role("region", name="Clients").get_by_role("link", name="Northwind Traders").click()
    expect(page.get_by_role("heading", name="Northwind Traders", level=1)).to_be_visible()

    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Status").select_option("dormant")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Northwind Traders", level=1)).to_be_visible()

    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", name="History of Northwind Traders", level=1)).to_be_visible()
    status = page.get_by_role("row", name="Status Active Dormant")
    expect(status).to_be_visible()
    expect(page.get_by_role("listitem").filter(has=status)).to_contain_text("Alice Manager")
    assert axe_check(page) == []
