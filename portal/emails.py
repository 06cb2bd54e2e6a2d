from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from outbox.emails import make_message
from outbox.models import OutboundEmail
from portal.models import SignInToken
from portal.services import TOKEN_LIFETIME, portal_user_can_sign_in, token_issue


def _link_message(email: OutboundEmail, *, purpose: str, url_name: str, template: str) -> EmailMultiAlternatives | None:
    """Mint the token as the email goes out. A contact whose access ended gets nothing, and so
    does an address that is no longer the contact's (corrected while the email waited): a
    working link must not go to a mistyped address."""
    user = email.user
    if user is None or not portal_user_can_sign_in(user) or email.to_email.lower() != user.email.lower():
        return None
    token = token_issue(user=user, purpose=purpose)
    link = settings.SITE_URL + reverse(url_name, kwargs={"token": token})
    lifetime = TOKEN_LIFETIME[purpose]
    context = {
        "user": user,
        "client_name": user.contact.client.name,
        "link": link,
        "sign_in_url": settings.SITE_URL + reverse("portal:sign_in"),
        "valid_for": f"{int(lifetime.total_seconds() // 3600)} hours"
        if lifetime.total_seconds() >= 3600
        else f"{int(lifetime.total_seconds() // 60)} minutes",
    }
    return make_message(template, to=email.to_email, context=context)


def invitation_message(email: OutboundEmail) -> EmailMultiAlternatives | None:
    return _link_message(
        email, purpose=SignInToken.Purpose.INVITATION, url_name="portal:invitation", template="portal-invitation"
    )


def sign_in_message(email: OutboundEmail) -> EmailMultiAlternatives | None:
    return _link_message(email, purpose=SignInToken.Purpose.SIGN_IN, url_name="portal:link", template="portal-sign-in")
