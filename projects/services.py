"""Changes to projects and everything on them. Closing a project and recovery mode reach into
the client relationship (check-ins, cadence) through crm.services, explicitly."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from crm import services as crm_services
from crm.models import CheckIn, Client
from crm.schedule import weekly_moment_after
from projects.models import (
    ChangeRequest,
    Decision,
    Milestone,
    MilestoneChange,
    Project,
    RecoveryPlan,
    RiskIssue,
    StatusReport,
    StatusUpdate,
)

FOLLOW_UP_DAYS = (30, 90)

PROJECT_FIELDS = {
    "name",
    "manager",
    "start_on",
    "target_end_on",
    "status",
    "objectives",
    "success_criteria",
    "portal_visible",
    "reports_enabled",
    "report_weekday",
    "report_hour",
}


def _refuse_unknown(fields: Iterable[str], allowed: set[str], where: str) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"{where} got unexpected fields: {', '.join(sorted(unknown))}")


def _people_join_client_team(project: Project, people: Iterable[User]) -> None:
    """Whoever works on a project works with its client: they join the client's team, so the
    client page and its history are open to them."""
    client = project.client
    newcomers = [person for person in people if person.pk != client.account_manager_id]
    client.team.add(*newcomers)


def _refuse_losing_sight(*, editor: User | None, client: Client, manager: User, team: Iterable[User]) -> None:
    """Nobody edits themselves out of a project they can see: they must manage it, be on its
    team or be the client's account manager (admins see everything). `editor` is None for
    changes made by the system."""
    if editor is None or editor.is_admin or editor in (manager, *team) or client.account_manager_id == editor.pk:
        return
    raise ValidationError(
        "You would no longer see this project: manage it, join its team, or ask the client's account manager."
    )


@transaction.atomic
def project_create(
    *,
    client: Client,
    name: str,
    manager: User,
    editor: User | None = None,
    team: Iterable[User] = (),
    **fields: object,
) -> Project:
    _refuse_unknown(fields, PROJECT_FIELDS, "project_create")
    team = list(team)
    _refuse_losing_sight(editor=editor, client=client, manager=manager, team=team)
    project = Project(client=client, name=name, manager=manager, **fields)
    project.full_clean(exclude=["client", "manager"])
    project.next_report_at = report_next_due(project)
    project.save()
    project.team.set([member for member in team if member.pk != manager.pk])
    _people_join_client_team(project, [manager, *team])
    crm_services.client_health_refresh(client_id=client.pk)
    return project


@transaction.atomic
def project_update(
    *, project: Project, editor: User | None = None, team: Iterable[User] | None = None, **fields: object
) -> Project:
    _refuse_unknown(fields, PROJECT_FIELDS, "project_update")
    team = list(team) if team is not None else None
    schedule_before = [getattr(project, name) for name in REPORT_SCHEDULE_FIELDS]
    for name, value in fields.items():
        setattr(project, name, value)
    _refuse_losing_sight(
        editor=editor,
        client=project.client,
        manager=project.manager,
        team=team if team is not None else project.team.all(),
    )
    project.full_clean(exclude=["client", "manager"])
    # Only a changed schedule moves the next report: a report already due but not yet built
    # (beat down, or a tick away) must not be pushed to next week by an unrelated edit.
    if [getattr(project, name) for name in REPORT_SCHEDULE_FIELDS] != schedule_before:
        project.next_report_at = report_next_due(project)
    project.save()
    if team is not None:
        project.team.set([member for member in team if member.pk != project.manager_id])
        _people_join_client_team(project, team)
    _people_join_client_team(project, [project.manager])
    crm_services.client_health_refresh(client_id=project.client_id)
    return project


@transaction.atomic
def project_close(
    *, project: Project, status: str, ended_on: date | None = None, by: User | None = None, outcome: str = ""
) -> Project:
    """Complete or cancel a project. Completing schedules follow-up check-ins with the client at
    +30 and +90 days: the relationship goes on after the project ends."""
    if status not in (Project.Status.COMPLETED, Project.Status.CANCELLED):
        raise ValidationError({"status": "A project closes as completed or cancelled."})
    if not project.is_open:
        raise ValidationError("This project is closed already.")
    ended_on = ended_on or timezone.localdate()
    if project.start_on and ended_on < project.start_on:
        raise ValidationError({"ended_on": "The project cannot end before it started."})
    if project.in_recovery:
        recovery_end(project=project, by=by, outcome=outcome or f"Project {status}.")
    project.status = status
    project.actual_end_on = ended_on
    project.next_report_at = None
    project.save(update_fields=["status", "actual_end_on", "next_report_at", "updated_at"])
    if status == Project.Status.COMPLETED:
        for days in FOLLOW_UP_DAYS:
            crm_services.checkin_schedule(
                client=project.client,
                due_on=ended_on + timedelta(days=days),
                kind=CheckIn.Kind.FOLLOW_UP,
                owner=project.client.account_manager,
                reason=f"{days}-day follow-up after {project.name}",
            )
    crm_services.client_health_refresh(client_id=project.client_id)
    return project


def _check_milestone_date(project: Project, due_on: date, field: str = "due_on") -> None:
    if project.start_on and due_on < project.start_on:
        raise ValidationError({field: f"That is before the project starts ({project.start_on:%-d %b %Y})."})


@transaction.atomic
def milestone_create(
    *,
    project: Project,
    title: str,
    due_on: date,
    weight: int = 1,
    client_visible: bool = False,
    description: str = "",
) -> Milestone:
    _check_milestone_date(project, due_on)
    milestone = Milestone(
        project=project,
        title=title,
        due_on=due_on,
        weight=weight,
        client_visible=client_visible,
        description=description,
    )
    milestone.full_clean(exclude=["project"])
    milestone.save()
    return milestone


@transaction.atomic
def milestone_update(
    *, milestone: Milestone, title: str, weight: int, client_visible: bool, description: str
) -> Milestone:
    """Everything but the date, which changes only through milestone_reschedule (it keeps history)."""
    milestone.title, milestone.weight = title, weight
    milestone.client_visible, milestone.description = client_visible, description
    milestone.full_clean(exclude=["project"])
    milestone.save()
    return milestone


@transaction.atomic
def milestone_complete(*, milestone: Milestone, completed_on: date | None = None) -> Milestone:
    milestone.completed_on = completed_on or timezone.localdate()
    milestone.save(update_fields=["completed_on"])
    return milestone


@transaction.atomic
def milestone_reopen(*, milestone: Milestone) -> Milestone:
    milestone.completed_on = None
    milestone.save(update_fields=["completed_on"])
    return milestone


@transaction.atomic
def milestone_reschedule(*, milestone: Milestone, due_on: date, reason: str, by: User | None) -> MilestoneChange:
    if due_on == milestone.due_on:
        raise ValidationError({"due_on": "That is the date it already has."})
    _check_milestone_date(milestone.project, due_on)
    change = MilestoneChange.objects.create(
        milestone=milestone, old_due_on=milestone.due_on, new_due_on=due_on, reason=reason, changed_by=by
    )
    milestone.due_on = due_on
    milestone.save(update_fields=["due_on"])
    return change


RISK_FIELDS = {
    "kind",
    "title",
    "description",
    "probability",
    "impact",
    "mitigation",
    "owner",
    "status",
    "client_visible",
}


@transaction.atomic
def risk_raise(*, project: Project, title: str, probability: int, impact: int, **fields: object) -> RiskIssue:
    _refuse_unknown(fields, RISK_FIELDS, "risk_raise")
    risk = RiskIssue(project=project, title=title, probability=probability, impact=impact, **fields)
    risk.full_clean(exclude=["project", "owner", "severity"])
    risk.save()
    crm_services.client_health_refresh(client_id=project.client_id)
    return risk


@transaction.atomic
def risk_update(*, risk: RiskIssue, **fields: object) -> RiskIssue:
    _refuse_unknown(fields, RISK_FIELDS, "risk_update")
    for name, value in fields.items():
        setattr(risk, name, value)
    risk.closed_at = timezone.now() if risk.status == RiskIssue.Status.CLOSED and not risk.closed_at else risk.closed_at
    if risk.status != RiskIssue.Status.CLOSED:
        risk.closed_at = None
    risk.full_clean(exclude=["project", "owner", "severity"])
    risk.save()
    risk.refresh_from_db(fields=["severity"])
    crm_services.client_health_refresh(client_id=risk.project.client_id)
    return risk


@transaction.atomic
def risk_close(*, risk: RiskIssue) -> RiskIssue:
    risk.status = RiskIssue.Status.CLOSED
    risk.closed_at = timezone.now()
    risk.save(update_fields=["status", "closed_at"])
    crm_services.client_health_refresh(client_id=risk.project.client_id)
    return risk


@transaction.atomic
def change_request_propose(
    *,
    project: Project,
    title: str,
    kind: str = ChangeRequest.Kind.SCOPE,
    description: str = "",
    schedule_impact_days: int = 0,
    cost_impact: Decimal | None = None,
    requested_by: str = ChangeRequest.Requester.CLIENT,
    client_visible: bool = False,
) -> ChangeRequest:
    change = ChangeRequest(
        project=project,
        title=title,
        kind=kind,
        description=description,
        schedule_impact_days=schedule_impact_days,
        cost_impact=cost_impact,
        requested_by=requested_by,
        client_visible=client_visible,
    )
    change.full_clean(exclude=["project", "decided_by"])
    change.save()
    crm_services.client_health_refresh(client_id=project.client_id)
    return change


@transaction.atomic
def change_request_decide(*, change_request: ChangeRequest, approve: bool, by: User) -> ChangeRequest:
    """Approve or reject, once: a decided change request is a record, not a draft. The update
    applies only while it is still proposed, so of two people deciding at once, one wins."""
    status = ChangeRequest.Status.APPROVED if approve else ChangeRequest.Status.REJECTED
    decided_at = timezone.now()
    decided = ChangeRequest.objects.filter(pk=change_request.pk, status=ChangeRequest.Status.PROPOSED).update(
        status=status, decided_at=decided_at, decided_by=by
    )
    if not decided:
        raise ValidationError("This change request has been decided already.")
    change_request.status, change_request.decided_at, change_request.decided_by = status, decided_at, by
    crm_services.client_health_refresh(client_id=change_request.project.client_id)
    return change_request


@transaction.atomic
def decision_record(
    *,
    project: Project,
    title: str,
    made_by: str,
    decided_on: date,
    rationale: str = "",
    client_visible: bool = False,
    recorded_by: User | None = None,
) -> Decision:
    decision = Decision(
        project=project,
        title=title,
        made_by=made_by,
        decided_on=decided_on,
        rationale=rationale,
        client_visible=client_visible,
        recorded_by=recorded_by,
    )
    decision.full_clean(exclude=["project", "recorded_by"])
    decision.save()
    return decision


@transaction.atomic
def status_update_post(
    *,
    project: Project,
    author: User,
    health: str,
    reason: str = "",
    accomplished: str = "",
    next_steps: str = "",
    blockers: str = "",
    client_visible: bool = False,
) -> StatusUpdate:
    """Post the periodic update; its health becomes the project's."""
    if health != "green" and not reason.strip():
        raise ValidationError({"reason": "Say why the project is not green: the client will ask."})
    update = StatusUpdate(
        project=project,
        author=author,
        health=health,
        reason=reason,
        accomplished=accomplished,
        next_steps=next_steps,
        blockers=blockers,
        client_visible=client_visible,
    )
    update.full_clean(exclude=["project", "author"])
    update.save()
    project.health, project.health_reason = health, reason
    project.save(update_fields=["health", "health_reason", "updated_at"])
    crm_services.client_health_refresh(client_id=project.client_id)
    return update


