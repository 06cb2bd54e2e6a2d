"""The pulse links in every weekly report: "How are we doing on <project>?" with five one-click
answers. Each link is signed (SECRET_KEY, like the unsubscribe link) for one contact, project and
ISO week, so it needs no stored token and cannot be turned into another contact's, project's or
week's. Opening it only shows the chosen answer with a Send button (mail scanners that prefetch
links change nothing); the POST records it through crm.pulse.

A link is refused, and records nothing, when it was altered (400), is older than four weeks
(400), when its contact was removed, unsubscribed or stopped receiving reports, had their portal
access withdrawn, or their client was archived (404, "withdrawn"), and when the project is not
(or no longer) their client's (404).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from crm.models import Contact, Interaction
from projects.models import Project

SALT = "rapport.pulse"
LINK_LIFETIME = timedelta(weeks=4)


class Problem(enum.Enum):
    TAMPERED = "tampered"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    ELSEWHERE = "elsewhere"

    @property
    def status(self) -> int:
        return 400 if self in (Problem.TAMPERED, Problem.EXPIRED) else 404


@dataclass(frozen=True)
class PulseTarget:
    contact: Contact
    project_id: int
    project_name: str
    project_client_id: int
    week: date

    @property
    def iso_week_label(self) -> str:
        year, week, _ = self.week.isocalendar()
        return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class PulseLink:
    score: int
    label: str
    url: str


def pulse_token(*, contact_id: int, project_id: int, week: date) -> str:
    return signing.dumps([contact_id, project_id, week.isoformat()], salt=SALT, compress=True)


def pulse_links(*, contact_id: int, project_id: int, week: date) -> list[PulseLink]:
    """The five one-click answers for one recipient, very unhappy first."""
    base = settings.SITE_URL + reverse(
        "portal:pulse", kwargs={"token": pulse_token(contact_id=contact_id, project_id=project_id, week=week)}
    )
    return [PulseLink(score, label, f"{base}?score={score}") for score, label in Interaction.Sentiment.choices]


def pulse_target(token: str, *, now: datetime | None = None) -> PulseTarget | Problem:
    """What a link answers for, or why it cannot be used: one query for the contact and one for
    the project."""
    try:
        contact_id, project_id, week_text = signing.loads(token, salt=SALT, max_age=LINK_LIFETIME)
        week = date.fromisoformat(week_text)
        contact_id, project_id = int(contact_id), int(project_id)
    except signing.SignatureExpired:
        return Problem.EXPIRED
    except (signing.BadSignature, ValueError, TypeError):
        return Problem.TAMPERED
    today = timezone.localdate(now or timezone.now())
    if week + timedelta(days=7) + LINK_LIFETIME < today:
        return Problem.EXPIRED
    contact = Contact.objects.select_related("client", "user").filter(pk=contact_id).first()
    if (
        contact is None
        or contact.client.archived_at is not None
        or contact.unsubscribed_at is not None
        or not contact.receives_reports
        or (contact.user is not None and not contact.user.is_active)
    ):
        return Problem.WITHDRAWN
    project = Project.objects.filter(pk=project_id).values("name", "client_id").first()
    if project is None or project["client_id"] != contact.client_id:
        return Problem.ELSEWHERE
    return PulseTarget(
        contact=contact,
        project_id=project_id,
        project_name=project["name"],
        project_client_id=project["client_id"],
        week=week,
    )
