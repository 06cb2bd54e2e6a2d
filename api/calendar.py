"""The manager's calendar as an iCalendar (RFC 5545) file, built with the icalendar package:
it escapes text and folds lines longer than 75 octets, which calendar apps require."""

from __future__ import annotations

import hashlib
import zlib
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from api.selectors import CalendarContent

PRODID = "-//Rapport//Calendar feed//EN"
# How often calendar apps should fetch again (Google and Apple honour one or the other).
REFRESH = timedelta(hours=1)


def _all_day(event: Event, day: object) -> None:
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))  # type: ignore[operator]
    event.add("transp", "TRANSPARENT")  # a due date does not make the person busy


def calendar_build(content: CalendarContent) -> bytes:
    """Due dates are all-day events on the day they fall in the manager's zone (the zone is
    named in X-WR-TIMEZONE); UIDs are stable, so an app updates an event rather than adding it
    twice when a check-in moves."""
    user = content.user
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"Rapport — {user.full_name or user.email}")
    cal.add("x-wr-timezone", user.time_zone)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", REFRESH)
    stamp = timezone.now().replace(microsecond=0)
    for checkin in content.checkins:
        event = Event()
        event.add("uid", f"checkin-{checkin.pk}@rapport")
        event.add("dtstamp", stamp)
        _all_day(event, checkin.due_on)
        label = "Follow-up" if checkin.kind == checkin.Kind.FOLLOW_UP else "Check-in"
        event.add("summary", f"{label}: {checkin.client.name}")
        if checkin.reason:
            event.add("description", checkin.reason)
        event.add("url", settings.SITE_URL + reverse("crm:checkin_briefing", kwargs={"pk": checkin.pk}))
        cal.add_component(event)
    for milestone in content.milestones:
        event = Event()
        event.add("uid", f"milestone-{milestone.pk}@rapport")
        event.add("dtstamp", stamp)
        _all_day(event, milestone.due_on)
        project = milestone.project
        event.add("summary", f"Milestone due: {milestone.title} ({project.name}, {project.client.name})")
        event.add("url", settings.SITE_URL + reverse("projects:project_detail", kwargs={"pk": project.pk}))
        cal.add_component(event)
    return cal.to_ical()


# icalendar spends about 1 ms an event here (1,500 events: about 2 s), so a built feed is kept,
# compressed, under a digest of everything it shows: any change to a row, the window or the
# person makes a new digest and a fresh build, and the same digest is the response's ETag.
CACHE_SECONDS = 60 * 60


def calendar_digest(content: CalendarContent) -> str:
    user = content.user
    parts: list[object] = [user.pk, user.full_name, user.email, user.time_zone, content.today, settings.SITE_URL]
    parts += [(c.pk, c.kind, c.due_on, c.reason, c.client.name) for c in content.checkins]
    parts += [
        (m.pk, m.title, m.due_on, m.project.pk, m.project.name, m.project.client.name) for m in content.milestones
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def calendar_body(content: CalendarContent, *, digest: str) -> bytes:
    key = f"calendar-feed:{digest}"
    stored = cache.get(key)
    if stored is not None:
        return zlib.decompress(stored)
    body = calendar_build(content)
    cache.set(key, zlib.compress(body), CACHE_SECONDS)
    return body