@transaction.atomic
def recovery_start(
    *, project: Project, by: User, root_cause: str, reset_expectations: str, actions: str, exit_criteria: str
) -> RecoveryPlan:
    """Put a troubled project into recovery: a written plan, and closer contact with the client
    (check-ins at least every 7 days, the previous cadence kept to restore afterwards)."""
    # Locked, so that two people starting recovery at once make one plan, not two.
    if Project.objects.select_for_update().filter(pk=project.pk).values_list("recovery_plan_id", flat=True).get():
        raise ValidationError("This project is in recovery already.")
    if not project.is_open:
        raise ValidationError("A closed project cannot go into recovery.")
    plan = RecoveryPlan(
        project=project,
        started_by=by,
        root_cause=root_cause,
        reset_expectations=reset_expectations,
        actions=actions,
        exit_criteria=exit_criteria,
    )
    plan.full_clean(exclude=["project", "started_by"])
    plan.save()
    project.recovery_plan = plan
    project.save(update_fields=["recovery_plan", "updated_at"])

    client = Client.objects.select_for_update().get(pk=project.client_id)
    if client.checkin_cadence_days > crm_services.RECOVERY_CADENCE_DAYS:
        client.cadence_before_recovery = client.checkin_cadence_days
        client.checkin_cadence_days = crm_services.RECOVERY_CADENCE_DAYS
        client.save(update_fields=["checkin_cadence_days", "cadence_before_recovery", "updated_at"])
        crm_services.checkin_pull_within_cadence(client=client)
    project.client = client
    crm_services.client_health_refresh(client_id=client.pk)
    return plan


