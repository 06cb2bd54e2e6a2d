"""Granting access, one-time links and their failure pages, the password alternative, and
revocation."""

from __future__ import annotations

import io
import logging
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import ThrottleHit
from crm import services as crm
from outbox.models import OutboundEmail
from portal import reports
from portal.models import SignInToken
from portal.services import portal_access_grant, portal_access_revoke
from tests.factories import PASSWORD
from tests.portal.conftest import deliver_pending, link_in

HOME = reverse("portal:home")


def request_link(client, email, ip="192.0.2.10"):
    return client.post(reverse("portal:sign_in"), {"email": email}, REMOTE_ADDR=ip)


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def test_granting_access_emails_an_invitation_that_signs_the_contact_in(client, two_clients):
    a = two_clients.a
    portal_access_grant(contact=a.contact)
    (message,) = deliver_pending()
    assert message.to == [a.contact.email]
    assert "Alpha" in message.subject
    path = link_in(message)

    response = client.post(path)
    assert response.status_code == 302
    assert response.url == HOME  # the token is not in the address the browser lands on
    assert signed_in_user_id(client) == str(a.user.pk)
    assert client.get(HOME).status_code == 200


def test_tokens_carry_at_least_128_bits_and_only_their_hash_is_stored(client, two_clients):
    portal_access_grant(contact=two_clients.a.contact)
    request_link(client, two_clients.a.contact.email)
    tokens = [link_in(message).rstrip("/").rsplit("/", 1)[1] for message in deliver_pending()]
    assert len(tokens) == 2
    for token in tokens:
        assert len(token) >= 43  # base64 of 32 random bytes: 256 bits
    stored = " ".join(
        str(value) for model in (SignInToken, OutboundEmail) for row in model.objects.values_list() for value in row
    )
    for token in tokens:
        assert token not in stored


def test_opening_a_link_with_get_asks_to_confirm_and_does_not_use_it(client, two_clients):
    portal_access_grant(contact=two_clients.a.contact)
    path = link_in(deliver_pending()[0])
    for _ in range(3):  # a mail scanner prefetching the link, then the person
        response = client.get(path)
        assert response.status_code == 200
        assert b"Continue to the portal" in response.content
    assert signed_in_user_id(client) is None
    assert SignInToken.objects.get().used_at is None
    assert client.post(path).url == HOME


def test_token_pages_are_never_cached_nor_passed_on_as_a_referrer(client, two_clients):
    portal_access_grant(contact=two_clients.a.contact)
    path = link_in(deliver_pending()[0])
    for response in (client.get(path), client.post(path), client.post(path)):
        assert response["Referrer-Policy"] == "no-referrer"
        assert "no-store" in response["Cache-Control"]


def test_a_link_works_once(client, two_clients):
    portal_access_grant(contact=two_clients.a.contact)
    path = link_in(deliver_pending()[0])
    client.post(path)
    client.post(reverse("portal:sign_out"))
    response = client.post(path)
    assert response.status_code == 410
    assert b"used already" in response.content
    assert b"Email me a new link" in response.content
    assert signed_in_user_id(client) is None


@pytest.mark.parametrize(
    ("ask", "minutes_later", "works"),
    [("sign-in", 9, True), ("sign-in", 11, False), ("invitation", 71 * 60, True), ("invitation", 73 * 60, False)],
)
def test_links_expire(client, two_clients, ask, minutes_later, works):
    a = two_clients.a
    start = timezone.now()
    with time_machine.travel(start):
        if ask == "sign-in":
            request_link(client, a.contact.email)
        else:
            portal_access_grant(contact=a.contact)
        path = link_in(deliver_pending()[0])
    with time_machine.travel(start + timedelta(minutes=minutes_later)):
        response = client.post(path)
    if works:
        assert response.url == HOME
    else:
        assert response.status_code == 410
        assert b"expired" in response.content
        assert b"Email me a new link" in response.content


def test_a_made_up_token_fails_with_the_same_clear_page(client, two_clients):
    response = client.post(reverse("portal:link", kwargs={"token": "x" * 43}))
    assert response.status_code == 410
    assert b"not one we sent" in response.content


