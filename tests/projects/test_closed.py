"""A closed project shows how it closed, not its last RAG, and its register no longer counts as
open high risks anywhere."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from projects import selectors, services
from projects.models import Project


def _closed_red_project(acme, pm):
    project = services.project_create(client=acme, name="Legacy migration", manager=pm, status="active")
    services.status_update_post(project=project, author=pm, health="red", reason="Vendor collapsed")
    services.risk_raise(project=project, title="Data loss", probability=5, impact=5)
    done = services.milestone_create(project=project, title="Extract", due_on=timezone.localdate())
    services.milestone_complete(milestone=done)
    services.milestone_create(project=project, title="Load", due_on=timezone.localdate() + timedelta(days=9))
    return services.project_close(project=project, status="completed", ended_on=timezone.localdate())


def test_the_client_page_and_the_project_list_show_completed_not_red(client, acme, pm):
    project = _closed_red_project(acme, pm)
    client.force_login(pm)
    for url in (reverse("crm:client_detail", kwargs={"pk": acme.pk}), reverse("projects:project_list")):
        html = client.get(url).content.decode()
        assert "Legacy migration" in html
        assert "health-red" not in html
        assert f"Completed {project.actual_end_on:%-d %b %Y}" in html
        assert "high risk" not in html
        assert "50%" not in html


def test_a_closed_projects_risks_are_not_open_high_risks(acme, pm):
    project = _closed_red_project(acme, pm)
    annotated = selectors.with_progress(Project.objects.filter(pk=project.pk)).get()
    assert annotated.open_high_risks == 0
    reopened = services.project_create(client=acme, name="Next phase", manager=pm, status="active")
    services.risk_raise(project=reopened, title="Scope", probability=5, impact=5)
    assert selectors.with_progress(Project.objects.filter(pk=reopened.pk)).get().open_high_risks == 1
