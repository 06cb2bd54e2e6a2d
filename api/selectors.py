"""Reads for the machine interfaces. Every lookup by secret compares hashes; a revoked token, a
replaced calendar secret, or a person who is no longer active staff finds nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from api.models import ApiToken, CalendarFeed
from api.services import secret_hash
from crm.models import CheckIn
from projects.models import CLOSED_STATUSES, Milestone, Project

STAFF_ROLES = [User.Role.ADMIN, User.Role.MANAGER]


def api_token_for_key(*, key: str) -> ApiToken | None:
    return (
        ApiToken.objects.select_related("user")
        .filter(key_hash=secret_hash(key), revoked_at__isnull=True, user__is_active=True, user__role__in=STAFF_ROLES)
        .first()
    )


def api_tokens_for_user(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def calendar_feed_for_secret(*, secret: str) -> CalendarFeed | None:
    return (
        CalendarFeed.objects.select_related("user")
        .filter(secret_hash=secret_hash(secret), user__is_active=True, user__role__in=STAFF_ROLES)
        .first()
    )


def calendar_feed_of(*, user: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


# The calendar feed ------------------------------------------------------------------------------

# The feed is bounded whatever the size of the book: a window around today and a cap per kind.
# A manager with 1,500 clients has about 1,500 open check-ins; all of them fit under the cap.
CALENDAR_PAST = timedelta(days=30)
CALENDAR_FUTURE = timedelta(days=365)
CALENDAR_MAX_CHECKINS = 2000
CALENDAR_MAX_MILESTONES = 1000


@dataclass(frozen=True)
class CalendarContent:
    user: User
    today: date
    checkins: list[CheckIn]
    milestones: list[Milestone]


def calendar_content(*, user: User) -> CalendarContent:
    """The manager's open check-ins (the ones they own, at clients not archived) and the open
    milestones of the open projects they manage or are on the team of, from 30 days ago to a
    year ahead in their own time zone, nearest first. Two queries."""
    today = timezone.localdate(timezone=user.zone)
    start, end = today - CALENDAR_PAST, today + CALENDAR_FUTURE
    checkins = list(
        CheckIn.objects.filter(
            owner=user,
            state=CheckIn.State.DUE,
            client__archived_at__isnull=True,
            due_on__gte=start,
            due_on__lte=end,
        )
        .select_related("client")
        .only("pk", "kind", "due_on", "reason", "created_at", "client__id", "client__name")
        .order_by("due_on", "pk")[:CALENDAR_MAX_CHECKINS]
    )
    on_team = Project.team.through.objects.filter(project_id=OuterRef("project_id"), user=user)
    milestones = list(
        Milestone.objects.filter(
            Q(project__manager=user) | Q(Exists(on_team)),
            completed_on__isnull=True,
            due_on__gte=start,
            due_on__lte=end,
        )
        .exclude(project__status__in=CLOSED_STATUSES)
        .select_related("project__client")
        .only(
            "pk",
            "title",
            "due_on",
            "created_at",
            "project__id",
            "project__name",
            "project__client__id",
            "project__client__name",
        )
        .order_by("due_on", "pk")[:CALENDAR_MAX_MILESTONES]
    )
    return CalendarContent(user=user, today=today, checkins=checkins, milestones=milestones)
