"""API tokens: issued once and stored only as a hash, revoked at once, never for client contacts;
the account page that manages them, and its own URL × role matrix."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from api import services
from api.models import ApiToken
from tests.api.conftest import api_as
from tests.factories import UserFactory


def test_a_token_is_stored_only_as_its_hash(pm):
    issued = services.api_token_create(user=pm, name="Script")
    row = ApiToken.objects.get()
    assert issued.key.startswith("rpt_") and len(issued.key) > 40
    assert row.key_hash == hashlib.sha256(issued.key.encode()).hexdigest()
    assert issued.key not in {row.name, row.prefix, row.key_hash}
    assert row.prefix == issued.key[:12]


def test_a_client_contact_gets_no_token(client_contact):
    with pytest.raises(PermissionDenied):
        services.api_token_create(user=client_contact, name="Sneaky")
    assert not ApiToken.objects.exists()


def test_a_revoked_token_answers_401(pm):
    issued = services.api_token_create(user=pm, name="Script")
    api = api_as(key=issued.key)
    assert api.get(reverse("api:client-list")).status_code == 200
    services.api_token_revoke(token=issued.token)
    response = api.get(reverse("api:client-list"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("header", ["Token nope", "Token", "Token a b", "Bearer xyz", "Token \u00e9t\u00e9"])
def test_a_wrong_or_malformed_key_answers_401(db, header):
    response = api_as().get(reverse("api:client-list"), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_a_token_stops_when_its_owner_leaves_or_becomes_a_client_contact(pm):
    key = services.api_token_create(user=pm, name="Script").key
    pm.is_active = False
    pm.save()
    assert api_as(key=key).get(reverse("api:client-list")).status_code == 401
    pm.is_active, pm.role = True, "client"
    pm.save()
    assert api_as(key=key).get(reverse("api:client-list")).status_code == 401


def test_using_a_token_records_when(pm):
    issued = services.api_token_create(user=pm, name="Script")
    api_as(key=issued.key).get(reverse("api:client-list"))
    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None


# The account page ---------------------------------------------------------------------------------


def test_the_account_page_shows_a_new_token_once_and_the_token_works(client, pm):
    client.force_login(pm)
    response = client.post(reverse("api:api_token_create"), {"name": "Weekly export"})
    assert response.status_code == 200
    key = response.context["new_key"]
    assert key in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert ApiToken.objects.get().name == "Weekly export"
    assert api_as(key=key).get(reverse("api:client-list")).status_code == 200
    # Shown once: the page never shows it again.
    assert key not in client.get(reverse("api:account")).content.decode()


def test_a_token_needs_a_name(client, pm):
    client.force_login(pm)
    response = client.post(reverse("api:api_token_create"), {"name": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_revoking_from_the_page_stops_the_token(client, pm):
    issued = services.api_token_create(user=pm, name="Script")
    client.force_login(pm)
    response = client.post(reverse("api:api_token_revoke", kwargs={"pk": issued.token.pk}))
    assert response.status_code == 302
    assert api_as(key=issued.key).get(reverse("api:client-list")).status_code == 401
    assert "Revoked" in client.get(reverse("api:account")).content.decode()


def test_nobody_revokes_someone_elses_token(client, pm, admin_user):
    issued = services.api_token_create(user=pm, name="Script")
    client.force_login(admin_user)
    assert client.post(reverse("api:api_token_revoke", kwargs={"pk": issued.token.pk})).status_code == 404
    issued.token.refresh_from_db()
    assert issued.token.is_active


def test_the_user_menu_links_to_the_account_page(client, pm):
    client.force_login(pm)
    assert reverse("api:account") in client.get(reverse("crm:client_list")).content.decode()


PAGES = [
    ("account", {}, ["GET"]),
    ("api_token_create", {"name": "x"}, ["POST"]),
    ("api_token_revoke", None, ["POST"]),
    ("calendar_regenerate", {}, ["POST"]),
    ("calendar_stop", {}, ["POST"]),
]


@pytest.mark.parametrize(("name", "data", "methods"), PAGES, ids=[p[0] for p in PAGES])
@pytest.mark.parametrize("role", ["admin", "manager", "other_manager", "client_contact", "anonymous"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_account_pages_answer_by_role(
    client, pm, admin_user, other_pm, client_contact, name, data, methods, role, method
):
    """Each person manages only their own tokens and calendar: someone else's token is a 404,
    a client contact gets 404 on every page, anonymous is sent to sign in."""
    token = services.api_token_create(user=pm, name="pm's").token
    person = {"admin": admin_user, "manager": pm, "other_manager": other_pm, "client_contact": client_contact}
    if role != "anonymous":
        client.force_login(person[role])
    kwargs = {"pk": token.pk} if data is None else {}
    url = reverse(f"api:{name}", kwargs=kwargs)
    response = client.get(url) if method == "GET" else client.post(url, data or {})
    if role == "anonymous":
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:sign_in"))
    elif role == "client_contact":
        assert response.status_code == 404
    elif method not in methods:
        assert response.status_code == 405
    elif name == "api_token_revoke" and role != "manager":
        assert response.status_code == 404
    else:
        assert response.status_code in (200, 302)


def test_a_manager_can_hold_several_tokens_up_to_the_limit(pm):
    for index in range(services.MAX_ACTIVE_TOKENS):
        services.api_token_create(user=pm, name=f"t{index}")
    with pytest.raises(ValidationError):
        services.api_token_create(user=pm, name="one too many")
    assert services.api_token_create(user=UserFactory(), name="someone else's").key
