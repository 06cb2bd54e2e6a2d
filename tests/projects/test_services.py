from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from crm.models import CheckIn
from projects import selectors, services
from projects.models import ChangeRequest, Milestone, Project, RiskIssue
from tests.factories import ProjectFactory, UserFactory

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/London"))
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def project(acme, pm):
    return services.project_create(
        client=acme, name="Replatforming", manager=pm, status="active", start_on=date(2026, 11, 1)
    )


def test_project_people_join_the_clients_team(acme, pm):
    developer = UserFactory()
    project = services.project_create(client=acme, name="New site", manager=UserFactory(), team=[developer])
    assert {project.manager, developer} <= set(acme.team.all())


def test_closing_a_completed_project_schedules_follow_ups_at_30_and_90_days(project):
    services.project_close(project=project, status=Project.Status.COMPLETED)
    follow_ups = project.client.checkins.filter(kind=CheckIn.Kind.FOLLOW_UP, state="due").order_by("due_on")
    assert [c.due_on for c in follow_ups] == [TODAY + timedelta(days=30), TODAY + timedelta(days=90)]
    assert "30-day follow-up after Replatforming" in follow_ups[0].reason
    project.refresh_from_db()
    assert (project.status, project.actual_end_on) == ("completed", TODAY)


def test_a_cancelled_project_gets_no_follow_ups_and_cannot_close_twice(project):
    services.project_close(project=project, status=Project.Status.CANCELLED)
    assert not project.client.checkins.filter(kind=CheckIn.Kind.FOLLOW_UP).exists()
    with pytest.raises(ValidationError):
        services.project_close(project=project, status=Project.Status.COMPLETED)


def test_a_project_cannot_end_before_it_started(project):
    with pytest.raises(ValidationError):
        services.project_close(project=project, status="completed", ended_on=date(2026, 10, 1))
    with pytest.raises(ValidationError):
        services.project_update(project=project, target_end_on=date(2026, 10, 1))


def test_the_database_refuses_a_target_end_before_the_start(acme, pm):
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.create(
            client=acme, name="Bad", manager=pm, start_on=date(2026, 5, 2), target_end_on=date(2026, 5, 1)
        )


def test_progress_is_the_weighted_share_of_completed_milestones(project):
    design = services.milestone_create(project=project, title="Design", due_on=date(2026, 12, 1), weight=1)
    services.milestone_create(project=project, title="Build", due_on=date(2027, 1, 1), weight=3)
    assert selectors.project_page(project=project).progress == 0
    services.milestone_complete(milestone=design)
    assert selectors.project_page(project=project).progress == 25
    annotated = selectors.with_progress(Project.objects.filter(pk=project.pk)).get()
    assert selectors.progress_of(annotated) == 25


def test_a_project_without_milestones_is_at_zero_percent(project):
    annotated = selectors.with_progress(Project.objects.filter(pk=project.pk)).get()
    assert selectors.progress_of(annotated) == selectors.project_page(project=project).progress == 0


def test_a_milestone_before_the_project_starts_is_refused(project):
    with pytest.raises(ValidationError) as error:
        services.milestone_create(project=project, title="Too early", due_on=date(2026, 10, 1))
    assert "before the project starts" in str(error.value)


def test_the_database_refuses_a_zero_weight(project):
    with pytest.raises(IntegrityError), transaction.atomic():
        Milestone.objects.create(project=project, title="Weightless", due_on=TODAY, weight=0)


def test_rescheduling_keeps_the_history_and_shows_as_moved(project, pm):
    milestone = services.milestone_create(project=project, title="Launch", due_on=date(2026, 12, 1))
    services.milestone_reschedule(milestone=milestone, due_on=date(2026, 12, 15), reason="Vendor late", by=pm)
    services.milestone_reschedule(milestone=milestone, due_on=date(2026, 12, 20), reason="Holidays", by=pm)
    changes = list(milestone.changes.order_by("changed_at", "id"))
    assert [(c.old_due_on, c.new_due_on) for c in changes] == [
        (date(2026, 12, 1), date(2026, 12, 15)),
        (date(2026, 12, 15), date(2026, 12, 20)),
    ]
    assert changes[1].days_moved == 5
    page = selectors.project_page(project=project)
    assert len(page.moved_recently) == 2
    with pytest.raises(ValidationError):
        services.milestone_reschedule(milestone=milestone, due_on=date(2026, 12, 20), reason="same", by=pm)


def test_overdue_milestones_are_the_open_ones_past_their_date(project):
    services.milestone_create(project=project, title="Late", due_on=date(2026, 11, 20))
    done = services.milestone_create(project=project, title="Done late", due_on=date(2026, 11, 10))
    services.milestone_complete(milestone=done)
    services.milestone_create(project=project, title="Future", due_on=date(2026, 12, 20))
    assert [m.title for m in selectors.project_page(project=project).overdue_milestones] == ["Late"]


def test_severity_is_probability_times_impact_and_the_register_sorts_by_it(project):
    services.risk_raise(project=project, title="Minor", probability=2, impact=2)
    services.risk_raise(project=project, title="Severe", probability=5, impact=4)
    closed = services.risk_raise(project=project, title="Gone", probability=5, impact=5)
    services.risk_close(risk=closed)
    page = selectors.project_page(project=project)
    assert [(r.title, r.severity) for r in page.risks] == [("Severe", 20), ("Minor", 4), ("Gone", 25)]
    assert page.open_high_risks == 1
    annotated = selectors.with_progress(Project.objects.filter(pk=project.pk)).get()
    assert annotated.open_high_risks == 1


