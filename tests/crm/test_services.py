from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from crm import services
from crm.models import ActionItem, CheckIn, Client, Contact, Interaction
from tests.factories import ClientFactory, UserFactory

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def open_checkins(client):
    return list(client.checkins.filter(state=CheckIn.State.DUE).values_list("kind", "due_on"))


def test_a_new_client_gets_its_first_regular_checkin_one_cadence_out(pm):
    client = services.client_create(name="Acme", account_manager=pm, checkin_cadence_days=10, time_zone="UTC")
    assert open_checkins(client) == [("regular", date(2026, 12, 4))]
    client.refresh_from_db()
    assert client.next_checkin_due == date(2026, 12, 4)
    assert client.last_contacted_at is None


def test_logging_a_meeting_saves_everything_and_moves_the_checkin_on(acme, pm, teammate):
    jane = acme.contacts.get()
    interaction = services.interaction_log(
        client=acme,
        logged_by=pm,
        kind=Interaction.Kind.MEETING,
        occurred_at=NOW - timedelta(hours=2),
        summary="Kick-off",
        sentiment=4,
        attendees=[jane],
        staff_present=[pm, teammate],
        action_items=[
            services.ActionItemDraft(text="Send the plan", owner=pm, due_on=date(2026, 11, 28)),
            services.ActionItemDraft(text="Share access", owner_side="client", owner_contact=jane),
        ],
    )
    assert list(interaction.attendees.all()) == [jane]
    assert set(interaction.staff_present.all()) == {pm, teammate}
    items = {item.text: item for item in interaction.action_items.all()}
    assert items["Send the plan"].owner == pm and items["Send the plan"].client == acme
    assert items["Share access"].owner is None and items["Share access"].owner_contact == jane

    acme.refresh_from_db()
    assert acme.last_contacted_at == NOW - timedelta(hours=2)
    assert open_checkins(acme) == [("regular", date(2026, 12, 8))]  # last contact + 14 days
    assert acme.next_checkin_due == date(2026, 12, 8)
    done = acme.checkins.get(state=CheckIn.State.DONE)
    assert done.completed_by == interaction


def test_an_explicit_next_checkin_date_wins_over_the_cadence(acme, pm):
    services.interaction_log(
        client=acme, logged_by=pm, summary="Call", occurred_at=NOW, next_checkin_on=date(2026, 11, 27)
    )
    acme.refresh_from_db()
    assert open_checkins(acme) == [("regular", date(2026, 11, 27))]
    assert acme.next_checkin_due == date(2026, 11, 27)


def test_a_note_is_not_contact_and_leaves_the_checkin_alone(acme, pm):
    before = open_checkins(acme)
    services.interaction_log(client=acme, logged_by=pm, kind=Interaction.Kind.NOTE, summary="Thought", occurred_at=NOW)
    acme.refresh_from_db()
    assert acme.last_contacted_at is None
    assert open_checkins(acme) == before


def test_a_backdated_interaction_does_not_move_last_contact_backwards(acme, pm):
    services.interaction_log(client=acme, logged_by=pm, summary="Recent", occurred_at=NOW - timedelta(days=1))
    services.interaction_log(client=acme, logged_by=pm, summary="Old one", occurred_at=NOW - timedelta(days=30))
    acme.refresh_from_db()
    assert acme.last_contacted_at == NOW - timedelta(days=1)
    assert open_checkins(acme) == [("regular", date(2026, 12, 7))]


def test_a_follow_up_that_has_fallen_due_is_completed_and_a_later_one_stays(acme, pm):
    services.checkin_schedule(client=acme, due_on=date(2026, 11, 20), kind=CheckIn.Kind.FOLLOW_UP)
    services.checkin_schedule(client=acme, due_on=date(2027, 2, 1), kind=CheckIn.Kind.FOLLOW_UP)
    services.interaction_log(client=acme, logged_by=pm, summary="Catch-up", occurred_at=NOW)
    assert sorted(open_checkins(acme)) == [("follow_up", date(2027, 2, 1)), ("regular", date(2026, 12, 8))]


