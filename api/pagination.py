from __future__ import annotations

from typing import Any

from rest_framework.pagination import CursorPagination
from rest_framework.request import Request


class KeysetPagination(CursorPagination):
    """Keyset pages: each page continues after the last row of the previous one, so page 500
    costs what page 1 costs. Each view names its order in `cursor_ordering` (a unique last key)."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-id",)

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> tuple[str, ...]:
        return tuple(getattr(view, "cursor_ordering", self.ordering))
