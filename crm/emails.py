from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone

from crm.models import CheckIn
from outbox.emails import make_message
from outbox.models import OutboundEmail


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def checkin_ics(checkin: CheckIn, *, log_url: str) -> str:
    """An all-day calendar entry for the check-in (RFC 5545). The UID stays the same for the
    check-in, so a rescheduled reminder updates the entry instead of adding a second one."""
    domain = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "rapport.localhost"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Rapport//Check-in reminders//EN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:checkin-{checkin.pk}@{domain}",
        f"DTSTAMP:{timezone.now():%Y%m%dT%H%M%SZ}",
        f"DTSTART;VALUE=DATE:{checkin.due_on:%Y%m%d}",
        f"DTEND;VALUE=DATE:{checkin.due_on + timedelta(days=1):%Y%m%d}",
        f"SUMMARY:{_ics_text(f'Check-in with {checkin.client.name}')}",
        f"DESCRIPTION:{_ics_text(f'Log the conversation: {log_url}')}",
        f"URL:{log_url}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"


def checkin_reminder_message(email: OutboundEmail) -> EmailMultiAlternatives | None:
    """A reminder goes only while its check-in is still open, due on the date it was queued for,
    and owned by the person it was queued for."""
    checkin = email.checkin
    if checkin is None or checkin.state != CheckIn.State.DUE:
        return None
    if not email.key.endswith(f":{checkin.due_on.isoformat()}:{checkin.owner_id}"):
        return None
    if email.user is None or email.user_id != checkin.owner_id or not email.user.is_active:
        return None
    log_url = settings.SITE_URL + reverse("crm:interaction_log", kwargs={"pk": checkin.client_id})
    context = {
        "user": email.user,
        "checkin": checkin,
        "overdue": email.kind == OutboundEmail.Kind.CHECKIN_OVERDUE,
        "log_url": log_url,
        "client_url": settings.SITE_URL + reverse("crm:client_detail", kwargs={"pk": checkin.client_id}),
    }
    # A calendar entry only for a day still ahead: an overdue check-in's day has passed.
    upcoming = checkin.due_on >= timezone.localdate(timezone.now(), email.user.zone)
    attachments = [("check-in.ics", checkin_ics(checkin, log_url=log_url), "text/calendar; method=PUBLISH")]
    return make_message(
        "checkin-reminder", to=email.to_email, context=context, attachments=attachments if upcoming else None
    )
