"""Content-Security-Policy and Permissions-Policy on every kind of response: manager and portal
pages, redirects, htmx fragments, errors, /healthz, the admin and static files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal import reports
from tests.conftest import REPO
from tests.factories import ProjectFactory

REQUIRED = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "object-src": {"'none'"},
    "base-uri": {"'none'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}


def directives(header: str) -> dict[str, set[str]]:
    parsed: dict[str, set[str]] = {}
    for part in filter(None, (p.strip() for p in header.split(";"))):
        name, *sources = part.split()
        parsed[name] = set(sources)
    return parsed


def assert_strict_policy(response) -> None:
    policy = directives(response["Content-Security-Policy"])
    for name, sources in REQUIRED.items():
        assert policy.get(name) == sources, (name, policy.get(name))
    for name in ("default-src", "script-src", "style-src"):
        assert not policy[name] & {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*"}, name
    features = dict(item.strip().split("=", 1) for item in response["Permissions-Policy"].split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()", feature


@pytest.fixture
def admin_client(admin_user) -> Client:
    browser = Client()
    browser.force_login(admin_user)
    return browser


@pytest.mark.django_db
def test_manager_pages_redirects_fragments_and_errors_carry_the_policy(client, pm, acme):
    anonymous = Client()
    assert_strict_policy(anonymous.get("/"))  # a redirect to sign in
    assert_strict_policy(anonymous.get(reverse("accounts:sign_in")))
    client.force_login(pm)
    project = ProjectFactory(client=acme, manager=pm, status="active")
    report = reports.status_report_create(project=project, due_at=timezone.now())
    pages = [
        reverse("today:index"),
        reverse("crm:client_list"),
        reverse("crm:client_detail", args=[acme.pk]),
        reverse("projects:project_detail", args=[project.pk]),
        reverse("reports:preview", args=[project.pk]),
        reverse("projects:status_report_detail", args=[report.pk]),
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_strict_policy(response)
        assert b" style=" not in response.content, path
    fragment = client.get(
        reverse("crm:action_item_row", args=[acme.pk]), {"items-TOTAL_FORMS": "1"}, HTTP_HX_REQUEST="true"
    )
    assert fragment.status_code == 200
    assert_strict_policy(fragment)
    missing = client.get("/clients/999999/")
    assert missing.status_code == 404
    assert_strict_policy(missing)
    assert_strict_policy(client.get("/no-such-page/"))
    forbidden = Client(enforce_csrf_checks=True)
    forbidden.force_login(pm)
    refused = forbidden.post(reverse("crm:client_archive", args=[acme.pk]))
    assert refused.status_code == 403
    assert_strict_policy(refused)


@pytest.mark.django_db
def test_healthz_admin_and_static_files_carry_the_policy(admin_client, settings):
    assert_strict_policy(Client().get("/healthz"))
    for path in ("/admin/", "/admin/accounts/user/", "/admin/accounts/user/add/"):
        response = admin_client.get(path)
        assert response.status_code == 200, path
        assert_strict_policy(response)
    # WhiteNoise serves static files ahead of the views; the CSP middleware sits before it.
    settings.WHITENOISE_USE_FINDERS = settings.WHITENOISE_AUTOREFRESH = True
    static = Client().get("/static/img/favicon.svg")
    assert static.status_code == 200
    assert_strict_policy(static)


@pytest.mark.django_db
def test_no_nonce_is_sent_while_no_page_has_an_inline_script(client, pm):
    """The nonce source is in the policy for a page that needs one; today none does."""
    client.force_login(pm)
    assert "nonce-" not in client.get(reverse("today:index"))["Content-Security-Policy"]


# What the policy refuses, kept out of the templates: a slip here shows up as a violation in the
# browser tests only on pages they happen to visit. Emails are exempt: they never reach a page
# except through ui.email_html, which drops every style attribute.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.I)
HANDLER = re.compile(r"\s(?:on[a-z]+|hx-on[:\w-]*)\s*=", re.I)
STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)


def page_templates() -> list[Path]:
    root = REPO / "templates"
    skip = {root / "emails", root / "portal" / "report"}
    return [p for p in root.rglob("*.html") if not any(p.is_relative_to(s) for s in skip)]


def test_page_templates_hold_no_inline_script_handler_or_style():
    offenders = []
    for path in page_templates():
        text = path.read_text()
        for name, pattern in (("inline script", INLINE_SCRIPT), ("event handler", HANDLER), ("style", STYLE)):
            if pattern.search(text):
                offenders.append(f"{path.relative_to(REPO)}: {name}")
    assert page_templates() and offenders == []
