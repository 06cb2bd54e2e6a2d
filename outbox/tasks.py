from __future__ import annotations

from celery import shared_task

from outbox import services


@shared_task(name="outbox.tasks.email_deliver")
def email_deliver(email_id: int) -> str:
    return services.email_deliver(email_id=email_id)
