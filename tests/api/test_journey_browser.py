"""A manager makes an API token and a calendar URL from the user menu, uses both, and revokes the
token; the API documentation page renders from our own static files."""

from __future__ import annotations

import urllib.error
import urllib.request

import icalendar
import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def status_with(url: str, key: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {key}"})  # noqa: S310 (live_server)
    try:
        with urllib.request.urlopen(request) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_manager_makes_uses_and_revokes_a_token(page, live_server, pm, acme, sign_in_browser, axe_check):
    sign_in_browser(page, pm)
    page.get_by_role("button", name="Alice").click()
    page.get_by_role("link", name="API and calendar").click()
    expect(page.get_by_role("heading", name="API and calendar", level=1)).to_be_visible()
    assert axe_check(page) == []

    page.get_by_label("Token name").fill("Nightly sync")
    page.get_by_role("button", name="Create a token").click()
    key = page.get_by_label("Token", exact=True).input_value()
    assert key.startswith("rpt_")
    assert axe_check(page) == []
    clients_url = f"{live_server.url}/api/v1/clients/"
    assert status_with(clients_url, key) == 200

    page.get_by_role("button", name="Create my calendar URL").click()
    calendar_url = page.get_by_label("Calendar URL").input_value()
    with urllib.request.urlopen(calendar_url) as response:  # noqa: S310 (live_server)
        calendar = icalendar.Calendar.from_ical(response.read())
    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == ["Check-in: Acme Corp"]

    page.goto(f"{live_server.url}/account/")
    page.get_by_role("button", name="Revoke Nightly sync").click()
    expect(page.get_by_text("Revoked “Nightly sync”")).to_be_visible()
    assert status_with(clients_url, key) == 401


def test_the_api_docs_render_without_a_cdn(page, live_server, pm, sign_in_browser):
    outside = []
    page.on(
        "request", lambda request: outside.append(request.url) if not request.url.startswith(live_server.url) else None
    )
    sign_in_browser(page, pm)
    page.goto(f"{live_server.url}/api/v1/docs/")
    expect(page.get_by_text("Rapport API").first).to_be_visible()
    expect(page.get_by_text("/api/v1/interactions/").first).to_be_visible()
    assert outside == []
