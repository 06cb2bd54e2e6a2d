"""Reads for the manager pages. Every query starts from a scoped queryset: a manager sees a client
when they are its account manager or on its team, an admin sees every client, nobody else sees
any. Views fetch single objects with get_object_or_404(<scoped queryset>, pk=…)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Exists, F, Model, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import User
from crm.health import BAND_ORDER, band_fell
from crm.models import ActionItem, CheckIn, Client, Contact, HealthBand, HealthSnapshot, Interaction, PulseAnswer
from crm.perception import PerceptionGap, perception_gap_for
from crm.pulse import pulse_answers_between, pulse_answers_recent
from projects.models import ChangeRequest, Decision, MilestoneChange, Project, RiskIssue
from projects.selectors import ExpectationGap, expectation_gaps_of, project_scope, projects_for_user, projects_of_client
from ui.pagination import Page, SortKey, keyset_page


def client_scope(*, user: User, prefix: str = "") -> Q:
    """The condition for "clients this user may see", optionally reached through a relation
    (prefix "client__" for contacts, interactions, …)."""
    if user.is_admin:
        return Q()
    if not user.is_staff_member:
        return Q(pk__in=[])
    on_team = Client.team.through.objects.filter(client_id=OuterRef(f"{prefix}pk" if prefix else "pk"), user=user)
    return Q(**{f"{prefix}account_manager": user}) | Q(Exists(on_team))


def clients_for_user(*, user: User) -> QuerySet[Client]:
    return Client.objects.filter(client_scope(user=user)).select_related("account_manager")


def _through_client(model: type[Model], user: User) -> QuerySet[Any]:
    return model._default_manager.filter(client__in=clients_for_user(user=user).values("pk"))


def contacts_for_user(*, user: User) -> QuerySet[Contact]:
    return _through_client(Contact, user).select_related("client")


def interactions_for_user(*, user: User) -> QuerySet[Interaction]:
    return _through_client(Interaction, user).select_related("client", "logged_by")


def action_items_for_user(*, user: User) -> QuerySet[ActionItem]:
    return _through_client(ActionItem, user).select_related("client", "owner", "owner_contact")


def checkins_for_user(*, user: User) -> QuerySet[CheckIn]:
    return _through_client(CheckIn, user).select_related("client", "owner")


# The client list ---------------------------------------------------------------------------

CLIENT_SORTS = {
    "name": ("Name", SortKey(Lower("name"), "str")),
    "last_contact": ("Longest since contact", SortKey(F("last_contacted_at"), "datetime")),
    "-last_contact": ("Most recently contacted", SortKey(F("last_contacted_at"), "datetime", descending=True)),
    "next_checkin": ("Next check-in", SortKey(F("next_checkin_due"), "date")),
    "health": ("Health, lowest first", SortKey(F("health_score"), "int")),
    "-health": ("Health, highest first", SortKey(F("health_score"), "int", descending=True)),
}
CLIENT_PAGE_SIZE = 25


@dataclass(frozen=True)
class ClientFilters:
    q: str = ""
    status: str = ""
    account_manager: int | None = None
    overdue: bool = False
    band: str = ""
    archived: bool = False
    sort: str = "name"


def client_list(*, user: User, filters: ClientFilters) -> QuerySet[Client]:
    clients = clients_for_user(user=user).filter(archived_at__isnull=not filters.archived)
    if filters.q:
        term = filters.q.strip()
        matching_contact = Contact.objects.filter(client_id=OuterRef("pk")).filter(
            Q(name__icontains=term) | Q(email__icontains=term)
        )
        clients = clients.filter(Q(name__icontains=term) | Q(Exists(matching_contact)))
    if filters.status:
        clients = clients.filter(status=filters.status)
    if filters.account_manager:
        clients = clients.filter(account_manager_id=filters.account_manager)
    if filters.overdue:
        clients = clients.filter(next_checkin_due__lt=timezone.localdate())
    if filters.band:
        clients = clients.filter(health_band=filters.band)
    return clients


def client_list_page(*, user: User, filters: ClientFilters, cursor: str | None) -> Page[Client]:
    _, sort = CLIENT_SORTS.get(filters.sort, CLIENT_SORTS["name"])
    return keyset_page(client_list(user=user, filters=filters), sort=sort, cursor=cursor, size=CLIENT_PAGE_SIZE)


def account_managers_for_filter(*, user: User) -> QuerySet[User]:
    """The people the account-manager filter offers: those who manage a client this user sees."""
    return User.objects.filter(managed_clients__in=clients_for_user(user=user).values("pk")).distinct()


# The client page -----------------------------------------------------------------------------

TIMELINE_PAGE_SIZE = 20
SENTIMENT_CHART_SPAN = timedelta(days=365)
FALL_WINDOW = timedelta(days=14)


@dataclass(frozen=True)
class HealthFall:
    """The band fell in the last 14 days: from the best score of that stretch to today's."""

    on: date
    from_score: int
    from_band: str
    to_score: int
    to_band: str

    @property
    def from_band_label(self) -> str:
        return HealthBand(self.from_band).label

    @property
    def to_band_label(self) -> str:
        return HealthBand(self.to_band).label


