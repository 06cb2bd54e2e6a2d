"""Reads for the project pages, each starting from the user's scope: a manager sees a project
when they manage it, are on its team, or are its client's account manager; admins see all."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from accounts.models import User
from crm.models import Client, Interaction, PulseAnswer
from crm.perception import PerceptionGap, perception_gap_for
from crm.pulse import pulse_answer_counts, pulse_answers_recent
from outbox.models import OutboundEmail
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
from ui.pagination import Page, SortKey, keyset_page


def project_scope(*, user: User, prefix: str = "") -> Q:
    if user.is_admin:
        return Q()
    if not user.is_staff_member:
        return Q(pk__in=[])
    on_team = Project.team.through.objects.filter(project_id=OuterRef(f"{prefix}pk" if prefix else "pk"), user=user)
    return Q(**{f"{prefix}manager": user}) | Q(**{f"{prefix}client__account_manager": user}) | Q(Exists(on_team))


def projects_for_user(*, user: User) -> QuerySet[Project]:
    return Project.objects.filter(project_scope(user=user)).select_related("client", "manager", "recovery_plan")


def _through_project(model: type[Model], user: User) -> QuerySet[Any]:
    return model._default_manager.filter(project__in=projects_for_user(user=user).values("pk")).select_related(
        "project"
    )


def milestones_for_user(*, user: User) -> QuerySet[Milestone]:
    return _through_project(Milestone, user)


def risks_for_user(*, user: User) -> QuerySet[RiskIssue]:
    return _through_project(RiskIssue, user)


def change_requests_for_user(*, user: User) -> QuerySet[ChangeRequest]:
    return _through_project(ChangeRequest, user)


def progress_percent(*, done: int, total: int) -> int:
    """Progress, the one formula: the weighted share of completed milestones, as a whole
    percentage (0 when there is nothing to weigh)."""
    return round(100 * done / total) if total else 0


def progress_weights(milestones: QuerySet[Milestone]) -> dict[str, Coalesce]:
    """The two sums behind progress (`weight_total`, `weight_done`) as annotations on a query
    over projects. `milestones` are one project's rows, correlated by OuterRef("pk"): all of them
    for managers, only the client-visible ones for the client's view (portal.client_view).
    progress_percent turns the pair into the percentage."""
    weights = milestones.order_by().values("project")
    return {
        "weight_total": Coalesce(Subquery(weights.annotate(w=Sum("weight")).values("w")), 0),
        "weight_done": Coalesce(
            Subquery(weights.filter(completed_on__isnull=False).annotate(w=Sum("weight")).values("w")), 0
        ),
    }


def weighted_progress(milestones: list[Milestone]) -> int:
    """The same sums over milestones already loaded (the project page has all of them)."""
    return progress_percent(
        done=sum(m.weight for m in milestones if m.completed_on), total=sum(m.weight for m in milestones)
    )


def with_progress(projects: QuerySet[Project]) -> QuerySet[Project]:
    """Annotate the milestone weights behind progress and the open high-severity count, in SQL
    per project. A closed project has no open high risks: whatever is left in its register no
    longer threatens anything."""
    high = (
        RiskIssue.objects.filter(project=OuterRef("pk"), severity__gte=HIGH_SEVERITY)
        .exclude(status=RiskIssue.Status.CLOSED)
        .exclude(project__status__in=CLOSED_STATUSES)
        .order_by()
        .values("project")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return projects.annotate(
        **progress_weights(Milestone.objects.filter(project=OuterRef("pk"))),
        open_high_risks=Coalesce(Subquery(high), 0),
    )


def progress_of(project: Project) -> int:
    """The percentage for a project annotated by with_progress."""
    return progress_percent(done=getattr(project, "weight_done", 0), total=getattr(project, "weight_total", 0))


# The project list ----------------------------------------------------------------------------

HEALTH_ORDER = Case(
    When(health="red", then=Value(0)),
    When(health="amber", then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)
PROJECT_SORTS = {
    "name": ("Name", SortKey(Lower("name"), "str")),
    "health": ("Health (worst first)", SortKey(HEALTH_ORDER, "int")),
    "target_end": ("Target end", SortKey(F("target_end_on"), "date")),
    "client": ("Client", SortKey(Lower("client__name"), "str")),
}
PROJECT_PAGE_SIZE = 25


@dataclass(frozen=True)
class ReportDelivery:
    to_email: str
    status: str
    attempts: int
    last_error: str
    sent_at: datetime | None

    @property
    def status_label(self) -> str:
        return OutboundEmail.Status(self.status).label


@dataclass
class ReportHistory:
    pk: int
    iso_year: int
    iso_week: int
    period_end: date
    deliveries: list[ReportDelivery]
    answers: int = 0  # pulse answers for the report's week

    @property
    def week(self) -> date:
        return date.fromisocalendar(self.iso_year, self.iso_week, 1)

    @property
    def sent(self) -> int:
        return sum(1 for d in self.deliveries if d.status == OutboundEmail.Status.SENT)


@dataclass(frozen=True)
class PulseSummary:
    """The client's answers on a project: the latest few, and how many of the recipients of
    the last reports answered (answers for a report's week / deliveries sent that week)."""

    answers: list[PulseAnswer]
    answered: int
    sent: int

    @property
    def response_rate(self) -> int | None:
        return round(100 * self.answered / self.sent) if self.sent else None


def pulse_summary(*, project: Project, reports: list[ReportHistory]) -> PulseSummary:
    """Two queries: the latest answers, and the answer count of each reported week."""
    counts = pulse_answer_counts(project_id=project.pk, weeks=[report.week for report in reports])
    for report in reports:
        report.answers = counts.get(report.week, 0)
    return PulseSummary(
        answers=pulse_answers_recent(answers=PulseAnswer.objects.filter(project=project)),
        answered=sum(min(report.answers, report.sent) for report in reports if report.sent),
        sent=sum(report.sent for report in reports),
    )


REPORT_HISTORY = 10


def report_history(*, project: Project) -> list[ReportHistory]:
    """The latest reports with each recipient's delivery, in one query (a LEFT JOIN: a report
    with no recipients still shows)."""
    latest = StatusReport.objects.filter(project=project).order_by("-due_at").values("pk")[:REPORT_HISTORY]
    rows = (
        StatusReport.objects.filter(pk__in=Subquery(latest))
        .order_by("-due_at", "deliveries__to_email")
        .values_list(
            "pk", "iso_year", "iso_week", "period_end", "deliveries__to_email", "deliveries__status",
            "deliveries__attempts", "deliveries__last_error", "deliveries__sent_at",
        )
    )  # fmt: skip
    history: dict[int, ReportHistory] = {}
    for pk, iso_year, iso_week, period_end, to_email, status, attempts, last_error, sent_at in rows:
        report = history.setdefault(pk, ReportHistory(pk, iso_year, iso_week, period_end, []))
        if to_email is not None:
            report.deliveries.append(ReportDelivery(to_email, status, attempts, last_error, sent_at))
    return list(history.values())


@dataclass(frozen=True)
class ProjectFilters:
    status: str = ""
    health: str = ""
    manager: int | None = None
    client: int | None = None
    in_recovery: bool = False
    sort: str = "name"


def project_list(*, user: User, filters: ProjectFilters) -> QuerySet[Project]:
    """The projects the list shows for these filters, unordered (the list and the API page
    them, exports stream them)."""
    projects = projects_for_user(user=user)
    if filters.status:
        projects = projects.filter(status=filters.status)
    if filters.health:
        projects = projects.filter(health=filters.health)
    if filters.manager:
        projects = projects.filter(manager_id=filters.manager)
    if filters.client:
        projects = projects.filter(client_id=filters.client)
    if filters.in_recovery:
        projects = projects.filter(recovery_plan__isnull=False)
    return projects


def project_list_page(*, user: User, filters: ProjectFilters, cursor: str | None) -> Page[Project]:
    _, sort = PROJECT_SORTS.get(filters.sort, PROJECT_SORTS["name"])
    projects = with_progress(project_list(user=user, filters=filters))
    return keyset_page(projects, sort=sort, cursor=cursor, size=PROJECT_PAGE_SIZE)


def project_filter_choices(*, user: User) -> tuple[list[User], list[Client]]:
    visible = projects_for_user(user=user).values("pk")
    managers = list(User.objects.filter(managed_projects__in=visible).distinct().order_by("full_name"))
    clients = list(Client.objects.filter(projects__in=visible).distinct().order_by("name").only("pk", "name"))
    return managers, clients


def projects_of_client(*, user: User, client: Client) -> list[Project]:
    """The client page's project list: this client's projects the user may see."""
    return list(with_progress(projects_for_user(user=user).filter(client=client)).order_by("-status", "name"))


# The project page ----------------------------------------------------------------------------

MOVED_WITHIN = timedelta(days=30)
CLOSED_LAST = Case(When(status=RiskIssue.Status.CLOSED, then=Value(1)), default=Value(0), output_field=IntegerField())


@dataclass(frozen=True)
class ProjectPage:
    project: Project
    team: list[User]
    milestones: list[Milestone]
    progress: int
    risks: list[RiskIssue]
    change_requests: list[ChangeRequest]
    decisions: list[Decision]
    status_updates: list[StatusUpdate]
    reports: list[ReportHistory]
    expectation_gap: ExpectationGap | None
    today: date
    pulse: PulseSummary | None = None
    perception_gap: PerceptionGap | None = None

    @property
    def overdue_milestones(self) -> list[Milestone]:
        return [m for m in self.milestones if not m.completed_on and m.due_on < self.today]

    @property
    def open_risks(self) -> list[RiskIssue]:
        return [r for r in self.risks if r.is_open]

    @property
    def open_high_risks(self) -> int:
        return sum(1 for r in self.open_risks if r.is_high)

    @property
    def moved_recently(self) -> list[MilestoneChange]:
        since = timezone.now() - MOVED_WITHIN
        return [c for m in self.milestones for c in m.changes.all() if c.changed_at >= since]


def project_page(*, project: Project) -> ProjectPage:
    """Everything the project page shows, in a fixed number of queries."""
    milestones = list(project.milestones.prefetch_related("changes"))
    reports = report_history(project=project)
    return ProjectPage(
        project=project,
        team=list(project.team.all()),
        milestones=milestones,
        progress=weighted_progress(milestones),
        risks=list(project.risks.select_related("owner").order_by(CLOSED_LAST, "-severity", "id")),
        change_requests=list(project.change_requests.select_related("decided_by")),
        decisions=list(project.decisions.all()),
        status_updates=list(project.status_updates.select_related("author")[:20]),
        reports=reports,
        expectation_gap=expectation_gap_for(project=project),
        today=timezone.localdate(),
        pulse=pulse_summary(project=project, reports=reports),
        perception_gap=perception_gap_for(client=project.client),
    )


# Expectation gap ----------------------------------------------------------------------------------

GAP_WINDOW = timedelta(days=30)
UNHAPPY_AVERAGE = 2.0
CONTENT_AVERAGE = 4.0
SENTIMENT_FALL = 1.0


@dataclass(frozen=True)
class Evidence:
    interaction_id: int
    occurred_at: datetime
    sentiment: int
    summary: str


@dataclass(frozen=True)
class ExpectationGap:
    """The team's view of a project (its health) and the client's mood disagree."""

    project_id: int
    project_name: str
    client_id: int
    client_name: str
    health: str
    team_optimistic: bool  # green or amber while the client is unhappy; else red while content
    recent_average: float
    earlier_average: float | None
    evidence: list[Evidence]

    @property
    def summary(self) -> str:
        if self.team_optimistic:
            trend = (
                f", down from {self.earlier_average:.1f}"
                if self.earlier_average is not None and self.earlier_average > self.recent_average
                else ""
            )
            return (
                f"Reported {self.health} while the client's sentiment averages "
                f"{self.recent_average:.1f} over 30 days{trend}"
            )
        return f"Reported red while the client's sentiment averages {self.recent_average:.1f} over 30 days"


def _average(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def expectation_gaps(*, projects: QuerySet[Project], now: datetime | None = None) -> list[ExpectationGap]:
    """Active projects whose health disagrees with their client's recent sentiment, with the
    interactions that show it. Flagged when the team reports green or amber while the client's
    sentiment over the last 30 days averages 2 or below, or has fallen by a point or more
    against the 30 days before; or the team reports red while the client averages 4 or more.
    Two queries, however many projects."""
    rows = list(
        projects.filter(status=Project.Status.ACTIVE)
        .order_by("client__name", "name")
        .values("pk", "name", "health", "client_id", "client__name")
    )
    return _gaps(rows, now=now or timezone.now())


def expectation_gap_for(*, project: Project, now: datetime | None = None) -> ExpectationGap | None:
    """The gap of one project already loaded (with its client): one query."""
    if project.status != Project.Status.ACTIVE:
        return None
    row = {
        "pk": project.pk,
        "name": project.name,
        "health": project.health,
        "client_id": project.client_id,
        "client__name": project.client.name,
    }
    gaps = _gaps([row], now=now or timezone.now())
    return gaps[0] if gaps else None


def expectation_gaps_of(*, projects: list[Project], now: datetime | None = None) -> list[ExpectationGap]:
    """The gaps of projects already loaded with their clients: one query (none without an
    active project)."""
    rows = [
        {"pk": p.pk, "name": p.name, "health": p.health, "client_id": p.client_id, "client__name": p.client.name}
        for p in projects
        if p.status == Project.Status.ACTIVE
    ]
    return _gaps(rows, now=now or timezone.now()) if rows else []


def _gaps(rows: Sequence[Mapping[str, Any]], *, now: datetime) -> list[ExpectationGap]:
    interactions = Interaction.objects.filter(
        client_id__in={row["client_id"] for row in rows},
        sentiment__isnull=False,
        occurred_at__gte=now - 2 * GAP_WINDOW,
        occurred_at__lte=now,
    ).order_by("-occurred_at", "-pk")
    recent: dict[int, list[Evidence]] = {}
    earlier: dict[int, list[int]] = {}
    for pk, client_id, occurred_at, sentiment, summary in interactions.values_list(
        "pk", "client_id", "occurred_at", "sentiment", "summary"
    ):
        if sentiment is None:  # excluded by the query; narrows the type
            continue
        if occurred_at >= now - GAP_WINDOW:
            recent.setdefault(client_id, []).append(Evidence(pk, occurred_at, sentiment, summary))
        else:
            earlier.setdefault(client_id, []).append(sentiment)
    gaps = []
    for row in rows:
        evidence = recent.get(row["client_id"], [])
        recent_average = _average([e.sentiment for e in evidence])
        if recent_average is None:
            continue
        earlier_average = _average(earlier.get(row["client_id"], []))
        # The tolerance keeps averages such as 13/3 − 10/3 (0.9999…) counting as a fall of 1.
        fell = earlier_average is not None and earlier_average - recent_average >= SENTIMENT_FALL - 1e-9
        optimistic = row["health"] in (Health.GREEN, Health.AMBER) and (recent_average <= UNHAPPY_AVERAGE or fell)
        pessimistic = row["health"] == Health.RED and recent_average >= CONTENT_AVERAGE
        if optimistic or pessimistic:
            gaps.append(
                ExpectationGap(
                    project_id=row["pk"],
                    project_name=row["name"],
                    client_id=row["client_id"],
                    client_name=row["client__name"],
                    health=row["health"],
                    team_optimistic=optimistic,
                    recent_average=recent_average,
                    earlier_average=earlier_average,
                    evidence=evidence,
                )
            )
    return gaps
