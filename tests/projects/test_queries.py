"""Project list and project page: the same number of queries with 1 and with 25 items of each
kind, within 12 (session and user included)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import PulseAnswer
from outbox.models import OutboundEmail
from projects import services
from projects.models import ChangeRequest, Decision, MilestoneChange, StatusReport, StatusUpdate
from tests.factories import ClientFactory, ContactFactory, MilestoneFactory, ProjectFactory, RiskFactory, UserFactory

SIZES = [1, 25]
PROJECT_LIST_QUERIES = 5
# 12, plus the client pulse (latest answers, answers per reported week) and the perception gap
# (the client's answers, then our logged sentiment).
PROJECT_PAGE_QUERIES = 16


@pytest.fixture
def manager(client, db):
    user = UserFactory()
    client.force_login(user)
    return user


@pytest.mark.parametrize("n", SIZES)
def test_project_list_queries(client, manager, n, django_assert_num_queries):
    for index in range(n):
        project = ProjectFactory(client=ClientFactory(account_manager=manager), manager=manager)
        MilestoneFactory.create_batch(2, project=project, completed_on=timezone.localdate() if index % 2 else None)
        RiskFactory(project=project, probability=5, impact=4)
        if index % 3 == 0:
            services.recovery_start(
                project=project, by=manager, root_cause="x", reset_expectations="x", actions="x", exit_criteria="x"
            )
    with django_assert_num_queries(PROJECT_LIST_QUERIES):
        response = client.get(reverse("projects:project_list"), {"sort": "health"})
    assert len(response.context["page"].items) == n


@pytest.mark.parametrize("n", SIZES)
def test_project_page_queries(client, manager, n, django_assert_num_queries):
    project = ProjectFactory(client=ClientFactory(account_manager=manager), manager=manager)
    project.team.set(UserFactory.create_batch(n))
    services.recovery_start(
        project=project, by=manager, root_cause="x", reset_expectations="x", actions="x", exit_criteria="x"
    )
    today = timezone.localdate()
    for index in range(n):
        milestone = MilestoneFactory(project=project, due_on=today + timedelta(days=index))
        MilestoneChange.objects.create(
            milestone=milestone, old_due_on=today, new_due_on=today + timedelta(days=index + 1), reason="moved"
        )
        RiskFactory(project=project, owner=manager)
        ChangeRequest.objects.create(project=project, title=f"CR {index}")
        Decision.objects.create(project=project, title=f"D {index}", made_by="Both")
        StatusUpdate.objects.create(project=project, author=manager, health="amber", reason="x")
        report = StatusReport.objects.create(
            project=project, iso_year=2026, iso_week=index + 1, due_at=timezone.now() - timedelta(weeks=index),
            period_start=today, period_end=today, subject="s", html="h", text="t",
        )  # fmt: skip
        contact = ContactFactory(client=project.client)
        OutboundEmail.objects.create(
            key=f"r{index}", kind="status_report", to_email=contact.email, status_report=report, status="sent",
            contact=contact,
        )  # fmt: skip
        PulseAnswer.objects.create(
            client=project.client, contact=contact, project=project, week=date.fromisocalendar(2026, index + 1, 1),
            score=2, comment=f"Comment {index}", answered_at=timezone.now() - timedelta(days=index % 20),
        )  # fmt: skip
    with django_assert_num_queries(PROJECT_PAGE_QUERIES):
        response = client.get(reverse("projects:project_detail", kwargs={"pk": project.pk}))
    page = response.context["page"]
    assert len(page.milestones) == len(page.risks) == len(page.change_requests) == len(page.decisions) == n
    assert len(page.moved_recently) == n
    assert len(page.reports) == min(n, 10)
    assert all(len(report.deliveries) == 1 for report in page.reports)
    assert page.pulse.response_rate == 100
    assert len(page.pulse.answers) == min(n, 10)