def test_an_invitation_cannot_be_used_as_a_sign_in_link(client, two_clients):
    portal_access_grant(contact=two_clients.a.contact)
    token = link_in(deliver_pending()[0]).rstrip("/").rsplit("/", 1)[1]
    assert client.post(reverse("portal:link", kwargs={"token": token})).status_code == 410


def test_revoking_access_kills_unused_links_and_open_sessions(client, two_clients):
    a = two_clients.a
    portal_access_grant(contact=a.contact)
    first, second = link_in(deliver_pending()[0]), None
    client.post(first)
    assert client.get(HOME).status_code == 200
    portal_access_grant(contact=a.contact)
    second = link_in(deliver_pending()[0])

    portal_access_revoke(contact=a.contact)
    response = client.get(HOME)  # the open session ends at the next request
    assert response.status_code == 302
    assert response.url.startswith(reverse("portal:sign_in"))
    response = client.post(second)
    assert response.status_code == 410
    assert b"Email me a new link" in response.content


def test_revoking_access_suppresses_an_invitation_not_yet_sent(two_clients):
    a = two_clients.a
    portal_access_grant(contact=a.contact)
    portal_access_revoke(contact=a.contact)
    assert deliver_pending() == []
    assert OutboundEmail.objects.get().status == OutboundEmail.Status.SUPPRESSED


def test_the_link_request_answers_the_same_for_known_and_unknown_addresses(client, two_clients):
    known = request_link(client, two_clients.a.contact.email, ip="192.0.2.1")
    unknown = request_link(client, "nobody@nowhere.test", ip="192.0.2.2")
    assert (known.status_code, known.url) == (unknown.status_code, unknown.url) == (302, reverse("portal:sign_in_sent"))
    assert client.get(known.url).content == client.get(unknown.url).content
    assert [m.to for m in deliver_pending()] == [[two_clients.a.contact.email]]


def test_a_withdrawn_or_staff_address_gets_no_link(client, two_clients):
    portal_access_revoke(contact=two_clients.b.contact)
    request_link(client, two_clients.b.contact.email)
    request_link(client, two_clients.manager.email)
    request_link(client, two_clients.archived.contact.email)
    assert deliver_pending() == []


def test_link_requests_are_limited_per_address(client, two_clients):
    for index in range(8):
        assert request_link(client, two_clients.a.contact.email, ip=f"192.0.2.{index}").status_code == 302
    assert len(deliver_pending()) == 5


def test_link_requests_are_limited_per_ip(client, two_clients):
    for index in range(25):
        request_link(client, f"probe{index}@nowhere.test", ip="198.51.100.4")
    request_link(client, two_clients.a.contact.email, ip="198.51.100.4")
    assert deliver_pending() == []
    assert ThrottleHit.objects.filter(scope="portal-link-ip").count() == 20


def test_a_bad_address_gets_a_form_error(client, db):
    response = client.post(reverse("portal:sign_in"), {"email": "not an address"})
    assert response.status_code == 200
    assert b"Enter a valid email address" in response.content


def test_a_contact_who_prefers_a_password_signs_in_with_it(client, two_clients):
    user = two_clients.a.user
    user.set_password(PASSWORD)
    user.save()
    response = client.post(reverse("portal:sign_in_password"), {"email": user.email, "password": PASSWORD})
    assert response.url == HOME
    assert signed_in_user_id(client) == str(user.pk)


