"""Query budgets: every list endpoint runs the same number of queries for 1 row as for 25
(a full page), counted with token authentication included."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm import services
from crm.models import ActionItem, Participant
from tests.api.conftest import api_as
from tests.factories import ContactFactory, MilestoneFactory, ProjectFactory, RiskFactory, UserFactory

# The token (1), the page (1), plus one prefetch for interactions' participants.
BUDGETS = {
    "client-list": 2,
    "contact-list": 2,
    "interaction-list": 3,
    "action-item-list": 2,
    "checkin-list": 2,
    "project-list": 2,
    "milestone-list": 2,
    "risk-list": 2,
}


def a_book_of(manager, n):
    """n clients of `manager`, each with a contact, an interaction with people present, an
    action item, an open check-in, and a project with a milestone and a risk."""
    for index in range(n):
        the_client = services.client_create(name=f"Client {index:02d}", account_manager=manager)
        contact = ContactFactory(client=the_client)
        interaction = services.interaction_log(
            client=the_client, logged_by=manager, summary="Call", attendees=[contact], staff_present=[manager]
        )
        assert Participant.objects.filter(interaction=interaction).count() == 2
        ActionItem.objects.create(client=the_client, text="Do it", owner=manager)
        project = ProjectFactory(client=the_client, manager=manager)
        MilestoneFactory(project=project, due_on=timezone.localdate())
        RiskFactory(project=project)


@pytest.mark.parametrize("name", sorted(BUDGETS))
def test_list_queries_do_not_grow_with_rows(db, name):
    counts = {}
    for n in (1, 25):
        manager = UserFactory()
        a_book_of(manager, n)
        api = api_as(manager)
        api.get(reverse("api:client-list"))  # the token's first use is recorded once
        with CaptureQueriesContext(connection) as queries:
            response = api.get(reverse(f"api:{name}"), {"state": "due"} if name == "checkin-list" else {})
        assert response.status_code == 200
        assert len(response.json()["results"]) == n
        counts[n] = len(queries)
    assert counts[1] == counts[25] <= BUDGETS[name], counts


@pytest.mark.parametrize(
    ("name", "attr"),
    [("client-detail", "client"), ("interaction-detail", "interaction"), ("project-detail", "project")],
)
def test_detail_queries(api_world, pm, name, attr, django_assert_max_num_queries):
    api = api_as(pm)
    api.get(reverse("api:client-list"))
    with django_assert_max_num_queries(3):
        assert api.get(reverse(f"api:{name}", kwargs={"pk": getattr(api_world, attr).pk})).status_code == 200
