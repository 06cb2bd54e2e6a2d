"""Under the Content-Security-Policy, with the demo's data: every manager, admin and portal page
loads without one `securitypolicyviolation` event (tests/conftest.py fails the test on any),
htmx still swaps (a new action-item row, a Done button) and Chart.js still draws."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client as DjangoClient
from django.urls import reverse
from playwright.sync_api import expect

from crm.models import ActionItem, CheckIn, Client, Contact, Interaction
from crm.unsubscribe import unsubscribe_url
from ops.demo import seed_demo
from projects.models import ChangeRequest, Milestone, Project, RiskIssue, StatusReport
from tests.conftest import csp_violations
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS_DRAWN = """() => [...document.querySelectorAll("canvas[data-chart]")].map((canvas) => {
  const chart = Chart.getChart(canvas);
  if (!chart) return 0;
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
  return painted;
})"""


@pytest.fixture
def demo(db):
    return seed_demo(password=PASSWORD, progress=lambda step: None)


def sign_in_with_cookie(context, live_server, user) -> None:
    browser = DjangoClient()
    browser.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": browser.cookies["sessionid"].value, "url": live_server.url}])


def visit_all(page, live_server, paths: list[str]) -> None:
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("load")
        assert csp_violations == [], path


def manager_pages(manager) -> list[str]:
    client = (
        Client.objects.filter(account_manager=manager, archived_at__isnull=True, projects__isnull=False)
        .order_by("pk")
        .first()
    )
    project = Project.objects.filter(manager=manager, status="active", status_reports__isnull=False).first()
    interaction = Interaction.objects.filter(client__account_manager=manager).order_by("-occurred_at").first()
    checkin = CheckIn.objects.filter(client__account_manager=manager, state=CheckIn.State.DUE).first()
    milestone = Milestone.objects.filter(project=project).first()
    risk = RiskIssue.objects.filter(project__manager=manager).first()
    change = ChangeRequest.objects.filter(project__manager=manager).first()
    report = StatusReport.objects.filter(project=project).first()
    assert all((client, project, interaction, checkin, milestone, risk, change, report))
    contact = client.contacts.first()
    return [
        reverse("today:index"),
        reverse("crm:client_list"),
        reverse("crm:client_list") + "?q=a&sort=health",
        reverse("crm:client_create"),
        reverse("crm:client_detail", args=[client.pk]),
        reverse("crm:client_edit", args=[client.pk]),
        reverse("crm:contact_create", args=[client.pk]),
        reverse("crm:contact_edit", args=[contact.pk]),
        reverse("crm:log"),
        reverse("crm:interaction_log", args=[client.pk]),
        reverse("crm:interaction_detail", args=[interaction.pk]),
        reverse("crm:interaction_edit", args=[interaction.pk]),
        reverse("crm:action_item_list"),
        reverse("crm:checkin_briefing", args=[checkin.pk]),
        reverse("crm:checkin_reschedule", args=[checkin.pk]),
        reverse("projects:project_list"),
        reverse("projects:project_create"),
        reverse("projects:project_detail", args=[project.pk]),
        reverse("projects:project_edit", args=[project.pk]),
        reverse("projects:project_close", args=[project.pk]),
        reverse("projects:milestone_create", args=[project.pk]),
        reverse("projects:milestone_edit", args=[milestone.pk]),
        reverse("projects:milestone_reschedule", args=[milestone.pk]),
        reverse("projects:risk_create", args=[project.pk]),
        reverse("projects:risk_edit", args=[risk.pk]),
        reverse("projects:change_request_create", args=[project.pk]),
        reverse("projects:decision_create", args=[project.pk]),
        reverse("projects:status_update_create", args=[project.pk]),
        reverse("projects:report_note", args=[project.pk]),
        reverse("reports:preview", args=[project.pk]),
        reverse("projects:status_report_detail", args=[report.pk]),
    ]


def test_every_manager_page_keeps_the_policy_and_htmx_and_charts_work(page, live_server, demo, sign_in_browser):
    maya = demo.managers[0]
    sign_in_browser(page, maya)  # the sign-in page and its form, under the policy
    paths = manager_pages(maya)
    visit_all(page, live_server, paths)

    # Chart.js draws the portfolio on Today and the health and sentiment charts on a client page.
    client_page = next(
        p for p in paths if p.startswith("/clients/") and p.split("/")[2].isdigit() and p.count("/") == 3
    )
    for path in (reverse("today:index"), client_page):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")  # deferred scripts (Chart.js, charts.js) have run by then
        painted = page.evaluate(CHARTS_DRAWN)
        assert painted and all(count > 100 for count in painted), (path, painted)

    # htmx: another action-item row on the log form, swapped in from the server.
    client = Client.objects.filter(account_manager=maya, archived_at__isnull=True).order_by("pk").first()
    page.goto(f"{live_server.url}{reverse('crm:interaction_log', args=[client.pk])}")
    rows = page.locator("#action-items > *")
    before = rows.count()
    page.get_by_role("button", name="+ Add another action item").click()
    expect(rows).to_have_count(before + 1)
    expect(page.locator("#id_items-TOTAL_FORMS")).to_have_value(str(before + 1))

    # htmx: Done on an action item swaps the row in place (no page load).
    item = ActionItem.objects.filter(client__account_manager=maya, done_at__isnull=True).order_by("pk").first()
    page.goto(f"{live_server.url}{reverse('crm:action_item_list')}")
    page.evaluate("window.__samePage = true")
    page.locator(f"#action-item-{item.pk}").get_by_role("button", name="Mark done").click()
    expect(page.locator(f"#action-item-{item.pk}").get_by_role("button", name="Done ✓")).to_be_visible()
    assert page.evaluate("window.__samePage") is True
    item.refresh_from_db()
    assert item.done_at is not None

    # htmx: a form fetched into the project page, and the Content-Security-Policy still quiet.
    project = Project.objects.filter(manager=maya, status="active").order_by("pk").first()
    page.goto(f"{live_server.url}{reverse('projects:project_detail', args=[project.pk])}")
    page.get_by_role("link", name="Add milestone").click()
    expect(page.locator("#milestone-form-slot form")).to_be_visible()
    page.evaluate("0")  # delivers any report the swap raised
    assert csp_violations == []


def test_admin_and_error_pages_keep_the_policy(page, live_server, demo):
    sign_in_with_cookie(page.context, live_server, demo.admin)
    visit_all(
        page,
        live_server,
        [
            "/admin/",
            "/admin/accounts/user/",
            f"/admin/accounts/user/{demo.managers[0].pk}/change/",
            "/admin/crm/client/",
        ],
    )
    assert page.goto(f"{live_server.url}/clients/999999/").status == 404
    assert page.goto(f"{live_server.url}/no-such-page/").status == 404


def test_every_portal_page_keeps_the_policy(browser, live_server, demo):
    contact_user = demo.portal_contact
    contact = Contact.objects.select_related("client").get(user=contact_user)
    context = browser.new_context()
    page = context.new_page()
    signed_out = [
        reverse("portal:sign_in"),
        reverse("portal:sign_in_password"),
        reverse("portal:sign_in_sent"),
        reverse("accounts:password_reset"),
        reverse("accounts:password_reset_sent"),
    ]
    visit_all(page, live_server, signed_out)
    # A link that no longer works: its page, and its form, which posts with Origin: null (the page
    # sends no referrer). Chromium says Sec-Fetch-Site: same-origin, so the CSRF check lets it by.
    page.goto(f"{live_server.url}{reverse('portal:link', args=['not-a-real-token'])}")
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.get_by_role("button", name="Continue to the portal").click()
    headers = posted.value.request.all_headers()
    assert headers["origin"] == "null" and headers["sec-fetch-site"] == "same-origin"
    assert posted.value.status == 410  # the link's own answer, not the CSRF failure's 403
    page.wait_for_load_state("load")
    assert csp_violations == []

    visit_all(page, live_server, [urlsplit(unsubscribe_url(contact)).path])  # the unsubscribe page

    sign_in_with_cookie(context, live_server, contact_user)
    project = Project.objects.filter(client=contact.client, portal_visible=True, status_reports__isnull=False).first()
    report = project.status_reports.first()
    visit_all(
        page,
        live_server,
        [
            reverse("portal:home"),
            reverse("portal:project_detail", args=[project.pk]),
            reverse("portal:status_report", args=[project.pk, report.pk]),
        ],
    )
    expect(page.locator(".report-web .rpt-title")).to_have_text(project.name)
    context.close()
