"""A manager invites a contact; the contact signs in from the emailed link (a real SMTP server)
and follows their project, and only theirs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from projects import services as projects
from tests.conftest import REPO
from tests.factories import ClientFactory, ProjectFactory
from tests.portal.conftest import LINK

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = REPO / "test-results"


def test_an_invited_contact_follows_their_project_and_nothing_else(
    browser, page, live_server, pm, acme, sign_in_browser, smtp_server, axe_check
):
    today = timezone.localdate()
    project = projects.project_create(
        client=acme, name="Data platform", manager=pm, status="active", portal_visible=True, start_on=today
    )
    done = projects.milestone_create(project=project, title="Discovery", due_on=today, client_visible=True)
    projects.milestone_complete(milestone=done)
    projects.milestone_create(project=project, title="Launch", due_on=today + timedelta(days=30), client_visible=True)
    projects.risk_raise(project=project, title="Vendor API late", probability=3, impact=4, client_visible=True)
    projects.risk_raise(project=project, title="Team morale low", probability=4, impact=4)
    elsewhere = ProjectFactory(client=ClientFactory(name="Other Client"), portal_visible=True, name="Their secrets")

    sign_in_browser(page, pm)
    contact = acme.contacts.get()
    page.goto(f"{live_server.url}/contacts/{contact.pk}/edit/")
    page.get_by_role("button", name="Grant portal access").click()
    expect(page.get_by_text("invitation is on its way")).to_be_visible()

    (received,) = smtp_server.received
    assert received.envelope_to == [contact.email]
    assert received.message.get_content_type() == "multipart/alternative"
    link = LINK.search(received.text).group(0)
    assert link in received.html
    path = link.split("://", 1)[1].split("/", 1)[1]

    guest = browser.new_context(viewport={"width": 375, "height": 800})
    portal = guest.new_page()
    portal.goto(f"{live_server.url}/{path}")
    expect(portal.get_by_role("heading", name="Welcome to your client portal")).to_be_visible()
    assert axe_check(portal) == []
    portal.get_by_role("button", name="Continue to the portal").click()
    expect(portal.get_by_role("heading", name="Your projects", level=1)).to_be_visible()
    assert "/invitation/" not in portal.url
    assert axe_check(portal) == []

    portal.get_by_role("link", name="Data platform").click()
    expect(portal.get_by_role("heading", name="Data platform", level=1)).to_be_visible()
    status = portal.get_by_role("region", name="Where things stand")
    expect(status.get_by_role("progressbar")).to_have_attribute("value", "50")
    risks = portal.get_by_role("region", name="Risks and issues")
    expect(risks).to_contain_text("Vendor API late")
    expect(risks).not_to_contain_text("Team morale low")
    expect(portal.get_by_role("region", name="Milestones")).to_contain_text("Launch")
    assert axe_check(portal) == []
    assert portal.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    ARTIFACTS.mkdir(exist_ok=True)
    portal.screenshot(path=str(Path(ARTIFACTS / "portal-project-375px.png")), full_page=True)

    response = portal.goto(f"{live_server.url}/portal/projects/{elsewhere.pk}/")
    assert response.status == 404
    expect(portal.get_by_text("Their secrets")).to_have_count(0)
    response = portal.goto(f"{live_server.url}/clients/{acme.pk}/")
    assert response.status == 404

    # The invitation worked once. Opened again it explains why not, and its form (posted from a
    # page that sends no referrer) asks for a fresh link.
    portal.goto(f"{live_server.url}/portal/")
    portal.get_by_role("button", name="Show navigation").click()  # collapsed at 375 px
    portal.get_by_role("button", name="Sign out").click()
    portal.goto(f"{live_server.url}/{path}")
    portal.get_by_role("button", name="Continue to the portal").click()
    expect(portal.get_by_role("heading", name="This link does not work")).to_be_visible()
    expect(portal.get_by_text("used already")).to_be_visible()
    portal.get_by_label("Your email address").fill(contact.email)
    portal.get_by_role("button", name="Email me a new link").click()
    expect(portal.get_by_role("heading", name="Check your email")).to_be_visible()
    assert axe_check(portal) == []
    guest.close()


def test_every_portal_page_fits_a_phone_and_passes_axe(browser, live_server, client, two_clients, axe_check):
    """At 375 px no portal page scrolls sideways (the long brand wraps), and axe finds nothing
    serious: signed out (sign-in, link sent, a link that no longer works) and signed in (home,
    project page, archived report)."""
    a = two_clients.a
    a.client.name = "Northwind Logistics International Holdings"
    a.client.save(update_fields=["name"])
    projects.status_update_post(
        project=a.project, author=two_clients.manager, health="amber", reason="Waiting on data", client_visible=True
    )
    context = browser.new_context(viewport={"width": 375, "height": 800})
    phone = context.new_page()
    signed_out = ["/portal/sign-in/", "/portal/sign-in/sent/", "/portal/link/not-a-real-token/"]
    for path in signed_out:
        phone.goto(f"{live_server.url}{path}")
        if "link" in path:
            phone.get_by_role("button", name="Continue to the portal").click()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375, path
        assert axe_check(phone) == [], path

    client.force_login(a.user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    signed_in = [
        "/portal/",
        f"/portal/projects/{a.project.pk}/",
        f"/portal/projects/{a.project.pk}/reports/{a.report.pk}/",
    ]
    for path in signed_in:
        response = phone.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        expect(phone.get_by_text("Northwind Logistics International Holdings").first).to_be_visible()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375, path
        assert axe_check(phone) == [], path
    phone.get_by_role("button", name="Show navigation").click()
    assert axe_check(phone) == []  # Sign out, shown, has enough contrast
    context.close()
