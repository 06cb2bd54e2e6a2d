"""Writes for the machine interfaces: issuing and revoking API tokens, the calendar secret."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from api.models import ApiToken, CalendarFeed

TOKEN_PREFIX = "rpt_"  # noqa: S105 (a marker that says "Rapport token", not a secret)
MAX_ACTIVE_TOKENS = 20
# last_used_at is written at most this often per token, so a busy script costs no write per call.
LAST_USED_PRECISION = timedelta(minutes=5)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _require_staff(user: User) -> None:
    if not (user.is_active and user.is_staff_member):
        raise PermissionDenied("Only managers and admins have API access.")


@dataclass(frozen=True)
class IssuedToken:
    """A new token with its key: the only moment the key exists outside the caller's hands."""

    token: ApiToken
    key: str


@transaction.atomic
def api_token_create(*, user: User, name: str) -> IssuedToken:
    _require_staff(user)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the token after what will use it."})
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(f"You have {MAX_ACTIVE_TOKENS} active tokens; revoke one first.")
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:100], prefix=key[:12], key_hash=secret_hash(key))
    return IssuedToken(token=token, key=key)


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoked at once: the next request with the key answers 401. The row stays, for the record."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_mark_used(*, token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


@transaction.atomic
def calendar_feed_regenerate(*, user: User) -> str:
    """A new secret for the user's calendar URL, returned once; any previous URL stops working
    in the same statement."""
    _require_staff(user)
    secret = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(
        user=user, defaults={"secret_hash": secret_hash(secret), "created_at": timezone.now(), "last_fetched_at": None}
    )
    return secret


def calendar_feed_stop(*, user: User) -> None:
    CalendarFeed.objects.filter(user=user).delete()


def calendar_feed_mark_fetched(*, feed: CalendarFeed) -> None:
    now = timezone.now()
    if feed.last_fetched_at is None or now - feed.last_fetched_at >= LAST_USED_PRECISION:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=now)
