"""The calendar feed: a private URL whose secret is stored hashed and replaced at once, an
iCalendar file that parses, folds long lines, holds the manager's open check-ins and their
projects' milestones (in their zone, within the window) and nothing else."""

from __future__ import annotations

import hashlib
import re
import time
from datetime import date, datetime, timedelta

import icalendar
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from api import selectors
from api import services as api_services
from api.models import CalendarFeed
from crm import services
from crm.models import CheckIn, Client
from projects import services as project_services
from tests.factories import ClientFactory

# 23:30 UTC on 9 June is already 10 June in Tokyo.
NOW = datetime.fromisoformat("2026-06-09T23:30:00+00:00")


def feed_url(secret: str) -> str:
    return reverse("api:calendar_feed", kwargs={"secret": secret})


def events(body: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_the_secret_is_stored_only_as_a_hash(pm):
    secret = api_services.calendar_feed_regenerate(user=pm)
    feed = CalendarFeed.objects.get()
    assert feed.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in feed.secret_hash


def test_regenerating_stops_the_old_url_at_once(client, pm, acme):
    old = api_services.calendar_feed_regenerate(user=pm)
    assert client.get(feed_url(old)).status_code == 200
    new = api_services.calendar_feed_regenerate(user=pm)
    assert client.get(feed_url(old)).status_code == 404
    assert client.get(feed_url(new)).status_code == 200
    api_services.calendar_feed_stop(user=pm)
    assert client.get(feed_url(new)).status_code == 404


@pytest.mark.parametrize("secret", ["wrong", "x" * 43, "A" * 100])
def test_a_wrong_secret_is_a_404(client, pm, secret):
    api_services.calendar_feed_regenerate(user=pm)
    assert client.get(feed_url(secret)).status_code == 404


def test_a_client_contact_gets_no_calendar(client_contact):
    with pytest.raises(Exception, match="managers and admins"):
        api_services.calendar_feed_regenerate(user=client_contact)


def test_a_feed_stops_when_its_owner_leaves(client, pm):
    secret = api_services.calendar_feed_regenerate(user=pm)
    pm.is_active = False
    pm.save()
    assert client.get(feed_url(secret)).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_the_feed_holds_open_checkins_and_milestones_in_the_managers_zone(client, pm, acme, teammate, other_pm):
    pm.time_zone = "Asia/Tokyo"
    pm.save()
    today = date(2026, 6, 10)  # in Tokyo
    open_checkin = acme.checkins.get(state="due")
    follow_up = services.checkin_schedule(client=acme, due_on=today + timedelta(days=3), kind="follow_up")
    done = CheckIn.objects.create(client=acme, kind="follow_up", due_on=today, owner=pm, state="done")
    too_old = CheckIn.objects.create(client=acme, kind="follow_up", due_on=today - timedelta(days=31), owner=pm)
    too_far = CheckIn.objects.create(client=acme, kind="follow_up", due_on=today + timedelta(days=366), owner=pm)
    at_the_edges = [
        CheckIn.objects.create(client=acme, kind="follow_up", due_on=today - timedelta(days=30), owner=pm),
        CheckIn.objects.create(client=acme, kind="follow_up", due_on=today + timedelta(days=365), owner=pm),
    ]
    someone_elses = services.client_create(name="Not Alice's", account_manager=other_pm).checkins.get()
    archived = services.client_create(name="Gone", account_manager=pm)
    archived_checkin = archived.checkins.get()
    services.client_archive(client=archived)

    managed = project_services.project_create(client=acme, name="Mine", manager=pm, status="active")
    on_team = project_services.project_create(client=acme, name="Team", manager=teammate, team=[pm])
    not_mine = project_services.project_create(client=acme, name="Carol's alone", manager=teammate)
    closed = project_services.project_create(client=acme, name="Closed", manager=pm, status="completed")
    due = project_services.milestone_create(project=managed, title="Launch", due_on=today + timedelta(days=5))
    team_due = project_services.milestone_create(project=on_team, title="Review", due_on=today + timedelta(days=6))
    completed = project_services.milestone_create(project=managed, title="Done", due_on=today + timedelta(days=7))
    project_services.milestone_complete(milestone=completed)
    hidden = [
        project_services.milestone_create(project=not_mine, title="Not mine", due_on=today + timedelta(days=5)),
        project_services.milestone_create(project=closed, title="Closed", due_on=today + timedelta(days=5)),
    ]

    secret = api_services.calendar_feed_regenerate(user=pm)
    response = client.get(feed_url(secret))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar["X-WR-TIMEZONE"] == "Asia/Tokyo"
    found = events(response.content)
    expected = {f"checkin-{c.pk}@rapport" for c in [open_checkin, follow_up, *at_the_edges]}
    expected |= {f"milestone-{m.pk}@rapport" for m in [due, team_due]}
    assert set(found) == expected
    for left_out in [done, too_old, too_far, someone_elses, archived_checkin]:
        assert f"checkin-{left_out.pk}@rapport" not in found
    for left_out in [completed, *hidden]:
        assert f"milestone-{left_out.pk}@rapport" not in found
    launch = found[f"milestone-{due.pk}@rapport"]
    assert launch.decoded("DTSTART") == date(2026, 6, 15)  # an all-day event on the due date
    assert str(launch["SUMMARY"]) == "Milestone due: Launch (Mine, Acme Corp)"
    follow = found[f"checkin-{follow_up.pk}@rapport"]
    assert str(follow["SUMMARY"]) == "Follow-up: Acme Corp"
    assert str(follow["URL"]).endswith(reverse("crm:checkin_briefing", kwargs={"pk": follow_up.pk}))


def test_long_lines_are_folded_at_75_octets(client, pm):
    long_name = "Kühne & Nagel Überseelogistik Gesellschaft mit beschränkter Haftung — Niederlassung " * 2
    the_client = services.client_create(name=long_name[:200], account_manager=pm)
    secret = api_services.calendar_feed_regenerate(user=pm)
    body = client.get(feed_url(secret)).content
    lines = body.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # continuation lines exist
    summary = str(events(body)[f"checkin-{the_client.checkins.get().pk}@rapport"]["SUMMARY"])
    assert summary == f"Check-in: {long_name[:200]}"


def test_the_feed_is_bounded(client, pm, monkeypatch):
    monkeypatch.setattr(selectors, "CALENDAR_MAX_CHECKINS", 3)
    for _ in range(5):
        services.client_create(name="C", account_manager=pm)
    secret = api_services.calendar_feed_regenerate(user=pm)
    assert len(events(client.get(feed_url(secret)).content)) == 3


def test_the_feed_costs_the_same_queries_for_1_or_25_clients(client, pm, django_assert_num_queries):
    secret = api_services.calendar_feed_regenerate(user=pm)
    client.get(feed_url(secret))  # records the first fetch
    for n in (1, 25):
        ClientFactory.create_batch(n, account_manager=pm)
        for c in pm.managed_clients.filter(checkins__isnull=True):
            services.checkin_schedule(client=c, due_on=timezone.localdate() + timedelta(days=2))
        project = project_services.project_create(client=c, name=f"P{n}", manager=pm, status="active")
        for index in range(n):
            project_services.milestone_create(project=project, title=f"M{index}", due_on=timezone.localdate())
        with django_assert_num_queries(3):  # the feed and its owner, check-ins, milestones
            response = client.get(feed_url(secret))
        assert response.status_code == 200


def test_the_feed_url_is_redacted_from_logs(pm):
    from config.logging import redact

    secret = api_services.calendar_feed_regenerate(user=pm)
    assert secret not in redact(f'"GET {feed_url(secret)} HTTP/1.1" 200')


def test_the_account_page_shows_the_calendar_url_once(client, pm):
    client.force_login(pm)
    response = client.post(reverse("api:calendar_regenerate"))
    url = response.context["new_calendar_url"]
    assert re.fullmatch(r"http://testserver/calendar/[A-Za-z0-9_-]{43}\.ics", url)
    assert client.get(url).status_code == 200
    page = client.get(reverse("api:account")).content.decode()
    assert url not in page and "Make a new calendar URL" in page


def test_a_manager_with_1500_clients_gets_a_small_feed(client, pm):
    """Every one of 1,500 clients has an open check-in in the window: the feed holds them all,
    in about 300 bytes an event, and compresses well for apps that ask for gzip."""
    today = timezone.localdate()
    clients = Client.objects.bulk_create(
        Client(name=f"Client number {index:04d} Holdings", account_manager=pm) for index in range(1500)
    )
    CheckIn.objects.bulk_create(
        CheckIn(client=c, due_on=today + timedelta(days=index % 14), owner=pm) for index, c in enumerate(clients)
    )
    secret = api_services.calendar_feed_regenerate(user=pm)
    started = time.perf_counter()
    plain = client.get(feed_url(secret))
    first = time.perf_counter() - started
    started = time.perf_counter()
    zipped = client.get(feed_url(secret), HTTP_ACCEPT_ENCODING="gzip")
    again = time.perf_counter() - started
    assert len(events(plain.content)) == 1500
    assert len(plain.content) < 500_000
    assert zipped["Content-Encoding"] == "gzip" and len(zipped.content) < 60_000
    assert again < first  # the second fetch is served from the cache
    print(  # noqa: T201
        f"1,500 check-ins: {len(plain.content)} bytes, {len(zipped.content)} gzipped; "
        f"first fetch {first:.2f} s, unchanged refetch {again:.2f} s"
    )


def test_an_unchanged_feed_answers_304_and_a_change_shows_at_once(client, pm, acme):
    secret = api_services.calendar_feed_regenerate(user=pm)
    first = client.get(feed_url(secret))
    etag = first["ETag"]
    assert client.get(feed_url(secret), HTTP_IF_NONE_MATCH=etag).status_code == 304
    checkin = acme.checkins.get(state="due")
    new_date = checkin.due_on + timedelta(days=3)
    services.checkin_reschedule(checkin=checkin, due_on=new_date)
    moved = client.get(feed_url(secret), HTTP_IF_NONE_MATCH=etag)
    assert moved.status_code == 200 and moved["ETag"] != etag
    assert events(moved.content)[f"checkin-{checkin.pk}@rapport"].decoded("DTSTART") == new_date
    services.client_update(client=acme, name="Acme Renamed")
    assert str(events(client.get(feed_url(secret)).content)[f"checkin-{checkin.pk}@rapport"]["SUMMARY"]).endswith(
        "Acme Renamed"
    )