@transaction.atomic
def recovery_end(*, project: Project, by: User | None, outcome: str = "") -> RecoveryPlan:
    """End recovery. The client's usual cadence comes back once none of its projects is in
    recovery any more."""
    plan = project.recovery_plan
    if plan is None:
        raise ValidationError("This project is not in recovery.")
    plan.ended_at = timezone.now()
    plan.outcome = outcome
    plan.save(update_fields=["ended_at", "outcome"])
    project.recovery_plan = None
    project.save(update_fields=["recovery_plan", "updated_at"])

    client = Client.objects.select_for_update().get(pk=project.client_id)
    others_in_recovery = client.projects.exclude(pk=project.pk).filter(recovery_plan__isnull=False).exists()
    if client.cadence_before_recovery is not None and not others_in_recovery:
        client.checkin_cadence_days = client.cadence_before_recovery
        client.cadence_before_recovery = None
        client.save(update_fields=["checkin_cadence_days", "cadence_before_recovery", "updated_at"])
    project.client = client
    crm_services.client_health_refresh(client_id=client.pk)
    return plan


# Weekly status reports --------------------------------------------------------------------------

REPORT_SCHEDULE_FIELDS = ("reports_enabled", "report_weekday", "report_hour", "status")


def report_next_due(project: Project, *, after: datetime | None = None) -> datetime | None:
    """The next weekday-and-hour in the client's time zone, or None when the project sends no
    reports (switched off, paused, or not active)."""
    if not project.reports_enabled or project.status != Project.Status.ACTIVE:
        return None
    return weekly_moment_after(
        weekday=project.report_weekday,
        hour=project.report_hour,
        time_zone=project.client.time_zone,
        after=after or timezone.now(),
    )


