from __future__ import annotations

from celery import shared_task

from crm import services
from crm.models import Client


@shared_task(name="crm.tasks.client_health_recompute", ignore_result=True)
def client_health_recompute_task(client_id: int) -> None:
    """The immediate, best-effort rescore after a change; clears the client's stale mark."""
    services.client_health_recompute_stale(client_ids=[client_id])


@shared_task(name="crm.tasks.client_health_sweep", ignore_result=True)
def client_health_sweep() -> int:
    return services.client_health_recompute_stale()


@shared_task(name="crm.tasks.client_health_recompute_all", ignore_result=True)
def client_health_recompute_all() -> int:
    """Nightly: rescore every client (time alone changes the score), which writes the day's
    snapshots, then drop snapshots past their 13 months."""
    scored = services.client_health_recompute(clients=Client.objects.filter(archived_at__isnull=True))
    services.health_snapshots_prune()
    return scored
