"""What a client contact may see, and nothing else.

Every portal read starts from the contact: their client (never archived), that client's
projects marked visible in the portal, and only the items marked client-visible. Each selector
names the columns it reads and returns plain dataclasses, so internal fields (notes, sentiment,
health score, staff-only items) cannot reach a template even by accident.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    DateField,
    DateTimeField,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Cast
from django.http import Http404

from accounts.models import User
from crm.models import ActionItem, Contact, Interaction
from projects.models import (
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
from projects.selectors import with_progress


@dataclass(frozen=True)
class Viewer:
    name: str
    client_name: str


@dataclass(frozen=True)
class PortalProject:
    pk: int
    name: str
    status: str
    health: str
    progress: int
    start_on: date | None
    target_end_on: date | None
    next_milestone: str | None
    next_milestone_due: date | None

    @property
    def health_label(self) -> str:
        return Health(self.health).label

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
class PortalMilestone:
    title: str
    due_on: date
    completed_on: date | None
    moved_from: date | None


@dataclass(frozen=True)
class PortalRisk:
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
class PortalChange:
    title: str
    kind: str
    description: str
    status: str
    schedule_impact_days: int
    cost_impact: Decimal | None
    decided_at: datetime | None


@dataclass(frozen=True)
class PortalDecision:
    title: str
    rationale: str
    made_by: str
    decided_on: date


@dataclass(frozen=True)
class PortalMeeting:
    occurred_at: datetime
    kind: str
    summary: str


@dataclass(frozen=True)
class PortalActionItem:
    text: str
    owner: str
    due_on: date | None


@dataclass(frozen=True)
class PortalHome:
    viewer: Viewer
    projects: list[PortalProject]
    action_items: list[PortalActionItem]
    meetings: list[PortalMeeting]


@dataclass(frozen=True)
class PortalReport:
    pk: int
    iso_year: int
    iso_week: int
    period_start: date
    period_end: date


@dataclass(frozen=True)
class PortalProjectPage:
    viewer: Viewer | None
    project: PortalProject
    narrative: Narrative | None
    milestones: list[PortalMilestone]
    risks: list[PortalRisk]
    changes: list[PortalChange]
    decisions: list[PortalDecision]
    meetings: list[PortalMeeting]
    action_items: list[PortalActionItem]
    reports: list[PortalReport]

    @property
    def upcoming(self) -> list[PortalMilestone]:
        return [m for m in self.milestones if m.completed_on is None][:3]


def contact_for_user(*, user: User) -> Contact:
    """The contact behind a portal login; 404 when there is none or its client is archived."""
    contact = Contact.objects.select_related("client").filter(user=user, client__archived_at__isnull=True).first()
    if contact is None:
        raise Http404
    return contact


def _viewer(contact: Contact) -> Viewer:
    return Viewer(name=contact.name, client_name=contact.client.name)


def portal_projects(*, contact: Contact) -> QuerySet[Project]:
    return Project.objects.filter(client_id=contact.client_id, portal_visible=True)


PROJECT_COLUMNS = [
    "pk",
    "client_id",
    "name",
    "status",
    "health",
    "start_on",
    "target_end_on",
    "weight_total",
    "weight_done",
]


def _project_rows(projects: QuerySet[Project]) -> QuerySet[Any]:
    next_milestone = Milestone.objects.filter(
        project=OuterRef("pk"), client_visible=True, completed_on__isnull=True
    ).order_by("due_on", "pk")
    return with_progress(projects).annotate(
        next_title=Subquery(next_milestone.values("title")[:1]),
        next_due=Subquery(next_milestone.values("due_on")[:1]),
    )


def _portal_project(row: dict[str, Any]) -> PortalProject:
    total = row["weight_total"]
    return PortalProject(
        pk=row["pk"],
        name=row["name"],
        status=row["status"],
        health=row["health"],
        progress=round(100 * row["weight_done"] / total) if total else 0,
        start_on=row["start_on"],
        target_end_on=row["target_end_on"],
        next_milestone=row["next_title"],
        next_milestone_due=row["next_due"],
    )


# A portal page's lists come back in one UNION ALL query: each kind of item maps its allowed
# fields onto the same columns, and every other column is a typed blank.
COLUMNS = ["title", "body", "extra", "tag", "status", "day", "day2", "day3", "at", "number", "amount"]
BLANKS = {
    "title": Value("", output_field=TextField()),
    "body": Value("", output_field=TextField()),
    "extra": Value("", output_field=TextField()),
    "tag": Value("", output_field=TextField()),
    "status": Value("", output_field=TextField()),
    # Typed NULLs: PostgreSQL resolves a UNION's column types pair by pair, and two untyped
    # NULLs would make a text column that a later date column cannot join.
    "day": Cast(Value(None), DateField()),
    "day2": Cast(Value(None), DateField()),
    "day3": Cast(Value(None), DateField()),
    "at": Cast(Value(None), DateTimeField()),
    "number": Value(0, output_field=IntegerField()),
    "amount": Cast(Value(None), DecimalField(max_digits=12, decimal_places=2)),
}
CASTS = {"title": TextField, "body": TextField, "extra": TextField, "tag": TextField, "status": TextField}


def _rows(queryset: QuerySet[Any], kind: str, **sources: str) -> QuerySet[Any]:
    """The queryset as union rows of `kind`, reading only the named fields."""
    columns: dict[str, Any] = {"row_kind": Value(kind, output_field=TextField())}
    for name in COLUMNS:
        source = sources.get(name)
        if source is None:
            columns[f"row_{name}"] = BLANKS[name]
        elif name in CASTS:
            columns[f"row_{name}"] = Cast(F(source), CASTS[name]())
        else:
            columns[f"row_{name}"] = F(source)
    return queryset.order_by().annotate(**columns).values_list(*columns)


def _union(parts: list[QuerySet[Any]]) -> dict[str, list[dict[str, Any]]]:
    first, *rest = parts
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for row in first.union(*rest, all=True):
        kind, *values = row
        by_kind.setdefault(kind, []).append(dict(zip(COLUMNS, values, strict=True)))
    return by_kind


def _client_parts(client_id: int, *, project_id: int | None) -> list[QuerySet[Any]]:
    """Shared meeting summaries and the client's own open action items: those of one project,
    or (on the portal home page) all of the client's."""
    meetings = Interaction.objects.filter(client_id=client_id, shared_with_client=True)
    items = ActionItem.objects.filter(client_id=client_id, owner_side=ActionItem.Side.CLIENT, done_at__isnull=True)
    if project_id is not None:
        meetings = meetings.filter(project_id=project_id)
        items = items.filter(interaction__project_id=project_id)
    else:  # nothing about a project the client is not shown
        meetings = meetings.exclude(project__portal_visible=False)
        items = items.exclude(interaction__project__portal_visible=False)
    return [
        _rows(meetings, "meeting", title="summary", tag="kind", at="occurred_at"),
        _rows(items, "action", title="text", extra="owner_contact__name", day="due_on"),
    ]


