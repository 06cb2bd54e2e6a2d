"""Periodic work. Beat only wakes these sweepers; what is due lives in the database rows."""

from __future__ import annotations

from celery import shared_task

from ops.services import heartbeat_record, housekeeping_run, jobs_dispatch


@shared_task(name="ops.tasks.beat_heartbeat")
def beat_heartbeat() -> None:
    heartbeat_record()


@shared_task(name="ops.tasks.dispatch")
def dispatch() -> dict[str, int]:
    tick = jobs_dispatch()
    return {"reminders": tick.reminders, "reports": tick.reports, "enqueued": tick.enqueued}


@shared_task(name="ops.tasks.housekeeping")
def housekeeping() -> dict[str, int]:
    pruned = housekeeping_run()
    return {
        "throttle_hits": pruned.throttle_hits,
        "sign_in_tokens": pruned.sign_in_tokens,
        "sessions": pruned.sessions,
        "import_uploads": pruned.import_uploads,
    }
