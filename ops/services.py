from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from accounts.services import session_prune_expired, throttle_prune
from crm.services import checkin_reminders_create_due
from exchange.services import import_uploads_prune_expired
from ops.models import Heartbeat
from outbox.services import email_enqueue_due
from portal.reports import status_reports_create_due
from portal.services import sign_in_token_prune

logger = logging.getLogger(__name__)

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
        reminders=_step(checkin_reminders_create_due, now=now),
        reports=_step(status_reports_create_due, now=now),
        enqueued=_step(email_enqueue_due, now=now),
    )


def _step(step: Callable[..., int], *, now: datetime) -> int:
    """Run one part of a tick; a failure is logged and does not stop the parts after it (the
    emails already due still go out when building reminders fails)."""
    try:
        return step(now=now)
    except Exception:
        logger.exception("dispatcher step %s failed; the next tick tries again", step.__name__)
        return 0


@dataclass(frozen=True)
class Housekeeping:
    throttle_hits: int
    sign_in_tokens: int
    sessions: int
    import_uploads: int


def housekeeping_run(*, now: datetime | None = None) -> Housekeeping:
    """Prune the rows that would otherwise grow forever: throttle hits, sign-in links that were
    used or expired, expired sessions, import uploads past their 24 hours. Each prune deletes by age alone, so running it twice, or
    late, or from two beats at once removes nothing it should keep."""
    now = now or timezone.now()
    return Housekeeping(
        throttle_hits=_step(throttle_prune, now=now),
        sign_in_tokens=_step(sign_in_token_prune, now=now),
        sessions=_step(session_prune_expired, now=now),
        import_uploads=_step(import_uploads_prune_expired, now=now),
    )
