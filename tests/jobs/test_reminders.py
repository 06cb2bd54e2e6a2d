"""Check-in reminders: "due soon" at the owner's local reminder hour, lead days ahead, and
"overdue" the morning after, once each, with a log link and a calendar file."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from crm import services
from crm.models import CheckIn
from ops.services import jobs_dispatch
from outbox.models import OutboundEmail
from tests.factories import ClientFactory, UserFactory

NEW_YORK = ZoneInfo("America/New_York")
DUE = date(2026, 6, 10)  # a Wednesday


def at(day: int, hour: int, minute: int = 0, zone: ZoneInfo = NEW_YORK) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=zone)


@pytest.fixture
def owner(db):
    return UserFactory(email="nina@rapport.test", full_name="Nina York", time_zone="America/New_York")


@pytest.fixture
def checkin(owner):
    with time_machine.travel(at(1, 12)):
        client = ClientFactory(name="Hudson Freight", account_manager=owner, time_zone="Europe/London")
        return services.checkin_schedule(client=client, due_on=DUE)


def dispatch(when: datetime) -> list:
    """A dispatcher tick at `when`; returns the emails it sent (eager Celery in tests)."""
    before = len(mail.outbox)
    with time_machine.travel(when, tick=False):
        jobs_dispatch()
    return mail.outbox[before:]


def test_due_soon_arrives_at_the_owners_local_hour_lead_days_ahead_and_only_once(checkin, owner):
    assert dispatch(at(8, 7, 59)) == []  # 2 days before, 07:59 in New York
    (message,) = dispatch(at(8, 8, 0))
    assert dispatch(at(8, 8, 1)) == []
    assert dispatch(at(9, 8, 0)) == []
    assert message.to == [owner.email]
    assert "Hudson Freight" in message.subject
    html = message.alternatives[0][0]
    for part in (message.body, html):
        assert "Hudson Freight" in part
        assert "Wednesday 10 June" in part
        assert f"/clients/{checkin.client_id}/log/" in part
    (filename, ics, mimetype) = message.attachments[0]
    assert filename == "check-in.ics"
    assert mimetype.startswith("text/calendar")
    assert "DTSTART;VALUE=DATE:20260610" in ics
    assert f"UID:checkin-{checkin.pk}@" in ics
    assert "SUMMARY:Check-in with Hudson Freight" in ics
    assert OutboundEmail.objects.get().key == f"checkin-due-soon:{checkin.pk}:2026-06-10:{owner.pk}"


def test_overdue_arrives_the_morning_after_the_due_date_once(checkin):
    dispatch(at(8, 8))
    assert dispatch(at(11, 7, 59)) == []
    (message,) = dispatch(at(11, 8))
    assert message.subject.startswith("Overdue:")
    assert message.attachments == []  # the day has passed: no calendar entry in the past
    assert "has not been logged yet" in message.body
    assert "has not been logged yet" in message.alternatives[0][0]
    for day in (12, 20, 30):
        assert dispatch(at(day, 8)) == []
    assert sorted(OutboundEmail.objects.values_list("kind", flat=True)) == ["checkin_due_soon", "checkin_overdue"]


def test_the_hour_and_lead_are_the_owners_own(checkin, owner):
    owner.reminder_hour, owner.reminder_lead_days, owner.time_zone = 17, 5, "Asia/Tokyo"
    owner.save()
    tokyo = ZoneInfo("Asia/Tokyo")
    assert dispatch(at(5, 16, 59, tokyo)) == []
    assert len(dispatch(at(5, 17, 0, tokyo))) == 1


def test_a_missed_tick_is_caught_up_but_a_late_due_soon_becomes_the_overdue_one(checkin):
    assert len(dispatch(at(9, 15))) == 1  # no tick ran at 08:00 on the 8th: caught up
    checkin2 = CheckIn.objects.get()
    with time_machine.travel(at(9, 16), tick=False):
        services.checkin_reschedule(checkin=checkin2, due_on=date(2026, 6, 20))
    (late,) = dispatch(at(25, 9))  # nothing ran for days: only the overdue reminder goes
    assert late.subject.startswith("Overdue:")


def test_a_checkin_logged_before_its_reminder_goes_is_not_reminded(checkin, owner):
    with time_machine.travel(at(8, 7)):
        OutboundEmail.objects.create(
            key=f"checkin-due-soon:{checkin.pk}:2026-06-10:{owner.pk}",
            kind=OutboundEmail.Kind.CHECKIN_DUE_SOON,
            to_email=owner.email,
            user=owner,
            checkin=checkin,
            send_after=at(8, 8),
        )
        services.interaction_log(client=checkin.client, logged_by=owner, summary="Called early")
    assert dispatch(at(8, 8)) == []
    assert OutboundEmail.objects.get(checkin=checkin).status == OutboundEmail.Status.SUPPRESSED


def test_a_rescheduled_checkin_is_reminded_for_its_new_date(checkin):
    dispatch(at(8, 8))
    with time_machine.travel(at(8, 9), tick=False):
        services.checkin_reschedule(checkin=checkin, due_on=date(2026, 6, 17))
    assert dispatch(at(9, 8)) == []
    (message,) = dispatch(at(15, 8))
    assert "Wednesday 17 June" in message.body


def test_a_checkin_booked_inside_its_lead_time_gets_no_due_soon_warning(owner):
    client = ClientFactory(account_manager=owner)
    with time_machine.travel(at(9, 12)):
        services.checkin_schedule(client=client, due_on=DUE)  # due tomorrow
    assert dispatch(at(9, 12, 5)) == []
    assert len(dispatch(at(11, 8))) == 1  # it is still reminded once overdue


def test_archived_clients_get_no_reminders(checkin):
    services.client_archive(client=checkin.client)
    assert dispatch(at(11, 9)) == []


def test_an_owner_who_left_gets_no_reminders(checkin, owner):
    owner.is_active = False
    owner.save()
    assert dispatch(at(11, 9)) == []


def test_the_sweep_reads_a_fixed_number_of_queries(owner, django_assert_max_num_queries):
    for _ in range(20):
        client = ClientFactory(account_manager=owner)
        with time_machine.travel(at(1, 12)):
            services.checkin_schedule(client=client, due_on=DUE)
    with time_machine.travel(at(11, 9), tick=False):
        services.checkin_reminders_create_due()  # 20 overdue reminders queued
        with django_assert_max_num_queries(2):
            assert services.checkin_reminders_create_due() == 0
    assert OutboundEmail.objects.filter(kind="checkin_overdue").count() == 20


def test_a_failing_step_does_not_stop_the_emails_already_due(checkin, owner, caplog):
    """Reminders cannot be worked out (an owner's zone was broken behind the form's back), yet
    the emails already due still go out, and the failure is logged."""
    type(owner).objects.filter(pk=owner.pk).update(time_zone="Not/AZone")
    OutboundEmail.objects.create(
        key="due-anyway", kind="password_reset", to_email=owner.email, user=owner, send_after=at(11, 8)
    )
    sent = dispatch(at(11, 9))
    assert [m.to for m in sent] == [[owner.email]]
    assert "dispatcher step checkin_reminders_create_due failed" in caplog.text


def test_a_checkin_handed_to_a_new_account_manager_reminds_the_new_owner(checkin, owner):
    successor = UserFactory(email="sam@rapport.test", time_zone="America/New_York")
    with time_machine.travel(at(8, 8, 0), tick=False):
        services.checkin_reminders_create_due()  # queued for Nina, not sent yet
        services.client_update(client=checkin.client, account_manager=successor)
    (message,) = dispatch(at(8, 8, 1))
    assert message.to == [successor.email]
    statuses = dict(OutboundEmail.objects.values_list("to_email", "status"))
    assert statuses == {owner.email: "suppressed", successor.email: "sent"}


def test_the_client_edit_form_hands_open_checkins_to_the_new_account_manager(client, checkin, owner):
    successor = UserFactory(email="sam@rapport.test")
    the_client = checkin.client
    client.force_login(owner)
    data = {
        "name": the_client.name, "status": the_client.status, "time_zone": the_client.time_zone,
        "account_manager": successor.pk, "team": [owner.pk], "checkin_cadence_days": the_client.checkin_cadence_days,
        "preferred_channel": the_client.preferred_channel,
    }  # fmt: skip
    response = client.post(reverse("crm:client_edit", kwargs={"pk": the_client.pk}), data)
    assert response.status_code == 302, response.content.decode()[:500]
    checkin.refresh_from_db()
    assert checkin.owner == successor