@dataclass(frozen=True)
class HealthHistory:
    series: list[dict[str, Any]]  # {"date", "score", "band"}, oldest first, the last 12 months
    fell: HealthFall | None

    @property
    def trend(self) -> int | None:
        """Today's score minus the score 30 days ago (or the oldest of the last 30 days)."""
        if len(self.series) < 2:
            return None
        since = (date.fromisoformat(self.series[-1]["date"]) - timedelta(days=30)).isoformat()
        base = next((p for p in self.series if p["date"] >= since), self.series[0])
        return int(self.series[-1]["score"]) - int(base["score"])

    @property
    def trend_text(self) -> str:
        trend = self.trend
        if trend is None:
            return ""
        if trend == 0:
            return "Unchanged over 30 days"
        return f"{'Up' if trend > 0 else 'Down'} {abs(trend)} over 30 days"


def health_history(*, client: Client, today: date | None = None) -> HealthHistory:
    """The last 12 months of daily snapshots (one query, at most 366 rows) and whether the band
    fell within the last 14 days: the best snapshot of those days against the latest one."""
    today = today or timezone.localdate(timezone.now(), client.zone)
    rows = list(
        HealthSnapshot.objects.filter(client=client, day__gt=today - SENTIMENT_CHART_SPAN, day__lte=today)
        .order_by("day")
        .values_list("day", "score", "band")
    )
    series = [{"date": day.isoformat(), "score": score, "band": band} for day, score, band in rows]
    fell = None
    if rows:
        last_day, last_score, last_band = rows[-1]
        recent = [row for row in rows[:-1] if row[0] >= last_day - FALL_WINDOW]
        if recent:
            best_day, best_score, best_band = max(
                recent, key=lambda row: (-BAND_ORDER[HealthBand(row[2])], row[1], row[0])
            )
            if band_fell(best_band, last_band):
                fell = HealthFall(best_day, best_score, best_band, last_score, last_band)
    return HealthHistory(series=series, fell=fell)


@dataclass(frozen=True)
class TimelineEntry:
    """The client page's timeline holds interactions and the client's own pulse answers."""

    at: datetime
    interaction: Interaction | None = None
    answer: PulseAnswer | None = None


@dataclass(frozen=True)
class ClientPage:
    client: Client
    projects: list[Project]
    team: list[User]
    contacts: list[Contact]
    open_action_items: list[ActionItem]
    open_checkins: list[CheckIn]
    timeline: Page[Interaction]
    sentiment_series: list[dict[str, Any]]
    history: HealthHistory
    perception_gap: PerceptionGap | None
    expectation_gaps: list[ExpectationGap]
    timeline_entries: list[TimelineEntry]


