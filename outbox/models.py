from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class OutboundEmail(models.Model):
    """One email to one recipient: the row is the schedule, the lock and the record of delivery.

    `key` is the idempotency key (for example ``report:<project>:<iso week>:<contact>``): the
    code that decides an email is due inserts the row with it, so a retried or duplicated run
    finds the row already there and sends nothing twice.
    """

    class Kind(models.TextChoices):
        PASSWORD_RESET = "password_reset", "Password reset"
        PORTAL_INVITATION = "portal_invitation", "Portal invitation"
        PORTAL_SIGN_IN = "portal_sign_in", "Portal sign-in link"
        CHECKIN_DUE_SOON = "checkin_due_soon", "Check-in due soon"
        CHECKIN_OVERDUE = "checkin_overdue", "Check-in overdue"
        STATUS_REPORT = "status_report", "Weekly status report"

    class Status(models.TextChoices):
        PENDING = "pending", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SUPPRESSED = "suppressed", "Not sent"

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    to_email = models.EmailField(max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="emails"
    )
    # What the email is about; a builder reads it at send time and may decide not to send.
    contact = models.ForeignKey("crm.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="emails")
    checkin = models.ForeignKey(
        "crm.CheckIn", null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    status_report = models.ForeignKey(
        "projects.StatusReport", null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    subject = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    send_after = models.DateTimeField(default=timezone.now, help_text="Next attempt at.")
    lease_until = models.DateTimeField(null=True, blank=True)
    claim = models.UUIDField(null=True, blank=True, help_text="Which delivery attempt holds the lease.")
    last_error = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "send_after"], name="outbox_due"),
            models.Index(fields=["status", "lease_until"], name="outbox_lease"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="sending") | models.Q(lease_until__isnull=False),
                name="outbox_sending_has_lease",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to_email} ({self.get_status_display()})"
