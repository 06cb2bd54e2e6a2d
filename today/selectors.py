"""What a manager's Today page shows: what needs them now, each row with its next action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Case, IntegerField, OuterRef, Q, Subquery, Value, When
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from crm.models import ActionItem, CheckIn, Client, HealthBand, HealthSnapshot, PulseAnswer
from crm.perception import PerceptionGap, perception_gaps
from crm.pulse import pulse_answers_low
from crm.selectors import clients_for_user
from outbox.models import OutboundEmail
from projects.models import Health, Milestone, Project
from projects.selectors import ExpectationGap, expectation_gaps, projects_for_user

WEEK = timedelta(days=6)
AT_RISK_NAMED = 10  # Today names the lowest-scoring at-risk clients; the rest are a link away
GAPS_SHOWN = 10
FALLEN_SHOWN = 20
BAND_FALL_WINDOW = timedelta(days=14)
FAILED_EMAIL_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class PortfolioEntry:
    client_id: int
    name: str
    score: int | None
    band: str


@dataclass(frozen=True)
class TodayPage:
    viewer: User
    today: date
    week_end: date
    checkins: list[CheckIn]
    action_items: list[ActionItem]
    projects: list[Project]
    gaps: list[ExpectationGap]
    fallen: list[Client]
    milestones: list[Milestone]
    failed_emails: list[OutboundEmail]
    portfolio: list[PortfolioEntry]
    low_answers: list[PulseAnswer]
    perception_gaps: list[PerceptionGap]

    @property
    def at_risk(self) -> list[PortfolioEntry]:
        """The at-risk clients, lowest score first (the portfolio is sorted by score)."""
        return [entry for entry in self.portfolio if entry.band == HealthBand.AT_RISK][:AT_RISK_NAMED]

    @property
    def band_links(self) -> list[dict[str, object]]:
        """Each band of the portfolio chart with its count and the client list filtered to it."""
        counts = self.band_counts
        return [
            {"band": band, "label": label, "count": counts[band], "url": f"{reverse('crm:client_list')}?health={band}"}
            for band, label in HealthBand.choices
        ]

    @property
    def chart_data(self) -> dict[str, object]:
        return {**self.band_counts, "links": [link["url"] for link in self.band_links]}

    @property
    def band_counts(self) -> dict[str, int]:
        counts = {"healthy": 0, "watch": 0, "at_risk": 0}
        for entry in self.portfolio:
            if entry.band:
                counts[entry.band] += 1
        return counts

    @property
    def is_empty(self) -> bool:
        return not any(
            (self.checkins, self.action_items, self.projects, self.gaps, self.fallen, self.milestones,
             self.failed_emails, self.low_answers, self.perception_gaps)
        )  # fmt: skip


def managers_to_view(*, user: User) -> list[User]:
    """Whose Today this user may open: an admin any active manager or admin; others only their own."""
    if not user.is_admin:
        return []
    return list(
        User.objects.filter(is_active=True, role__in=[User.Role.MANAGER, User.Role.ADMIN]).order_by("full_name")
    )


def today_viewer(*, user: User, managers: list[User], chosen: str | None) -> User:
    """The person whose Today is shown: `chosen` (a user id) when this user may switch to it,
    else the user themselves; an id that is not on offer answers 404."""
    if not managers or not chosen:
        return user
    viewer = next((manager for manager in managers if str(manager.pk) == chosen), None)
    if viewer is None:
        raise Http404("No such manager.")
    return viewer


def today_page(*, viewer: User, now: datetime | None = None) -> TodayPage:
    """A fixed number of queries, however many clients the viewer has."""
    now = now or timezone.now()
    today = timezone.localdate(now, viewer.zone)  # the viewer's day, also when an admin looks
    week_end = today + WEEK
    projects = projects_for_user(user=viewer)
    clients = clients_for_user(user=viewer).filter(archived_at__isnull=True)
    checkins = (
        CheckIn.objects.filter(
            owner=viewer, state=CheckIn.State.DUE, due_on__lte=week_end, client__archived_at__isnull=True
        )
        .exclude(kind=CheckIn.Kind.REGULAR, client__status=Client.Status.FORMER)
        .select_related("client")
        .order_by("due_on", "pk")
    )
    action_items = (
        ActionItem.objects.filter(
            owner=viewer,
            owner_side=ActionItem.Side.US,
            done_at__isnull=True,
            due_on__lte=week_end,
            client__archived_at__isnull=True,
        )
        .select_related("client")
        .order_by("due_on", "pk")
    )
    attention = projects.filter(status__in=[Project.Status.ACTIVE, Project.Status.ON_HOLD]).filter(
        Q(health__in=[Health.RED, Health.AMBER]) | Q(recovery_plan__isnull=False)
    )
    # The best band of each client's daily snapshots of the last 14 days, against today's band.
    band_rank = Case(
        When(band=HealthBand.HEALTHY, then=Value(0)),
        When(band=HealthBand.WATCH, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    best_recent = (
        HealthSnapshot.objects.filter(client=OuterRef("pk"), day__gte=today - BAND_FALL_WINDOW)
        .order_by(band_rank, "-score")
        .values("band")[:1]
    )
    fallen = (
        clients.annotate(was_band=Subquery(best_recent))
        .filter(
            Q(health_band=HealthBand.WATCH, was_band=HealthBand.HEALTHY)
            | Q(health_band=HealthBand.AT_RISK, was_band__in=[HealthBand.HEALTHY, HealthBand.WATCH])
        )
        .order_by("health_score", "name")[:FALLEN_SHOWN]
    )
    milestones = (
        Milestone.objects.filter(
            project__in=projects.filter(status=Project.Status.ACTIVE).values("pk"),
            completed_on__isnull=True,
            due_on__lte=week_end,
        )
        .select_related("project__client")
        .order_by("due_on", "pk")
    )
    failed = (
        OutboundEmail.objects.filter(status=OutboundEmail.Status.FAILED, created_at__gte=now - FAILED_EMAIL_WINDOW)
        .filter(Q(user=viewer) | Q(status_report__project__in=projects.values("pk")))
        .select_related("status_report__project", "checkin__client")
        .order_by("-created_at")[:20]
    )
    portfolio = clients.order_by("health_score", "name").values_list("pk", "name", "health_score", "health_band")
    return TodayPage(
        viewer=viewer,
        today=today,
        week_end=week_end,
        checkins=list(checkins),
        action_items=list(action_items),
        projects=sorted(attention, key=lambda p: (p.recovery_plan_id is None, p.health != Health.RED, p.name)),
        gaps=expectation_gaps(projects=projects, now=now),
        fallen=list(fallen),
        milestones=list(milestones),
        failed_emails=list(failed),
        portfolio=[PortfolioEntry(pk, name, score, band) for pk, name, score, band in portfolio],
        low_answers=pulse_answers_low(clients=clients, now=now),
        perception_gaps=perception_gaps(clients=clients, now=now)[:GAPS_SHOWN],
    )