def client_page(*, user: User, client: Client, cursor: str | None) -> ClientPage:
    """Everything the client page shows, fetched up front (a fixed number of queries). Pulse
    answers join the timeline page they fall within (from the page's oldest interaction to
    the one before it; the first page runs to now)."""
    timeline = keyset_page(
        client.interactions.all(),
        sort=SortKey(F("occurred_at"), "datetime", descending=True),
        cursor=cursor,
        size=TIMELINE_PAGE_SIZE,
    )
    projects = projects_of_client(user=user, client=client)
    items = list(timeline.items)
    # An answer shows on the page of the first interaction older than it.
    start = items[-1].occurred_at if items and timeline.next_cursor else None
    end = None
    if items and timeline.previous_cursor:
        first = items[0]
        end = (
            client.interactions.filter(
                Q(occurred_at__gt=first.occurred_at) | Q(occurred_at=first.occurred_at, pk__gt=first.pk)
            )
            .order_by("occurred_at", "pk")
            .values_list("occurred_at", flat=True)
            .first()
        )
    answers = pulse_answers_between(client=client, start=start, end=end) if items or not cursor else []
    entries = [TimelineEntry(at=i.occurred_at, interaction=i) for i in items] + [
        TimelineEntry(at=a.answered_at, answer=a) for a in answers
    ]
    return ClientPage(
        client=client,
        projects=projects,
        team=list(client.team.all()),
        contacts=list(client.contacts.annotate(portal_active=F("user__is_active"))),
        open_action_items=list(
            client.action_items.filter(done_at__isnull=True).select_related("owner", "owner_contact")
        ),
        open_checkins=list(client.checkins.filter(state=CheckIn.State.DUE).select_related("owner")),
        timeline=timeline,
        sentiment_series=[
            {"date": occurred_at.date().isoformat(), "sentiment": sentiment}
            for occurred_at, sentiment in client.interactions.filter(
                sentiment__isnull=False, occurred_at__gte=timezone.now() - SENTIMENT_CHART_SPAN
            )
            .order_by("occurred_at", "pk")
            .values_list("occurred_at", "sentiment")
        ],
        history=health_history(client=client),
        perception_gap=perception_gap_for(client=client),
        expectation_gaps=expectation_gaps_of(projects=projects),
        timeline_entries=sorted(entries, key=lambda entry: entry.at, reverse=True),
    )


# The log-an-interaction form ----------------------------------------------------------------


@dataclass(frozen=True)
class LogChoices:
    """What the log form offers: the client's contacts; our staff who can be present or own an
    action item (the account manager, the team and the person logging); and the client's open
    projects the person can see."""

    contacts: list[Contact]
    staff: list[User]
    projects: list[Project]

    @property
    def primary_contact(self) -> Contact | None:
        return next((contact for contact in self.contacts if contact.is_primary), None)


def log_choices(
    *, client: Client, user: User, keep_project_id: int | None = None, keep_staff_ids: Sequence[int] = ()
) -> LogChoices:
    """One UNION query for every list the log form offers: it is the page managers use most,
    and its POST must stay within its query budget whatever the size of the team. Editing an
    interaction keeps its own project and staff on offer even when the project has closed or
    a person has left the team, so saving a typo fix does not drop them."""
    contacts = (
        Contact.objects.filter(client=client).order_by().values_list("pk", "name", "is_primary", Value("contact"))
    )
    current_staff = Q(pk=client.account_manager_id) | Q(team_clients=client) | Q(pk=user.pk)
    staff = (
        User.objects.filter((current_staff & Q(is_active=True)) | Q(pk__in=keep_staff_ids))
        .order_by()
        .annotate(primary=Value(False), kind=Value("staff"))
        .values_list("pk", "full_name", "primary", "kind")
    )
    open_projects = Q(project_scope(user=user)) & ~Q(status__in=[Project.Status.COMPLETED, Project.Status.CANCELLED])
    projects = (
        Project.objects.filter(open_projects | Q(pk=keep_project_id), client=client)
        .order_by()
        .annotate(primary=Value(False), kind=Value("project"))
        .values_list("pk", "name", "primary", "kind")
    )
    rows = sorted(contacts.union(staff, projects), key=lambda row: (row[3], str(row[1]).lower()))
    return LogChoices(
        contacts=[
            Contact(pk=pk, client=client, name=name, is_primary=primary)
            for pk, name, primary, kind in rows
            if kind == "contact"
        ],
        staff=[User(pk=pk, full_name=name) for pk, name, _, kind in rows if kind == "staff"],
        projects=[Project(pk=pk, client=client, name=name) for pk, name, _, kind in rows if kind == "project"],
    )


