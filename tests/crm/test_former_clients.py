"""A former client keeps no regular check-in: marking a client former closes it (and with it
its reminders), logging a meeting does not open a new one, and Today lists none; follow-ups
that someone scheduled on purpose stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from crm import services
from crm.models import CheckIn, Client
from ops.services import jobs_dispatch
from outbox.models import OutboundEmail
from today.selectors import today_page


@pytest.fixture
def former(acme):
    today = timezone.localdate()
    services.checkin_schedule(client=acme, due_on=today - timedelta(days=3))  # the regular one, overdue
    services.checkin_schedule(
        client=acme, due_on=today + timedelta(days=30), kind=CheckIn.Kind.FOLLOW_UP, reason="30-day follow-up"
    )
    return services.client_update(client=acme, status=Client.Status.FORMER)


def test_becoming_former_closes_the_regular_checkin_and_keeps_follow_ups(former):
    open_checkins = list(former.checkins.filter(state=CheckIn.State.DUE))
    assert [c.kind for c in open_checkins] == [CheckIn.Kind.FOLLOW_UP]
    assert former.checkins.get(kind=CheckIn.Kind.REGULAR).state == CheckIn.State.SKIPPED
    former.refresh_from_db()
    assert former.next_checkin_due == open_checkins[0].due_on


def test_logging_a_meeting_with_a_former_client_opens_no_regular_checkin(former, pm):
    services.interaction_log(client=former, logged_by=pm, summary="Coffee, talked about next year")
    assert not former.checkins.filter(state=CheckIn.State.DUE, kind=CheckIn.Kind.REGULAR).exists()
    services.interaction_log(
        client=former, logged_by=pm, summary="Call", next_checkin_on=timezone.localdate() + timedelta(days=60)
    )
    booked = former.checkins.filter(state=CheckIn.State.DUE).order_by("-due_on").first()
    assert booked.kind == CheckIn.Kind.FOLLOW_UP  # an explicit date books a follow-up


def test_a_cadence_change_or_recovery_math_does_not_reopen_it(former):
    services.client_update(client=former, checkin_cadence_days=7)
    assert not former.checkins.filter(state=CheckIn.State.DUE, kind=CheckIn.Kind.REGULAR).exists()


def test_today_and_the_reminders_leave_the_regular_checkin_out(former, pm):
    regular = former.checkins.get(kind=CheckIn.Kind.REGULAR)
    CheckIn.objects.filter(pk=regular.pk).update(state=CheckIn.State.DUE)  # as an old database might have it
    page = today_page(viewer=pm)
    assert all(c.kind == CheckIn.Kind.FOLLOW_UP for c in page.checkins)
    jobs_dispatch()
    assert not OutboundEmail.objects.filter(checkin=regular).exists()


def test_health_takes_nothing_off_for_check_ins_a_former_client_does_not_have(former):
    from crm.health import HealthInputs, checkin_adherence

    inputs = HealthInputs(cadence_days=14, last_contact_on=None, known_since=timezone.localdate() - timedelta(days=400))
    assert checkin_adherence(inputs, timezone.localdate()).points == -40
    former_inputs = HealthInputs(
        cadence_days=14, last_contact_on=None, known_since=inputs.known_since, has_cadence=False
    )
    assert checkin_adherence(former_inputs, timezone.localdate()).points == 0


def test_an_active_client_again_gets_its_regular_checkin_back(former):
    services.client_update(client=former, status=Client.Status.ACTIVE)
    assert former.checkins.filter(state=CheckIn.State.DUE, kind=CheckIn.Kind.REGULAR).count() == 1