def reports_reschedule_for_client(*, client: Client) -> None:
    """The client's time zone changed, or it was restored from the archive: every project's next
    report moves to the new local hour (or starts again)."""
    for project in client.projects.filter(reports_enabled=True, status=Project.Status.ACTIVE).select_related("client"):
        project.next_report_at = report_next_due(project)
        project.save(update_fields=["next_report_at"])


@transaction.atomic
def project_reports_set(*, project: Project, enabled: bool) -> Project:
    """Pause or resume a project's weekly reports."""
    if enabled and project.status != Project.Status.ACTIVE:
        raise ValidationError("Weekly reports go out for active projects only.")
    project.reports_enabled = enabled
    project.next_report_at = report_next_due(project)
    project.save(update_fields=["reports_enabled", "next_report_at", "updated_at"])
    return project


@transaction.atomic
def project_report_note_set(*, project: Project, note: str) -> Project:
    project.next_report_note = note.strip()
    project.full_clean(exclude=["client", "manager"])
    project.save(update_fields=["next_report_note", "updated_at"])
    return project


def status_report_store(
    *,
    project: Project,
    iso_year: int,
    iso_week: int,
    due_at: datetime,
    period_start: date,
    period_end: date,
    subject: str,
    html: str,
    text: str,
    note: str,
) -> StatusReport | None:
    """Keep a built report as sent; None when the project has one for that ISO week already
    (the unique constraint decides between two builders racing)."""
    try:
        with transaction.atomic():
            return StatusReport.objects.create(
                project=project,
                iso_year=iso_year,
                iso_week=iso_week,
                due_at=due_at,
                period_start=period_start,
                period_end=period_end,
                subject=subject,
                html=html,
                text=text,
                note=note,
            )
    except IntegrityError:
        return None


def status_report_note_clear(*, project: Project, note: str) -> None:
    """The note went into a report: clear it, unless somebody wrote a new one meanwhile."""
    if note:
        Project.objects.filter(pk=project.pk, next_report_note=note).update(next_report_note="")