def test_updating_a_risk_recomputes_its_severity(project):
    risk = services.risk_raise(project=project, title="Vendor", probability=1, impact=1)
    services.risk_update(risk=risk, probability=4, impact=5)
    assert RiskIssue.objects.get(pk=risk.pk).severity == 20


@pytest.mark.parametrize("field", ["probability", "impact"])
@pytest.mark.parametrize("value", [0, 6])
def test_the_database_refuses_scores_out_of_range(project, field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        RiskIssue.objects.create(project=project, title="x", **{"probability": 3, "impact": 3, field: value})


def test_a_change_request_is_decided_once_with_who_and_when(project, pm):
    change = services.change_request_propose(project=project, title="Add SSO", schedule_impact_days=10)
    services.change_request_decide(change_request=change, approve=True, by=pm)
    change.refresh_from_db()
    assert (change.status, change.decided_by, change.decided_at) == (ChangeRequest.Status.APPROVED, pm, NOW)
    with pytest.raises(ValidationError):
        services.change_request_decide(change_request=change, approve=False, by=pm)


def test_a_status_update_sets_the_projects_health_and_needs_a_reason_unless_green(project, pm):
    with pytest.raises(ValidationError):
        services.status_update_post(project=project, author=pm, health="amber")
    services.status_update_post(project=project, author=pm, health="amber", reason="Integration slipping")
    project.refresh_from_db()
    assert (project.health, project.health_reason) == ("amber", "Integration slipping")


def test_recovery_tightens_the_cadence_and_ending_it_restores_the_old_one(project, pm):
    client = project.client
    assert client.checkin_cadence_days == 14
    services.recovery_start(
        project=project,
        by=pm,
        root_cause="Scope creep",
        reset_expectations="Dates reset",
        actions="Daily",
        exit_criteria="Green",
    )
    client.refresh_from_db()
    assert client.checkin_cadence_days == 7 and client.cadence_before_recovery == 14
    assert client.next_checkin_due <= TODAY + timedelta(days=7)
    assert project.in_recovery
    with pytest.raises(ValidationError):
        services.recovery_start(
            project=project, by=pm, root_cause="x", reset_expectations="x", actions="x", exit_criteria="x"
        )

    services.recovery_end(project=project, by=pm, outcome="Back on track")
    client.refresh_from_db()
    assert client.checkin_cadence_days == 14 and client.cadence_before_recovery is None
    assert not Project.objects.get(pk=project.pk).in_recovery
    assert project.recovery_plans.get().outcome == "Back on track"


def test_the_cadence_stays_tight_while_another_project_is_still_in_recovery(project, pm, acme):
    other = services.project_create(client=acme, name="Second", manager=pm, status="active")
    plan = {"root_cause": "x", "reset_expectations": "x", "actions": "x", "exit_criteria": "x"}
    services.recovery_start(project=project, by=pm, **plan)
    services.recovery_start(project=other, by=pm, **plan)
    services.recovery_end(project=project, by=pm)
    acme.refresh_from_db()
    assert acme.checkin_cadence_days == 7
    services.recovery_end(project=other, by=pm)
    acme.refresh_from_db()
    assert acme.checkin_cadence_days == 14


def test_editing_the_cadence_during_recovery_changes_what_comes_back(project, pm):
    from crm import services as crm_services

    services.recovery_start(
        project=project, by=pm, root_cause="x", reset_expectations="x", actions="x", exit_criteria="x"
    )
    crm_services.client_update(client=project.client, checkin_cadence_days=21)
    project.client.refresh_from_db()
    assert (project.client.checkin_cadence_days, project.client.cadence_before_recovery) == (7, 21)
    services.recovery_end(project=project, by=pm)
    project.client.refresh_from_db()
    assert project.client.checkin_cadence_days == 21


def test_closing_a_project_in_recovery_ends_its_recovery(project, pm):
    services.recovery_start(
        project=project, by=pm, root_cause="x", reset_expectations="x", actions="x", exit_criteria="x"
    )
    services.project_close(project=project, status="completed", by=pm)
    project.client.refresh_from_db()
    assert project.client.checkin_cadence_days == 14
    assert not Project.objects.get(pk=project.pk).in_recovery


def test_a_low_cadence_client_keeps_its_cadence_through_recovery(acme, pm):
    from crm import services as crm_services

    crm_services.client_update(client=acme, checkin_cadence_days=5)
    project = ProjectFactory(client=acme, manager=pm)
    services.recovery_start(
        project=project, by=pm, root_cause="x", reset_expectations="x", actions="x", exit_criteria="x"
    )
    services.recovery_end(project=project, by=pm)
    acme.refresh_from_db()
    assert acme.checkin_cadence_days == 5


def test_an_editor_cannot_take_themselves_off_a_project_they_can_see(project, pm, other_pm, teammate):
    from crm import services as crm_services

    crm_services.client_update(client=project.client, account_manager=teammate, team=[pm])
    with pytest.raises(ValidationError, match="You would no longer see this project"):
        services.project_update(project=project, editor=pm, manager=other_pm, team=[])
    assert Project.objects.get(pk=project.pk).manager == pm
    services.project_update(project=project, editor=pm, manager=other_pm, team=[pm])
    assert Project.objects.get(pk=project.pk).manager == other_pm


def test_the_project_dates_rule_is_the_models_and_the_services(acme, pm):
    with pytest.raises(ValidationError) as raised:
        services.project_create(
            client=acme, name="Backwards", manager=pm, start_on=date(2026, 12, 1), target_end_on=date(2026, 11, 1)
        )
    assert "target_end_on" in raised.value.error_dict
