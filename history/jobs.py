"""Changes made by jobs name the job: every Celery task runs inside a pghistory context whose
metadata is {"job": "<task name>"}, entered and left by Celery's task signals so no task has to
remember to do it."""

from __future__ import annotations

from typing import Any

import pghistory
from celery.signals import task_postrun, task_prerun
from django.db import connection

_open: dict[str, pghistory.context] = {}


def _task_started(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    if connection.vendor != "postgresql" or task_id is None or task is None:
        return
    context = pghistory.context(job=task.name)
    context.__enter__()
    _open[task_id] = context


def _task_finished(task_id: str | None = None, **kwargs: Any) -> None:
    context = _open.pop(task_id or "", None)
    if context is not None:
        context.__exit__(None, None, None)


def connect() -> None:
    task_prerun.connect(_task_started, weak=False, dispatch_uid="history.task_started")
    task_postrun.connect(_task_finished, weak=False, dispatch_uid="history.task_finished")
