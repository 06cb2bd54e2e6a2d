"""The client's window: the one allow-listed read model of everything a client contact is shown.

Portal home, the portal's project page, archived reports, the weekly report and its preview all
read from here and nowhere else. Each function starts from what the client may see — their own
client (never archived), its projects marked visible in the portal (or the one project a report
is about), and only rows marked client-visible — names the columns it reads, and returns frozen
dataclasses, so an internal field (notes, sentiment, health score, staff-only rows) cannot
reach a template or an email even by accident.

Every derived figure is computed from visible rows only: the health a client sees is that of the
latest client-visible status update, progress is the weighted share of client-visible milestones,
and "late", "next" and "coming up" look at client-visible milestones alone. A closed project
shows how it closed instead of its last RAG.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from crm.models import ActionItem, Client, Contact, Interaction
from projects.models import (
    CLOSED_STATUSES,
    HIGH_SEVERITY,
    ChangeRequest,
    Decision,
    Health,
    Milestone,
    MilestoneChange,
    Project,
    RiskIssue,
    StatusReport,
    StatusUpdate,
)
from projects.selectors import progress_percent, progress_weights

RECENT_MEETINGS = 20
REPORT_LOOKAHEAD = timedelta(days=14)


@dataclass(frozen=True)
class Viewer:
    name: str
    client_name: str


@dataclass(frozen=True)
class ClientMilestone:
    title: str
    due_on: date
    completed_on: date | None
    first_planned_on: date | None  # the date it had before its first move; None if never moved
    late: bool  # open and due before today


@dataclass(frozen=True)
class ClientProject:
    """One project as its client sees it."""

    pk: int
    name: str
    status: str
    ended_on: date | None
    start_on: date | None
    target_end_on: date | None
    health: str | None  # of the latest client-visible status update; None when closed or none shared
    progress: int | None  # None when no milestone is shared
    next_milestone: str | None
    next_milestone_due: date | None
    late_milestones: int

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def health_label(self) -> str:
        return Health(self.health).label if self.health else ""

    @property
    def status_label(self) -> str:
        return Project.Status(self.status).label


@dataclass(frozen=True)
class Narrative:
    posted_at: datetime
    health: str
    reason: str
    accomplished: str
    next_steps: str
    blockers: str

    @property
    def health_label(self) -> str:
        return Health(self.health).label


@dataclass(frozen=True)
class ClientRisk:
    kind: str
    title: str
    description: str
    mitigation: str
    status: str
    severity: int

    @property
    def level(self) -> str:
        return "High" if self.severity >= HIGH_SEVERITY else "Medium" if self.severity >= 8 else "Low"


@dataclass(frozen=True)
class ClientChange:
    title: str
    kind: str
    description: str
    status: str
    schedule_impact_days: int
    cost_impact: Decimal | None
    decided_at: datetime | None
    currency: str  # the client's, ISO 4217


@dataclass(frozen=True)
class ClientDecision:
    title: str
    rationale: str
    made_by: str
    decided_on: date


@dataclass(frozen=True)
class ClientMeeting:
    occurred_at: datetime
    kind: str
    summary: str
    project_id: int | None  # None: a meeting about the relationship, not one project
    project_name: str


@dataclass(frozen=True)
class ClientActionItem:
    text: str
    owner: str
    due_on: date | None
    late: bool
    project_id: int | None  # None: not tied to one project
    project_name: str


@dataclass(frozen=True)
class ArchivedReport:
    pk: int
    period_start: date
    period_end: date


@dataclass(frozen=True)
class MovedMilestone:
    title: str
    old_due_on: date
    new_due_on: date


@dataclass(frozen=True)
class PortalHome:
    viewer: Viewer
    today: date
    projects: list[ClientProject]
    action_items: list[ClientActionItem]
    meetings: list[ClientMeeting]


@dataclass(frozen=True)
class ProjectWindow:
    """Everything of one project that its client may see."""

    viewer: Viewer | None
    today: date
    project: ClientProject
    narrative: Narrative | None
    milestones: list[ClientMilestone]
    risks: list[ClientRisk]
    changes: list[ClientChange]
    decisions: list[ClientDecision]
    meetings: list[ClientMeeting]
    action_items: list[ClientActionItem]
    reports: list[ArchivedReport]

    @property
    def late(self) -> list[ClientMilestone]:
        return [m for m in self.milestones if m.late]

    @property
    def upcoming(self) -> list[ClientMilestone]:
        """Open milestones from today on, the nearest three."""
        return [m for m in self.milestones if m.completed_on is None and not m.late][:3]


@dataclass(frozen=True)
class ReportContent:
    """A weekly status report: the project window, cut to the week."""

    client_name: str
    manager_name: str
    manager_email: str
    project: ClientProject
    period_start: date
    period_end: date
    narrative: Narrative | None
    late: list[ClientMilestone]
    completed: list[ClientMilestone]
    coming: list[ClientMilestone]
    moved: list[MovedMilestone]
    risks: list[ClientRisk]
    changes: list[ClientChange]
    decisions: list[ClientDecision]
    action_items: list[ClientActionItem]
    note: str
    portal_url: str


@dataclass(frozen=True)
class ArchivedReportPage:
    viewer: Viewer
    project_pk: int
    project_name: str
    subject: str
    period_start: date
    period_end: date
    html: str


# Who is looking ---------------------------------------------------------------------------------


def contact_for_user(*, user: User) -> Contact | None:
    """The contact behind a portal login, or None when there is none or its client is archived."""
    return Contact.objects.select_related("client").filter(user=user, client__archived_at__isnull=True).first()


def _viewer(contact: Contact) -> Viewer:
    return Viewer(name=contact.name, client_name=contact.client.name)


def client_today(client: Client, *, now: datetime | None = None) -> date:
    """The day it is where the client works: "late" and "coming up" are counted from it."""
    return timezone.localdate(now or timezone.now(), zoneinfo.ZoneInfo(client.time_zone))


def portal_projects(*, contact: Contact) -> QuerySet[Project]:
    return Project.objects.filter(client_id=contact.client_id, portal_visible=True)


# Projects ---------------------------------------------------------------------------------------


def _visible_milestones(project_ref: Any) -> QuerySet[Milestone]:
    return Milestone.objects.filter(project=project_ref, client_visible=True).order_by()


def _project_summaries(projects: QuerySet[Project], *, today: date) -> QuerySet[Any]:
    """One row per project with its derived figures, each computed from client-visible rows."""
    open_visible = _visible_milestones(OuterRef("pk")).filter(completed_on__isnull=True)
    next_open = open_visible.filter(due_on__gte=today).order_by("due_on", "pk")
    shared_update = StatusUpdate.objects.filter(project=OuterRef("pk"), client_visible=True).order_by(
        "-posted_at", "-pk"
    )
    return projects.order_by().annotate(
        **progress_weights(_visible_milestones(OuterRef("pk"))),
        late_count=Coalesce(
            Subquery(open_visible.filter(due_on__lt=today).values("project").annotate(n=Count("pk")).values("n")),
            0,
        ),
        next_title=Subquery(next_open.values("title")[:1]),
        next_due=Subquery(next_open.values("due_on")[:1]),
        shared_health=Subquery(shared_update.values("health")[:1]),
    )


PROJECT_COLUMNS = (
    "pk",
    "client_id",
    "name",
    "status",
    "actual_end_on",
    "start_on",
    "target_end_on",
    "weight_total",
    "weight_done",
    "late_count",
    "next_title",
    "next_due",
    "shared_health",
)


def _client_project(row: dict[str, Any]) -> ClientProject:
    closed = row["status"] in CLOSED_STATUSES
    return ClientProject(
        pk=row["pk"],
        name=row["name"],
        status=row["status"],
        ended_on=row["actual_end_on"] if closed else None,
        start_on=row["start_on"],
        target_end_on=row["target_end_on"],
        health=None if closed else row["shared_health"],
        progress=progress_percent(done=row["weight_done"], total=row["weight_total"]) if row["weight_total"] else None,
        next_milestone=None if closed else row["next_title"],
        next_milestone_due=None if closed else row["next_due"],
        late_milestones=0 if closed else row["late_count"],
    )


# Rows shared across the client: meetings and the client's own action items -------------------


def _belongs(project_ids: list[int] | None, path: str) -> Q:
    """Rows of these projects or of none; None means the projects the client is shown."""
    if project_ids is None:
        return Q(**{f"{path}__isnull": True}) | Q(**{f"{path}__portal_visible": True})
    return Q(**{f"{path}__isnull": True}) | Q(**{f"{path}__in": project_ids})


def _meetings(client_id: int, project_ids: list[int] | None) -> list[ClientMeeting]:
    rows = (
        Interaction.objects.filter(_belongs(project_ids, "project"), client_id=client_id, shared_with_client=True)
        .order_by("-occurred_at", "-pk")
        .values("occurred_at", "kind", "summary", "project_id", "project__name")[:RECENT_MEETINGS]
    )
    return [
        ClientMeeting(
            occurred_at=r["occurred_at"],
            kind=Interaction.Kind(r["kind"]).label,
            summary=r["summary"],
            project_id=r["project_id"],
            project_name=r["project__name"] or "",
        )
        for r in rows
    ]


def _action_items(client_id: int, project_ids: list[int] | None, *, today: date) -> list[ClientActionItem]:
    """The client's own open action items; an item belongs to the project of the meeting it came from."""
    rows = (
        ActionItem.objects.filter(
            _belongs(project_ids, "interaction__project"),
            client_id=client_id,
            owner_side=ActionItem.Side.CLIENT,
            done_at__isnull=True,
        )
        .order_by(F("due_on").asc(nulls_last=True), "pk")
        .values("text", "owner_contact__name", "due_on", "interaction__project_id", "interaction__project__name")
    )
    return [
        ClientActionItem(
            text=r["text"],
            owner=r["owner_contact__name"] or "",
            due_on=r["due_on"],
            late=r["due_on"] is not None and r["due_on"] < today,
            project_id=r["interaction__project_id"],
            project_name=r["interaction__project__name"] or "",
        )
        for r in rows
    ]


