from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from projects.models import RiskIssue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_runs_a_project_into_recovery(page, live_server, pm, acme, sign_in_browser, axe_check):
    today = timezone.localdate()
    sign_in_browser(page, pm)
    page.goto(f"{live_server.url}/clients/{acme.pk}/")
    page.get_by_role("link", name="New project").click()
    expect(page.get_by_role("combobox", name="Client")).to_have_value(str(acme.pk))
    page.get_by_role("textbox", name="Name").fill("Data platform")
    page.get_by_role("combobox", name="Status").select_option("active")
    page.get_by_label("Start").fill(today.isoformat())
    page.get_by_label("Target end").fill((today + timedelta(days=90)).isoformat())
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_role("heading", name="Data platform", level=1)).to_be_visible()

    for index, title in enumerate(["Discovery", "Build", "Launch"]):
        page.get_by_role("link", name="Add milestone").click()  # loads the form inline (htmx)
        form = page.locator("#milestone-form-slot form")
        form.get_by_label("Title").fill(title)
        form.get_by_label("Due").fill((today + timedelta(days=30 * (index + 1))).isoformat())
        form.get_by_role("button", name="Save").click()
        expect(page.locator(".milestone-timeline .fw-semibold").get_by_text(title, exact=True)).to_be_visible()

    page.get_by_role("button", name="Complete Discovery").click()
    health = page.get_by_role("region", name="Health and progress")
    expect(health.get_by_role("progressbar")).to_have_attribute("value", "33")
    expect(health).to_contain_text("33%")

    page.get_by_role("link", name="Reschedule Build").click()
    old_date = today + timedelta(days=60)
    new_date = today + timedelta(days=75)
    page.get_by_label("New due date").fill(new_date.isoformat())
    page.get_by_label("Reason").fill("Vendor API delayed")
    page.get_by_role("button", name="Reschedule").click()
    expect(page.locator(".moved-history")).to_contain_text(f"{old_date:%-d %b %Y} → {new_date:%-d %b %Y}")

    page.get_by_role("link", name="Raise a risk or issue").click()
    form = page.locator("#risk-form-slot form")
    form.get_by_label("Title").fill("Key engineer leaving")
    form.get_by_label("Probability").select_option("4")
    form.get_by_label("Impact").select_option("5")
    form.get_by_label("The client can see it").check()
    form.get_by_role("button", name="Save").click()
    register = page.get_by_role("region", name="Risks and issues")
    expect(register.get_by_role("cell", name="Risk Key engineer leaving")).to_be_visible()
    expect(register.get_by_text("Client can see")).to_be_visible()
    expect(register.get_by_text("20", exact=True)).to_be_visible()

    page.get_by_role("link", name="Propose a change").click()
    form = page.locator("#change-form-slot form")
    form.get_by_label("Title").fill("Add single sign-on")
    form.get_by_label("Schedule impact (days)").fill("10")
    form.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Approve Add single sign-on").click()
    expect(page.get_by_role("region", name="Change requests")).to_contain_text("Approved by")

    page.get_by_role("link", name="Record a decision").click()
    form = page.locator("#decision-form-slot form")
    form.get_by_label("What was decided").fill("Launch in two waves")
    form.get_by_label("Who decided").fill("Jane Client and Alice Manager")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("region", name="Decisions")).to_contain_text("Launch in two waves")

    page.get_by_role("link", name="Post an update").click()
    form = page.locator("#update-form-slot form")
    form.get_by_label("Amber").check()
    form.get_by_label("Why this health?").fill("Build slipped two weeks")
    form.get_by_role("button", name="Post update").click()
    expect(health).to_contain_text("Amber")
    expect(health).to_contain_text("Build slipped two weeks")
    assert axe_check(page) == []

    page.get_by_role("link", name="Start recovery").click()
    page.get_by_label("Root cause").fill("Under-estimated integration work")
    page.get_by_label("Expectations reset with the client").fill("New launch date agreed; weekly calls")
    page.get_by_label("Actions").fill("Add a second integration engineer")
    page.get_by_label("Exit criteria").fill("Two green weeks")
    page.get_by_role("button", name="Start recovery").click()
    recovery = page.get_by_role("region", name="In recovery")
    expect(recovery).to_contain_text("Under-estimated integration work")
    expect(recovery).to_contain_text("now every 7 days")

    page.get_by_role("link", name="Acme Corp").first.click()
    expect(page.get_by_role("region", name="Relationship", exact=True)).to_contain_text("7 days")
    expect(page.get_by_role("region", name="Relationship", exact=True)).to_contain_text("normally 14")
    assert RiskIssue.objects.get().client_visible
