"""The real path: a dispatcher tick published to the broker, a Celery worker process that
builds the rows and delivers them, and an SMTP server that receives them. A due reminder and a
due report each arrive exactly once, as multipart/alternative with the facts in both parts."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from crm import services as crm
from crm.models import CheckIn
from outbox.models import OutboundEmail
from projects import services as projects
from projects.models import Project
from tests.factories import ClientFactory, ContactFactory, UserFactory
from tests.workers import process_env, run_dispatcher, start_worker, stop

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(condition, *, seconds: float, log) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out; worker log:\n{log.read_text()[-3000:]}")


def test_a_due_reminder_and_a_due_report_arrive_once_each(tmp_path, smtp_server):
    now = timezone.now()
    manager = UserFactory(email="ria@rapport.test", full_name="Ria Reminder", time_zone="UTC", reminder_hour=0)
    client = ClientFactory(name="Quayside Ports", account_manager=manager, time_zone="UTC")
    ContactFactory(client=client, name="Cleo Client", email="cleo@quayside.test", receives_reports=True)
    checkin = crm.checkin_schedule(client=client, due_on=(now + timedelta(days=1)).date())
    CheckIn.objects.filter(pk=checkin.pk).update(created_at=now - timedelta(days=5))
    project = projects.project_create(
        client=client, name="Berth scheduling", manager=manager, status="active", reports_enabled=True
    )
    projects.status_update_post(project=project, author=manager, health="green", reason="On track", client_visible=True)
    Project.objects.filter(pk=project.pk).update(next_report_at=now - timedelta(minutes=1))

    env = process_env(tmp_path, smtp_port=smtp_server.port)
    log = tmp_path / "worker.log"
    worker = start_worker(env, log)
    try:
        run_dispatcher(env)
        wait_for(lambda: len(smtp_server.received) >= 2, seconds=90, log=log)
        run_dispatcher(env)  # a second tick finds nothing new to send
        wait_for(lambda: not OutboundEmail.objects.exclude(status="sent").exists(), seconds=30, log=log)
        time.sleep(3)
    finally:
        stop(worker)

    by_recipient = {r.envelope_to[0]: r for r in smtp_server.received}
    assert len(smtp_server.received) == 2
    reminder, report = by_recipient["ria@rapport.test"], by_recipient["cleo@quayside.test"]
    assert report.message.get_content_type() == "multipart/alternative"
    # The reminder carries a calendar file: mixed, with the alternative parts first.
    assert reminder.message.get_content_type() == "multipart/mixed"
    assert reminder.message.get_payload()[0].get_content_type() == "multipart/alternative"
    for received, facts in ((reminder, ["Quayside Ports", "/log/"]), (report, ["Berth scheduling", "On track"])):
        for fact in facts:
            assert fact in received.text
            assert fact in received.html
    assert any(part.get_filename() == "check-in.ics" for part in reminder.message.iter_attachments())
    assert report.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"sent"}
