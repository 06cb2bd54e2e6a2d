"""Weekly status reports: built from the client view when a project's report time comes, kept
as sent, and emailed to the contacts who opted in.

When a report is due lives on the project (`Project.next_report_at`, set by projects.services);
what goes into it comes only from portal.client_view, the same read model the portal pages use.
"""

from __future__ import annotations

import logging
import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from crm.models import Contact
from crm.schedule import weekly_moment_at_or_before
from outbox.models import OutboundEmail
from outbox.services import email_queue_new
from portal.client_view import ReportContent, report_content
from projects.models import Project, StatusReport
from projects.services import report_next_due, status_report_note_clear, status_report_store

logger = logging.getLogger(__name__)


def report_recipients(project: Project) -> list[Contact]:
    """Contacts who opted in, have not unsubscribed, and have an address."""
    return list(project.client.contacts.filter(receives_reports=True, unsubscribed_at__isnull=True).exclude(email=""))


def report_subject(content: ReportContent) -> str:
    return f"{content.project.name}: weekly status, {content.period_end:%-d %b %Y}"


def report_render(project: Project, *, due_at: datetime, note: str) -> tuple[str, str, str]:
    """Subject, HTML and text of the report due at `due_at` (also what the preview shows).
    `project` comes with its client and manager loaded."""
    content = report_content(
        project=project, due_at=due_at, note=note, portal_url=settings.SITE_URL + reverse("portal:sign_in")
    )
    html = render_to_string("portal/report/content.html", {"report": content})
    text = render_to_string("portal/report/content.txt", {"report": content}, using="text")
    return report_subject(content), html, text


@transaction.atomic
def status_report_create(*, project: Project, due_at: datetime) -> StatusReport | None:
    """Build the report due at `due_at`, keep it, and queue one email per recipient, all in one
    transaction. A second call for the same ISO week finds the report there and does nothing."""
    local_day = timezone.localdate(due_at, zoneinfo.ZoneInfo(project.client.time_zone))
    iso_year, iso_week, _ = local_day.isocalendar()
    if StatusReport.objects.filter(project=project, iso_year=iso_year, iso_week=iso_week).exists():
        return None
    note = project.next_report_note
    subject, html, text = report_render(project, due_at=due_at, note=note)
    report = status_report_store(
        project=project,
        iso_year=iso_year,
        iso_week=iso_week,
        due_at=due_at,
        period_start=local_day - timedelta(days=6),
        period_end=local_day,
        subject=subject,
        html=html,
        text=text,
        note=note,
    )
    if report is None:  # another dispatcher built it a moment ago
        return None
    status_report_note_clear(project=project, note=note)
    email_queue_new(
        [
            OutboundEmail(
                key=f"report:{project.pk}:{iso_year}-W{iso_week:02d}:{contact.pk}",
                kind=OutboundEmail.Kind.STATUS_REPORT,
                to_email=contact.email,
                contact=contact,
                status_report=report,
            )
            for contact in report_recipients(project)
        ]
    )
    return report


def status_reports_create_due(*, now: datetime | None = None) -> int:
    """The dispatcher's half for reports: every project whose next report time has come gets
    this week's report, once. Moving `next_report_at` on is the claim: of two dispatchers, only
    the one whose conditional UPDATE matches builds it. A tick missed during an outage is caught
    up here: the report for the latest due time is built, and the schedule moves past now."""
    now = now or timezone.now()
    built = 0
    due = Project.objects.filter(next_report_at__lte=now)
    # Whatever switched a project's reports off should have cleared its time; if not, clear it.
    due.exclude(reports_enabled=True, status=Project.Status.ACTIVE, client__archived_at__isnull=True).update(
        next_report_at=None
    )
    for project in due.select_related("client", "manager"):
        try:
            with transaction.atomic():
                claimed = Project.objects.filter(pk=project.pk, next_report_at=project.next_report_at).update(
                    next_report_at=report_next_due(project, after=now)
                )
                if not claimed:
                    continue
                due_at = weekly_moment_at_or_before(
                    weekday=project.report_weekday,
                    hour=project.report_hour,
                    time_zone=project.client.time_zone,
                    now=now,
                )
                built += status_report_create(project=project, due_at=due_at) is not None
        except Exception:
            # One project's failure must not hold up the others; its claim is rolled back, so
            # the next tick tries it again.
            logger.exception("building the weekly report of project %s failed", project.pk)
    return built
