from __future__ import annotations

from django.core.mail import EmailMultiAlternatives

from crm.services import client_health_refresh
from crm.unsubscribe import unsubscribe_url
from outbox.emails import make_message
from outbox.models import OutboundEmail


def status_report_message(email: OutboundEmail) -> EmailMultiAlternatives | None:
    """The stored report, wrapped for one recipient with their own unsubscribe link. Nothing
    goes to a contact who unsubscribed or opted out after the report was built."""
    contact, report = email.contact, email.status_report
    if contact is None or report is None or not contact.receives_reports or contact.unsubscribed_at:
        return None
    url = unsubscribe_url(contact)
    return make_message(
        "status-report",
        to=email.to_email,
        context={"report": report, "contact": contact, "unsubscribe_url": url},
        headers={"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )


def status_report_failed(email: OutboundEmail) -> None:
    """A report that could not be delivered counts against the client's health."""
    if email.contact is not None:
        client_health_refresh(client_id=email.contact.client_id)
