"""Periodic work. Beat only wakes these sweepers; what is due lives in the database rows."""

from __future__ import annotations

from celery import shared_task

from ops.services import heartbeat_record


@shared_task(name="ops.tasks.beat_heartbeat")
def beat_heartbeat() -> None:
    heartbeat_record()
