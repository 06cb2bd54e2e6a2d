from __future__ import annotations

from datetime import timedelta

import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import ThrottleHit
from tests.factories import PASSWORD, UserFactory

SIGN_IN = "/accounts/sign-in/"


def post_sign_in(client, email, password, ip="10.0.0.1"):
    return client.post(SIGN_IN, {"email": email, "password": password}, REMOTE_ADDR=ip)


def test_a_manager_signs_in_with_email_and_password(client, pm):
    response = post_sign_in(client, pm.email, PASSWORD)
    assert response.status_code == 302
    assert response.url == "/"
    assert client.get("/").status_code == 200


def test_email_is_matched_without_regard_to_case(client, pm):
    response = post_sign_in(client, pm.email.upper(), PASSWORD)
    assert response.status_code == 302


def test_a_wrong_password_gets_a_clear_error(client, pm):
    response = post_sign_in(client, pm.email, "not-the-password")
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()


def test_sign_in_redirects_to_a_safe_next_only(client, pm):
    ok = client.post(SIGN_IN + "?next=/admin/", {"email": pm.email, "password": PASSWORD})
    assert ok.url == "/admin/"
    client.logout()
    evil = client.post(SIGN_IN + "?next=https://evil.example/", {"email": pm.email, "password": PASSWORD})
    assert evil.url == "/"


def test_five_failures_lock_the_account_for_thirty_minutes_even_with_the_right_password(client, pm):
    for _ in range(settings.SIGN_IN_FAILURES_PER_ACCOUNT):
        assert post_sign_in(client, pm.email, "wrong-password").status_code == 200
    locked = post_sign_in(client, pm.email, PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session

    with time_machine.travel(timezone.now() + timedelta(minutes=29)):
        assert post_sign_in(client, pm.email, PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert post_sign_in(client, pm.email, PASSWORD).status_code == 302


def test_failures_spread_over_more_than_thirty_minutes_do_not_lock(client, pm):
    start = timezone.now()
    for minutes in (0, 10, 20, 31, 35):
        with time_machine.travel(start + timedelta(minutes=minutes)):
            post_sign_in(client, pm.email, "wrong-password")
    with time_machine.travel(start + timedelta(minutes=36)):
        assert post_sign_in(client, pm.email, PASSWORD).status_code == 302


def test_one_address_guessing_many_accounts_is_locked_out(client, pm):
    victims = [UserFactory() for _ in range(settings.SIGN_IN_FAILURES_PER_IP // 4 + 1)]
    for index in range(settings.SIGN_IN_FAILURES_PER_IP):
        post_sign_in(client, victims[index % len(victims)].email, "guess", ip="203.0.113.9")
    assert post_sign_in(client, pm.email, PASSWORD, ip="203.0.113.9").status_code == 429
    # The account itself is not locked: from another address its owner signs in.
    assert post_sign_in(client, pm.email, PASSWORD, ip="198.51.100.7").status_code == 302


def test_a_client_contact_cannot_use_the_staff_sign_in(client, db):
    contact = UserFactory(role="client")
    response = post_sign_in(client, contact.email, PASSWORD)
    assert response.status_code == 200
    assert "client portal" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_out_needs_a_post(client, pm):
    client.force_login(pm)
    assert client.get(reverse("accounts:sign_out")).status_code == 405
    response = client.post(reverse("accounts:sign_out"))
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_a_staff_session_ends_twelve_hours_after_sign_in_however_active(client, pm):
    start = timezone.now()
    with time_machine.travel(start):
        client.force_login(pm)
    with time_machine.travel(start + timedelta(hours=11, minutes=59)):
        assert client.get("/").status_code == 200
    with time_machine.travel(start + timedelta(hours=12, minutes=1)):
        response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:sign_in"))


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:sign_in')}?next=/"


def test_the_admin_login_page_is_the_throttled_staff_sign_in(client, db):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:sign_in')}?next=/admin/"


def test_only_admins_reach_the_django_admin(client, pm, admin_user):
    client.force_login(pm)
    assert client.get("/admin/").status_code == 302
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200


def test_passwords_are_hashed_with_argon2_and_at_least_twelve_characters():
    from config.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    validators = {v["NAME"].rsplit(".", 1)[-1]: v for v in base.AUTH_PASSWORD_VALIDATORS}
    assert validators["MinimumLengthValidator"]["OPTIONS"]["min_length"] == 12
    assert "CommonPasswordValidator" in validators


def test_argon2_hashes_a_new_password(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = UserFactory()
    user.set_password("a fresh long password")
    assert user.password.startswith("argon2$")


def test_the_staff_and_portal_sign_in_pages_share_one_count(client, db):
    contact = UserFactory(role="client", email="cara@client.test")
    for _ in range(3):
        client.post(reverse("accounts:sign_in"), {"email": contact.email, "password": "guess"})
    for _ in range(2):
        client.post(reverse("portal:sign_in_password"), {"email": contact.email, "password": "guess"})
    response = client.post(reverse("portal:sign_in_password"), {"email": contact.email, "password": PASSWORD})
    assert response.status_code == 429  # five failures across both pages lock the account
    assert "_auth_user_id" not in client.session


def test_a_successful_sign_in_does_not_count_against_the_limit(client, pm):
    for _ in range(settings.SIGN_IN_FAILURES_PER_ACCOUNT + 2):
        assert post_sign_in(client, pm.email, PASSWORD).status_code == 302
        client.logout()
    assert not ThrottleHit.objects.exists()


def test_a_manager_opening_the_admin_is_not_sent_round_in_circles(client, pm):
    client.force_login(pm)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert response.status_code == 200
    assert len(response.redirect_chain) <= 3
