"""Managers grant and withdraw portal access from the contact page."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from crm import services
from outbox.models import OutboundEmail
from portal.services import portal_access_grant
from tests.factories import ContactFactory


def test_granting_from_the_contact_page_creates_a_login_and_queues_an_invitation(client, pm, acme):
    contact = acme.contacts.get()
    client.force_login(pm)
    page = client.get(reverse("crm:contact_edit", kwargs={"pk": contact.pk})).content.decode()
    assert "Grant portal access" in page

    response = client.post(reverse("portal_access:grant", kwargs={"pk": contact.pk}), follow=True)
    contact.refresh_from_db()
    assert contact.user.is_client_contact and contact.user.is_active
    assert contact.user.email == contact.email
    assert OutboundEmail.objects.get().kind == OutboundEmail.Kind.PORTAL_INVITATION
    html = response.content.decode()
    assert "invitation is on its way" in html
    assert "Withdraw portal access" in html
    assert "Has portal access" in client.get(reverse("crm:client_detail", kwargs={"pk": acme.pk})).content.decode()


def test_withdrawing_deactivates_the_login(client, pm, acme):
    contact = acme.contacts.get()
    client.force_login(pm)
    client.post(reverse("portal_access:grant", kwargs={"pk": contact.pk}))
    response = client.post(reverse("portal_access:revoke", kwargs={"pk": contact.pk}), follow=True)
    contact.refresh_from_db()
    assert not contact.user.is_active
    assert "Access was withdrawn" in response.content.decode()


def test_a_contact_without_an_email_cannot_be_invited(client, pm, acme):
    contact = ContactFactory(client=acme, email="")
    client.force_login(pm)
    response = client.post(reverse("portal_access:grant", kwargs={"pk": contact.pk}), follow=True)
    assert "Add an email address to this contact first" in response.content.decode()
    contact.refresh_from_db()
    assert contact.user is None


def test_an_address_that_already_signs_in_as_someone_else_is_refused(client, pm, acme):
    contact = ContactFactory(client=acme, email=pm.email)
    client.force_login(pm)
    response = client.post(reverse("portal_access:grant", kwargs={"pk": contact.pk}), follow=True)
    assert "already signs in to Rapport" in response.content.decode()
    assert not OutboundEmail.objects.exists()


def test_the_portal_login_follows_the_contact_email(pm, acme, teammate):
    contact = acme.contacts.get()
    user = portal_access_grant(contact=contact)
    services.contact_update(contact=contact, email="Jane.New@Acme.test")
    user.refresh_from_db()
    assert user.email == "jane.new@acme.test"

    with pytest.raises(ValidationError) as error:
        services.contact_update(contact=contact, email=teammate.email)
    assert "already signs in" in str(error.value)
    with pytest.raises(ValidationError):
        services.contact_update(contact=contact, email="")


def test_a_form_opened_before_a_contact_unsubscribed_does_not_sign_them_up_again(client, pm, acme):
    contact = acme.contacts.get()
    services.contact_update(contact=contact, receives_reports=True)
    client.force_login(pm)
    stale = {"name": contact.name, "email": contact.email, "is_primary": "on", "receives_reports": "on"}
    services.contact_unsubscribe(contact=contact)  # they click the link while the form is open
    assert client.post(reverse("crm:contact_edit", kwargs={"pk": contact.pk}), stale).status_code == 302
    contact.refresh_from_db()
    assert not contact.receives_reports and contact.unsubscribed_at

    page = client.get(reverse("crm:contact_edit", kwargs={"pk": contact.pk})).content.decode()
    assert "Unsubscribed on" in page
    client.post(reverse("crm:contact_edit", kwargs={"pk": contact.pk}), {**stale, "resume_reports": "on"})
    contact.refresh_from_db()
    assert contact.receives_reports and contact.unsubscribed_at is None
