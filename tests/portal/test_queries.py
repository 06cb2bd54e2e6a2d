"""Portal home and project page: the same number of queries with 1 and with 25 items of each
kind (session and user included): one plain query per list of the client view."""

from __future__ import annotations

import pytest
from django.urls import reverse

from projects import services as projects
from tests.portal.world import fill_project

SIZES = [1, 25]
PORTAL_HOME_QUERIES = 6
PORTAL_PROJECT_QUERIES = 13  # 12, plus the contact's own pulse answer of this week


@pytest.mark.parametrize("n", SIZES)
def test_portal_home_queries(client, two_clients, n, django_assert_num_queries):
    a = two_clients.a
    for index in range(n - 1):
        projects.project_create(
            client=a.client, name=f"Extra {index}", manager=two_clients.manager, status="active", portal_visible=True
        )
    fill_project(a.project, manager=two_clients.manager, contact=a.contact, n=n)
    client.force_login(a.user)
    with django_assert_num_queries(PORTAL_HOME_QUERIES):
        response = client.get(reverse("portal:home"))
    page = response.context["page"]
    assert len(page.projects) == n
    assert len(page.action_items) == n
    assert len(page.meetings) == min(n, 20)


@pytest.mark.parametrize("n", SIZES)
def test_portal_project_page_queries(client, two_clients, n, django_assert_num_queries):
    a = two_clients.a
    fill_project(a.project, manager=two_clients.manager, contact=a.contact, n=n)
    client.force_login(a.user)
    with django_assert_num_queries(PORTAL_PROJECT_QUERIES):
        response = client.get(reverse("portal:project_detail", kwargs={"pk": a.project.pk}))
    page = response.context["page"]
    assert len(page.milestones) == len(page.risks) == len(page.changes) == len(page.decisions) == n
    assert len(page.action_items) == n