def _meetings(rows: list[dict[str, Any]]) -> list[PortalMeeting]:
    meetings = [
        PortalMeeting(occurred_at=r["at"], kind=Interaction.Kind(r["tag"]).label, summary=r["title"]) for r in rows
    ]
    return sorted(meetings, key=lambda m: m.occurred_at, reverse=True)[:20]


def _action_items(rows: list[dict[str, Any]]) -> list[PortalActionItem]:
    items = [PortalActionItem(text=r["title"], owner=r["extra"] or "", due_on=r["day"]) for r in rows]
    return sorted(items, key=lambda item: (item.due_on is None, item.due_on or date.max))


def portal_home(*, contact: Contact) -> PortalHome:
    projects = _project_rows(portal_projects(contact=contact)).order_by("name")
    rows = _union(_client_parts(contact.client_id, project_id=None))
    return PortalHome(
        viewer=_viewer(contact),
        projects=[_portal_project(row) for row in projects.values(*PROJECT_COLUMNS, "next_title", "next_due")],
        action_items=_action_items(rows.get("action", [])),
        meetings=_meetings(rows.get("meeting", [])),
    )


NARRATIVE_FIELDS = ["posted_at", "health", "reason", "accomplished", "next_steps", "blockers"]


def portal_project_page(*, contact: Contact, pk: int) -> PortalProjectPage:
    return shared_project_view(projects=portal_projects(contact=contact), pk=pk, viewer=_viewer(contact))


