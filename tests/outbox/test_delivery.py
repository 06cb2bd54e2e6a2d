from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from outbox import services
from outbox.models import OutboundEmail
from tests.conftest import REPO
from tests.factories import UserFactory
from tests.smtp import free_port

Status = OutboundEmail.Status


@pytest.fixture
def reset_row(pm):
    return services.email_queue(key=f"test:{pm.pk}", kind=OutboundEmail.Kind.PASSWORD_RESET, to_email=pm.email, user=pm)


def test_queueing_the_same_key_twice_makes_one_row(pm):
    first = services.email_queue(key="k1", kind=OutboundEmail.Kind.PASSWORD_RESET, to_email=pm.email, user=pm)
    second = services.email_queue(key="k1", kind=OutboundEmail.Kind.PASSWORD_RESET, to_email=pm.email, user=pm)
    assert first.pk == second.pk
    assert OutboundEmail.objects.count() == 1


def test_a_row_is_sent_once_however_often_delivery_runs(reset_row):
    assert services.email_deliver(email_id=reset_row.pk) == Status.SENT
    assert services.email_deliver(email_id=reset_row.pk) == "skipped"
    assert len(mail.outbox) == 1
    reset_row.refresh_from_db()
    assert reset_row.status == Status.SENT
    assert reset_row.attempts == 1
    assert reset_row.message_id.startswith("<rapport.")
    assert reset_row.sent_at is not None


def test_only_one_of_two_claims_wins(reset_row):
    assert services.email_claim(email_id=reset_row.pk) is not None
    assert services.email_claim(email_id=reset_row.pk) is None


def test_a_row_whose_worker_died_is_claimed_again_after_its_lease(reset_row):
    assert services.email_claim(email_id=reset_row.pk) is not None
    later = timezone.now() + timedelta(seconds=settings.EMAIL_LEASE_SECONDS + 1)
    with time_machine.travel(later):
        assert services.email_enqueue_due() == 1  # eager in tests: the task runs at once
    reset_row.refresh_from_db()
    assert reset_row.status == Status.SENT
    assert reset_row.attempts == 2
    assert len(mail.outbox) == 1


def test_a_row_not_yet_due_is_left_alone(pm):
    row = services.email_queue(
        key="later",
        kind=OutboundEmail.Kind.PASSWORD_RESET,
        to_email=pm.email,
        user=pm,
        send_after=timezone.now() + timedelta(hours=1),
    )
    assert services.email_deliver(email_id=row.pk) == "skipped"
    assert services.email_enqueue_due() == 0


def test_a_temporary_smtp_error_is_retried_later_with_backoff(reset_row, smtp_server):
    smtp_server.handler.reply = lambda n: "451 4.3.0 Try again later" if n == 1 else None
    assert services.email_deliver(email_id=reset_row.pk) == Status.PENDING
    reset_row.refresh_from_db()
    assert reset_row.status == Status.PENDING
    assert "451" in reset_row.last_error
    assert reset_row.send_after > timezone.now() + timedelta(seconds=10)
    with time_machine.travel(reset_row.send_after + timedelta(seconds=1)):
        assert services.email_deliver(email_id=reset_row.pk) == Status.SENT
    assert len(smtp_server.received) == 1


def test_a_permanent_smtp_error_marks_the_row_failed(reset_row, smtp_server):
    smtp_server.handler.reply = lambda n: "550 5.1.1 No such mailbox"
    assert services.email_deliver(email_id=reset_row.pk) == Status.FAILED
    reset_row.refresh_from_db()
    assert reset_row.status == Status.FAILED
    assert "550" in reset_row.last_error


def test_an_unreachable_smtp_server_is_a_temporary_error(reset_row, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    assert services.email_deliver(email_id=reset_row.pk) == Status.PENDING


def test_backoff_grows_and_is_capped():
    assert services.retry_delay(1) <= timedelta(seconds=30)
    assert services.retry_delay(4) >= timedelta(seconds=120)
    assert all(services.retry_delay(n) <= services.RETRY_CAP for n in range(1, 30))


def test_a_row_that_keeps_failing_gives_up(reset_row):
    OutboundEmail.objects.filter(pk=reset_row.pk).update(attempts=services.MAX_ATTEMPTS)
    assert services.email_deliver(email_id=reset_row.pk) == Status.FAILED


def test_a_builder_that_declines_suppresses_the_row(db):
    inactive = UserFactory(is_active=False)
    row = services.email_queue(key="x", kind=OutboundEmail.Kind.PASSWORD_RESET, to_email=inactive.email, user=inactive)
    assert services.email_deliver(email_id=row.pk) == Status.SUPPRESSED
    assert mail.outbox == []


PUBLISH_SCRIPT = """
import time, django
django.setup()
from outbox.services import email_enqueue
started = time.monotonic()
published = email_enqueue(email_id=1)
print(published, round(time.monotonic() - started, 2))
"""


@pytest.mark.parametrize("broker", ["refusing", "silent"])
def test_publishing_to_a_dead_broker_fails_within_seconds(broker, silent_port, tmp_path):
    """What a web request does after saving a row: publish, and give up fast when the broker is
    down (the row stays pending for the dispatcher)."""
    port = silent_port if broker == "silent" else free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        CELERY_BROKER_URL=f"redis://127.0.0.1:{port}/0",
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        RAPPORT_VAR_DIR=str(tmp_path),
        RAPPORT_ENV_FILE=os.devnull,  # a developer's .env must not reach this process
    )
    result = subprocess.run(
        [sys.executable, "-c", PUBLISH_SCRIPT], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    published, seconds = result.stdout.split()
    assert published == "False", result.stderr
    assert float(seconds) < 5


def test_every_kind_of_email_is_registered_by_the_app_that_sends_it():
    from outbox.kinds import email_kind, email_kind_register, email_kinds_registered

    assert email_kinds_registered() == set(OutboundEmail.Kind.values)
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        email_kind_register(OutboundEmail.Kind.STATUS_REPORT, build=lambda email: None)
    with pytest.raises(ImproperlyConfigured, match="No app registered"):
        email_kind("carrier_pigeon")
