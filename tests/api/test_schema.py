"""The OpenAPI schema validates (drf-spectacular's own validator, warnings as failures), and the
documentation page is served from installed packages, never a CDN."""

from __future__ import annotations

import re

import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from tests.api.conftest import api_as


def test_the_schema_validates_without_warnings(db, tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path in [
        "/api/v1/clients/", "/api/v1/contacts/", "/api/v1/interactions/", "/api/v1/action-items/",
        "/api/v1/action-items/{id}/complete/", "/api/v1/checkins/", "/api/v1/projects/", "/api/v1/milestones/",
        "/api/v1/risks/",
    ]:  # fmt: skip
        assert path in paths, path
    assert "post" in paths["/api/v1/interactions/"]
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])
    assert {p["name"] for p in paths["/api/v1/clients/"]["get"]["parameters"]} >= {"q", "status", "account_manager"}


def test_the_schema_is_served_to_staff_only(pm, client_contact):
    assert api_as(pm).get(reverse("api:schema")).status_code == 200
    assert APIClient().get(reverse("api:schema")).status_code == 401


def test_the_docs_page_loads_its_assets_from_our_static_files(client, pm):
    client.force_login(pm)
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("drf_spectacular_sidecar/swagger-ui-dist" in src for src in sources)
    assert all(src.startswith("/") for src in sources), sources
    assert "cdn" not in html.lower()
    for src in sources:
        if src.startswith(settings.STATIC_URL):
            assert finders.find(src.removeprefix(settings.STATIC_URL).split("?")[0]), src
