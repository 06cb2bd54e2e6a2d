"""Two clients with a portal user each, so that every test can ask whether one sees the other."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone

from crm import services as crm
from outbox.models import OutboundEmail
from outbox.services import email_deliver
from portal import reports
from portal.services import portal_access_grant
from projects import services as projects
from tests.factories import ClientFactory, ContactFactory, UserFactory

LINK = re.compile(r"http://\S+/portal/(?:link|invitation)/([^/\s]+)/")


def deliver_pending() -> list[Any]:
    """Send every pending email the way a worker does; return what went out."""
    before = len(mail.outbox)
    for row in OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING).order_by("pk"):
        email_deliver(email_id=row.pk)
    return mail.outbox[before:]


def link_in(message: Any) -> str:
    """The path of the one-time link in an email (checked to be the same in both parts)."""
    text_link = LINK.search(message.body).group(0)
    assert text_link in message.alternatives[0][0]
    return urlsplit(text_link).path


def _client_with_portal(name: str, manager: Any) -> SimpleNamespace:
    client = ClientFactory(name=name, account_manager=manager)
    contact = ContactFactory(client=client, name=f"{name} Contact", email=f"contact@{name.lower()}.test")
    user = portal_access_grant(contact=contact)
    project = projects.project_create(
        client=client, name=f"{name} rollout", manager=manager, status="active", portal_visible=True
    )
    hidden = projects.project_create(client=client, name=f"{name} internal study", manager=manager, status="active")
    report = reports.status_report_create(project=project, due_at=timezone.now())
    return SimpleNamespace(client=client, contact=contact, user=user, project=project, hidden=hidden, report=report)


@pytest.fixture
def two_clients(db: Any) -> SimpleNamespace:
    manager = UserFactory(email="pat@rapport.test", full_name="Pat Manager")
    a = _client_with_portal("Alpha", manager)
    b = _client_with_portal("Bravo", manager)
    archived = _client_with_portal("Gone", manager)
    crm.client_archive(client=archived.client)
    OutboundEmail.objects.all().delete()  # the invitations: tests that want one ask for it
    return SimpleNamespace(manager=manager, a=a, b=b, archived=archived)
