"""Derived figures a client sees come from the rows they may see, and every client-facing place
tells the same story: the health of the latest shared update, progress over shared milestones,
late milestones with their dates, and the same items on home, project page and report."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from crm import services as crm
from crm.models import ActionItem
from portal import client_view
from portal.reports import report_render
from projects import services as projects

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _everything_the_client_sees(client, world) -> list[str]:
    """Portal home, the project page and the report (HTML and text) as the client gets them."""
    client.force_login(world.a.user)
    pages = [
        client.get(reverse("portal:home")).content.decode(),
        client.get(reverse("portal:project_detail", kwargs={"pk": world.a.project.pk})).content.decode(),
    ]
    project = type(world.a.project).objects.select_related("client", "manager").get(pk=world.a.project.pk)
    _, html, text = report_render(project, due_at=timezone.now(), note="")
    return [TOKEN.sub("", page) for page in pages] + [html, text]


def _window(world):
    return client_view.portal_project_window(contact=world.a.contact, pk=world.a.project.pk)


def test_an_internal_red_update_does_not_set_the_health_the_client_sees(client, two_clients):
    project, manager = two_clients.a.project, two_clients.manager
    projects.status_update_post(
        project=project, author=manager, health="amber", reason="Vendor late", client_visible=True
    )
    projects.status_update_post(project=project, author=manager, health="red", reason="Internal: budget blown")
    assert _window(two_clients).project.health == "amber"
    seen = _everything_the_client_sees(client, two_clients)
    assert all("Red" not in page for page in seen)
    assert "Amber" in seen[1] and "Amber" in seen[2] and "Health: Amber" in seen[3]


def test_no_shared_update_means_no_health_badge(client, two_clients):
    projects.status_update_post(project=two_clients.a.project, author=two_clients.manager, health="red", reason="x")
    assert _window(two_clients).project.health is None
    page, report_html, report_text = _everything_the_client_sees(client, two_clients)[1:]
    assert "health-red" not in page and "Health" not in report_text


def test_progress_counts_only_the_milestones_the_client_can_see(two_clients):
    project, today = two_clients.a.project, timezone.localdate()
    done = projects.milestone_create(project=project, title="Design", due_on=today, client_visible=True)
    projects.milestone_complete(milestone=done)
    projects.milestone_create(project=project, title="Build", due_on=today + timedelta(days=9), client_visible=True)
    projects.milestone_create(project=project, title="Internal audit", due_on=today + timedelta(days=3))
    assert _window(two_clients).project.progress == 50
    home = client_view.portal_home(contact=two_clients.a.contact)
    assert [p.progress for p in home.projects] == [50]


def test_hidden_rows_change_nothing_a_client_sees_on_any_page_or_email(client, two_clients):
    project, manager, today = two_clients.a.project, two_clients.manager, timezone.localdate()
    projects.status_update_post(project=project, author=manager, health="green", reason="", client_visible=True)
    shown = projects.milestone_create(
        project=project, title="Go-live", due_on=today + timedelta(days=5), client_visible=True
    )
    projects.milestone_create(project=project, title="Pilot", due_on=today - timedelta(days=2), client_visible=True)
    projects.risk_raise(project=project, title="Data quality", probability=2, impact=2, client_visible=True)
    before = _everything_the_client_sees(client, two_clients)

    projects.status_update_post(project=project, author=manager, health="red", reason="Hidden trouble")
    projects.milestone_create(project=project, title="Hidden step", due_on=today - timedelta(days=1))
    projects.milestone_create(project=project, title="Hidden next", due_on=today + timedelta(days=1), weight=50)
    projects.risk_raise(project=project, title="Hidden risk", probability=5, impact=5)
    projects.milestone_update(milestone=shown, title="Go-live", weight=1, client_visible=True, description="x")

    assert _everything_the_client_sees(client, two_clients) == before


def test_late_and_moved_milestones_are_reported_with_their_dates(client, two_clients):
    project, manager, today = two_clients.a.project, two_clients.manager, timezone.localdate()
    late = projects.milestone_create(
        project=project, title="Pilot", due_on=today - timedelta(days=4), client_visible=True
    )
    projects.milestone_create(project=project, title="Sign-off", due_on=today, client_visible=True)
    moved = projects.milestone_create(
        project=project, title="Launch", due_on=today + timedelta(days=3), client_visible=True
    )
    projects.milestone_reschedule(milestone=moved, due_on=today + timedelta(days=10), reason="Vendor", by=manager)

    window = _window(two_clients)
    assert [m.title for m in window.late] == ["Pilot"]
    assert window.project.late_milestones == 1
    assert [m.title for m in window.upcoming] == ["Sign-off", "Launch"]

    home, page, html, text = _everything_the_client_sees(client, two_clients)
    assert "1 milestone late" in home
    assert f"Late: was due {late.due_on:%-d %b %Y}" in page
    assert f"first planned for {(today + timedelta(days=3)):%-d %b %Y}" in page
    assert f"- Pilot: was due {late.due_on:%a %-d %b}" in text and "LATE" in text
    assert "Pilot: was due" in html
    assert f"- Sign-off, due {today:%a %-d %b}" in text  # due today: coming up, not lost
    assert "- Launch, due" in text and "(first planned for" in text


def test_home_project_page_and_report_show_the_same_items_for_a_project(client, two_clients):
    a, manager = two_clients.a, two_clients.manager
    task = crm.ActionItemDraft(text="Confirm test environment access", owner_side=ActionItem.Side.CLIENT)
    crm.interaction_log(
        client=a.client, logged_by=manager, summary="General catch-up", shared_with_client=True, action_items=[task]
    )
    crm.interaction_log(
        client=a.client, logged_by=manager, summary="Rollout review", shared_with_client=True, project=a.project,
        action_items=[crm.ActionItemDraft(text="Send the data extract", owner_side=ActionItem.Side.CLIENT)],
    )  # fmt: skip
    crm.interaction_log(
        client=a.client, logged_by=manager, summary="Study kickoff", shared_with_client=True, project=a.hidden,
        action_items=[crm.ActionItemDraft(text="Internal study task", owner_side=ActionItem.Side.CLIENT)],
    )  # fmt: skip

    home = client_view.portal_home(contact=a.contact)
    window = _window(two_clients)
    project = type(a.project).objects.select_related("client", "manager").get(pk=a.project.pk)
    report = client_view.report_content(project=project, due_at=timezone.now(), note="", portal_url="")

    def for_project(items):
        return sorted(i.text for i in items if i.project_id in (a.project.pk, None))

    expected = ["Confirm test environment access", "Send the data extract"]
    assert for_project(home.action_items) == sorted(i.text for i in window.action_items) == expected
    assert sorted(i.text for i in report.action_items) == expected
    assert sorted(m.summary for m in window.meetings) == ["General catch-up", "Rollout review"]
    assert sorted(m.summary for m in home.meetings if m.project_id in (a.project.pk, None)) == [
        "General catch-up",
        "Rollout review",
    ]
    assert home.projects[0].next_milestone == window.project.next_milestone == report.project.next_milestone


def test_a_closed_project_shows_how_it_closed_not_its_last_rag(client, two_clients):
    project, manager = two_clients.a.project, two_clients.manager
    projects.status_update_post(project=project, author=manager, health="red", reason="Slipping", client_visible=True)
    projects.risk_raise(project=project, title="Outage", probability=5, impact=5, client_visible=True)
    projects.project_close(project=project, status="completed", ended_on=timezone.localdate())

    window = _window(two_clients)
    assert window.project.health is None and window.project.is_closed and window.risks == []
    home, page, html, text = _everything_the_client_sees(client, two_clients)
    assert "health-red" not in home and "health-red" not in page
    assert f"Completed {timezone.localdate():%-d %b %Y}" in home
    assert "Completed on" in text and "Health" not in text
