"""Every page a manager, a client or a visitor can reach, checked as a whole (issue 15):

- valid HTML: the W3C Nu HTML Checker (`vnu-jar` from npm, run under Java) finds 0 errors;
- accessible: axe-core finds no serious or critical violation, at 375 px and at 1280 px;
- fits a phone: at 375 px no page is wider than the viewport.

The pages come from the demo data (ops.demo), plus forms posted with errors and the log form with
an action-item row added by htmx. A named URL that is neither in PAGES nor in EXCLUDED fails
`test_every_named_url_is_checked_or_excluded`, so a page added later is checked or excluded with a
reason."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import expect

from tests.conftest import REPO

VNU = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}

# Named URLs that have no page of their own to check, and why.
EXCLUDED_NAMESPACES = {
    "admin": "Django's own admin; its markup is Django's, not ours",
    "api": "the REST API's JSON, its schema and Swagger UI (drf-spectacular's markup); the account page is checked",
}
EXCLUDED = {
    "ops:healthz": "JSON for the load balancer, not a page",
    "crm:action_item_row": "an htmx fragment; checked inside the log form after '+ Add another action item'",
    "crm:client_archive": "POST only: redirects to the client page",
    "crm:client_restore": "POST only: redirects to the client page",
    "portal_access:grant": "POST only: redirects to the contact's page",
    "portal_access:revoke": "POST only: redirects to the contact's page",
    "portal:project_pulse": "POST only: redirects to the portal project page, which shows the question",
    "exchange:import_commit": "POST only: redirects to the client list, or back to the preview",
    "exchange:import_discard": "POST only: redirects to the import page",
    "exchange:export_clients": "a CSV or XLSX download, not a page",
    "exchange:export_contacts": "a CSV or XLSX download, not a page",
    "exchange:export_interactions": "a CSV or XLSX download, not a page",
    "exchange:export_projects": "a CSV or XLSX download, not a page",
    "exchange:export_risks": "a CSV or XLSX download, not a page",
    "crm:action_item_complete": "POST only: redirects back, or an htmx swap of the row",
    "crm:checkin_skip": "POST only: redirects back",
    "projects:milestone_complete": "POST only: redirects to the project page",
    "projects:risk_close": "POST only: redirects to the project page",
    "projects:change_request_decide": "POST only: redirects to the project page",
    "projects:reports_pause": "POST only: redirects to the project page",
    "projects:reports_resume": "POST only: redirects to the project page",
    "accounts:sign_out": "POST only: redirects to the sign-in page",
    "portal:sign_out": "POST only: redirects to the portal sign-in page",
}


@dataclass(frozen=True)
class Page:
    """One page as a person sees it: who asks, for which URL, and what they post (if anything)."""

    name: str  # the URL's name, "namespace:name"
    who: str  # "manager", "client" or "visitor"
    path: str
    post: dict[str, str] | None = None  # a form posted with errors: the answer must show them
    label: str = ""
    status: int = 200

    @property
    def title(self) -> str:
        return self.label or self.name + (" (errors)" if self.post is not None else "")


@dataclass
class World:
    manager: Any
    contact_user: Any
    password: str
    pages: list[Page]


def build_world() -> World:
    """The demo data, and a page table over it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from crm.models import CheckIn, Client, Contact, Interaction
    from crm.unsubscribe import unsubscribe_url
    from exchange.services import import_upload_create
    from ops.demo import DEFAULT_DEMO_PASSWORD, seed_demo
    from portal.models import SignInToken
    from portal.pulse import pulse_token
    from portal.services import token_issue
    from projects.models import ChangeRequest, Milestone, Project, RiskIssue, StatusReport

    people = seed_demo(password=DEFAULT_DEMO_PASSWORD, progress=lambda step: None)
    maya = people.managers[0]
    portal_user = people.portal_contact
    client = Client.objects.get(name="Northwind Logistics")
    contact = Contact.objects.filter(client=client).order_by("pk").first()
    interaction = Interaction.objects.filter(client=client).order_by("-occurred_at").first()
    checkin = CheckIn.objects.filter(client__account_manager=maya, state="due").order_by("pk").first()
    project = Project.objects.get(name="Route optimisation platform")
    troubled = Project.objects.get(name="Core banking integration")  # in recovery
    milestone = Milestone.objects.filter(project=project).order_by("due_on").last()
    risk = RiskIssue.objects.filter(project=project).order_by("pk").first()
    assert ChangeRequest.objects.filter(project=project).exists()
    report = StatusReport.objects.filter(project=project).first()
    assert report is not None and checkin is not None and contact is not None and interaction is not None
    upload = import_upload_create(
        owner=maya,
        file=SimpleUploadedFile(
            "clients.csv",
            b"Client,Contact,Email\nNorthwind Logistics,Ana Ops,ana@northwind.test\n,No client,x@y.test\n",
        ),
    )
    reader = Contact.objects.filter(client=project.client, receives_reports=True, unsubscribed_at=None).first()
    assert reader is not None
    week = date.fromisocalendar(report.iso_year, report.iso_week, 1)  # the report's week, as in its email
    pulse = pulse_token(contact_id=reader.pk, project_id=project.pk, week=week)

    m = "manager"
    pages = [
        Page("today:index", m, reverse("today:index")),
        Page("crm:client_list", m, reverse("crm:client_list")),
        Page("crm:client_create", m, reverse("crm:client_create")),
        Page("crm:client_create", m, reverse("crm:client_create"), post={"name": "", "checkin_cadence_days": "0"}),
        Page("crm:client_detail", m, reverse("crm:client_detail", args=[client.pk])),
        Page("crm:client_edit", m, reverse("crm:client_edit", args=[client.pk])),
        Page("crm:contact_create", m, reverse("crm:contact_create", args=[client.pk])),
        Page("crm:contact_create", m, reverse("crm:contact_create", args=[client.pk]), post={"name": ""}),
        Page("crm:contact_edit", m, reverse("crm:contact_edit", args=[contact.pk])),
        Page("crm:log", m, reverse("crm:log")),
        Page("crm:interaction_log", m, reverse("crm:interaction_log", args=[client.pk])),
        Page(
            "crm:interaction_log",
            m,
            reverse("crm:interaction_log", args=[client.pk]),
            post={"summary": "", "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0"},
        ),
        Page("crm:interaction_detail", m, reverse("crm:interaction_detail", args=[interaction.pk])),
        Page("crm:interaction_edit", m, reverse("crm:interaction_edit", args=[interaction.pk])),
        Page("crm:action_item_list", m, reverse("crm:action_item_list")),
        Page("crm:checkin_briefing", m, reverse("crm:checkin_briefing", args=[checkin.pk])),
        Page("crm:checkin_reschedule", m, reverse("crm:checkin_reschedule", args=[checkin.pk])),
        Page("crm:checkin_reschedule", m, reverse("crm:checkin_reschedule", args=[checkin.pk]), post={"due_on": ""}),
        Page("projects:project_list", m, reverse("projects:project_list")),
        Page("projects:project_create", m, reverse("projects:project_create")),
        Page("projects:project_create", m, reverse("projects:project_create"), post={"name": ""}),
        Page("projects:project_detail", m, reverse("projects:project_detail", args=[project.pk])),
        Page(
            "projects:project_detail",
            m,
            reverse("projects:project_detail", args=[troubled.pk]),
            label="projects:project_detail (in recovery)",
        ),
        Page("projects:project_edit", m, reverse("projects:project_edit", args=[project.pk])),
        Page("projects:project_close", m, reverse("projects:project_close", args=[project.pk])),
        Page("projects:milestone_create", m, reverse("projects:milestone_create", args=[project.pk])),
        Page(
            "projects:milestone_create", m, reverse("projects:milestone_create", args=[project.pk]), post={"title": ""}
        ),
        Page("projects:milestone_edit", m, reverse("projects:milestone_edit", args=[milestone.pk])),
        Page("projects:milestone_reschedule", m, reverse("projects:milestone_reschedule", args=[milestone.pk])),
        Page("projects:risk_create", m, reverse("projects:risk_create", args=[project.pk])),
        Page("projects:risk_create", m, reverse("projects:risk_create", args=[project.pk]), post={"probability": "9"}),
        Page("projects:risk_edit", m, reverse("projects:risk_edit", args=[risk.pk])),
        Page("projects:change_request_create", m, reverse("projects:change_request_create", args=[project.pk])),
        Page(
            "projects:change_request_create",
            m,
            reverse("projects:change_request_create", args=[project.pk]),
            post={"cost_impact": "-5"},
        ),
        Page("projects:decision_create", m, reverse("projects:decision_create", args=[project.pk])),
        Page("projects:status_update_create", m, reverse("projects:status_update_create", args=[project.pk])),
        Page("projects:recovery_start", m, reverse("projects:recovery_start", args=[project.pk])),
        Page("projects:recovery_end", m, reverse("projects:recovery_end", args=[troubled.pk])),
        Page("projects:report_note", m, reverse("projects:report_note", args=[project.pk])),
        Page("projects:status_report_detail", m, reverse("projects:status_report_detail", args=[report.pk])),
        Page("reports:preview", m, reverse("reports:preview", args=[project.pk])),
        Page("search:search", m, reverse("search:search") + "?q=northwind"),
        Page(
            "search:search", m, reverse("search:search") + "?q=nortwind&kind=client", label="search:search (one kind)"
        ),
        Page("history:detail", m, reverse("history:detail", args=["client", client.pk])),
        Page("history:detail", m, reverse("history:detail", args=["project", project.pk]), label="history (project)"),
        Page("exchange:import_start", m, reverse("exchange:import_start")),
        Page("exchange:import_preview", m, reverse("exchange:import_preview", args=[upload.pk])),
        Page("api:account", m, reverse("api:account")),
        # The client's window.
        Page("portal:home", "client", reverse("portal:home")),
        Page("portal:project_detail", "client", reverse("portal:project_detail", args=[project.pk])),
        Page("portal:status_report", "client", reverse("portal:status_report", args=[project.pk, report.pk])),
        # Signed out.
        Page("accounts:sign_in", "visitor", reverse("accounts:sign_in")),
        Page("accounts:sign_in", "visitor", reverse("accounts:sign_in"), post={"email": "x", "password": ""}),
        Page("accounts:password_reset", "visitor", reverse("accounts:password_reset")),
        Page("accounts:password_reset_sent", "visitor", reverse("accounts:password_reset_sent")),
        Page(
            "accounts:password_reset_confirm",
            "visitor",
            reverse(
                "accounts:password_reset_confirm",
                args=[urlsafe_base64_encode(force_bytes(maya.pk)), default_token_generator.make_token(maya)],
            ),
        ),
        Page("accounts:password_reset_complete", "visitor", reverse("accounts:password_reset_complete")),
        Page("portal:sign_in", "visitor", reverse("portal:sign_in")),
        Page("portal:sign_in", "visitor", reverse("portal:sign_in"), post={"email": "not an address"}),
        Page("portal:sign_in_password", "visitor", reverse("portal:sign_in_password")),
        Page("portal:sign_in_sent", "visitor", reverse("portal:sign_in_sent")),
        Page(
            "portal:link",
            "visitor",
            reverse("portal:link", args=[token_issue(user=portal_user, purpose=SignInToken.Purpose.SIGN_IN)]),
        ),
        Page(
            "portal:invitation",
            "visitor",
            reverse("portal:invitation", args=[token_issue(user=portal_user, purpose=SignInToken.Purpose.INVITATION)]),
        ),
        Page("portal:pulse", "visitor", reverse("portal:pulse", args=[pulse]) + "?score=4"),
        Page(
            "portal:pulse",
            "visitor",
            reverse("portal:pulse", args=["not-a-link"]),
            label="pulse (bad link)",
            status=400,
        ),
        Page("email:unsubscribe", "visitor", unsubscribe_url(contact).split("://", 1)[-1].split("/", 1)[-1]),
    ]
    pages = [p if not p.path.startswith("email/") else Page(p.name, p.who, "/" + p.path) for p in pages]
    return World(manager=maya, contact_user=portal_user, password=DEFAULT_DEMO_PASSWORD, pages=pages)


