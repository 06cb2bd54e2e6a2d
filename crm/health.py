"""The relationship health score: the rules, as plain arithmetic on a client's inputs.

A client starts at 100 and each factor takes points off; the score is never below 0. Every
factor is stored with its contribution and a sentence that explains it, so a manager can see
why a client is where it is. The README lists the same rules; tests/crm/test_health.py works
through examples.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from crm.models import HealthBand

HEALTHY_FROM = 70
WATCH_FROM = 40
SENTIMENT_DECAY = 0.7  # each older interaction counts 70% as much as the one after it
SENTIMENT_NEUTRAL = 3.5  # a weighted average at or above this costs nothing


@dataclass(frozen=True)
class HealthInputs:
    cadence_days: int
    last_contact_on: date | None
    known_since: date
    sentiments: list[int] = field(default_factory=list)  # newest first
    our_overdue_items: int = 0
    worst_project_health: str | None = None  # of active projects: "red", "amber", "green"
    project_in_recovery: bool = False
    high_severity_open: int = 0
    changes_undecided_over_14_days: int = 0
    failed_deliveries: int = 0
    has_cadence: bool = True  # former clients have no regular check-ins to keep


@dataclass(frozen=True)
class Factor:
    key: str
    label: str
    points: int  # 0 or negative: what it takes off the score
    detail: str


@dataclass(frozen=True)
class Health:
    score: int
    band: str
    factors: list[Factor]

    def factors_as_json(self) -> list[dict[str, object]]:
        return [asdict(factor) for factor in self.factors]


def band_for(score: int) -> str:
    if score >= HEALTHY_FROM:
        return HealthBand.HEALTHY
    if score >= WATCH_FROM:
        return HealthBand.WATCH
    return HealthBand.AT_RISK


def _capped(count: int, each: int, cap: int) -> int:
    return -min(cap, count * each)


def checkin_adherence(inputs: HealthInputs, today: date) -> Factor:
    """Nothing while contact is within the cadence; beyond it, 25 points per cadence overdue
    (pro rata), at most 25. A client never contacted counts from when it was added; a former
    client has no cadence to keep."""
    if not inputs.has_cadence:
        return Factor("checkin", "Check-in adherence", 0, "Former client: no regular check-ins")
    since = inputs.last_contact_on or inputs.known_since
    days = max(0, (today - since).days)
    ratio = days / inputs.cadence_days
    points = 0 if ratio <= 1 else -min(25, round(25 * (ratio - 1)))
    what = "last contact" if inputs.last_contact_on else "added, no contact logged yet"
    return Factor("checkin", "Check-in adherence", points, f"{days} days since {what}; cadence {inputs.cadence_days}")


def sentiment_trend(inputs: HealthInputs) -> Factor:
    """A weighted average of recent sentiment (newest weighs most, each older one 0.7 as much).
    At or above 3.5 it costs nothing; below, 12 points per point under 3.5, at most 30. One
    unhappy meeting after several happy ones barely moves it; several in a row do."""
    if not inputs.sentiments:
        return Factor("sentiment", "Sentiment trend", 0, "No sentiment recorded in the last 90 days")
    weights = [SENTIMENT_DECAY**index for index in range(len(inputs.sentiments))]
    average = sum(w * s for w, s in zip(weights, inputs.sentiments, strict=True)) / sum(weights)
    points = -min(30, round(max(0.0, SENTIMENT_NEUTRAL - average) * 12))
    return Factor(
        "sentiment", "Sentiment trend", points, f"Weighted average {average:.1f} over {len(inputs.sentiments)} meetings"
    )


def overdue_promises(inputs: HealthInputs) -> Factor:
    count = inputs.our_overdue_items
    return Factor("promises", "Our overdue action items", _capped(count, 5, 15), f"{count} overdue (5 points each)")


def project_health(inputs: HealthInputs) -> Factor:
    if inputs.project_in_recovery or inputs.worst_project_health == "red":
        points, detail = -20, "A project is red" + (" and in recovery" if inputs.project_in_recovery else "")
    elif inputs.worst_project_health == "amber":
        points, detail = -8, "A project is amber"
    else:
        points, detail = 0, "All active projects green" if inputs.worst_project_health else "No active project"
    return Factor("projects", "Worst active project", points, detail)


def open_high_severity(inputs: HealthInputs) -> Factor:
    count = inputs.high_severity_open
    return Factor("risks", "High-severity risks and issues", _capped(count, 5, 15), f"{count} open (5 points each)")


def stale_changes(inputs: HealthInputs) -> Factor:
    count = inputs.changes_undecided_over_14_days
    return Factor(
        "changes", "Change requests waiting", _capped(count, 4, 12), f"{count} undecided for over 14 days (4 each)"
    )


def failed_deliveries(inputs: HealthInputs) -> Factor:
    count = inputs.failed_deliveries
    return Factor(
        "deliveries", "Failed report deliveries", _capped(count, 3, 9), f"{count} in the last 30 days (3 each)"
    )


def health_of(inputs: HealthInputs, *, today: date) -> Health:
    factors = [
        checkin_adherence(inputs, today),
        sentiment_trend(inputs),
        overdue_promises(inputs),
        project_health(inputs),
        open_high_severity(inputs),
        stale_changes(inputs),
        failed_deliveries(inputs),
    ]
    score = max(0, 100 + sum(factor.points for factor in factors))
    return Health(score=score, band=band_for(score), factors=factors)


BAND_ORDER = {HealthBand.HEALTHY: 0, HealthBand.WATCH: 1, HealthBand.AT_RISK: 2}


def band_fell(before: str, after: str) -> bool:
    return bool(before) and BAND_ORDER[after] > BAND_ORDER[before]
