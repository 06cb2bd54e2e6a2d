from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from ops.services import heartbeat_record
from outbox.models import OutboundEmail
from tests.smtp import free_port


@pytest.fixture
def broker_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the Celery app at another broker for one test, then restore it. Celery reads the
    CELERY_BROKER_URL environment variable before its own configuration, so both change."""
    original = celery_app.conf.broker_url

    def point_at(url: str) -> None:
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        celery_app.conf.broker_url = url  # the probe opens a new connection from it each time

    yield point_at
    monkeypatch.undo()
    celery_app.conf.broker_url = original


def test_healthz_answers_200_with_database_and_broker_up(client, db):
    heartbeat_record()
    response = client.get(reverse("ops:healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"] == "ok"
    assert 0 <= body["beat_last_tick_age_s"] < 5


def test_healthz_reports_no_beat_tick_as_null(client, db):
    assert client.get(reverse("ops:healthz")).json()["beat_last_tick_age_s"] is None


def test_healthz_answers_503_within_three_seconds_when_the_broker_port_is_dead(client, db, broker_url):
    broker_url(f"redis://127.0.0.1:{free_port()}/0")
    started = time.monotonic()
    response = client.get(reverse("ops:healthz"))
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"


def test_healthz_answers_503_within_three_seconds_when_the_broker_hangs(client, db, broker_url, silent_port):
    broker_url(f"redis://127.0.0.1:{silent_port}/0")
    started = time.monotonic()
    response = client.get(reverse("ops:healthz"))
    assert time.monotonic() - started < 3
    assert response.status_code == 503


def test_healthz_needs_no_sign_in_and_shows_no_secrets(client, db, settings):
    body = client.get(reverse("ops:healthz")).content.decode()
    assert settings.SECRET_KEY not in body
    assert "redis://" not in body and "postgres" not in body


def test_healthz_reports_the_email_backlog_and_failures(client, db):
    assert client.get(reverse("ops:healthz")).json()["email_oldest_pending_age_s"] is None
    now = timezone.now()
    OutboundEmail.objects.create(
        key="a", kind="password_reset", to_email="a@x.test", send_after=now - timedelta(minutes=7)
    )
    OutboundEmail.objects.create(
        key="b", kind="password_reset", to_email="b@x.test", send_after=now + timedelta(hours=1)
    )
    OutboundEmail.objects.create(key="c", kind="password_reset", to_email="c@x.test", status="failed")
    body = client.get(reverse("ops:healthz")).json()
    assert 420 <= body["email_oldest_pending_age_s"] < 430  # the due one, not the one not yet due
    assert body["email_failed"] == 1
