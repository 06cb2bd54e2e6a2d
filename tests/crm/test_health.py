"""Relationship health: the rules with worked examples, and the stored score kept current."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from crm import services
from crm.health import HealthInputs, band_for, health_of
from crm.models import Client
from crm.tasks import client_health_recompute_all
from projects import services as projects
from tests.factories import ClientFactory, UserFactory

TODAY = date(2026, 6, 15)


def inputs(**changes) -> HealthInputs:
    base = {"cadence_days": 14, "last_contact_on": TODAY - timedelta(days=5), "known_since": date(2025, 1, 1)}
    return HealthInputs(**{**base, **changes})


def points(health, key):
    return next(f.points for f in health.factors if f.key == key)


def test_a_client_in_touch_and_happy_scores_100():
    health = health_of(inputs(sentiments=[5, 4, 5]), today=TODAY)
    assert (health.score, health.band) == (100, "healthy")
    assert all(factor.points == 0 for factor in health.factors)
    assert len(health.factors) == 8


def test_one_unhappy_meeting_does_not_sink_a_happy_relationship():
    # weights 1, .7, .49, .34, .24 → (1 + 5 × 1.77) / 2.77 = 3.56, above 3.5: nothing taken off
    assert points(health_of(inputs(sentiments=[1, 5, 5, 5, 5]), today=TODAY), "sentiment") == 0


def test_several_unhappy_meetings_do():
    # (1 + .7 + .49 + 5 × (.34 + .24)) / 2.77 = 1.84 → (3.5 − 1.84) × 26 = 43 points
    health = health_of(inputs(sentiments=[1, 1, 1, 5, 5]), today=TODAY)
    assert points(health, "sentiment") == -43
    assert health.score == 57
    # … and as a run of three at the top (the service counts it), at least 61: at risk.
    run = health_of(inputs(sentiments=[1, 1, 1, 5, 5], low_streak=3), today=TODAY)
    assert (points(run, "sentiment"), run.band) == (-61, "at_risk")
    assert "latest 3 readings in a row were unhappy" in next(f.detail for f in run.factors if f.key == "sentiment")


def test_a_very_unhappy_client_is_at_risk_on_mood_alone():
    health = health_of(inputs(sentiments=[1, 1, 1]), today=TODAY)
    assert (points(health, "sentiment"), health.score, health.band) == (-65, 35, "at_risk")


def test_their_own_answers_weigh_twice_our_reading():
    # ours 4.0, theirs 2.0 → (4 + 2 × 2) / 3 = 2.67 → 22 points; the reverse, 3.33 → 4 points
    theirs_low = health_of(inputs(sentiments=[4, 4], answers=[2, 2]), today=TODAY)
    assert points(theirs_low, "sentiment") == -22
    ours_low = health_of(inputs(sentiments=[2, 2], answers=[4, 4]), today=TODAY)
    assert points(ours_low, "sentiment") == -4
    assert points(health_of(inputs(answers=[1]), today=TODAY), "sentiment") == -65


def test_a_rosier_reading_than_theirs_costs_15_the_other_way_nothing():
    rosier = health_of(inputs(perception_difference=-2.0), today=TODAY)
    assert points(rosier, "perception") == -15
    assert "2.0 points lower" in next(f.detail for f in rosier.factors if f.key == "perception")
    assert points(health_of(inputs(perception_difference=-1.5), today=TODAY), "perception") == -15
    assert points(health_of(inputs(perception_difference=-1.4), today=TODAY), "perception") == 0
    assert points(health_of(inputs(perception_difference=2.0), today=TODAY), "perception") == 0


def test_check_in_adherence_costs_35_points_per_cadence_overdue():
    assert points(health_of(inputs(last_contact_on=TODAY - timedelta(days=14)), today=TODAY), "checkin") == 0
    assert points(health_of(inputs(last_contact_on=TODAY - timedelta(days=21)), today=TODAY), "checkin") == -18
    assert points(health_of(inputs(last_contact_on=TODAY - timedelta(days=28)), today=TODAY), "checkin") == -35
    assert points(health_of(inputs(last_contact_on=TODAY - timedelta(days=90)), today=TODAY), "checkin") == -40
    never = health_of(inputs(last_contact_on=None, known_since=TODAY - timedelta(days=21)), today=TODAY)
    assert points(never, "checkin") == -18


def test_a_troubled_account_is_at_risk_and_every_factor_says_why():
    health = health_of(
        inputs(
            last_contact_on=TODAY - timedelta(days=21),  # −18: half a cadence late
            sentiments=[3, 3],  # −13: average 3.0
            our_overdue_items=1,  # −5
            worst_project_health="red",
            project_in_recovery=True,  # −35
            high_severity_open=1,  # −5
            changes_undecided_over_14_days=1,  # −4
            failed_deliveries=1,  # −3
        ),
        today=TODAY,
    )
    assert health.score == 100 - 18 - 13 - 5 - 35 - 5 - 4 - 3 == 17
    assert sum(f.points for f in health.factors) == health.score - 100
    assert health.band == "at_risk"
    details = {f.key: f.detail for f in health.factors}
    assert details["checkin"] == "21 days since last contact; cadence 14"
    assert details["projects"] == "A project is red and in recovery"


def test_counted_factors_are_capped():
    health = health_of(
        inputs(our_overdue_items=10, high_severity_open=9, changes_undecided_over_14_days=8, failed_deliveries=7),
        today=TODAY,
    )
    assert [points(health, k) for k in ("promises", "risks", "changes", "deliveries")] == [-15, -15, -12, -9]
    assert health.score == 49
    assert health.band == "watch"


def test_bands_are_healthy_from_70_and_watch_from_40():
    assert [band_for(score) for score in (100, 70, 69, 40, 39, 0)] == [
        "healthy", "healthy", "watch", "watch", "at_risk", "at_risk",
    ]  # fmt: skip
    # 100 − 10 (amber project) − 15 (five overdue items, capped) = 77
    assert health_of(inputs(worst_project_health="amber", our_overdue_items=5), today=TODAY).band == "healthy"


@pytest.fixture
def manager(db):
    return UserFactory()


def test_logging_unhappy_meetings_rescores_the_client_and_remembers_the_fall(
    manager, django_capture_on_commit_callbacks
):
    client = ClientFactory(account_manager=manager, checkin_cadence_days=14)
    with django_capture_on_commit_callbacks(execute=True):
        services.interaction_log(client=client, logged_by=manager, summary="Kick-off", sentiment=5)
    client.refresh_from_db()
    assert (client.health_score, client.health_band) == (100, "healthy")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            services.interaction_log(client=client, logged_by=manager, summary="Rough call", sentiment=1)
        project = projects.project_create(client=client, name="Rescue", manager=manager, status="active")
        projects.status_update_post(project=project, author=manager, health="red", reason="Late")
    client.refresh_from_db()
    assert client.health_band in ("watch", "at_risk")
    assert client.health_score < 70
    assert client.health_band_before == "healthy"
    assert client.health_band_changed_at is not None
    factors = {f["key"]: f for f in client.health_factors}
    assert factors["projects"]["points"] == -35
    assert factors["sentiment"]["points"] < 0


def test_the_nightly_job_rescores_every_active_client_as_time_passes(manager):
    client = ClientFactory(account_manager=manager, checkin_cadence_days=7)
    services.interaction_log(client=client, logged_by=manager, summary="Call", sentiment=4)
    archived = ClientFactory(account_manager=manager)
    services.client_archive(client=archived)
    assert client_health_recompute_all() == 1
    client.refresh_from_db()
    assert client.health_score == 100
    Client.objects.filter(pk=client.pk).update(last_contacted_at=timezone.now() - timedelta(days=14))
    client_health_recompute_all()
    client.refresh_from_db()
    assert client.health_score == 65  # twice the cadence: −35
    archived.refresh_from_db()
    assert archived.health_score is None


@pytest.mark.parametrize("n", [1, 30])
def test_rescoring_reads_a_fixed_number_of_queries(manager, n, django_assert_num_queries):
    for _ in range(n):
        client = ClientFactory(account_manager=manager)
        services.interaction_log(client=client, logged_by=manager, summary="Call", sentiment=3)
    with django_assert_num_queries(5):  # inputs, sentiment, pulse answers, one bulk update, snapshot upsert
        assert services.client_health_recompute(clients=Client.objects.all()) == n
