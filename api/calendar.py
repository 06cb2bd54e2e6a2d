"""The manager's calendar as an iCalendar (RFC 5545) file, built with the icalendar package:
it escapes text and folds lines longer than 75 octets, which calendar apps require."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
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
        event.add("categories", ["Check-in"])
        cal.add_component(event)
    for milestone in content.milestones:
        event = Event()
        event.add("uid", f"milestone-{milestone.pk}@rapport")
        event.add("dtstamp", stamp)
        _all_day(event, milestone.due_on)
        project = milestone.project
        event.add("summary", f"Milestone due: {milestone.title} ({project.name}, {project.client.name})")
        event.add("url", settings.SITE_URL + reverse("projects:project_detail", kwargs={"pk": project.pk}))
        event.add("categories", ["Milestone"])
        cal.add_component(event)
    return cal.to_ical()