# Pages ------------------------------------------------------------------------------------------


def portal_home(*, contact: Contact, now: datetime | None = None) -> PortalHome:
    today = client_today(contact.client, now=now)
    projects = _project_summaries(portal_projects(contact=contact), today=today).order_by("name", "pk")
    return PortalHome(
        viewer=_viewer(contact),
        today=today,
        projects=[_client_project(row) for row in projects.values(*PROJECT_COLUMNS)],
        action_items=_action_items(contact.client_id, None, today=today),
        meetings=_meetings(contact.client_id, None),
    )


def portal_project_window(*, contact: Contact, pk: int, now: datetime | None = None) -> ProjectWindow | None:
    return project_window(
        projects=portal_projects(contact=contact), pk=pk, client=contact.client, viewer=_viewer(contact), now=now
    )


NARRATIVE_FIELDS = ("posted_at", "health", "reason", "accomplished", "next_steps", "blockers")


def project_window(
    *, projects: QuerySet[Project], pk: int, client: Client, viewer: Viewer | None = None, now: datetime | None = None
) -> ProjectWindow | None:
    """One project of `client` as the client sees it, or None when `projects` (the caller's
    scope) does not hold it. A plain query per list."""
    today = client_today(client, now=now)
    row = _project_summaries(projects.filter(pk=pk, client_id=client.pk), today=today).values(*PROJECT_COLUMNS).first()
    if row is None:
        return None
    narrative = (
        StatusUpdate.objects.filter(project_id=pk, client_visible=True)
        .order_by("-posted_at", "-pk")
        .values(*NARRATIVE_FIELDS)
        .first()
    )
    first_move = MilestoneChange.objects.filter(milestone=OuterRef("pk")).order_by("changed_at", "pk")
    milestones = (
        _visible_milestones(pk)
        .annotate(first_planned_on=Subquery(first_move.values("old_due_on")[:1]))
        .order_by("due_on", "pk")
        .values("title", "due_on", "completed_on", "first_planned_on")
    )
    risks = (
        RiskIssue.objects.filter(project_id=pk, client_visible=True)
        .exclude(status=RiskIssue.Status.CLOSED)
        .order_by("-severity", "pk")
        .values("kind", "title", "description", "mitigation", "status", "severity")
    )
    changes = (
        ChangeRequest.objects.filter(project_id=pk, client_visible=True)
        .order_by("-proposed_at", "-pk")
        .values("title", "kind", "description", "status", "schedule_impact_days", "cost_impact", "decided_at")
    )
    decisions = (
        Decision.objects.filter(project_id=pk, client_visible=True)
        .order_by("-decided_on", "-pk")
        .values("title", "rationale", "made_by", "decided_on")
    )
    reports = (
        StatusReport.objects.filter(project_id=pk)
        .order_by("-period_end", "-pk")
        .values("pk", "period_start", "period_end")
    )
    project = _client_project(row)
    return ProjectWindow(
        viewer=viewer,
        today=today,
        project=project,
        narrative=Narrative(**narrative) if narrative else None,
        milestones=[
            ClientMilestone(
                title=m["title"],
                due_on=m["due_on"],
                completed_on=m["completed_on"],
                first_planned_on=m["first_planned_on"],
                late=not project.is_closed and m["completed_on"] is None and m["due_on"] < today,
            )
            for m in milestones
        ],
        risks=[
            ClientRisk(**{**r, "kind": RiskIssue.Kind(r["kind"]).label, "status": RiskIssue.Status(r["status"]).label})
            for r in risks
        ]
        if not project.is_closed
        else [],
        changes=[
            ClientChange(
                **{**c, "kind": ChangeRequest.Kind(c["kind"]).label, "status": ChangeRequest.Status(c["status"]).label},
                currency=client.currency,
            )
            for c in changes
        ],
        decisions=[ClientDecision(**d) for d in decisions],
        meetings=_meetings(client.pk, [pk]),
        action_items=_action_items(client.pk, [pk], today=today),
        reports=[ArchivedReport(**r) for r in reports],
    )


