"""Keyset ("cursor") pagination: each page starts where the last one ended, by the sort value and
the id, so page 500 costs what page 1 costs — unlike OFFSET, which reads every row it skips."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from django.db.models import Expression, F, Model, Q, QuerySet

M = TypeVar("M", bound=Model)

DECODERS: dict[str, Any] = {
    "str": str,
    "int": int,
    "date": date.fromisoformat,
    "datetime": datetime.fromisoformat,
}


@dataclass(frozen=True)
class SortKey:
    """What a list is ordered by: an expression (nulls always last), its type, and direction."""

    expression: Expression | F
    kind: str
    descending: bool = False


@dataclass(frozen=True)
class Page(Generic[M]):
    items: list[M]
    next_cursor: str | None
    previous_cursor: str | None

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_cursor or self.previous_cursor)


def _encode(value: Any, pk: int, direction: str) -> str:
    raw = json.dumps([value.isoformat() if isinstance(value, date) else value, pk, direction])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, kind: str) -> tuple[Any, int, str] | None:
    """A cursor that is not ours (typed in, truncated) means "first page", never an error."""
    try:
        value, pk, direction = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if direction not in ("next", "previous") or not isinstance(pk, int):
            return None
        if isinstance(value, str) and "\x00" in value:  # PostgreSQL refuses NUL in text
            return None
        return (None if value is None else DECODERS[kind](value)), pk, direction
    except (ValueError, TypeError, OverflowError, binascii.Error, json.JSONDecodeError):
        return None


def _after(value: Any, pk: int, *, descending: bool, forward: bool) -> Q:
    """Rows that come after (value, pk) in the walking order. Nulls sort last going forward."""
    beyond = "lt" if descending == forward else "gt"
    if forward:
        if value is None:
            return Q(_sort__isnull=True, **{f"pk__{beyond}": pk})
        return Q(**{f"_sort__{beyond}": value}) | Q(_sort=value, **{f"pk__{beyond}": pk}) | Q(_sort__isnull=True)
    if value is None:
        return Q(_sort__isnull=False) | Q(_sort__isnull=True, **{f"pk__{beyond}": pk})
    return Q(**{f"_sort__{beyond}": value}) | Q(_sort=value, **{f"pk__{beyond}": pk})


def keyset_page(queryset: QuerySet[M], *, sort: SortKey, cursor: str | None, size: int) -> Page[M]:
    queryset = queryset.annotate(_sort=sort.expression)
    decoded = _decode(cursor, sort.kind) if cursor else None
    forward = decoded is None or decoded[2] == "next"
    descending_now = sort.descending if forward else not sort.descending
    nulls = {"nulls_last": True} if forward else {"nulls_first": True}
    sort_order = F("_sort").desc(**nulls) if descending_now else F("_sort").asc(**nulls)
    ordered = queryset.order_by(sort_order, "-pk" if descending_now else "pk")
    if decoded is not None:
        ordered = ordered.filter(_after(decoded[0], decoded[1], descending=sort.descending, forward=forward))
    rows = list(ordered[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()
    has_next = more if forward else decoded is not None
    has_previous = decoded is not None if forward else more
    first, last = (rows[0], rows[-1]) if rows else (None, None)
    return Page(
        items=rows,
        next_cursor=_encode(last._sort, last.pk, "next") if has_next and last is not None else None,
        previous_cursor=_encode(first._sort, first.pk, "previous") if has_previous and first is not None else None,
    )