def test_a_withdrawn_contact_cannot_sign_in_with_a_password(client, two_clients):
    user = two_clients.a.user
    user.set_password(PASSWORD)
    user.save()
    portal_access_revoke(contact=two_clients.a.contact)
    response = client.post(reverse("portal:sign_in_password"), {"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert signed_in_user_id(client) is None


def test_staff_cannot_use_the_portal_password_form(client, two_clients, pm):
    response = client.post(reverse("portal:sign_in_password"), {"email": pm.email, "password": PASSWORD})
    assert response.status_code == 200
    assert b"staff sign-in" in response.content.lower()
    assert signed_in_user_id(client) is None


def test_sign_out_needs_a_post(client, two_clients):
    client.force_login(two_clients.a.user)
    assert client.get(reverse("portal:sign_out")).status_code == 405
    assert client.post(reverse("portal:sign_out")).url == reverse("portal:sign_in")
    assert client.get(HOME).status_code == 302


def test_tokens_never_reach_the_log(client, two_clients, settings):
    """A refused link is logged by Django as a 410 warning; the handler's line hides the token."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        token = "Zz" * 22
        client.post(reverse("portal:link", kwargs={"token": token}))
    finally:
        handler.setStream(previous)
    assert "/portal/link/[redacted]" in stream.getvalue()
    assert token not in stream.getvalue()


def test_recurring_emails_carry_no_sign_in_token(two_clients):
    """Only the invitation and the sign-in email mint tokens; the weekly report links to the
    sign-in page and leaves no token behind."""
    a = two_clients.a
    crm.contact_update(contact=a.contact, receives_reports=True)
    report = reports.status_report_create(project=a.hidden, due_at=timezone.now())
    assert report is not None
    tokens_before = SignInToken.objects.count()
    (message,) = deliver_pending()
    assert SignInToken.objects.count() == tokens_before
    for body in (message.body, message.alternatives[0][0]):
        assert "/portal/sign-in/" in body
        assert "/portal/link/" not in body and "/portal/invitation/" not in body


def test_the_confirm_button_is_protected_against_cross_site_posts(two_clients):
    """The confirm page sends no referrer, so its form posts with `Origin: null`: that passes
    only with the CSRF token and when the browser says the post came from our own site."""
    portal_access_grant(contact=two_clients.a.contact)
    path = link_in(deliver_pending()[0])
    browser = Client(enforce_csrf_checks=True)
    browser.get(path)
    csrf = browser.cookies["csrftoken"].value
    null_origin = {"HTTP_ORIGIN": "null", "HTTP_SEC_FETCH_SITE": "cross-site"}
    assert browser.post(path, {"csrfmiddlewaretoken": csrf}, **null_origin).status_code == 403
    assert browser.post(path, {}, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="same-origin").status_code == 403
    # No Sec-Fetch-Site at all (an old browser, or not a browser): cross-site, even with the token.
    assert browser.post(path, {"csrfmiddlewaretoken": csrf}, HTTP_ORIGIN="null").status_code == 403
    assert signed_in_user_id(browser) is None
    response = browser.post(path, {"csrfmiddlewaretoken": csrf}, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="same-origin")
    assert response.url == HOME


def test_the_new_link_form_on_a_token_page_passes_csrf_with_a_null_origin(two_clients):
    """The link-problem page sends no referrer, so its form posts with `Origin: null`."""
    browser = Client(enforce_csrf_checks=True)
    browser.get(reverse("portal:sign_in"))
    csrf = browser.cookies["csrftoken"].value
    data = {"csrfmiddlewaretoken": csrf, "email": two_clients.a.contact.email}
    emails_before = OutboundEmail.objects.count()
    cross = browser.post(reverse("portal:sign_in"), data, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="cross-site")
    assert cross.status_code == 403
    for unsure in ("same-site", "none", ""):
        sent = browser.post(reverse("portal:sign_in"), data, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE=unsure)
        assert sent.status_code == 403, unsure
    assert browser.post(reverse("portal:sign_in"), data, HTTP_ORIGIN="null").status_code == 403
    assert OutboundEmail.objects.count() == emails_before
    ours = browser.post(reverse("portal:sign_in"), data, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="same-origin")
    assert ours.url == reverse("portal:sign_in_sent")


def test_access_granted_again_does_not_revive_old_sessions_or_password(client, two_clients):
    a = two_clients.a
    a.user.set_password(PASSWORD)
    a.user.save()
    client.force_login(a.user)
    assert client.get(HOME).status_code == 200
    portal_access_revoke(contact=a.contact)
    portal_access_grant(contact=a.contact)
    response = client.get(HOME)
    assert response.status_code == 302
    assert response.url.startswith(reverse("portal:sign_in"))
    a.user.refresh_from_db()
    assert not a.user.has_usable_password()


def test_an_invitation_waiting_when_the_address_is_corrected_is_not_sent_to_the_old_one(two_clients):
    a = two_clients.a
    portal_access_grant(contact=a.contact)  # queued to the mistyped address
    crm.contact_update(contact=a.contact, email="alpha.corrected@alpha.test")
    assert deliver_pending() == []
    assert not SignInToken.objects.exists()  # no working link was minted for the old address
    portal_access_grant(contact=a.contact)
    (message,) = deliver_pending()
    assert message.to == ["alpha.corrected@alpha.test"]
