from __future__ import annotations

import re

from django.core import mail
from django.urls import reverse

from outbox.models import OutboundEmail
from outbox.services import email_deliver
from tests.factories import PASSWORD


def request_reset(client, email):
    return client.post(reverse("accounts:password_reset"), {"email": email})


def test_a_reset_request_queues_an_email_and_the_link_sets_a_new_password(client, pm):
    response = request_reset(client, pm.email)
    assert response.status_code == 302
    row = OutboundEmail.objects.get(user=pm)
    assert row.kind == OutboundEmail.Kind.PASSWORD_RESET
    assert email_deliver(email_id=row.pk) == "sent"

    message = mail.outbox[0]
    assert message.to == [pm.email]
    text, (html, _) = message.body, message.alternatives[0]
    link = re.search(r"http://\S+/accounts/reset/\S+/", text).group(0)
    assert link in html

    confirm = client.get(link.replace("http://127.0.0.1:8000", ""), follow=True)
    assert confirm.context["validlink"]
    new_password = "a brand new passphrase 7"
    done = client.post(
        confirm.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}, follow=True
    )
    assert done.status_code == 200
    pm.refresh_from_db()
    assert pm.check_password(new_password)
    assert not pm.check_password(PASSWORD)


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, db):
    response = request_reset(client, "nobody@rapport.test")
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_sent")
    assert not OutboundEmail.objects.exists()


def test_reset_requests_are_limited_per_address(client, pm):
    for _ in range(8):
        request_reset(client, pm.email)
    assert OutboundEmail.objects.filter(user=pm).count() == 5


def test_the_reset_email_is_not_stored_with_its_token(client, pm):
    request_reset(client, pm.email)
    row = OutboundEmail.objects.get(user=pm)
    email_deliver(email_id=row.pk)
    token = re.search(r"/accounts/reset/[^/]+/([^/]+)/", mail.outbox[0].body).group(1)
    row.refresh_from_db()
    stored = " ".join(str(value) for value in OutboundEmail.objects.values_list().get(pk=row.pk))
    assert token not in stored
