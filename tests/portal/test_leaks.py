"""Portal pages show what is shared and nothing else: no internal field value reaches the HTML
or the template context, and nothing of another client does."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from django.urls import reverse

from crm import services as crm
from portal import client_view
from projects import services as projects
from tests.portal.world import fill_project

INTERNAL_FIELDS = {"notes", "sentiment", "concerns", "flag", "resolution", "health_reason", "health_score", "email"}


@pytest.fixture
def world(two_clients):
    a, b = two_clients.a, two_clients.b
    crm.client_update(client=a.client, notes="SECRET client notes", goals="SECRET goals", kpis="SECRET kpis")
    crm.contact_update(contact=a.contact, notes="SECRET contact notes")
    projects.project_update(project=a.project, objectives="SECRET objectives", success_criteria="SECRET criteria")
    projects.recovery_start(
        project=a.project, by=two_clients.manager, root_cause="SECRET root cause", reset_expectations="SECRET reset",
        actions="SECRET actions", exit_criteria="SECRET exit",
    )  # fmt: skip
    fill_project(a.project, manager=two_clients.manager, contact=a.contact, n=2)
    fill_project(a.hidden, manager=two_clients.manager, contact=a.contact, n=1, tag="SECRET")
    fill_project(b.project, manager=two_clients.manager, contact=b.contact, n=2, tag="SECRET")
    return two_clients


def _strings(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Every string (with where it sits) in a portal page object, and every field name."""
    if dataclasses.is_dataclass(value):
        found = []
        for field in dataclasses.fields(value):
            assert field.name not in INTERNAL_FIELDS, f"{path}.{field.name} is an internal field"
            found += _strings(getattr(value, field.name), f"{path}.{field.name}")
        return found
    if isinstance(value, list | tuple):
        return [item for index, element in enumerate(value) for item in _strings(element, f"{path}[{index}]")]
    return [(path, str(value))]


def _pages(world):
    a = world.a
    return [reverse("portal:home"), reverse("portal:project_detail", kwargs={"pk": a.project.pk})]


@pytest.mark.parametrize("which", [0, 1])
def test_no_internal_value_reaches_the_page_or_its_context(client, world, which):
    client.force_login(world.a.user)
    response = client.get(_pages(world)[which])
    assert response.status_code == 200
    html = response.content.decode()
    assert "SHOWN" in html
    assert "SECRET" not in html

    page = response.context["page"]
    assert isinstance(page, client_view.PortalHome | client_view.ProjectWindow)
    leaks = [(where, text) for where, text in _strings(page, "page") if "SECRET" in text]
    assert leaks == []
    allowed = {"page", "request", "user", "perms", "csrf_token", "messages", "DEFAULT_MESSAGE_LEVELS", "view"}
    for context in response.context:
        for key, value in context.flatten().items():
            if key in allowed or key in ("True", "False", "None"):
                continue
            # Template tags (progress bar, includes) only pass on pieces of `page`.
            assert "SECRET" not in str(value), key


def test_the_project_page_shows_every_kind_of_shared_item(client, world):
    client.force_login(world.a.user)
    page = client.get(_pages(world)[1]).context["page"]
    assert page.narrative.reason == "SHOWN narrative reason"
    assert [m.title for m in page.milestones] == ["SHOWN milestone 0", "SHOWN milestone 1"]
    assert all(m.first_planned_on is not None for m in page.milestones)
    assert {r.title for r in page.risks} == {"SHOWN risk 0", "SHOWN risk 1"}
    assert {c.title for c in page.changes} == {"SHOWN change 0", "SHOWN change 1"}
    assert {d.title for d in page.decisions} == {"SHOWN decision 0", "SHOWN decision 1"}
    assert {m.summary for m in page.meetings} == {"SHOWN meeting summary 0", "SHOWN meeting summary 1"}
    assert {i.text for i in page.action_items} == {"SHOWN client task 0", "SHOWN client task 1"}
    assert page.project.progress == 0


def test_a_closed_risk_and_a_done_client_item_leave_the_page(client, world):
    risk = world.a.project.risks.get(title="SHOWN risk 0")
    projects.risk_close(risk=risk)
    item = world.a.client.action_items.get(text="SHOWN client task 0")
    crm.action_item_complete(item=item)
    client.force_login(world.a.user)
    html = client.get(_pages(world)[1]).content.decode()
    assert "SHOWN risk 0" not in html
    assert "SHOWN client task 0" not in html
    assert "SHOWN risk 1" in html


def test_home_shows_shared_meetings_without_a_project_and_hides_those_of_unshared_projects(client, world):
    crm.interaction_log(
        client=world.a.client, logged_by=world.manager, summary="SHOWN general catch-up", shared_with_client=True
    )
    client.force_login(world.a.user)
    page = client.get(reverse("portal:home")).context["page"]
    summaries = {m.summary for m in page.meetings}
    assert "SHOWN general catch-up" in summaries
    assert not any("SECRET" in summary for summary in summaries)
