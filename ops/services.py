from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from crm.services import checkin_reminders_create_due
from ops.models import Heartbeat
from outbox.services import email_enqueue_due
from projects.services import status_reports_create_due

BEAT = "beat"


def heartbeat_record(*, name: str = BEAT) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})


@dataclass(frozen=True)
class Dispatch:
    reminders: int
    reports: int
    enqueued: int


def jobs_dispatch(*, now: datetime | None = None) -> Dispatch:
    """One dispatcher tick: create the rows that have come due (reminders, reports), then hand
    every due row to a worker. Each step reads what is due from the database, so a tick missed
    while the broker was down is caught up by the next one, and two beats running at once
    create nothing twice (unique keys, conditional updates) and send nothing twice (claims)."""
    now = now or timezone.now()
    return Dispatch(
        reminders=checkin_reminders_create_due(now=now),
        reports=status_reports_create_due(now=now),
        enqueued=email_enqueue_due(now=now),
    )
