from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import ThrottleHit, User
from outbox.models import OutboundEmail
from outbox.services import email_queue


def client_ip(request: HttpRequest) -> str:
    if settings.USE_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            # The proxy appends the address it saw; earlier entries are whatever the client sent.
            return str(forwarded).split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", "")) or "unknown"


def throttle_blocked_until(*, scope: str, key: str, limit: int, window: timedelta) -> datetime | None:
    """When `limit` hits fell within `window`, the key is blocked for `window` after the last.

    Reads the newest `limit` hits in one query: the block starts at the hit that reached the
    limit and lasts a full window from it, whatever the spread of the earlier ones.
    """
    recent = list(ThrottleHit.objects.filter(scope=scope, key=key).order_by("-at").values_list("at", flat=True)[:limit])
    if len(recent) < limit or recent[0] - recent[-1] > window:
        return None
    until = recent[0] + window
    return until if until > timezone.now() else None


def throttle_hit(*, scope: str, key: str) -> None:
    ThrottleHit.objects.create(scope=scope, key=key)


THROTTLE_KEEP = timedelta(days=1)


def throttle_prune(*, now: datetime | None = None, older_than: timedelta = THROTTLE_KEEP) -> int:
    """Delete counted hits older than a day. The longest window any limit looks back over is an
    hour (portal link requests; sign-in lockouts are 30 minutes), so no decision reads them."""
    now = now or timezone.now()
    deleted, _ = ThrottleHit.objects.filter(at__lt=now - older_than).delete()
    return deleted


def session_prune_expired(*, now: datetime | None = None) -> int:
    """What `manage.py clearsessions` does, through the configured session engine: the engine
    drops the sessions whose expiry date has passed. Returns how many there were for the
    database-backed engines (the default); other engines report 0."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    expired = 0
    if hasattr(store, "get_model_class"):
        expired = store.get_model_class().objects.filter(expire_date__lt=now or timezone.now()).count()
    store.clear_expired()
    return expired


@dataclass(frozen=True)
class SignInResult:
    user: User | None = None
    locked_until: datetime | None = None


def sign_in_attempt(*, request: HttpRequest, email: str, password: str) -> SignInResult:
    """Check the lockouts, count the attempt, then check the password; a success takes its
    count back. While locked, even the right password is refused, so guessing gains nothing.

    The staff and portal sign-in pages share the counts, so two pages do not double the
    allowance. The attempt is counted before the (slow) password check, and then counted
    again in order: of many attempts racing in at once, those beyond the limit are refused.
    """
    email_key = email.strip().lower()
    lockout = settings.SIGN_IN_LOCKOUT
    limits = (
        ("sign-in-account", email_key, settings.SIGN_IN_FAILURES_PER_ACCOUNT),
        ("sign-in-ip", client_ip(request), settings.SIGN_IN_FAILURES_PER_IP),
    )
    for scope, key, limit in limits:
        until = throttle_blocked_until(scope=scope, key=key, limit=limit, window=lockout)
        if until:
            return SignInResult(locked_until=until)
    hits = [ThrottleHit.objects.create(scope=scope, key=key) for scope, key, _ in limits]
    for (scope, key, limit), hit in zip(limits, hits, strict=True):
        counted = ThrottleHit.objects.filter(scope=scope, key=key, at__gt=hit.at - lockout, pk__lte=hit.pk).count()
        if counted > limit:
            return SignInResult(locked_until=hit.at + lockout)
    user = authenticate(request, username=email_key, password=password)
    if user is None:
        return SignInResult()
    ThrottleHit.objects.filter(pk__in=[hit.pk for hit in hits]).delete()
    return SignInResult(user=user)


PASSWORD_RESET_REQUESTS_PER_HOUR = 5


def password_reset_request(*, email: str) -> None:
    """Queue a reset email for an active account (staff, or a client contact who prefers a
    portal password). Says nothing about whether one exists; at most five an hour per address,
    so the form cannot be used to flood an inbox."""
    address = email.strip().lower()
    if throttle_blocked_until(
        scope="password-reset", key=address, limit=PASSWORD_RESET_REQUESTS_PER_HOUR, window=timedelta(hours=1)
    ):
        return
    throttle_hit(scope="password-reset", key=address)
    user = User.objects.filter(email__iexact=address, is_active=True).first()
    if user is None:
        return
    email_queue(
        key=f"password-reset:{user.pk}:{uuid.uuid4().hex}",
        kind=OutboundEmail.Kind.PASSWORD_RESET,
        to_email=user.email,
        user=user,
    )
