"""Weekly status reports: built once per ISO week at the project's weekday and local hour in the
client's time zone, from client-visible data only, sent to opted-in contacts, with a note,
pause, preview, history, portal archive and one-click unsubscribe."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from crm import services as crm
from crm.models import ActionItem
from ops.services import jobs_dispatch
from outbox.models import OutboundEmail
from outbox.services import MAX_ATTEMPTS, email_deliver
from portal import reports
from portal.services import portal_access_grant
from projects import services
from projects.models import Project, StatusReport
from tests.factories import ClientFactory, ContactFactory, UserFactory

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(day: int, hour: int, minute: int = 0, month: int = 6) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BERLIN)


def dispatch(when: datetime) -> list:
    before = len(mail.outbox)
    with time_machine.travel(when, tick=False):
        jobs_dispatch()
    return mail.outbox[before:]


@pytest.fixture
def manager(db):
    return UserFactory(email="max@rapport.test", full_name="Max Manager")


@pytest.fixture
def project(manager):
    """Reports on Fridays at 09:00 Berlin time; one contact opted in, one not."""
    with time_machine.travel(berlin(1, 10)):  # Monday 1 June 2026
        client = ClientFactory(name="Spree Media", account_manager=manager, time_zone="Europe/Berlin")
        ContactFactory(client=client, name="Olga Opted", email="olga@spree.test", receives_reports=True)
        ContactFactory(client=client, name="Nils Notsubscribed", email="nils@spree.test", receives_reports=False)
        return services.project_create(
            client=client, name="Archive migration", manager=manager, status="active", start_on=date(2026, 5, 1),
            reports_enabled=True, report_weekday=Project.Weekday.FRIDAY, report_hour=9,
        )  # fmt: skip


def fill_week(project, manager):
    """Client-visible and internal items across the week before Friday 5 June."""
    with time_machine.travel(berlin(2, 10)):
        done = services.milestone_create(
            project=project, title="Inventory done", due_on=date(2026, 6, 3), client_visible=True
        )
        services.milestone_complete(milestone=done, completed_on=date(2026, 6, 3))
        services.milestone_create(project=project, title="Pilot batch", due_on=date(2026, 6, 12), client_visible=True)
        services.milestone_create(project=project, title="Far future", due_on=date(2026, 8, 1), client_visible=True)
        services.milestone_create(project=project, title="Internal dry run", due_on=date(2026, 6, 9))
        moved = services.milestone_create(
            project=project, title="Cut-over", due_on=date(2026, 6, 15), client_visible=True
        )
        services.milestone_reschedule(milestone=moved, due_on=date(2026, 6, 19), reason="Vendor delay", by=manager)
        services.risk_raise(
            project=project,
            title="Storage quota",
            probability=3,
            impact=4,
            client_visible=True,
            mitigation="Extra volume ordered",
        )
        services.risk_raise(project=project, title="Team burnout", probability=4, impact=4)
        services.change_request_propose(project=project, title="Add audio files", client_visible=True)
        services.decision_record(
            project=project,
            title="Keep old IDs",
            made_by="Olga and Max",
            decided_on=date(2026, 6, 4),
            client_visible=True,
        )
        services.status_update_post(
            project=project, author=manager, health="amber", reason="Vendor slipped a week", client_visible=True
        )
        crm.interaction_log(
            client=project.client,
            logged_by=manager,
            summary="Weekly call",
            project=project,
            action_items=[crm.ActionItemDraft(text="Send sample files", owner_side=ActionItem.Side.CLIENT)],
        )
    # fmt: skip


def test_the_report_goes_out_at_the_local_hour_once(project):
    assert project.next_report_at == berlin(5, 9)
    assert dispatch(berlin(5, 8, 59)) == []
    (message,) = dispatch(berlin(5, 9, 0))
    assert dispatch(berlin(5, 9, 1)) == []
    assert dispatch(berlin(5, 23)) == []
    assert message.to == ["olga@spree.test"]
    report = StatusReport.objects.get()
    assert (report.iso_year, report.iso_week) == (2026, 23)
    assert report.due_at == berlin(5, 9)
    assert (
        OutboundEmail.objects.get().key
        == f"report:{project.pk}:2026-W23:{report.project.client.contacts.get(email='olga@spree.test').pk}"
    )
    project.refresh_from_db()
    assert project.next_report_at == berlin(12, 9)
    assert len(dispatch(berlin(12, 9))) == 1


def test_the_report_holds_the_weeks_client_visible_facts_in_both_parts(project, manager):
    fill_week(project, manager)
    (message,) = dispatch(berlin(5, 9))
    assert message.message().get_content_type() == "multipart/alternative"
    html, text = message.alternatives[0][0], message.body
    facts = [
        "Archive migration", "Amber", "Vendor slipped a week", "Inventory done", "Pilot batch",
        "Cut-over", "Storage quota", "Extra volume ordered", "Add audio files", "Keep old IDs",
        "Send sample files", "/portal/sign-in/",
    ]  # fmt: skip
    for fact in facts:
        assert fact in text, fact
        assert fact in html, fact
    assert "15 Jun 2026 -> 19 Jun 2026" in text
    assert "15 Jun 2026 → 19 Jun 2026" in html
    for hidden in ("Team burnout", "Internal dry run", "Far future", "/portal/link/", "/portal/invitation/"):
        assert hidden not in text
        assert hidden not in html


def test_recipients_are_the_opted_in_contacts_with_an_unsubscribe_header(project):
    ContactFactory(client=project.client, email="", receives_reports=True)
    (message,) = dispatch(berlin(5, 9))
    url = re.search(r"<(http\S+)>", message.extra_headers["List-Unsubscribe"]).group(1)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in message.body
    assert url in message.alternatives[0][0]
    assert "/email/unsubscribe/" in url


def test_one_click_unsubscribe_stops_the_next_reports(client, project):
    (message,) = dispatch(berlin(5, 9))
    path = re.search(r"https?://[^/]+(/email/unsubscribe/\S+/)>", message.extra_headers["List-Unsubscribe"]).group(1)
    assert client.get(path).status_code == 200  # a link scanner opening it changes nothing
    olga = project.client.contacts.get(email="olga@spree.test")
    assert olga.receives_reports
    response = client.post(path, {"List-Unsubscribe": "One-Click"})  # as a mail provider does, without CSRF
    assert response.status_code == 200
    olga.refresh_from_db()
    assert not olga.receives_reports and olga.unsubscribed_at
    assert dispatch(berlin(12, 9)) == []
    assert client.get("/email/unsubscribe/not-a-real-token/").status_code == 400


def test_a_contact_who_unsubscribes_before_sending_is_suppressed(project):
    with time_machine.travel(berlin(5, 9), tick=False):
        reports.status_report_create(project=project, due_at=berlin(5, 9))  # rows queued, not yet sent
    olga = project.client.contacts.get(email="olga@spree.test")
    crm.contact_unsubscribe(contact=olga)
    assert dispatch(berlin(5, 9, 1)) == []
    assert OutboundEmail.objects.get().status == OutboundEmail.Status.SUPPRESSED


def test_the_managers_note_goes_into_the_next_report_then_clears(project):
    services.project_report_note_set(project=project, note="Great progress on the inventory!")
    (message,) = dispatch(berlin(5, 9))
    assert "Great progress on the inventory!" in message.body
    assert "Great progress on the inventory!" in message.alternatives[0][0]
    project.refresh_from_db()
    assert project.next_report_note == ""
    (second,) = dispatch(berlin(12, 9))
    assert "Great progress" not in second.body


def test_paused_reports_are_not_built_and_resume_on_the_next_slot(project):
    services.project_reports_set(project=project, enabled=False)
    assert dispatch(berlin(5, 9)) == []
    assert not StatusReport.objects.exists()
    with time_machine.travel(berlin(8, 12)):
        services.project_reports_set(project=project, enabled=True)
    project.refresh_from_db()
    assert project.next_report_at == berlin(12, 9)


def test_a_closed_project_sends_no_more_reports(project, manager):
    with time_machine.travel(berlin(3, 12)):
        services.project_close(project=project, status="completed", ended_on=date(2026, 6, 3), by=manager)
    assert dispatch(berlin(5, 9)) == []


def test_a_new_client_time_zone_moves_the_report_to_the_new_local_hour(project):
    with time_machine.travel(berlin(2, 12)):
        crm.client_update(client=project.client, time_zone="America/New_York")
    project.refresh_from_db()
    assert project.next_report_at == datetime(2026, 6, 5, 9, tzinfo=ZoneInfo("America/New_York"))


def test_a_missed_slot_is_caught_up_once_on_the_next_tick(project):
    (message,) = dispatch(berlin(5, 13))  # beat was down from 09:00 until 13:00
    assert StatusReport.objects.get().due_at == berlin(5, 9)
    assert dispatch(berlin(5, 13, 1)) == []


def test_two_dispatchers_build_one_report(project):
    with time_machine.travel(berlin(5, 9), tick=False):
        reports.status_reports_create_due()
        reports.status_reports_create_due()
        assert reports.status_report_create(project=project, due_at=berlin(5, 9)) is None
    assert StatusReport.objects.count() == 1
    assert OutboundEmail.objects.count() == 1


def test_managers_preview_the_next_report_without_saving_it(client, project, manager):
    fill_week(project, manager)
    services.project_report_note_set(project=project, note="Preview note")
    client.force_login(manager)
    with time_machine.travel(berlin(4, 12)):
        response = client.get(reverse("reports:preview", kwargs={"pk": project.pk}))
    html = response.content.decode()
    assert "Preview note" in html
    assert "Storage quota" in html
    assert "Team burnout" not in html
    assert not StatusReport.objects.exists()


def test_the_project_page_shows_each_recipients_delivery(client, project, manager):
    dispatch(berlin(5, 9))
    failed = OutboundEmail.objects.get()
    OutboundEmail.objects.filter(pk=failed.pk).update(
        status=OutboundEmail.Status.FAILED, last_error="SMTPRecipientsRefused: 550 mailbox unknown"
    )
    client.force_login(manager)
    html = client.get(reverse("projects:project_detail", kwargs={"pk": project.pk})).content.decode()
    assert "Week of 1 Jun" in html  # ISO week 23 of 2026, as a person reads it
    assert "olga@spree.test" in html
    assert "Failed" in html
    assert "550 mailbox unknown" in html


def test_the_portal_keeps_the_archive_for_the_clients_contacts_only(client, project):
    dispatch(berlin(5, 9))
    report = StatusReport.objects.get()
    olga = project.client.contacts.get(email="olga@spree.test")
    user = portal_access_grant(contact=olga)
    services.project_update(project=project, portal_visible=True)
    client.force_login(user)
    page = client.get(reverse("portal:project_detail", kwargs={"pk": project.pk})).content.decode()
    url = reverse("portal:status_report", kwargs={"pk": project.pk, "report_pk": report.pk})
    assert url in page
    assert "Archive migration" in client.get(url).content.decode()

    stranger = ContactFactory(client=ClientFactory(), email="eve@other.test")
    client.force_login(portal_access_grant(contact=stranger))
    assert client.get(url).status_code == 404


# One plain query per list of the client view, the report row, its recipients and their emails.
REPORT_BUILD_QUERIES = 18


def test_the_builder_reads_a_fixed_number_of_queries(project, manager, django_assert_max_num_queries):
    fill_week(project, manager)
    for index in range(10):
        ContactFactory(client=project.client, email=f"extra{index}@spree.test", receives_reports=True)
    with time_machine.travel(berlin(5, 9), tick=False), django_assert_max_num_queries(REPORT_BUILD_QUERIES):
        reports.status_report_create(project=project, due_at=berlin(5, 9))
    assert OutboundEmail.objects.count() == 11


def test_a_bounced_report_marks_the_delivery_failed_and_counts_against_health(
    project, smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.handler.reply = lambda n: "550 5.1.1 No such mailbox"
    with time_machine.travel(berlin(5, 9), tick=False), django_capture_on_commit_callbacks(execute=True):
        jobs_dispatch()
    email = OutboundEmail.objects.get()
    assert email.status == OutboundEmail.Status.FAILED
    assert "550" in email.last_error
    project.client.refresh_from_db()
    factors = {f["key"]: f["points"] for f in project.client.health_factors}
    assert factors["deliveries"] == -3


def test_one_projects_broken_report_does_not_hold_up_the_others(project, manager, caplog):
    """A project whose report cannot be built (here: its client's zone became invalid behind
    the form's back) is logged and retried next tick; the other projects' reports go out."""
    with time_machine.travel(berlin(1, 10)):
        other = services.project_create(
            client=ClientFactory(account_manager=manager, time_zone="Europe/Berlin"), name="Healthy one",
            manager=manager, status="active", reports_enabled=True, report_weekday=Project.Weekday.FRIDAY,
            report_hour=9,
        )  # fmt: skip
    ContactFactory(client=other.client, email="fine@other.test", receives_reports=True)
    type(project.client).objects.filter(pk=project.client_id).update(time_zone="Not/AZone")
    sent = dispatch(berlin(5, 9))
    assert [m.to for m in sent] == [["fine@other.test"]]
    assert "building the weekly report of project" in caplog.text
    project.refresh_from_db()
    assert project.next_report_at == berlin(5, 9)  # claim rolled back: tried again next tick


def test_an_unrelated_edit_does_not_push_a_due_report_to_next_week(project):
    """Beat was down at 09:00; at 09:30 someone edits the project and its client. The report
    due at 09:00 still goes out on the next tick."""
    with time_machine.travel(berlin(5, 9, 30), tick=False):
        services.project_update(
            project=project, name="Archive migration (phase 1)", reports_enabled=True,
            report_weekday=Project.Weekday.FRIDAY, report_hour=9, status="active",
        )  # fmt: skip
        crm.client_update(client=project.client, name="Spree Media GmbH", time_zone="Europe/Berlin")
    project.refresh_from_db()
    assert project.next_report_at == berlin(5, 9)
    (message,) = dispatch(berlin(5, 9, 31))
    assert "Archive migration (phase 1)" in message.subject


def _form_data(project, **changes):
    data = {
        "name": project.name, "manager": project.manager_id, "status": project.status,
        "report_weekday": project.report_weekday, "report_hour": project.report_hour,
        "reports_enabled": "on" if project.reports_enabled else "",
    }  # fmt: skip
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_the_project_edit_form_turns_reports_off_and_on(client, project, manager):
    """A model form writes its values onto the project before the service runs; the service
    still sees the change."""
    client.force_login(manager)
    url = reverse("projects:project_edit", kwargs={"pk": project.pk})
    with time_machine.travel(berlin(2, 12)):
        assert client.post(url, _form_data(project, reports_enabled="")).status_code == 302
    project.refresh_from_db()
    assert not project.reports_enabled and project.next_report_at is None
    assert dispatch(berlin(5, 9)) == []
    with time_machine.travel(berlin(6, 12)):
        client.post(url, _form_data(project, reports_enabled="on", status="active"))
    project.refresh_from_db()
    assert project.next_report_at == berlin(12, 9)
    with time_machine.travel(berlin(7, 12)):
        client.post(url, _form_data(project, status="on_hold"))
    project.refresh_from_db()
    assert project.next_report_at is None


def test_archiving_a_client_stops_its_reports_and_restoring_resumes_them(project):
    with time_machine.travel(berlin(2, 12)):
        crm.client_archive(client=project.client)
    assert dispatch(berlin(5, 9)) == []
    with time_machine.travel(berlin(6, 12)):
        crm.client_restore(client=project.client)
    project.refresh_from_db()
    assert project.next_report_at == berlin(12, 9)


def test_a_report_given_up_after_many_retries_also_counts_against_health(project, django_capture_on_commit_callbacks):
    with time_machine.travel(berlin(5, 9), tick=False):
        reports.status_report_create(project=project, due_at=berlin(5, 9))
        OutboundEmail.objects.update(attempts=MAX_ATTEMPTS)
        with django_capture_on_commit_callbacks(execute=True):
            assert email_deliver(email_id=OutboundEmail.objects.get().pk) == "failed"
    project.client.refresh_from_db()
    assert {f["key"]: f["points"] for f in project.client.health_factors}["deliveries"] == -3
