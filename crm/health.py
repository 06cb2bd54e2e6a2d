"""The relationship health score: the rules, as plain arithmetic on a client's inputs.

A client starts at 100 and each factor takes points off; the score is never below 0. Every
factor is stored with its contribution and a sentence that explains it, so a manager can see
why a client is where it is. The weights were calibrated on the scenarios in the README's table
(tests/crm/test_health_scenarios.py runs each one on real rows); tests/crm/test_health.py works
through the arithmetic.

The client's mood has two sources: the sentiment a manager logs with a meeting (what we think
they felt) and the client's own pulse answers from the weekly report or the portal (what they
say). Their own answers weigh twice as much as our reading, and a reading of ours that is much
rosier than theirs (the perception gap) costs points of its own.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from crm.models import HealthBand

HEALTHY_FROM = 70
WATCH_FROM = 40
SENTIMENT_DECAY = 0.7  # each older reading counts 70% as much as the one after it
SENTIMENT_NEUTRAL = 3.5  # a mood at or above this costs nothing
MOOD_POINTS_PER_STEP = 26  # per point of mood under neutral
MOOD_CAP = 65  # a very unhappy client (mood 1.0) is at risk on its own: 100 − 65 = 35
ANSWER_WEIGHT = 2  # the client's own answers count twice as much as our reading of them
LOW_STREAK = 3  # this many latest readings in a row at 2 or below are a pattern, not a bad day
LOW_STREAK_POINTS = 61  # … and put the client at risk on their own: 100 − 61 = 39
CHECKIN_POINTS_PER_CADENCE = 35  # twice the cadence without contact: −35, "watch"
CHECKIN_CAP = 40
RED_PROJECT_POINTS = 35  # a red project alone puts a calm client on "watch": 100 − 35 = 65
AMBER_PROJECT_POINTS = 10
PERCEPTION_GAP = 1.5  # our reading and their answers this far apart (30 days) is a perception gap
PERCEPTION_GAP_POINTS = 15  # when we think they are happier than they say


@dataclass(frozen=True)
class HealthInputs:
    cadence_days: int
    last_contact_on: date | None
    known_since: date
    sentiments: list[int] = field(default_factory=list)  # ours, newest first (last 10 of 90 days)
    answers: list[int] = field(default_factory=list)  # theirs (pulse), newest first (last 10 of 90 days)
    low_streak: int = 0  # latest readings in a row, ours and theirs by time, at 2 or below
    perception_difference: float | None = None  # their 30-day average minus ours; None unless both exist
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


def decayed_average(values: list[int]) -> float | None:
    """Newest first; each older value weighs SENTIMENT_DECAY times the one after it."""
    if not values:
        return None
    weights = [SENTIMENT_DECAY**index for index in range(len(values))]
    return sum(w * v for w, v in zip(weights, values, strict=True)) / sum(weights)


def checkin_adherence(inputs: HealthInputs, today: date) -> Factor:
    """Nothing while contact is within the cadence; beyond it, 35 points per cadence overdue
    (pro rata), at most 40. A client never contacted counts from when it was added; a former
    client has no cadence to keep."""
    if not inputs.has_cadence:
        return Factor("checkin", "Check-in adherence", 0, "Former client: no regular check-ins")
    since = inputs.last_contact_on or inputs.known_since
    days = max(0, (today - since).days)
    ratio = days / inputs.cadence_days
    points = 0 if ratio <= 1 else -min(CHECKIN_CAP, round(CHECKIN_POINTS_PER_CADENCE * (ratio - 1)))
    what = "last contact" if inputs.last_contact_on else "added, no contact logged yet"
    return Factor("checkin", "Check-in adherence", points, f"{days} days since {what}; cadence {inputs.cadence_days}")


def client_mood(inputs: HealthInputs) -> Factor:
    """The client's mood: a recency-weighted average of our logged sentiment and, weighing twice
    as much, of their own pulse answers. At or above 3.5 it costs nothing; below, 26 points per
    point under 3.5, at most 65. One unhappy meeting after several happy ones barely moves it;
    three readings in a row at 2 or below (a pattern) take off at least 61."""
    ours, theirs = decayed_average(inputs.sentiments), decayed_average(inputs.answers)
    if ours is None and theirs is None:
        return Factor("sentiment", "Client mood", 0, "No sentiment or pulse answer in the last 90 days")
    parts = []
    if ours is not None:
        parts.append(f"our reading {ours:.1f} over {len(inputs.sentiments)} meetings")
    if theirs is not None:
        parts.append(f"their answers {theirs:.1f} over {len(inputs.answers)} (counted twice)")
    if ours is not None and theirs is not None:
        mood = (ours + ANSWER_WEIGHT * theirs) / (1 + ANSWER_WEIGHT)
    else:
        mood = theirs if theirs is not None else ours or SENTIMENT_NEUTRAL
    points = min(MOOD_CAP, round(max(0.0, SENTIMENT_NEUTRAL - mood) * MOOD_POINTS_PER_STEP))
    detail = f"Mood {mood:.1f}: " + "; ".join(parts)
    if inputs.low_streak >= LOW_STREAK and points < LOW_STREAK_POINTS:
        points = LOW_STREAK_POINTS
        detail += f"; the latest {inputs.low_streak} readings in a row were unhappy"
    return Factor("sentiment", "Client mood", -points, detail)


def perception_gap(inputs: HealthInputs) -> Factor:
    """We think they are happier than they say: our logged sentiment over 30 days is 1.5 points
    or more above their own answers. Costs 15 (we are misreading the client). The other way
    round (they are happier than we think) is flagged on the pages but costs nothing."""
    difference = inputs.perception_difference
    if difference is None:
        return Factor("perception", "Perception gap", 0, "Not both our reading and their answers in 30 days")
    if difference <= -PERCEPTION_GAP + 1e-9:
        return Factor(
            "perception",
            "Perception gap",
            -PERCEPTION_GAP_POINTS,
            f"They rate us {-difference:.1f} points lower than we read them (30 days)",
        )
    return Factor("perception", "Perception gap", 0, f"Their answers and our reading differ by {difference:+.1f}")


def overdue_promises(inputs: HealthInputs) -> Factor:
    count = inputs.our_overdue_items
    return Factor("promises", "Our overdue action items", _capped(count, 5, 15), f"{count} overdue (5 points each)")


def project_health(inputs: HealthInputs) -> Factor:
    if inputs.project_in_recovery or inputs.worst_project_health == "red":
        points = -RED_PROJECT_POINTS
        detail = "A project is red" + (" and in recovery" if inputs.project_in_recovery else "")
    elif inputs.worst_project_health == "amber":
        points, detail = -AMBER_PROJECT_POINTS, "A project is amber"
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
    """The score of one client: 100 minus what each factor takes off, never below 0. This is the
    one place the rules live; gathering the inputs (crm.services.health_inputs) and storing the
    result (crm.services.client_health_recompute) are separate."""
    factors = [
        checkin_adherence(inputs, today),
        client_mood(inputs),
        perception_gap(inputs),
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
