"""What /healthz reports. Each probe has its own deadline so the whole answer stays under 3 s."""

from __future__ import annotations

import concurrent.futures
from typing import Any

from django.db import connection
from django.utils import timezone

from ops.models import Heartbeat
from ops.services import BEAT
from outbox.models import OutboundEmail

BROKER_DEADLINE_S = 2.0


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return bool(cursor.fetchone() == (1,))
    except Exception:
        return False


def _broker_connect() -> bool:
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=BROKER_DEADLINE_S)
        return True


# One long-lived thread: a probe that hangs past its deadline is abandoned, not waited for.
_probe_pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="healthz")


def broker_ok() -> bool:
    future = _probe_pool.submit(_broker_connect)
    try:
        return future.result(timeout=BROKER_DEADLINE_S)
    except Exception:
        return False


def beat_last_tick_age_s() -> float | None:
    at = Heartbeat.objects.filter(name=BEAT).values_list("at", flat=True).first()
    return round((timezone.now() - at).total_seconds(), 1) if at else None


def email_backlog() -> dict[str, Any]:
    """How far delivery lags: the age of the oldest email that is due but not sent (pending or
    stuck sending), and how many have failed for good."""
    now = timezone.now()
    oldest = (
        OutboundEmail.objects.filter(
            status__in=[OutboundEmail.Status.PENDING, OutboundEmail.Status.SENDING], send_after__lte=now
        )
        .order_by("send_after")
        .values_list("send_after", flat=True)
        .first()
    )
    return {
        "email_oldest_pending_age_s": round((now - oldest).total_seconds(), 1) if oldest else None,
        "email_failed": OutboundEmail.objects.filter(status=OutboundEmail.Status.FAILED).count(),
    }


def health_report() -> dict[str, Any]:
    database = database_ok()
    report: dict[str, Any] = {
        "database": "ok" if database else "unavailable",
        "broker": "ok" if broker_ok() else "unavailable",
        "beat_last_tick_age_s": beat_last_tick_age_s() if database else None,
        **(email_backlog() if database else {"email_oldest_pending_age_s": None, "email_failed": None}),
    }
    report["status"] = "ok" if database and report["broker"] == "ok" else "unavailable"
    return report