# My action items ------------------------------------------------------------------------------

ACTION_ITEM_VIEWS = {"open": "Open", "overdue": "Overdue", "done": "Done"}


def my_action_items(*, user: User, show: str, today: date) -> QuerySet[ActionItem]:
    """Our-side action items the user owns, at clients they can still see."""
    items = action_items_for_user(user=user).filter(owner=user, owner_side=ActionItem.Side.US)
    if show == "done":
        return items.filter(done_at__isnull=False).order_by("-done_at", "-pk")
    items = items.filter(done_at__isnull=True)
    if show == "overdue":
        items = items.filter(due_on__lt=today)
    return items.order_by(F("due_on").asc(nulls_last=True), "pk")


# The briefing ------------------------------------------------------------------------------------

BRIEFING_INTERACTIONS = 5
BRIEFING_ANSWERS = 5


@dataclass(frozen=True)
class Briefing:
    """One page to read before a check-in: what was said, what was promised, what is open."""

    checkin: CheckIn
    client: Client
    today: date
    interactions: list[Interaction]
    our_items: list[ActionItem]
    their_items: list[ActionItem]
    risks: list[Any]
    pending_changes: list[Any]
    recent_decisions: list[Any]
    moved_milestones: list[Any]
    history: HealthHistory
    expectation_gaps: list[ExpectationGap]
    perception_gap: PerceptionGap | None
    projects: list[Project]  # open, visible to the reader, with their health
    pulse_answers: list[PulseAnswer]  # the latest few, newest first


def checkin_briefing(*, user: User, checkin: CheckIn) -> Briefing:
    """Built in a fixed number of queries: one per list, however long the history. Project items
    (and pulse answers) come only from the client's projects this user may see. It leads with
    what to know before the call: band and trend, the gaps, each open project's health, the
    latest pulse answers."""
    client = checkin.client
    interactions = list(
        client.interactions.select_related("project").order_by("-occurred_at", "-pk")[:BRIEFING_INTERACTIONS]
    )
    since = interactions[0].occurred_at if interactions else client.created_at
    open_items = list(
        client.action_items.filter(done_at__isnull=True)
        .select_related("owner", "owner_contact")
        .order_by(F("due_on").asc(nulls_last=True), "pk")
    )
    visible_projects = projects_for_user(user=user).filter(client=client).values("pk")
    open_projects = Project.objects.filter(pk__in=visible_projects).exclude(
        status__in=[Project.Status.COMPLETED, Project.Status.CANCELLED]
    )
    projects = list(open_projects.select_related("client", "recovery_plan").order_by("name", "pk"))
    return Briefing(
        checkin=checkin,
        client=client,
        today=timezone.localdate(),
        interactions=interactions,
        our_items=[item for item in open_items if item.owner_side == ActionItem.Side.US],
        their_items=[item for item in open_items if item.owner_side == ActionItem.Side.CLIENT],
        risks=list(
            RiskIssue.objects.filter(project__in=open_projects)
            .exclude(status=RiskIssue.Status.CLOSED)
            .select_related("project")
            .order_by("-severity", "pk")
        ),
        pending_changes=list(
            ChangeRequest.objects.filter(project__in=open_projects, status=ChangeRequest.Status.PROPOSED)
            .select_related("project")
            .order_by("proposed_at")
        ),
        recent_decisions=list(
            Decision.objects.filter(project__in=visible_projects, created_at__gte=since)
            .select_related("project")
            .order_by("-decided_on")
        ),
        moved_milestones=list(
            MilestoneChange.objects.filter(milestone__project__in=open_projects, changed_at__gte=since)
            .select_related("milestone__project")
            .order_by("-changed_at")
        ),
        history=health_history(client=client),
        expectation_gaps=expectation_gaps_of(projects=projects),
        perception_gap=perception_gap_for(client=client),
        projects=projects,
        pulse_answers=pulse_answers_recent(
            answers=PulseAnswer.objects.filter(client=client, project__in=visible_projects), limit=BRIEFING_ANSWERS
        ),
    )