def shared_project_view(*, projects: QuerySet[Project], pk: int, viewer: Viewer | None = None) -> PortalProjectPage:
    """Everything of one project that its client may see: the portal's project page and the
    weekly status report are both built from this. `projects` is the caller's scope."""
    latest = StatusUpdate.objects.filter(project=OuterRef("pk"), client_visible=True).order_by("-posted_at", "-pk")
    row = (
        _project_rows(projects.filter(pk=pk))
        .annotate(**{f"narrative_{name}": Subquery(latest.values(name)[:1]) for name in NARRATIVE_FIELDS})
        .values(*PROJECT_COLUMNS, "next_title", "next_due", *(f"narrative_{name}" for name in NARRATIVE_FIELDS))
        .first()
    )
    if row is None:
        raise Http404

    first_move = MilestoneChange.objects.filter(milestone=OuterRef("pk")).order_by("changed_at", "pk")
    milestones = Milestone.objects.filter(project_id=pk, client_visible=True).annotate(
        moved_from=Subquery(first_move.values("old_due_on")[:1])
    )
    risks = RiskIssue.objects.filter(project_id=pk, client_visible=True).exclude(status=RiskIssue.Status.CLOSED)
    rows = _union(
        [
            _rows(milestones, "milestone", title="title", day="due_on", day2="completed_on", day3="moved_from"),
            _rows(
                risks, "risk", title="title", body="description", extra="mitigation", tag="kind", status="status",
                number="severity",
            ),
            _rows(
                ChangeRequest.objects.filter(project_id=pk, client_visible=True), "change", title="title",
                body="description", tag="kind", status="status", number="schedule_impact_days", amount="cost_impact",
                at="decided_at",
            ),
            _rows(
                Decision.objects.filter(project_id=pk, client_visible=True), "decision", title="title",
                body="rationale", extra="made_by", day="decided_on",
            ),
            _rows(
                StatusReport.objects.filter(project_id=pk), "report", number="id", day="period_start",
                day2="period_end", extra="iso_year", tag="iso_week",
            ),
            *_client_parts(row["client_id"], project_id=pk),
        ]
    )  # fmt: skip
    narrative = (
        Narrative(**{name: row[f"narrative_{name}"] for name in NARRATIVE_FIELDS})
        if row["narrative_posted_at"]
        else None
    )
    return PortalProjectPage(
        viewer=viewer,
        project=_portal_project(row),
        narrative=narrative,
        milestones=sorted(
            (
                PortalMilestone(title=r["title"], due_on=r["day"], completed_on=r["day2"], moved_from=r["day3"])
                for r in rows.get("milestone", [])
            ),
            key=lambda m: m.due_on,
        ),
        risks=sorted(
            (
                PortalRisk(
                    kind=RiskIssue.Kind(r["tag"]).label, title=r["title"], description=r["body"],
                    mitigation=r["extra"], status=RiskIssue.Status(r["status"]).label, severity=r["number"],
                )
                for r in rows.get("risk", [])
            ),
            key=lambda risk: -risk.severity,
        ),
        changes=[
            PortalChange(
                title=r["title"], kind=ChangeRequest.Kind(r["tag"]).label, description=r["body"],
                status=ChangeRequest.Status(r["status"]).label, schedule_impact_days=r["number"],
                cost_impact=r["amount"], decided_at=r["at"],
            )
            for r in rows.get("change", [])
        ],
        decisions=sorted(
            (
                PortalDecision(title=r["title"], rationale=r["body"], made_by=r["extra"], decided_on=r["day"])
                for r in rows.get("decision", [])
            ),
            key=lambda d: d.decided_on,
            reverse=True,
        ),
        meetings=_meetings(rows.get("meeting", [])),
        action_items=_action_items(rows.get("action", [])),
        reports=sorted(
            (
                PortalReport(
                    pk=r["number"], iso_year=int(r["extra"]), iso_week=int(r["tag"]), period_start=r["day"],
                    period_end=r["day2"],
                )
                for r in rows.get("report", [])
            ),
            key=lambda report: report.period_end,
            reverse=True,
        ),
    )  # fmt: skip


