"""The outbox: queue an email as a row, claim it, send it once, retry what is temporary.

Delivery guarantees come from the row, not from Celery: a task only carries the row's id, the
conditional UPDATE in `email_claim` lets exactly one worker hold a row at a time, and a row whose
worker died is picked up again when its lease runs out.
"""

from __future__ import annotations

import hashlib
import logging
import random
import smtplib
import uuid
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from outbox.kinds import email_kind
from outbox.models import OutboundEmail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)

Kind = OutboundEmail.Kind
Status = OutboundEmail.Status


def email_queue(
    *, key: str, kind: str, to_email: str, send_after: datetime | None = None, **refs: object
) -> OutboundEmail:
    """Insert the row for an email unless its key already exists; the caller's transaction
    decides whether it happens. Due rows are handed to a worker once that transaction commits."""
    now = timezone.now()
    defaults = {"kind": kind, "to_email": to_email, "send_after": send_after or now, "message_id": message_id_for(key)}
    email, created = OutboundEmail.objects.get_or_create(key=key, defaults={**defaults, **refs})
    if created and email.send_after <= now:
        email_id = email.pk
        transaction.on_commit(lambda: email_enqueue(email_id=email_id))
    return email


def email_queue_new(emails: list[OutboundEmail]) -> list[OutboundEmail]:
    """Insert rows whose keys are new in one statement (a report's recipients, keyed by a report
    created in the same transaction); due ones go to workers once the transaction commits."""
    for email in emails:
        email.message_id = email.message_id or message_id_for(email.key)
    created = OutboundEmail.objects.bulk_create(emails)
    now = timezone.now()
    due = [email.pk for email in created if email.send_after <= now]
    if due:
        transaction.on_commit(lambda: [email_enqueue(email_id=pk) for pk in due])
    return created


def email_enqueue(*, email_id: int) -> bool:
    """Publish the delivery task without waiting on a dead broker: the row stays pending and
    the next dispatcher tick sends it."""
    from outbox.tasks import email_deliver

    try:
        email_deliver.apply_async((email_id,), retry=False)
    except Exception as error:  # broker down: kombu raises a variety of connection errors
        logger.warning("could not publish email %s (%s); the dispatcher will retry", email_id, error)
        return False
    return True


def email_enqueue_due(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Hand every due row to a worker: pending rows whose time came, and rows whose worker
    vanished mid-send (lease expired). Enqueuing a row twice is harmless: only one claim wins."""
    now = now or timezone.now()
    due = (
        OutboundEmail.objects.filter(
            Q(status=Status.PENDING, send_after__lte=now) | Q(status=Status.SENDING, lease_until__lt=now)
        )
        .order_by("send_after")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(email_enqueue(email_id=pk) for pk in due)


def email_claim(*, email_id: int, now: datetime | None = None) -> uuid.UUID | None:
    now = now or timezone.now()
    claim = uuid.uuid4()
    claimed = (
        OutboundEmail.objects.filter(pk=email_id)
        .filter(Q(status=Status.PENDING, send_after__lte=now) | Q(status=Status.SENDING, lease_until__lt=now))
        .update(
            status=Status.SENDING,
            lease_until=now + timedelta(seconds=settings.EMAIL_LEASE_SECONDS),
            claim=claim,
            attempts=F("attempts") + 1,
        )
    )
    return claim if claimed else None


def _finish(email_id: int, claim: uuid.UUID, **fields: object) -> bool:
    """Record the outcome, but only while this attempt still holds the row."""
    updated = OutboundEmail.objects.filter(pk=email_id, claim=claim, status=Status.SENDING).update(
        lease_until=None, **fields
    )
    if not updated:
        logger.warning("email %s changed hands before its outcome was recorded", email_id)
    return bool(updated)


def _fail(email: OutboundEmail, claim: uuid.UUID, error: str) -> str:
    """Mark the row failed for good and tell whoever cares about this kind of email, in one
    transaction: what the hook writes (a client marked for rescoring) commits with the failure."""
    on_failure = email_kind(email.kind).on_failure
    with transaction.atomic():
        if _finish(email.pk, claim, status=Status.FAILED, last_error=error) and on_failure is not None:
            on_failure(email)
    return Status.FAILED


def retry_delay(attempt: int) -> timedelta:
    """Capped exponential backoff with full jitter in its upper half: 30 s, 1 min, 2 min … 1 h."""
    ceiling = min(RETRY_CAP, RETRY_BASE * (2 ** max(0, attempt - 1)))
    return timedelta(seconds=ceiling.total_seconds() * random.uniform(0.5, 1.0))  # noqa: S311 (jitter)


def smtp_code(error: Exception) -> int | None:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return max(codes) if codes else None
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code
    return None


def message_id_for(key: str) -> str:
    """The Message-ID of the email with this key, fixed when the row is queued: every attempt and
    every resend of the row carries it, so a mail client that receives a duplicate (a worker
    died after the server accepted the message) shows one message."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].partition("@")[2] or "rapport.localhost"
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<rapport.{digest}@{domain}>"


def email_build(email: OutboundEmail) -> EmailMultiAlternatives | None:
    return email_kind(email.kind).build(email)


def email_deliver(*, email_id: int) -> str:
    """Claim, build, send, record. Returns the row's new status (or "skipped")."""
    claim = email_claim(email_id=email_id)
    if claim is None:
        return "skipped"
    email = OutboundEmail.objects.select_related(
        "user", "contact", "checkin__client", "status_report__project__client"
    ).get(pk=email_id)
    if email.attempts > MAX_ATTEMPTS:
        return _fail(email, claim, f"Gave up after {MAX_ATTEMPTS} attempts.")
    try:
        message = email_build(email)
        if message is None:
            _finish(email_id, claim, status=Status.SUPPRESSED)
            return Status.SUPPRESSED
        message.extra_headers["Message-ID"] = email.message_id or message_id_for(email.key)
        message.send()
    except Exception as error:
        code = smtp_code(error)
        description = f"{type(error).__name__}: {error}"[:2000]
        if code is not None and 500 <= code < 600:
            return _fail(email, claim, description)
        if not isinstance(error, (smtplib.SMTPException, OSError)):
            logger.exception("building or sending email %s failed", email_id)
        _finish(
            email_id,
            claim,
            status=Status.PENDING,
            last_error=description,
            send_after=timezone.now() + retry_delay(email.attempts),
        )
        return Status.PENDING
    _finish(
        email_id,
        claim,
        status=Status.SENT,
        sent_at=timezone.now(),
        subject=message.subject[:255],
        last_error="",
    )
    return Status.SENT
