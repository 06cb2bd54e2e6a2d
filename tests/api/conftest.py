"""The API's world: acme (pm's client, teammate on its team) with one of everything the API
reads, and a token per staff persona."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from api import services as api_services
from crm import services
from crm.models import ActionItem
from projects import services as project_services
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


def token_for(user: Any) -> str:
    return api_services.api_token_create(user=user, name="tests").key


def api_as(user: Any | None = None, *, key: str | None = None) -> APIClient:
    """An API client that sends `Authorization: Token <key>` (a new token for `user`)."""
    api = APIClient()
    if key or user is not None:
        api.credentials(HTTP_AUTHORIZATION=f"Token {key or token_for(user)}")
    return api


@pytest.fixture
def api_world(acme, pm, teammate, other_pm, admin_user, client_contact):
    interaction = services.interaction_log(client=acme, logged_by=pm, summary="Kick-off")
    project = project_services.project_create(
        client=acme, name="Replatforming", manager=UserFactory(), team=[teammate], status="active"
    )
    other_client = services.client_create(name="Bob's Client", account_manager=other_pm)
    return SimpleNamespace(
        client=acme,
        contact=acme.contacts.get(),
        interaction=interaction,
        item=ActionItem.objects.create(client=acme, text="Send the plan", owner=pm),
        checkin=acme.checkins.get(state="due"),
        project=project,
        milestone=project_services.milestone_create(
            project=project, title="Design", due_on=timezone.localdate() + timedelta(days=20)
        ),
        risk=project_services.risk_raise(project=project, title="Vendor", probability=3, impact=4),
        other_client=other_client,
        people={
            "admin": admin_user,
            "account_manager": pm,
            "team_member": teammate,
            "other_manager": other_pm,
            "client_contact": client_contact,
            "anonymous": None,
        },
    )
