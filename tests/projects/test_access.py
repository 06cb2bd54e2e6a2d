from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from portal import reports
from projects import services
from tests.access import ROLES, Route, expected_status, url_names
from tests.factories import UserFactory

ROUTES = [
    Route("project_list", scoped=False),
    Route("project_create", methods=("GET", "POST"), scoped=False),
    Route("project_detail", lambda w: {"pk": w.project.pk}),
    Route("project_edit", lambda w: {"pk": w.project.pk}, methods=("GET", "POST")),
    Route("project_close", lambda w: {"pk": w.project.pk}, methods=("GET", "POST")),
    Route("milestone_create", lambda w: {"pk": w.project.pk}, methods=("GET", "POST")),
    Route("risk_create", lambda w: {"pk": w.project.pk}, methods=("GET", "POST")),
    Route("change_request_create", lambda w: {"pk": w.project.pk}, methods=("GET", "POST")),
    Route("decision_create", lambda w: {"pk": w.project.pk}, methods=("GET", "POST")),
    Route("status_update_create", lambda w: {"pk": w.project.pk}, methods=("GET", "POST")),
    Route("recovery_start", lambda w: {"pk": w.project.pk}, methods=("GET", "POST")),
    Route("recovery_end", lambda w: {"pk": w.recovering.pk}, methods=("GET", "POST")),
    Route("milestone_edit", lambda w: {"pk": w.milestone.pk}, methods=("GET", "POST")),
    Route("milestone_complete", lambda w: {"pk": w.milestone.pk}, methods=("POST",)),
    Route("milestone_reschedule", lambda w: {"pk": w.milestone.pk}, methods=("GET", "POST")),
    Route("risk_edit", lambda w: {"pk": w.risk.pk}, methods=("GET", "POST")),
    Route("risk_close", lambda w: {"pk": w.risk.pk}, methods=("POST",)),
    Route("change_request_decide", lambda w: {"pk": w.change.pk}, methods=("POST",)),
    Route("report_note", lambda w: {"pk": w.project.pk}, methods=("GET", "POST")),
    Route("reports_pause", lambda w: {"pk": w.project.pk}, methods=("POST",)),
    Route("reports_resume", lambda w: {"pk": w.project.pk}, methods=("POST",)),
    Route("status_report_detail", lambda w: {"pk": w.report.pk}),
]


def test_every_projects_url_is_in_the_matrix():
    assert url_names("projects") == {route.name for route in ROUTES}


@pytest.fixture
def world(acme, pm, teammate, other_pm, admin_user, client_contact):
    """acme's account manager is pm; the project is managed by someone else, with teammate on
    its team, so each of the three ways in is tested on its own."""
    project = services.project_create(
        client=acme, name="Replatforming", manager=UserFactory(), team=[teammate], status="active"
    )
    recovering = services.project_create(client=acme, name="Troubled", manager=UserFactory(), team=[teammate])
    services.recovery_start(
        project=recovering, by=pm, root_cause="x", reset_expectations="x", actions="x", exit_criteria="x"
    )
    return SimpleNamespace(
        project=project,
        recovering=recovering,
        milestone=services.milestone_create(project=project, title="Design", due_on=date(2027, 1, 1)),
        risk=services.risk_raise(project=project, title="Vendor", probability=3, impact=4),
        change=services.change_request_propose(project=project, title="Add SSO"),
        report=reports.status_report_create(project=project, due_at=timezone.now()),
        people={
            "admin": admin_user,
            "account_manager": pm,
            "team_member": teammate,
            "other_manager": other_pm,
            "client_contact": client_contact,
            "anonymous": None,
        },
    )


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_projects_url_answers_by_role(client, world, route, role, method):
    person = world.people[role]
    if person is not None:
        client.force_login(person)
    url = reverse(f"projects:{route.name}", kwargs=route.kwargs(world))
    response = client.get(url) if method == "GET" else client.post(url, route.post_data(world))
    assert response.status_code in expected_status(route, role, method), (role, method, url)


def test_a_client_team_member_not_on_the_project_does_not_see_it(client, world, acme):
    colleague = UserFactory()
    acme.team.add(colleague)
    client.force_login(colleague)
    assert client.get(reverse("projects:project_detail", kwargs={"pk": world.project.pk})).status_code == 404
    client_page = client.get(reverse("crm:client_detail", kwargs={"pk": acme.pk}))
    assert client_page.status_code == 200
    assert "Replatforming" not in client_page.content.decode()


def test_the_project_list_shows_only_projects_in_scope(client, world, other_pm):
    services.project_create(client=world.project.client, name="Hidden", manager=UserFactory())
    client.force_login(other_pm)
    html = client.get(reverse("projects:project_list")).content.decode()
    assert "Replatforming" not in html and "Hidden" not in html
