"""The client pulse: the client's own answer to "How are we doing on <project>?", asked in every
weekly report (signed one-click links, portal/pulse.py) and on the portal's project page.

One answer per contact, project and ISO week (named by its Monday in the client's zone); a later
answer in the same week replaces the earlier one. Answers feed relationship health (crm.health,
where they weigh twice as much as logged sentiment) and the perception gap (crm.perception).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from crm.models import Client, Contact, Interaction, PulseAnswer
from crm.perception import week_of
from crm.services import client_health_refresh

COMMENT_MAX = 2000
SCORES = Interaction.Sentiment  # the same five-point scale as logged sentiment
LOW_ANSWER = 2  # answers at or below this are shown on Today
LOW_ANSWER_WINDOW = timedelta(days=14)
RECENT_ANSWERS = 10


def pulse_week(*, client: Client, now: datetime | None = None) -> date:
    """The week a contact answering now answers for: this ISO week where the client works."""
    return week_of(timezone.localdate(now or timezone.now(), client.zone))


@transaction.atomic
def pulse_answer_record(
    *,
    contact: Contact,
    project_id: int,
    project_client_id: int,
    week: date,
    score: int,
    comment: str = "",
    via: str = PulseAnswer.Via.EMAIL,
    now: datetime | None = None,
) -> PulseAnswer:
    """Record (or replace) a contact's answer for a project and week, and rescore the client."""
    if score not in SCORES.values:
        raise ValidationError({"score": "Choose one of the five answers."})
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationError({"comment": f"Keep the comment under {COMMENT_MAX} characters."})
    if project_client_id != contact.client_id:
        raise ValidationError("This project is not one of your organisation's.")
    if week.weekday() != 0:
        raise ValidationError("A pulse week starts on a Monday.")
    answer, _ = PulseAnswer.objects.update_or_create(
        contact=contact,
        project_id=project_id,
        week=week,
        defaults={
            "client_id": contact.client_id,
            "score": score,
            "comment": comment,
            "via": via,
            "answered_at": now or timezone.now(),
        },
    )
    client_health_refresh(client_id=contact.client_id)
    return answer


# Reads ------------------------------------------------------------------------------------------


def pulse_answer_of(*, contact: Contact, project_id: int, week: date) -> PulseAnswer | None:
    return PulseAnswer.objects.filter(contact=contact, project_id=project_id, week=week).first()


def pulse_answers_recent(*, answers: QuerySet[PulseAnswer], limit: int = RECENT_ANSWERS) -> list[PulseAnswer]:
    """The newest answers of a scoped queryset, with who answered and on which project."""
    return list(answers.select_related("contact", "project").order_by("-answered_at", "-pk")[:limit])


def pulse_answers_low(*, clients: QuerySet[Client], now: datetime | None = None) -> list[PulseAnswer]:
    """Answers of 2 or below in the last 14 days from these clients: for Today."""
    since = (now or timezone.now()) - LOW_ANSWER_WINDOW
    return pulse_answers_recent(
        answers=PulseAnswer.objects.filter(
            client__in=clients.values("pk"), score__lte=LOW_ANSWER, answered_at__gte=since
        ).select_related("client")
    )


def pulse_answers_between(*, client: Client, start: datetime | None, end: datetime | None) -> list[PulseAnswer]:
    """The client's answers in a stretch of its timeline (bounds open when None), at most 50."""
    answers = PulseAnswer.objects.filter(client=client)
    if start is not None:
        answers = answers.filter(answered_at__gte=start)
    if end is not None:
        answers = answers.filter(answered_at__lt=end)
    return pulse_answers_recent(answers=answers, limit=50)


def pulse_answer_counts(*, project_id: int, weeks: list[date]) -> dict[date, int]:
    """How many contacts answered for each of these weeks: one query."""
    if not weeks:
        return {}
    rows = (
        PulseAnswer.objects.filter(project_id=project_id, week__in=weeks)
        .order_by()
        .values("week")
        .annotate(n=Count("pk"))
        .values_list("week", "n")
    )
    return dict(rows)
