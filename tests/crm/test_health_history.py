"""Health history: one snapshot per client per day (upserted), pruned after 13 months, charted
on the client page, and "fell in the last 14 days" read from it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import services
from crm.models import Client, HealthSnapshot
from crm.selectors import health_history
from crm.tasks import client_health_recompute_all
from tests.factories import ClientFactory, UserFactory

UTC = ZoneInfo("UTC")


@pytest.fixture
def manager(db):
    return UserFactory()


def test_recomputing_twice_a_day_keeps_one_snapshot_with_the_latest_score(manager):
    client = ClientFactory(account_manager=manager, time_zone="UTC")
    morning = datetime(2026, 6, 15, 8, tzinfo=UTC)
    services.client_health_recompute(clients=Client.objects.all(), now=morning)
    services.interaction_log(
        client=client, logged_by=manager, summary="Bad", sentiment=1, occurred_at=morning + timedelta(hours=1)
    )
    services.client_health_recompute(clients=Client.objects.all(), now=morning + timedelta(hours=2))
    (snapshot,) = HealthSnapshot.objects.filter(client=client)
    assert snapshot.day.isoformat() == "2026-06-15"
    assert snapshot.score == 35
    assert snapshot.band == "at_risk"
    assert {f["key"] for f in snapshot.factors} >= {"sentiment", "checkin", "perception"}
    services.client_health_recompute(clients=Client.objects.all(), now=morning + timedelta(days=1))
    assert HealthSnapshot.objects.filter(client=client).count() == 2


def test_the_snapshot_day_is_the_clients_own(manager):
    client = ClientFactory(account_manager=manager, time_zone="Pacific/Auckland")
    services.client_health_recompute(clients=Client.objects.all(), now=datetime(2026, 6, 15, 20, tzinfo=UTC))
    assert HealthSnapshot.objects.get(client=client).day.isoformat() == "2026-06-16"


def test_the_nightly_job_writes_snapshots_and_prunes_those_over_13_months(manager):
    client = ClientFactory(account_manager=manager)
    today = timezone.localdate()
    for days_ago in (397, 396, 395, 30):
        HealthSnapshot.objects.create(
            client=client, day=today - timedelta(days=days_ago), score=80, band="healthy", factors=[]
        )
    assert client_health_recompute_all() == 1
    days = sorted((today - s.day).days for s in HealthSnapshot.objects.filter(client=client))
    assert days == [0, 30, 395, 396]


def _history(client, *scores_by_days_ago):
    today = timezone.localdate()
    for days_ago, score in scores_by_days_ago:
        band = "healthy" if score >= 70 else "watch" if score >= 40 else "at_risk"
        HealthSnapshot.objects.create(client=client, day=today - timedelta(days=days_ago), score=score, band=band)


def test_history_gives_a_year_of_points_and_the_fall_of_the_last_14_days(manager):
    client = ClientFactory(account_manager=manager)
    _history(client, (400, 10), (300, 90), (20, 30), (13, 85), (5, 72), (0, 55))
    history = health_history(client=client)
    assert [point["score"] for point in history.series] == [90, 30, 85, 72, 55]
    assert history.fell is not None
    assert (history.fell.from_score, history.fell.from_band, history.fell.to_band) == (85, "healthy", "watch")
    assert history.fell.on == timezone.localdate() - timedelta(days=13)


def test_no_fall_when_the_band_held_or_rose(manager):
    client = ClientFactory(account_manager=manager)
    _history(client, (20, 95), (10, 50), (3, 60), (0, 75))
    assert health_history(client=client).fell is None


def test_the_client_page_charts_the_year_and_says_it_fell(client, manager, django_assert_max_num_queries):
    the_client = ClientFactory(account_manager=manager)
    _history(the_client, (60, 88), (10, 84), (0, 52))
    Client.objects.filter(pk=the_client.pk).update(health_score=52, health_band="watch")
    client.force_login(manager)
    html = client.get(reverse("crm:client_detail", kwargs={"pk": the_client.pk})).content.decode()
    assert 'data-chart="history"' in html
    assert 'id="history-data"' in html
    assert "Fell in the last 14 days" in html
    assert "from 84 (Healthy)" in html