def _named_urls(resolver: URLResolver | None = None, namespace: str = "") -> Iterator[str]:
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
            yield from _named_urls(pattern, inner or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def _fetch(client: Any, page: Page) -> Any:
    if page.post is None:
        return client.get(page.path)
    return client.post(page.path, page.post)


def vnu_errors(documents: dict[str, str]) -> dict[str, list[str]]:
    """Run the Nu HTML Checker once over all documents; return its errors by document name."""
    java = shutil.which("java")
    assert java, "Java is needed for the Nu HTML Checker: apt-get install default-jre-headless"
    assert VNU.exists(), "vnu.jar comes from npm: run `make deps`"
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="rapport-vnu-"))
    files = {}
    for index, (name, html) in enumerate(documents.items()):
        path = folder / f"{index:03d}.html"
        path.write_text(html, encoding="utf-8")
        files[path.name] = name
    run = subprocess.run(  # noqa: S603 (fixed command line, our own files)
        [java, "-Xss4m", "-jar", str(VNU), "--format", "json", "--errors-only", *[str(p) for p in folder.iterdir()]],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    shutil.rmtree(folder)
    errors: dict[str, list[str]] = {}
    for message in json.loads(run.stderr)["messages"]:
        url = message.get("url", "?")
        name = files.get(url.rsplit("/", 1)[-1], url)
        line = message.get("lastLine", "?")
        errors.setdefault(name, []).append(f"line {line}: {message['message']} [{message.get('extract', '')!r}]")
    return errors


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


def test_every_named_url_is_checked_or_excluded(world: World) -> None:
    named = set(_named_urls())
    checked = {page.name for page in world.pages}
    missing = {name for name in named - checked - set(EXCLUDED) if name.split(":", 1)[0] not in EXCLUDED_NAMESPACES}
    assert missing == set(), "add these pages to PAGES in tests/test_pages_quality.py, or exclude them with a reason"
    assert checked <= named and set(EXCLUDED) <= named


def _clients(world: World, client_factory: Callable[[], Any]) -> dict[str, Any]:
    manager, portal, visitor = client_factory(), client_factory(), client_factory()
    manager.force_login(world.manager)
    portal.force_login(world.contact_user)
    return {"manager": manager, "client": portal, "visitor": visitor}


def test_every_page_is_valid_html(world: World) -> None:
    from django.test import Client

    clients = _clients(world, Client)
    documents: dict[str, str] = {}
    for page in world.pages:
        response = _fetch(clients[page.who], page)
        assert response.status_code == (page.status if page.post is None else 200), page.title
        body = response.content.decode()
        if page.post is not None:
            assert "is-invalid" in body or "alert-danger" in body, f"{page.title} shows no error"
        documents[f"{page.title} {page.path}"] = body
    # The log form with a second action-item row, as htmx adds it.
    log = next(p for p in world.pages if p.name == "crm:interaction_log" and p.post is None)
    row = clients["manager"].get(log.path + "action-item-row/?items-TOTAL_FORMS=1", HTTP_HX_REQUEST="true")
    assert row.status_code == 200
    fragment = re.sub(r"<input[^>]*swap-oob[^>]*>", "", row.content.decode())  # htmx moves it out of band
    documents["crm:interaction_log + htmx row"] = documents[f"{log.title} {log.path}"].replace(
        '<div id="action-items">', '<div id="action-items">' + fragment, 1
    )
    errors = vnu_errors(documents)
    report = "\n".join(f"{name}: {len(found)} errors\n  " + "\n  ".join(found[:8]) for name, found in errors.items())
    assert errors == {}, report


def _browser_pages(
    world: World, browser: Any, live_server: Any, viewport: dict[str, int]
) -> Iterator[tuple[Page, Any]]:
    """Each page opened in Chromium by the person it is for; forms with errors submitted there."""
    contexts: dict[str, Any] = {}
    for who, user in (("manager", world.manager), ("client", world.contact_user), ("visitor", None)):
        context = browser.new_context(viewport=viewport)
        if user is not None:  # signed in through a session cookie: the sign-in pages have tests of their own
            from django.conf import settings
            from django.test import Client

            session = Client()
            session.force_login(user)
            cookie = session.cookies[settings.SESSION_COOKIE_NAME].value
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        contexts[who] = context.new_page()
    for page in world.pages:
        tab = contexts[page.who]
        tab.goto(live_server.url + page.path)
        if page.post is not None:
            # Submit the page's main form with these values, past the browser's own checks, so
            # the server's error messages show.
            tab.evaluate(
                """(values) => {
                    const form = [...document.querySelectorAll('main form[method=post]')].pop();
                    form.noValidate = true;
                    for (const [name, value] of Object.entries(values)) {
                        const input = form.elements[name];
                        if (input && input.type !== 'hidden') input.value = value;
                    }
                    form.requestSubmit();
                }""",
                page.post,
            )
            tab.wait_for_load_state()
            tab.wait_for_function("document.readyState === 'complete'")
        yield page, tab
        if page.name == "crm:interaction_log" and page.post is None:
            tab.get_by_role("button", name="+ Add another action item").click()
            tab.locator("[name='items-1-text']").wait_for()
            yield Page(page.name, page.who, page.path, label="crm:interaction_log + htmx row"), tab
    for tab in contexts.values():
        tab.context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375px", "1280px"])
def test_every_page_passes_axe_and_fits_the_screen(
    browser: Any, live_server: Any, axe_check: Any, viewport: dict[str, int]
) -> None:
    world = build_world()
    problems = {}
    for page, tab in _browser_pages(world, browser, live_server, viewport):
        found: list[Any] = axe_check(tab)
        width = tab.evaluate("document.documentElement.scrollWidth")
        if width > viewport["width"]:
            found.append(f"{width} px wide")
        if page.post is not None and not tab.locator(".is-invalid, .alert-danger").count():
            found.append("no error shown")
        if page.who == "manager" and not tab.get_by_role("link", name="+ Log").is_visible():
            found.append("the + Log button is not visible without opening the menu")
        if page.name == "crm:client_detail" and viewport == PHONE:
            top = {
                name: tab.get_by_role("heading", name=name, exact=True).bounding_box()["y"]
                for name in ("Timeline", "Relationship")
            }
            if not top["Timeline"] < top["Relationship"]:
                found.append("on a phone the timeline comes after the relationship details")
        if found:
            problems[f"{page.title} {page.path}"] = found
    assert problems == {}, json.dumps(problems, indent=1)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_concerns_open_by_themselves_when_the_client_was_unhappy(page, live_server, pm, acme, sign_in_browser):
    page.set_viewport_size(PHONE)
    sign_in_browser(page, pm)
    page.goto(f"{live_server.url}/clients/{acme.pk}/log/")
    concerns = page.get_by_label("Concerns raised")
    expect(concerns).not_to_be_visible()
    page.get_by_label("Happy", exact=True).check()
    expect(concerns).not_to_be_visible()
    page.get_by_label("Unhappy", exact=True).check()
    expect(concerns).to_be_visible()
    concerns.fill("Worried about the cut-over date.")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_error_summary_takes_the_focus_and_links_to_the_field(page, live_server, pm, sign_in_browser):
    sign_in_browser(page, pm)
    page.goto(f"{live_server.url}/clients/new/")
    page.get_by_label("Check-in every (days)").fill("0")
    page.get_by_role("button", name="Add client").click()
    summary = page.get_by_role("alert").filter(has_text="problems to fix")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Name").click()
    expect(page.get_by_label("Name")).to_be_focused()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_team_does_not_offer_the_account_manager_herself(page, live_server, pm, teammate, sign_in_browser):
    sign_in_browser(page, pm)
    page.goto(f"{live_server.url}/clients/new/")
    expect(page.get_by_label(str(pm), exact=True)).to_be_hidden()
    expect(page.get_by_label(str(teammate), exact=True)).to_be_visible()
    page.get_by_label("Account manager").select_option(str(teammate.pk))
    expect(page.get_by_label(str(teammate), exact=True)).to_be_hidden()
    expect(page.get_by_label(str(pm), exact=True)).to_be_visible()
