"""What every email carries in its headers, read back from a real SMTP server: plain-text
subjects (never HTML-escaped), the project manager as Reply-To on a weekly report, and one
Message-ID per outbox row across retries and resends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.services import password_reset_request
from crm import services as crm
from crm.models import CheckIn
from outbox.models import OutboundEmail
from outbox.services import email_deliver
from portal.reports import status_report_create
from portal.services import portal_access_grant, sign_in_link_request
from projects import services as projects
from tests.factories import ContactFactory, UserFactory

NASTY = "& ' \" < >"
CLIENT = f"Harbor, Hale & O'Hara {NASTY}"
PROJECT = f'R&D "Data" platform {NASTY}'


def deliver_all() -> None:
    for pk in (
        OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING).order_by("pk").values_list("pk", flat=True)
    ):
        email_deliver(email_id=pk)


@pytest.fixture
def nasty_world(db, smtp_server):
    manager = UserFactory(email="maya@rapport.test", full_name=f"Maya {NASTY} Patel", time_zone="UTC")
    client = crm.client_create(name=CLIENT, account_manager=manager, time_zone="UTC")
    contact = ContactFactory(client=client, name=f"Cleo {NASTY}", email="cleo@harbor.test", receives_reports=True)
    project = projects.project_create(client=client, name=PROJECT, manager=manager, status="active")
    return manager, client, contact, project


def test_every_kind_of_email_has_a_plain_text_subject(nasty_world, smtp_server):
    manager, client, contact, project = nasty_world
    password_reset_request(email=manager.email)
    portal_access_grant(contact=contact)  # the invitation
    sign_in_link_request(email=contact.email, ip="127.0.0.1")
    status_report_create(project=project, due_at=timezone.now())
    checkin = CheckIn.objects.get(client=client, state=CheckIn.State.DUE)
    today = timezone.localdate()
    for kind, due_on in ((OutboundEmail.Kind.CHECKIN_DUE_SOON, today + timedelta(days=2)),
                         (OutboundEmail.Kind.CHECKIN_OVERDUE, today - timedelta(days=1))):  # fmt: skip
        CheckIn.objects.filter(pk=checkin.pk).update(due_on=due_on)
        checkin.refresh_from_db()
        crm_key = crm.checkin_reminder_key(checkin, kind)
        OutboundEmail.objects.create(
            key=crm_key, kind=kind, to_email=manager.email, user=manager, checkin=checkin, message_id=f"<{kind}@t>"
        )
        deliver_all()
    deliver_all()

    subjects = {r.message["Subject"] for r in smtp_server.received}
    assert len(smtp_server.received) == 6
    assert "Reset your Rapport password" in subjects
    assert f"You're invited to follow {CLIENT}'s projects" in subjects
    assert f"Your sign-in link for {CLIENT}'s client portal" in subjects
    assert any(s.startswith(f"{PROJECT}: weekly status,") for s in subjects)
    assert any(s.startswith(f"Check-in with {CLIENT} due ") for s in subjects)
    assert any(s.startswith(f"Overdue: check-in with {CLIENT} was due ") for s in subjects)
    for subject in subjects:
        assert "&amp;" not in subject and "&#x27;" not in subject and "&quot;" not in subject and "&lt;" not in subject


def test_the_weekly_report_names_its_manager_and_replies_go_to_them(nasty_world, smtp_server):
    manager, client, contact, project = nasty_world
    projects.status_update_post(project=project, author=manager, health="green", reason="", client_visible=True)
    status_report_create(project=project, due_at=timezone.now())
    deliver_all()
    (received,) = smtp_server.received
    assert received.message["Reply-To"] == manager.email
    for part in (received.text, received.html.replace("&amp;", "&").replace("&quot;", '"').replace("&#x27;", "'")):
        assert "Maya & ' \" " in part  # the manager is named, in both parts
        assert "update of " in part.lower()  # the narrative carries its date
        assert "Unsubscribe" in part and "Stop these emails" not in part
    assert "<p" not in received.text and "&amp;" not in received.text  # the text part is not HTML


def test_one_message_id_per_row_across_a_retry_and_a_resend(nasty_world, smtp_server):
    """A 451 is retried; a worker that dies after the server accepted the message leaves the
    row to be sent again. Every copy that arrives carries the row's one Message-ID."""
    manager, client, contact, project = nasty_world
    status_report_create(project=project, due_at=timezone.now())
    row = OutboundEmail.objects.get()
    assert row.message_id.startswith("<rapport.")  # fixed when queued, before any attempt

    smtp_server.handler.reply = lambda n: "451 4.3.0 Try again later" if n == 1 else None
    assert email_deliver(email_id=row.pk) == OutboundEmail.Status.PENDING
    OutboundEmail.objects.filter(pk=row.pk).update(send_after=timezone.now())
    assert email_deliver(email_id=row.pk) == OutboundEmail.Status.SENT
    # The worker "died" between the server's 250 and marking the row sent: its lease runs out.
    OutboundEmail.objects.filter(pk=row.pk).update(
        status=OutboundEmail.Status.SENDING, lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert email_deliver(email_id=row.pk) == OutboundEmail.Status.SENT

    assert len(smtp_server.received) == 2
    assert {r.message["Message-ID"] for r in smtp_server.received} == {row.message_id}
    row.refresh_from_db()
    assert row.attempts == 3
