"""Query budgets: each page runs the same number of queries whatever the number of related rows
(1 or 25), within 10. The counts include loading the session and the user."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import services
from crm.models import ActionItem, CheckIn, PulseAnswer
from crm.perception import week_of
from crm.selectors import TIMELINE_PAGE_SIZE
from projects.models import Milestone, Project
from tests.factories import ActionItemFactory, ClientFactory, ContactFactory, InteractionFactory, UserFactory

SIZES = [1, 25]
CLIENT_LIST_QUERIES = 4
# 10, plus the health history, the pulse answers on the timeline, the perception gap (their
# answers, then our sentiment) and the expectation gaps of its active projects.
CLIENT_PAGE_QUERIES = 15
LOG_FORM_GET_QUERIES = 4
LOG_FORM_POST_QUERIES = 12  # one of them marks the client for a health rescore
ACTION_ITEM_LIST_QUERIES = 3


@pytest.fixture
def manager(client, db):
    user = UserFactory()
    client.force_login(user)
    return user


def a_client_with(manager, n):
    """A client with n of everything the client page lists."""
    the_client = services.client_create(name="Sized", account_manager=manager)
    the_client.team.set(UserFactory.create_batch(n))
    contacts = ContactFactory.create_batch(n, client=the_client)
    InteractionFactory.create_batch(n, client=the_client)
    ActionItemFactory.create_batch(n, client=the_client, owner=manager)
    for index in range(n):
        project = Project.objects.create(client=the_client, name=f"Project {index}", manager=manager, status="active")
        PulseAnswer.objects.create(
            client=the_client, contact=contacts[index], project=project, week=week_of(timezone.localdate()), score=1
        )
        Milestone.objects.create(project=project, title="M", due_on=timezone.localdate(), weight=2)
    for days in range(1, n):
        CheckIn.objects.create(
            client=the_client, kind="follow_up", due_on=timezone.localdate() + timedelta(days=days), owner=manager
        )
    return the_client


@pytest.mark.parametrize("n", SIZES)
def test_client_list_queries(client, manager, n, django_assert_num_queries):
    for index in range(n):
        other = ClientFactory(account_manager=manager if index % 2 else UserFactory())
        other.team.add(manager)
        ContactFactory(client=other)
    with django_assert_num_queries(CLIENT_LIST_QUERIES):
        response = client.get(reverse("crm:client_list"), {"q": "Client", "sort": "next_checkin"})
    assert len(response.context["page"].items) == n


@pytest.mark.parametrize("n", SIZES)
def test_client_page_queries(client, manager, n, django_assert_num_queries):
    the_client = a_client_with(manager, n)
    with django_assert_num_queries(CLIENT_PAGE_QUERIES):
        response = client.get(reverse("crm:client_detail", kwargs={"pk": the_client.pk}))
    page = response.context["page"]
    assert len(page.contacts) == len(page.open_action_items) == len(page.team) == len(page.projects) == n
    assert len(page.timeline.items) == min(n, TIMELINE_PAGE_SIZE)
    assert len([entry for entry in page.timeline_entries if entry.answer]) == n
    assert page.perception_gap is not None


@pytest.mark.parametrize("n", SIZES)
def test_log_form_get_queries(client, manager, n, django_assert_num_queries):
    the_client = a_client_with(manager, n)
    with django_assert_num_queries(LOG_FORM_GET_QUERIES):
        response = client.get(reverse("crm:interaction_log", kwargs={"pk": the_client.pk}))
    form = response.context["form"]
    assert len(form.fields["attendees"].choices) == n
    assert len(form.fields["project"].choices) == n + 1  # and "No particular project"


@pytest.mark.parametrize("n", SIZES)
def test_log_form_post_queries(client, manager, n, django_assert_num_queries):
    the_client = a_client_with(manager, n)
    contacts = list(the_client.contacts.all())
    team = list(the_client.team.all())
    data = {
        "kind": "meeting",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "summary": "Weekly sync",
        "sentiment": "4",
        "attendees": [str(c.pk) for c in contacts],
        "staff_present": [str(u.pk) for u in team],
        "items-TOTAL_FORMS": str(n),
        "items-INITIAL_FORMS": "0",
    }
    for index in range(n):
        data |= {
            f"items-{index}-text": f"Follow-up {index}",
            f"items-{index}-owner_side": "client" if index % 2 else "us",
            f"items-{index}-owner": str(team[index].pk),
            f"items-{index}-owner_contact": str(contacts[index].pk),
        }
    with django_assert_num_queries(LOG_FORM_POST_QUERIES):
        response = client.post(reverse("crm:interaction_log", kwargs={"pk": the_client.pk}), data)
    assert response.status_code == 302
    interaction = the_client.interactions.order_by("-id").first()
    assert interaction.attendees.count() == n
    assert interaction.staff_present.count() == n
    assert interaction.action_items.count() == n


@pytest.mark.parametrize("n", SIZES)
def test_action_item_list_queries(client, manager, n, django_assert_num_queries):
    for _ in range(n):
        ActionItemFactory(client=ClientFactory(account_manager=manager), owner=manager, due_on=timezone.localdate())
    with django_assert_num_queries(ACTION_ITEM_LIST_QUERIES):
        response = client.get(reverse("crm:action_item_list"))
    assert len(response.context["items"]) == n
    assert ActionItem.objects.count() == n
