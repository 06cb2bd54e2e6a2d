"""Reads for the import pages: an upload is its owner's alone."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from exchange.models import ImportRow, ImportUpload

ROW_PAGE_SIZE = 100


def uploads_for_user(*, user: User) -> QuerySet[ImportUpload]:
    """The uploads this person may see and commit: their own, until they expire. Anyone else's,
    an admin's included, is a 404."""
    if not user.is_staff_member:
        return ImportUpload.objects.none()
    return ImportUpload.objects.filter(owner=user, expires_at__gte=timezone.now()).defer("content")


def import_rows_page(*, upload: ImportUpload, action: str, after: int) -> tuple[list[ImportRow], int | None]:
    """One page of the dry run, by row number (keyset: page 100 costs what page 1 costs)."""
    rows = upload.rows.filter(number__gt=after).order_by("number")
    if action:
        rows = rows.filter(action=action)
    page = list(rows[: ROW_PAGE_SIZE + 1])
    more = len(page) > ROW_PAGE_SIZE
    page = page[:ROW_PAGE_SIZE]
    return page, (page[-1].number if more else None)
