"""A health refresh that cannot be lost: a change marks its client stale in its own
transaction, and the minute sweep rescores marked clients, whether or not the broker took the
immediate rescore."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config.celery import app as celery_app
from crm import services
from crm.models import Client
from crm.tasks import client_health_sweep
from projects import services as projects
from tests.conftest import REPO
from tests.factories import ClientFactory, UserFactory
from tests.smtp import free_port
from tests.workers import database_url

RAISE_RISK_WITH_THE_BROKER_DOWN = """
import django, time
django.setup()
from projects.models import Project
from projects.services import risk_raise
started = time.monotonic()
risk_raise(project=Project.objects.get(pk={project_id}), title="Data loss", probability=5, impact=5)
print("took", round(time.monotonic() - started, 1))
"""


def marked(client: Client):
    return Client.objects.values_list("health_stale_since", flat=True).get(pk=client.pk)


@pytest.mark.django_db
def test_a_change_marks_its_client_stale_in_its_own_transaction():
    manager = UserFactory()
    client = ClientFactory(account_manager=manager)
    project = projects.project_create(client=client, name="Portal", manager=manager, status="active")
    Client.objects.filter(pk=client.pk).update(health_stale_since=None)

    with pytest.raises(RuntimeError), transaction.atomic():
        projects.risk_raise(project=project, title="Outage", probability=5, impact=5)
        assert marked(client) is not None
        raise RuntimeError("the change is rolled back")
    assert marked(client) is None  # the mark went with the change

    projects.risk_raise(project=project, title="Outage", probability=5, impact=5)
    assert marked(client) is not None


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_a_change_is_rescored_by_the_sweep(tmp_path):
    manager = UserFactory()
    client = ClientFactory(account_manager=manager)
    # Broker up (eager in tests): the immediate rescore runs after commit and clears the mark.
    project = projects.project_create(client=client, name="Portal", manager=manager, status="active")
    client.refresh_from_db()
    assert client.health_stale_since is None
    before_score, before_at = client.health_score, client.health_computed_at
    assert before_score is not None

    # Another process, not eager, whose broker port is closed: the change commits, the publish fails.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DATABASE_URL=database_url(),
        CELERY_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0",
        RAPPORT_VAR_DIR=str(tmp_path),
        RAPPORT_ENV_FILE=os.devnull,
    )
    result = subprocess.run(
        [sys.executable, "-c", RAISE_RISK_WITH_THE_BROKER_DOWN.format(project_id=project.pk)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "could not publish health recompute" in result.stderr
    assert float(result.stdout.split()[-1]) < 5  # the request did not hang on the broker

    client.refresh_from_db()
    assert client.health_stale_since is not None  # marked with the change
    assert (client.health_score, client.health_computed_at) == (before_score, before_at)  # not rescored yet

    assert client_health_sweep() == 1  # what beat runs every minute

    client.refresh_from_db()
    assert client.health_stale_since is None
    assert client.health_computed_at > before_at
    assert client.health_score < before_score  # the open high-severity risk now counts
    assert client_health_sweep() == 0  # nothing left to do


@pytest.mark.django_db
def test_the_sweep_keeps_a_mark_renewed_while_it_was_scoring(monkeypatch):
    """A change that commits after the sweep read the marks was not seen by the rescore: its
    newer mark must survive for the next sweep."""
    manager = UserFactory()
    renewed, settled = ClientFactory(account_manager=manager), ClientFactory(account_manager=manager)
    Client.objects.update(health_stale_since=timezone.now() - timedelta(seconds=30))
    recompute = services.client_health_recompute

    def recompute_while_a_change_commits(**kwargs):
        scored = recompute(**kwargs)
        services.client_health_refresh(client_id=renewed.pk)  # a concurrent change's mark
        return scored

    monkeypatch.setattr(services, "client_health_recompute", recompute_while_a_change_commits)
    assert services.client_health_recompute_stale() == 1

    assert marked(settled) is None
    assert marked(renewed) is not None

    monkeypatch.setattr(services, "client_health_recompute", recompute)
    assert services.client_health_recompute_stale() == 1
    assert marked(renewed) is None


@pytest.mark.django_db
def test_the_sweep_takes_bounded_batches_oldest_mark_first():
    manager = UserFactory()
    now = timezone.now()
    clients = [ClientFactory(account_manager=manager) for _ in range(5)]
    for age, client in enumerate(clients):
        Client.objects.filter(pk=client.pk).update(health_stale_since=now - timedelta(minutes=10 - age))

    assert services.client_health_recompute_stale(batch=2, batches=1) == 2

    assert [marked(c) is None for c in clients] == [True, True, False, False, False]
    assert services.client_health_recompute_stale(batch=2) == 3
    assert Client.objects.filter(health_stale_since__isnull=False).count() == 0


def test_beat_wakes_the_sweep_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["health-sweep"]
    assert entry["task"] == client_health_sweep.name
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"] == 60.0
