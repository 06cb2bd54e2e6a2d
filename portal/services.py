"""Portal access: granting and revoking it, and one-time sign-in links.

Tokens carry 256 bits from `secrets`, are stored only as a SHA-256 hash, work once, and expire
(10 minutes for a sign-in link, 72 hours for an invitation). They are minted when their email is
sent (see portal.emails), so no plaintext token is ever written to the database.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from accounts.services import throttle_blocked_until, throttle_hit
from crm.models import Contact
from outbox.models import OutboundEmail
from outbox.services import email_queue
from portal.models import SignInToken

TOKEN_LIFETIME: dict[str, timedelta] = {
    SignInToken.Purpose.SIGN_IN: timedelta(minutes=10),
    SignInToken.Purpose.INVITATION: timedelta(hours=72),
}
LINK_REQUESTS_PER_ADDRESS = 5
LINK_REQUESTS_PER_IP = 20
LINK_REQUEST_WINDOW = timedelta(hours=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_issue(*, user: User, purpose: str) -> str:
    """Create a token and return it; only its hash is kept."""
    token = secrets.token_urlsafe(32)
    SignInToken.objects.create(
        user=user, purpose=purpose, token_hash=token_hash(token), expires_at=timezone.now() + TOKEN_LIFETIME[purpose]
    )
    return token


TOKEN_KEEP = timedelta(days=1)


def sign_in_token_prune(*, now: datetime | None = None, keep: timedelta = TOKEN_KEEP) -> int:
    """Delete links that were used or expired more than a day ago. For that day the row still
    tells a late click "used already" or "expired" rather than "not one we sent"; after it, the
    row answers nothing anyone needs. Unused links that still work are never touched."""
    cutoff = (now or timezone.now()) - keep
    deleted, _ = SignInToken.objects.filter(Q(used_at__lt=cutoff) | Q(expires_at__lt=cutoff)).delete()
    return deleted


def portal_user_can_sign_in(user: User) -> bool:
    """A contact may use the portal while their login is active and their client is not archived."""
    contact = getattr(user, "contact", None)
    return user.is_active and user.is_client_contact and contact is not None and contact.client.archived_at is None


@dataclass(frozen=True)
class Redemption:
    user: User | None = None
    problem: str = ""


def token_redeem(*, token: str, purpose: str) -> Redemption:
    """Use a token, once. The conditional UPDATE is the lock: of two clicks at the same moment,
    one signs in and the other is told the link was used."""
    digest = token_hash(token)
    now = timezone.now()
    used = SignInToken.objects.filter(
        token_hash=digest, purpose=purpose, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    row = SignInToken.objects.select_related("user__contact__client").filter(token_hash=digest, purpose=purpose).first()
    if row is None:
        return Redemption(problem="This link is not one we sent, or it has been withdrawn.")
    if not used:
        if row.used_at:
            return Redemption(problem="This link has been used already. Each link works once.")
        return Redemption(problem="This link has expired.")
    if not portal_user_can_sign_in(row.user):
        return Redemption(problem="Portal access for this address has been withdrawn.")
    return Redemption(user=row.user)


@transaction.atomic
def portal_access_grant(*, contact: Contact) -> User:
    """Give a contact a portal login (or reopen theirs) and email them an invitation."""
    if not contact.email:
        raise ValidationError("Add an email address to this contact first: the invitation goes there.")
    user = contact.user
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(email=contact.email, full_name=contact.name, role=User.Role.CLIENT)
        except IntegrityError:
            raise ValidationError(
                "That email address already signs in to Rapport as someone else, so it cannot be used for this contact."
            ) from None
        contact.user = user
        contact.save(update_fields=["user"])
    else:
        user.is_active = True
        user.save(update_fields=["is_active"])
    email_queue(
        key=f"portal-invitation:{user.pk}:{uuid.uuid4().hex}",
        kind=OutboundEmail.Kind.PORTAL_INVITATION,
        to_email=user.email,
        user=user,
    )
    return user


@transaction.atomic
def portal_access_revoke(*, contact: Contact) -> None:
    """Withdraw access: the login is deactivated and its password dropped. Dropping the password
    changes the session hash, so the contact's sessions end at their next request and stay
    ended even if access is granted again; unused links stop working and unsent ones are not
    sent."""
    user = contact.user
    if user is None:
        return
    user.is_active = False
    user.set_unusable_password()
    user.save(update_fields=["is_active", "password"])
    SignInToken.objects.filter(user=user, used_at__isnull=True).delete()
    OutboundEmail.objects.filter(
        user=user,
        kind__in=[OutboundEmail.Kind.PORTAL_INVITATION, OutboundEmail.Kind.PORTAL_SIGN_IN],
        status=OutboundEmail.Status.PENDING,
    ).update(status=OutboundEmail.Status.SUPPRESSED, last_error="Portal access withdrawn.")


def sign_in_link_request(*, email: str, ip: str) -> None:
    """Email a sign-in link if the address belongs to a contact with portal access. Whatever
    the address, the caller answers the same way, and requests are limited per address and
    per IP so the form can neither probe addresses nor flood an inbox."""
    address = email.strip().lower()
    limits = (("portal-link-address", address, LINK_REQUESTS_PER_ADDRESS), ("portal-link-ip", ip, LINK_REQUESTS_PER_IP))
    for scope, key, limit in limits:
        if throttle_blocked_until(scope=scope, key=key, limit=limit, window=LINK_REQUEST_WINDOW):
            return
    for scope, key, _ in limits:
        throttle_hit(scope=scope, key=key)
    user = User.objects.filter(email__iexact=address, role=User.Role.CLIENT).select_related("contact__client").first()
    if user is None or not portal_user_can_sign_in(user):
        return
    email_queue(
        key=f"portal-sign-in:{user.pk}:{uuid.uuid4().hex}",
        kind=OutboundEmail.Kind.PORTAL_SIGN_IN,
        to_email=user.email,
        user=user,
    )
