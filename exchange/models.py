from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

UPLOAD_LIFETIME = timedelta(hours=24)


def upload_expiry() -> object:
    return timezone.now() + UPLOAD_LIFETIME


class ImportUpload(models.Model):
    """A spreadsheet someone uploaded to import: kept (in the database, so every web process sees
    it) between the dry run and the commit, which reads it again. Only its owner can see or
    commit it, and only until it expires."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (XLSX)"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_uploads")
    filename = models.CharField(max_length=255)
    format = models.CharField(max_length=4, choices=Format.choices)
    content = models.BinaryField()
    size = models.PositiveIntegerField()
    # What the dry run found; rewritten when a commit finds something else.
    columns = models.JSONField(default=dict, blank=True, help_text="Header → field, and the headers ignored.")
    counts = models.JSONField(default=dict, blank=True, help_text="Rows per outcome.")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=upload_expiry)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "expires_at"], name="import_upload_owner")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.owner})"

    @property
    def refused(self) -> int:
        return int(self.counts.get(ImportRow.Action.REFUSED, 0))

    @property
    def total(self) -> int:
        return sum(int(value) for value in self.counts.values())


class ImportRow(models.Model):
    """One row of the dry run: what importing it does, or why it is refused."""

    class Action(models.TextChoices):
        CREATE = "create", "Create"
        UPDATE = "update", "Update"
        UNCHANGED = "unchanged", "Unchanged"
        REFUSED = "refused", "Refused"

    upload = models.ForeignKey(ImportUpload, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField(help_text="The row number in the spreadsheet (the header is row 1).")
    action = models.CharField(max_length=9, choices=Action.choices)
    client_name = models.CharField(max_length=200, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["upload", "number"]
        constraints = [models.UniqueConstraint(fields=["upload", "number"], name="import_row_once")]
        indexes = [models.Index(fields=["upload", "action", "number"], name="import_row_action")]

    def __str__(self) -> str:
        return f"Row {self.number}: {self.action}"
