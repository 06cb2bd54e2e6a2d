from __future__ import annotations

from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "history"
    verbose_name = "History of changes"

    def ready(self) -> None:
        from history import jobs

        jobs.connect()
