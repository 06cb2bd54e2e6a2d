"""The one email builder: templates come in threes under templates/emails/."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def make_message(
    name: str,
    *,
    to: str,
    context: dict[str, Any],
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, str]] | None = None,
    reply_to: list[str] | None = None,
) -> EmailMultiAlternatives:
    """Render emails/<name>-subject.txt, -body.txt and -body.html into one multipart/alternative
    message: plain text first, HTML as the alternative a capable client prefers. The subject and
    the text part are rendered without HTML escaping (the "text" template engine); the subject
    is folded onto one line, so no value can add a header."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context, using="text").split())
    text = render_to_string(f"emails/{name}-body.txt", context, using="text")
    html = render_to_string(f"emails/{name}-body.html", context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, to=[to], reply_to=reply_to or None, headers=dict(headers or {})
    )
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments or []:
        message.attach(filename, content, mimetype)
    return message