def report_content(
    *, project: Project, due_at: datetime, note: str, portal_url: str, now: datetime | None = None
) -> ReportContent:
    """The weekly report due at `due_at`, covering the seven days up to it in the client's zone.
    `project` comes with its client and manager loaded."""
    client = project.client
    period_end = timezone.localdate(due_at, zoneinfo.ZoneInfo(client.time_zone))
    period_start = period_end - timedelta(days=6)
    window = project_window(
        projects=Project.objects.filter(pk=project.pk), pk=project.pk, client=client, now=now or due_at
    )
    if window is None:
        raise Project.DoesNotExist(f"project {project.pk} is not one of {client.name}'s")
    week_start = due_at - timedelta(days=7)
    moved = (
        MilestoneChange.objects.filter(
            milestone__project=project,
            milestone__client_visible=True,
            changed_at__gt=week_start,
            changed_at__lte=due_at,
        )
        .order_by("changed_at", "pk")
        .values_list("milestone__title", "old_due_on", "new_due_on")
    )
    return ReportContent(
        client_name=client.name,
        manager_name=project.manager.get_full_name(),
        manager_email=project.manager.email,
        project=window.project,
        period_start=period_start,
        period_end=period_end,
        narrative=window.narrative,
        late=window.late,
        completed=[m for m in window.milestones if m.completed_on and period_start <= m.completed_on <= period_end],
        coming=[
            m
            for m in window.milestones
            if m.completed_on is None and not m.late and m.due_on <= window.today + REPORT_LOOKAHEAD
        ],
        moved=[MovedMilestone(title=title, old_due_on=old, new_due_on=new) for title, old, new in moved],
        risks=window.risks,
        changes=[c for c in window.changes if c.decided_at is None or c.decided_at > week_start],
        decisions=[d for d in window.decisions if period_start <= d.decided_on <= period_end],
        action_items=window.action_items,
        note=note,
        portal_url=portal_url,
    )


