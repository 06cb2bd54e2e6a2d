"""Imports: keep an upload with its dry run, commit it (all or nothing), discard it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from exchange.imports import Plan, import_apply, import_plan
from exchange.models import ImportRow, ImportUpload
from exchange.spreadsheets import MAX_UPLOAD_BYTES, ImportFileError, read_table

__all__ = ["ImportFileError", "import_commit", "import_upload_create", "import_upload_discard"]


def _too_large() -> ImportFileError:
    return ImportFileError(
        f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB: split it into smaller files."
    )


def _rows_store(upload: ImportUpload, plan: Plan) -> None:
    upload.rows.all().delete()
    ImportRow.objects.bulk_create(
        (
            ImportRow(
                upload=upload,
                number=outcome.number,
                action=outcome.action,
                client_name=outcome.client_name,
                message=outcome.message,
            )
            for outcome in plan.outcomes
        ),
        batch_size=2000,
    )


def import_uploads_prune_expired(*, now: datetime) -> int:
    """Delete uploads (the file and its dry run) past their 24 hours; returns how many."""
    _, deleted = ImportUpload.objects.filter(expires_at__lt=now).delete()
    return deleted.get(ImportUpload._meta.label, 0)


def import_upload_create(*, owner: User, file: UploadedFile) -> ImportUpload:
    """Keep an uploaded spreadsheet with its dry run. The size is checked before a byte is read;
    a file that cannot be imported at all raises ImportFileError and nothing is kept."""
    if file.size is None or file.size > MAX_UPLOAD_BYTES:
        raise _too_large()
    data = file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise _too_large()
    table = read_table(data)
    plan = import_plan(table=table, user=owner)
    if not plan.outcomes:
        raise ImportFileError("The file has a header row but no rows to import.")
    with transaction.atomic():
        import_uploads_prune_expired(now=timezone.now())  # anyone's, so none waits for the nightly run
        upload = ImportUpload.objects.create(
            owner=owner,
            filename=(file.name or "upload")[:255],
            format=table.format,
            content=data,
            size=len(data),
            columns=plan.mapping.describe(plan.headers),
            counts=plan.counts,
        )
        _rows_store(upload, plan)
    return upload


@dataclass(frozen=True)
class CommitResult:
    committed: bool
    counts: dict[str, int]
    changed_since_preview: bool = False


def import_commit(*, upload: ImportUpload) -> CommitResult:
    """Import an upload in one transaction, all or nothing. The stored file is read and checked
    again against the database as it is now; when that finds a refused row, or any row with
    another outcome than the preview showed, nothing is imported and the preview is brought up
    to date."""
    with transaction.atomic():
        upload = ImportUpload.objects.select_for_update().select_related("owner").get(pk=upload.pk)
        if upload.committed_at is not None:
            raise ValidationError("This file has already been imported.")
        if upload.expires_at < timezone.now():
            raise ValidationError("This upload has expired: upload the file again.")
        # One import at a time per person: two commits of overlapping files would both create
        # the clients that neither found.
        User.objects.select_for_update().filter(pk=upload.owner_id).values_list("pk").get()
        plan = import_plan(table=read_table(bytes(upload.content)), user=upload.owner)
        counts = plan.counts
        previewed = list(upload.rows.order_by("number").values_list("number", "action"))
        changed = previewed != [(outcome.number, outcome.action) for outcome in plan.outcomes]
        if plan.refused or changed:
            upload.counts = counts
            upload.save(update_fields=["counts"])
            _rows_store(upload, plan)
            return CommitResult(committed=False, counts=counts, changed_since_preview=changed)
        import_apply(plan=plan, user=upload.owner)
        upload.committed_at = timezone.now()
        upload.content = b""  # imported: the file is no longer needed
        upload.save(update_fields=["committed_at", "content"])
    return CommitResult(committed=True, counts=counts)


def import_upload_discard(*, upload: ImportUpload) -> None:
    upload.delete()
