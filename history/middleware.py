"""Who made a change: pghistory's middleware puts the signed-in user (and the URL) into the
context that the triggers attach to every event written during the request."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse
from pghistory.middleware import HistoryMiddleware as PgHistoryMiddleware


class HistoryMiddleware(PgHistoryMiddleware):
    """pghistory's middleware, switched off on SQLite: it prefixes every write with a PostgreSQL
    `set_config()` call that SQLite cannot run, and SQLite records no history anyway."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        super().__init__(get_response)
        self.enabled = connection.vendor == "postgresql"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.enabled:
            return self.get_response(request)
        return super().__call__(request)
