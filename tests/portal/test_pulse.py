"""The client pulse: five signed one-click answers in every weekly report (real SMTP), a GET
that records nothing, a POST that records (and replaces the same week's answer), clear pages for
bad links that record nothing, and the same question on the portal's project page."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from crm import services as crm
from crm.models import PulseAnswer
from ops.services import jobs_dispatch
from portal.pulse import pulse_token
from portal.services import portal_access_grant, portal_access_revoke
from projects import services as projects
from projects.models import Project
from tests.factories import ClientFactory, ContactFactory, UserFactory

BERLIN = ZoneInfo("Europe/Berlin")
FRIDAY = datetime(2026, 6, 5, 9, tzinfo=BERLIN)  # ISO week 2026-W23
WEEK = date(2026, 6, 1)


@pytest.fixture
def world(db):
    manager = UserFactory(email="max@rapport.test", full_name="Max Manager")
    with time_machine.travel(datetime(2026, 6, 1, 10, tzinfo=BERLIN)):
        client = ClientFactory(name="Spree Media", account_manager=manager, time_zone="Europe/Berlin")
        olga = ContactFactory(client=client, name="Olga Opted", email="olga@spree.test", receives_reports=True)
        project = projects.project_create(
            client=client, name="Archive migration", manager=manager, status="active", reports_enabled=True,
            report_weekday=Project.Weekday.FRIDAY, report_hour=9, portal_visible=True,
        )  # fmt: skip
    return manager, client, olga, project


def _links(text: str) -> list[str]:
    return re.findall(r"https?://[^/\s]+(/portal/pulse/[^\s\"<]+)", text)


def _path(contact, project, week=WEEK) -> str:
    return reverse(
        "portal:pulse", kwargs={"token": pulse_token(contact_id=contact.pk, project_id=project.pk, week=week)}
    )


def test_the_report_email_asks_with_five_signed_links_in_both_parts(world, smtp_server):
    manager, client, olga, project = world
    with time_machine.travel(FRIDAY, tick=False):
        jobs_dispatch()
    (received,) = smtp_server.received
    for part in (received.text, received.html):
        assert "How are we doing on Archive migration?" in part
        links = [link.replace("&amp;", "&") for link in _links(part)]
        assert [link.rsplit("=", 1)[1] for link in links] == ["1", "2", "3", "4", "5"]
        assert len({link.split("?")[0] for link in links}) == 1  # one token per recipient
    for label in ("Very unhappy", "Unhappy", "Neutral", "Happy", "Very happy"):
        assert label in received.html


def test_opening_a_link_records_nothing_and_sending_records_it(client, world, django_capture_on_commit_callbacks):
    manager, the_client, olga, project = world
    path = _path(olga, project)
    with time_machine.travel(FRIDAY + timedelta(hours=2), tick=False):
        response = client.get(path + "?score=2")
        assert response.status_code == 200
        assert response["Referrer-Policy"] == "no-referrer"
        html = response.content.decode()
        assert "How are we doing on Archive migration?" in html
        assert re.search(r'value="2"[^>]*checked', html)
        assert not PulseAnswer.objects.exists()  # a link scanner changes nothing
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(path, {"score": "2", "comment": "Too many surprises"})
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    answer = PulseAnswer.objects.get()
    assert (answer.contact, answer.project, answer.week, answer.score) == (olga, project, WEEK, 2)
    assert answer.comment == "Too many surprises"
    assert answer.via == "email"
    the_client.refresh_from_db()
    assert "their answers 2.0" in {f["key"]: f for f in the_client.health_factors}["sentiment"]["detail"]


def test_a_later_answer_in_the_same_week_replaces_the_earlier(client, world):
    manager, the_client, olga, project = world
    path = _path(olga, project)
    with time_machine.travel(FRIDAY, tick=False):
        client.post(path, {"score": "2"})
        client.post(path, {"score": "4", "comment": "Better after the call"})
    answer = PulseAnswer.objects.get()
    assert (answer.score, answer.comment) == (4, "Better after the call")


def test_a_tampered_link_gets_a_clear_400_and_records_nothing(client, world):
    manager, the_client, olga, project = world
    path = _path(olga, project)
    tampered = path[:-6] + ("A" if path[-6] != "A" else "B") + path[-5:]
    for url in (tampered, "/portal/pulse/not-a-token/"):
        for response in (client.get(url), client.post(url, {"score": "1"})):
            assert response.status_code == 400
            assert "cannot be used" in response.content.decode()
    assert not PulseAnswer.objects.exists()


def test_a_link_older_than_four_weeks_is_expired(client, world):
    manager, the_client, olga, project = world
    with time_machine.travel(FRIDAY, tick=False):
        path = _path(olga, project)
    with time_machine.travel(FRIDAY + timedelta(days=29), tick=False):
        response = client.post(path, {"score": "5"})
    assert response.status_code == 400
    assert "more than four weeks old" in response.content.decode()
    assert not PulseAnswer.objects.exists()


@pytest.mark.parametrize("how", ["unsubscribed", "opted_out", "portal_access_withdrawn", "removed", "archived"])
def test_a_withdrawn_contacts_link_gets_a_clear_404_and_records_nothing(client, world, how):
    manager, the_client, olga, project = world
    path = _path(olga, project)
    if how == "unsubscribed":
        crm.contact_unsubscribe(contact=olga)
    elif how == "opted_out":
        crm.contact_update(contact=olga, receives_reports=False)
    elif how == "portal_access_withdrawn":
        portal_access_grant(contact=olga)
        portal_access_revoke(contact=olga)
    elif how == "removed":
        olga.delete()
    else:
        crm.client_archive(client=the_client)
    with time_machine.travel(FRIDAY, tick=False):
        for response in (client.get(path), client.post(path, {"score": "1"})):
            assert response.status_code == 404
            assert "no longer receives" in response.content.decode()
    assert not PulseAnswer.objects.exists()


def test_a_link_naming_another_clients_project_gets_404(client, world):
    manager, the_client, olga, project = world
    other = projects.project_create(client=ClientFactory(account_manager=manager), name="Theirs", manager=manager)
    with time_machine.travel(FRIDAY, tick=False):
        response = client.post(_path(olga, other), {"score": "1"})
    assert response.status_code == 404
    assert "not one of your organisation" in response.content.decode()
    assert not PulseAnswer.objects.exists()


def test_a_bad_answer_is_a_form_error_not_a_500(client, world):
    manager, the_client, olga, project = world
    with time_machine.travel(FRIDAY, tick=False):
        response = client.post(_path(olga, project), {"score": "9", "comment": "x" * 3000})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not PulseAnswer.objects.exists()


def test_a_signed_in_contact_answers_on_the_portal_project_page(client, world):
    manager, the_client, olga, project = world
    user = UserFactory(role="client", email="olga@spree.test")
    olga.user = user
    olga.save(update_fields=["user"])
    client.force_login(user)
    page = reverse("portal:project_detail", kwargs={"pk": project.pk})
    with time_machine.travel(FRIDAY, tick=False):
        html = client.get(page).content.decode()
        assert "How are we doing on Archive migration?" in html
        response = client.post(
            reverse("portal:project_pulse", kwargs={"pk": project.pk}), {"score": "3", "comment": "OK"}
        )
        assert response.status_code == 302
        answer = PulseAnswer.objects.get()
        assert (answer.score, answer.via, answer.week) == (3, "portal", WEEK)
        assert "You answered <strong>Neutral</strong> this week" in client.get(page).content.decode()
        other = projects.project_create(
            client=ClientFactory(account_manager=manager), name="Theirs", manager=manager, portal_visible=True
        )
        url = reverse("portal:project_pulse", kwargs={"pk": other.pk})
        assert client.post(url, {"score": "1"}).status_code == 404
    assert PulseAnswer.objects.count() == 1


def test_only_a_signed_in_contact_posts_a_portal_answer(client, world):
    manager, the_client, olga, project = world
    url = reverse("portal:project_pulse", kwargs={"pk": project.pk})
    response = client.post(url, {"score": "1"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("portal:sign_in"))
    client.force_login(manager)
    assert client.post(url, {"score": "1"}).status_code == 404
    assert not PulseAnswer.objects.exists()
