from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from outbox.emails import make_message
from outbox.models import OutboundEmail


def password_reset_message(email: OutboundEmail) -> EmailMultiAlternatives | None:
    """The reset token is derived when the email goes out, so it is never stored anywhere."""
    user = email.user
    if user is None or not user.is_active:
        return None
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    minutes = settings.PASSWORD_RESET_TIMEOUT // 60
    return make_message(
        "password-reset",
        to=email.to_email,
        context={"user": user, "reset_url": settings.SITE_URL + path, "minutes": minutes},
    )