@dataclass(frozen=True)
class MovedMilestone:
    title: str
    old_due_on: date
    new_due_on: date


@dataclass(frozen=True)
class ReportContent:
    """A weekly status report: what the client may see of the project, cut to the week."""

    client_name: str
    project: PortalProject
    period_start: date
    period_end: date
    narrative: Narrative | None
    completed: list[PortalMilestone]
    coming: list[PortalMilestone]
    moved: list[MovedMilestone]
    risks: list[PortalRisk]
    changes: list[PortalChange]
    decisions: list[PortalDecision]
    action_items: list[PortalActionItem]
    note: str
    portal_url: str


REPORT_LOOKAHEAD = timedelta(days=14)


def report_content(*, project: Project, due_at: datetime, note: str, portal_url: str) -> ReportContent:
    """The report due at `due_at`, covering the seven days up to it (dates in the client's zone)."""
    view = shared_project_view(projects=Project.objects.filter(pk=project.pk), pk=project.pk)
    period_end = due_at.astimezone(zoneinfo.ZoneInfo(project.client.time_zone)).date()
    period_start = period_end - timedelta(days=6)
    week_start = due_at - timedelta(days=7)
    moved = MilestoneChange.objects.filter(
        milestone__project=project, milestone__client_visible=True, changed_at__gt=week_start, changed_at__lte=due_at
    ).order_by("changed_at", "pk")
    return ReportContent(
        client_name=project.client.name,
        project=view.project,
        period_start=period_start,
        period_end=period_end,
        narrative=view.narrative,
        completed=[m for m in view.milestones if m.completed_on and period_start <= m.completed_on <= period_end],
        coming=[
            m
            for m in view.milestones
            if m.completed_on is None and period_end < m.due_on <= period_end + REPORT_LOOKAHEAD
        ],
        moved=[
            MovedMilestone(title=title, old_due_on=old, new_due_on=new)
            for title, old, new in moved.values_list("milestone__title", "old_due_on", "new_due_on")
        ],
        risks=view.risks,
        changes=[c for c in view.changes if c.decided_at is None or c.decided_at > week_start],
        decisions=[d for d in view.decisions if period_start <= d.decided_on <= period_end],
        action_items=view.action_items,
        note=note,
        portal_url=portal_url,
    )


@dataclass(frozen=True)
class PortalReportPage:
    viewer: Viewer
    project_pk: int
    project_name: str
    subject: str
    period_start: date
    period_end: date
    html: str


def portal_status_report(*, contact: Contact, project_pk: int, pk: int) -> PortalReportPage:
    """One archived report of a project the contact may see, as it was sent."""
    row = (
        StatusReport.objects.filter(pk=pk, project__in=portal_projects(contact=contact).filter(pk=project_pk))
        .values("project_id", "project__name", "subject", "period_start", "period_end", "html")
        .first()
    )
    if row is None:
        raise Http404
    return PortalReportPage(
        viewer=_viewer(contact),
        project_pk=row["project_id"],
        project_name=row["project__name"],
        subject=row["subject"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        html=row["html"],
    )
