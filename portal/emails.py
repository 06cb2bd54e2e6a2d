from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from crm.services import client_health_refresh
from crm.unsubscribe import unsubscribe_url
from outbox.emails import make_message
from outbox.models import OutboundEmail
from portal.client_view import sent_report
from portal.models import SignInToken
from portal.pulse import pulse_links
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


def status_report_message(email: OutboundEmail) -> EmailMultiAlternatives | None:
    """The stored report, wrapped for one recipient with their own unsubscribe link and their own
    signed pulse links ("How are we doing on <project>?", five answers); replies go
    to the project manager. Nothing goes to a contact who unsubscribed or opted out after the
    report was built."""
    contact = email.contact
    if contact is None or email.status_report_id is None or not contact.receives_reports or contact.unsubscribed_at:
        return None
    report = sent_report(report_id=email.status_report_id)
    if report is None:
        return None
    url = unsubscribe_url(contact)
    pulse = pulse_links(contact_id=contact.pk, project_id=report.project_id, week=report.week)
    return make_message(
        "status-report",
        to=email.to_email,
        context={"report": report, "contact_name": contact.name, "unsubscribe_url": url, "pulse_links": pulse},
        headers={"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        reply_to=[report.manager_email],
    )


def status_report_failed(email: OutboundEmail) -> None:
    """A report that could not be delivered counts against the client's health."""
    if email.contact is not None:
        client_health_refresh(client_id=email.contact.client_id)
