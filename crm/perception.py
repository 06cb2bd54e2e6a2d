"""The perception gap: what we think the client feels against what they tell us.

Our side is the sentiment managers log with their interactions; theirs is the client's own
pulse answers. Over the last 30 days, when the two plain averages differ by 1.5 points or more,
either way, the client is flagged: "we think they're happy; they say they're not" (or the other
way round). Shown on the client page, the project page, Today and the briefing with the
interactions and answers behind it; when we are the rosier side it also costs health points
(crm.health.perception_gap).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from crm.health import PERCEPTION_GAP
from crm.models import Client, Interaction, PulseAnswer

PERCEPTION_WINDOW = timedelta(days=30)
EVIDENCE_LIMIT = 10  # of each kind, newest first: the page shows why, not everything


@dataclass(frozen=True)
class Reading:
    """One piece of evidence: an interaction's logged sentiment or one pulse answer."""

    at: datetime
    value: int
    by_client: bool  # a pulse answer (theirs) rather than logged sentiment (ours)
    text: str  # the interaction's summary, or the answer's comment
    who: str  # the contact who answered; empty for interactions
    project_name: str
    interaction_id: int | None


@dataclass(frozen=True)
class PerceptionGap:
    client_id: int
    client_name: str
    ours: float
    theirs: float
    readings: list[Reading]  # newest first, both kinds

    @property
    def we_are_rosier(self) -> bool:
        return self.ours > self.theirs

    @property
    def difference(self) -> float:
        return self.theirs - self.ours

    @property
    def summary(self) -> str:
        if self.we_are_rosier:
            return (
                f"We think they're happy ({self.ours:.1f}); they say they're not ({self.theirs:.1f}), "
                "over the last 30 days"
            )
        return (
            f"We read them as unhappy ({self.ours:.1f}); they say they're doing well ({self.theirs:.1f}), "
            "over the last 30 days"
        )

    @property
    def ours_readings(self) -> list[Reading]:
        return [r for r in self.readings if not r.by_client]

    @property
    def their_readings(self) -> list[Reading]:
        return [r for r in self.readings if r.by_client]


def perception_difference(ours: list[int], theirs: list[int]) -> float | None:
    """Their average minus ours, or None unless both sides said something."""
    if not ours or not theirs:
        return None
    return sum(theirs) / len(theirs) - sum(ours) / len(ours)


def is_gap(difference: float | None) -> bool:
    # The tolerance keeps 4.5 − 3.0 computed as 1.4999… counting as 1.5.
    return difference is not None and abs(difference) >= PERCEPTION_GAP - 1e-9


def perception_gaps(*, clients: QuerySet[Client], now: datetime | None = None) -> list[PerceptionGap]:
    """The clients among `clients` with a perception gap, with the readings behind it: at most
    two queries, however many clients."""
    now = now or timezone.now()
    since = now - PERCEPTION_WINDOW
    readings: dict[int, list[Reading]] = {}
    names: dict[int, str] = {}
    # Their answers first: only clients who answered can have a gap, so our side is read for
    # those alone (a second query), not for the whole book.
    for client_id, name, at, value, comment, who, project_name in (
        PulseAnswer.objects.filter(client__in=clients.values("pk"), answered_at__gte=since, answered_at__lte=now)
        .order_by("-answered_at", "-pk")
        .values_list("client_id", "client__name", "answered_at", "score", "comment", "contact__name", "project__name")
    ):
        names[client_id] = name
        readings.setdefault(client_id, []).append(Reading(at, value, True, comment, who, project_name, None))
    if not readings:
        return []
    for pk, client_id, at, value, summary, project_name in (
        Interaction.objects.filter(
            client_id__in=list(readings), sentiment__isnull=False, occurred_at__gte=since, occurred_at__lte=now
        )
        .order_by("-occurred_at", "-pk")
        .values_list("pk", "client_id", "occurred_at", "sentiment", "summary", "project__name")
    ):
        readings[client_id].append(Reading(at, value, False, summary, "", project_name or "", pk))
    gaps = []
    for client_id, client_readings in readings.items():
        ours = [r.value for r in client_readings if not r.by_client]
        theirs = [r.value for r in client_readings if r.by_client]
        if not is_gap(perception_difference(ours, theirs)):
            continue
        client_readings.sort(key=lambda r: r.at, reverse=True)
        shown = [r for r in client_readings if not r.by_client][:EVIDENCE_LIMIT] + [
            r for r in client_readings if r.by_client
        ][:EVIDENCE_LIMIT]
        gaps.append(
            PerceptionGap(
                client_id=client_id,
                client_name=names.get(client_id, ""),
                ours=sum(ours) / len(ours),
                theirs=sum(theirs) / len(theirs),
                readings=sorted(shown, key=lambda r: r.at, reverse=True),
            )
        )
    return sorted(gaps, key=lambda gap: (gap.client_name, gap.client_id))


def perception_gap_for(*, client: Client, now: datetime | None = None) -> PerceptionGap | None:
    gaps = perception_gaps(clients=Client.objects.filter(pk=client.pk), now=now)
    return gaps[0] if gaps else None


def week_of(day: date) -> date:
    """The Monday of a day's ISO week: how pulse answers name their week."""
    return day - timedelta(days=day.weekday())