def test_a_client_has_at_most_one_open_regular_checkin(acme):
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.create(client=acme, due_on=date(2027, 1, 1), owner=acme.account_manager)


def test_people_from_another_client_cannot_attend(acme, pm):
    stranger = services.contact_create(client=ClientFactory(account_manager=pm), name="Other", email="o@x.test")
    with pytest.raises(ValidationError):
        services.interaction_log(client=acme, logged_by=pm, summary="x", occurred_at=NOW, attendees=[stranger])
    assert not Interaction.objects.exists()


def test_a_clients_first_contact_is_primary_and_a_new_primary_replaces_the_old(acme):
    first = acme.contacts.get()
    assert first.is_primary
    second = services.contact_create(client=acme, name="Sam", email="sam@acme.test", is_primary=True)
    first.refresh_from_db()
    assert second.is_primary and not first.is_primary


def test_contact_emails_are_unique_within_a_client_whatever_their_case(acme):
    with pytest.raises(ValidationError, match="already has that email"):
        services.contact_create(client=acme, name="Jane again", email="JANE@acme.test")
    other = ClientFactory()
    assert services.contact_create(client=other, name="Jane elsewhere", email="jane@acme.test").pk


def test_the_database_refuses_two_primaries_and_duplicate_emails(acme):
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(client=acme, name="Second primary", email="p2@acme.test", is_primary=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(client=acme, name="Dup", email="Jane@Acme.test")


@pytest.mark.parametrize("cadence", [0, 366])
def test_the_database_refuses_a_cadence_out_of_range(pm, cadence):
    with pytest.raises(IntegrityError), transaction.atomic():
        Client.objects.create(name="Bad", account_manager=pm, checkin_cadence_days=cadence)


def test_the_database_refuses_a_sentiment_out_of_range(acme):
    with pytest.raises(IntegrityError), transaction.atomic():
        Interaction.objects.create(client=acme, summary="x", sentiment=6)


def test_a_shorter_cadence_pulls_the_open_checkin_earlier(acme):
    services.client_update(client=acme, checkin_cadence_days=5)
    assert open_checkins(acme) == [("regular", date(2026, 11, 29))]
    services.client_update(client=acme, checkin_cadence_days=30)
    assert open_checkins(acme) == [("regular", date(2026, 11, 29))]  # a longer one does not push it out


def test_a_new_account_manager_takes_over_the_open_checkins(acme, other_pm):
    services.client_update(client=acme, account_manager=other_pm)
    assert set(acme.checkins.filter(state="due").values_list("owner", flat=True)) == {other_pm.pk}


def test_archiving_stops_checkins_and_restoring_starts_them_again(acme):
    services.client_archive(client=acme)
    acme.refresh_from_db()
    assert acme.is_archived and acme.next_checkin_due is None
    assert open_checkins(acme) == []
    services.client_restore(client=acme)
    acme.refresh_from_db()
    assert not acme.is_archived
    assert open_checkins(acme) == [("regular", date(2026, 12, 8))]


def test_rescheduling_and_skipping_a_checkin(acme):
    checkin = acme.checkins.get(state="due")
    services.checkin_reschedule(checkin=checkin, due_on=date(2026, 12, 1))
    acme.refresh_from_db()
    assert acme.next_checkin_due == date(2026, 12, 1)
    services.checkin_skip(checkin=checkin)
    assert acme.checkins.get(pk=checkin.pk).state == CheckIn.State.SKIPPED
    assert open_checkins(acme) == [("regular", date(2026, 12, 8))]
    with pytest.raises(ValidationError):
        services.checkin_skip(checkin=CheckIn.objects.get(pk=checkin.pk))


def test_completing_and_reopening_an_action_item(acme):
    item = ActionItem.objects.create(client=acme, text="Send minutes")
    services.action_item_complete(item=item)
    assert item.done_at == timezone.now()
    services.action_item_reopen(item=item)
    item.refresh_from_db()
    assert item.done_at is None


def test_dates_follow_the_clients_time_zone(pm):
    sydney = services.client_create(name="Down Under", account_manager=pm, time_zone="Australia/Sydney")
    # 23:30 in London on the 24th is already the 25th in Sydney.
    services.interaction_log(
        client=sydney, logged_by=pm, summary="Late call", occurred_at=datetime(2026, 11, 24, 23, 30, tzinfo=LONDON)
    )
    assert open_checkins(sydney) == [("regular", date(2026, 12, 9))]


def test_services_refuse_fields_they_do_not_know(acme, pm):
    with pytest.raises(TypeError):
        services.client_update(client=acme, archived_at=timezone.now())
    with pytest.raises(TypeError):
        services.interaction_log(client=acme, logged_by=pm, summary="x", logged_by_id=UserFactory().pk)


@pytest.mark.django_db(transaction=True)
def test_two_people_logging_the_same_client_at_once_both_succeed(pm, acme):
    """They take turns on the client's row: both interactions are saved, and one regular
    check-in stays open."""
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def log(summary: str) -> None:
        try:
            barrier.wait()
            services.interaction_log(client=Client.objects.get(pk=acme.pk), logged_by=pm, summary=summary)
        except BaseException as error:  # noqa: BLE001 (reported by the assertion below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=log, args=(f"Call {n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert acme.interactions.count() == 4
    assert acme.checkins.filter(state="due", kind="regular").count() == 1


# Business rules live in the services: each is tested here without a form.


def test_an_editor_cannot_take_themselves_off_a_client_they_can_see(acme, pm, other_pm):
    with pytest.raises(ValidationError, match="You would no longer see this client"):
        services.client_update(client=acme, editor=pm, team=[], account_manager=other_pm)
    acme.refresh_from_db()
    assert acme.account_manager == pm
    services.client_update(client=acme, editor=pm, team=[pm], account_manager=other_pm)  # staying on the team
    acme.refresh_from_db()
    assert acme.account_manager == other_pm


def test_a_client_created_for_someone_else_keeps_its_creator_in_sight(pm, other_pm, admin_user):
    with pytest.raises(ValidationError, match="You would no longer see this client"):
        services.client_create(name="Elsewhere", account_manager=other_pm, editor=pm)
    assert not Client.objects.filter(name="Elsewhere").exists()
    assert services.client_create(name="Elsewhere", account_manager=other_pm, editor=admin_user).pk


def test_saving_a_contact_with_reports_on_does_not_resubscribe_someone_who_unsubscribed(acme):
    contact = acme.contacts.get()
    services.contact_unsubscribe(contact=contact)
    services.contact_update(contact=contact, receives_reports=True, title="CTO")
    contact.refresh_from_db()
    assert (contact.title, contact.receives_reports) == ("CTO", False) and contact.unsubscribed_at
    services.contact_update(contact=contact, resume_reports=True)  # they asked for the reports again
    contact.refresh_from_db()
    assert contact.receives_reports and contact.unsubscribed_at is None


def test_a_checkin_cannot_be_moved_into_the_past(acme):
    checkin = acme.checkins.get(state=CheckIn.State.DUE)
    with pytest.raises(ValidationError, match="in the past"):
        services.checkin_reschedule(checkin=checkin, due_on=date(2026, 11, 20))
    assert CheckIn.objects.get(pk=checkin.pk).due_on == checkin.due_on
    services.checkin_reschedule(checkin=checkin, due_on=date(2026, 11, 24))  # today is fine


def test_logging_refuses_a_next_checkin_in_the_past(acme, pm):
    with pytest.raises(ValidationError, match="in the past") as raised:
        services.interaction_log(client=acme, logged_by=pm, summary="Call", next_checkin_on=date(2026, 11, 1))
    assert "next_checkin_on" in raised.value.error_dict
    assert not acme.interactions.exists()


def test_the_duplicate_email_rule_is_the_services(acme):
    with pytest.raises(ValidationError, match="already has that email") as raised:
        services.contact_update(contact=services.contact_create(client=acme, name="B"), email="JANE@ACME.TEST")
    assert "email" in raised.value.error_dict