def archived_report_page(*, contact: Contact, project_pk: int, pk: int) -> ArchivedReportPage | None:
    """One archived report of a project the contact may see, exactly as it was sent."""
    row = (
        StatusReport.objects.filter(pk=pk, project__in=portal_projects(contact=contact).filter(pk=project_pk))
        .values("project_id", "project__name", "subject", "period_start", "period_end", "html")
        .first()
    )
    if row is None:
        return None
    return ArchivedReportPage(
        viewer=_viewer(contact),
        project_pk=row["project_id"],
        project_name=row["project__name"],
        subject=row["subject"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        html=row["html"],
    )


@dataclass(frozen=True)
class SentReport:
    """A stored weekly report, with what its email needs around it."""

    subject: str
    html: str
    text: str
    project_name: str
    client_name: str
    manager_name: str
    manager_email: str
    project_id: int = 0
    iso_year: int = 0
    iso_week: int = 0

    @property
    def week(self) -> date:
        """The Monday of the report's ISO week: the week its pulse answers are for."""
        return date.fromisocalendar(self.iso_year, self.iso_week, 1)


def sent_report(*, report_id: int) -> SentReport | None:
    row = (
        StatusReport.objects.filter(pk=report_id)
        .values(
            "project_id",
            "iso_year",
            "iso_week",
            "subject",
            "html",
            "text",
            "project__name",
            "project__client__name",
            "project__manager__full_name",
            "project__manager__email",
        )
        .first()
    )
    if row is None:
        return None
    return SentReport(
        subject=row["subject"],
        html=row["html"],
        text=row["text"],
        project_name=row["project__name"],
        client_name=row["project__client__name"],
        manager_name=row["project__manager__full_name"] or row["project__manager__email"],
        manager_email=row["project__manager__email"],
        project_id=row["project_id"],
        iso_year=row["iso_year"],
        iso_week=row["iso_week"],
    )
