"""Signed one-click unsubscribe links for weekly reports. The link names the contact and is
signed with SECRET_KEY, so it needs no stored token and cannot be forged for another contact."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from crm.models import Contact

SALT = "rapport.unsubscribe"


def unsubscribe_url(contact: Contact) -> str:
    token = signing.dumps(contact.pk, salt=SALT, compress=True)
    return settings.SITE_URL + reverse("email:unsubscribe", kwargs={"token": token})


def contact_for_unsubscribe_token(token: str) -> Contact | None:
    try:
        pk = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return Contact.objects.select_related("client").filter(pk=pk).first()
