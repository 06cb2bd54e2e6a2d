"""The portal's pages, signed in and out, carry the same strict policy as the managers' pages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.config.test_security_headers import assert_strict_policy


@pytest.mark.django_db
def test_portal_pages_carry_the_policy(client, two_clients):
    a = two_clients.a
    assert_strict_policy(Client().get(reverse("portal:sign_in")))
    assert_strict_policy(Client().get(reverse("portal:link", args=["not-a-real-token"])))
    client.force_login(a.user)
    for path in (
        reverse("portal:home"),
        reverse("portal:project_detail", args=[a.project.pk]),
        reverse("portal:status_report", args=[a.project.pk, a.report.pk]),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_strict_policy(response)
        assert b" style=" not in response.content, path  # the report's email HTML, restyled by class
    hidden = client.get(reverse("portal:project_detail", args=[a.hidden.pk]))
    assert hidden.status_code == 404
    assert_strict_policy(hidden)
