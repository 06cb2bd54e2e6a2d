from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import selectors, services
from crm.models import Client
from tests.factories import ClientFactory, ContactFactory
from ui.pagination import keyset_page


def names(response):
    return [client.name for client in response.context["page"].items]


@pytest.fixture
def signed_in(client, pm):
    client.force_login(pm)
    return client


def test_search_finds_clients_by_name_contact_name_and_contact_email(signed_in, pm):
    northwind = ClientFactory(name="Northwind", account_manager=pm)
    bluefin = ClientFactory(name="Bluefin", account_manager=pm)
    ContactFactory(client=bluefin, name="Priya Raman", email="priya@bluefin.test")
    ClientFactory(name="Kestrel", account_manager=pm)
    url = reverse("crm:client_list")
    assert names(signed_in.get(url, {"q": "north"})) == ["Northwind"]
    assert names(signed_in.get(url, {"q": "raman"})) == ["Bluefin"]
    assert names(signed_in.get(url, {"q": "priya@blue"})) == ["Bluefin"]
    assert northwind.name not in names(signed_in.get(url, {"q": "kestrel"}))


def test_filters_by_status_account_manager_and_overdue_checkin(signed_in, pm, teammate):
    today = timezone.localdate()
    ClientFactory(name="Active late", account_manager=pm, next_checkin_due=today - timedelta(days=3))
    ClientFactory(name="Active fine", account_manager=pm, next_checkin_due=today + timedelta(days=3))
    prospect = ClientFactory(name="Prospect", account_manager=teammate, status="prospect")
    prospect.team.add(pm)
    url = reverse("crm:client_list")
    assert names(signed_in.get(url, {"status": "prospect"})) == ["Prospect"]
    assert names(signed_in.get(url, {"account_manager": teammate.pk})) == ["Prospect"]
    assert names(signed_in.get(url, {"overdue": "on"})) == ["Active late"]


def test_archived_clients_are_hidden_unless_asked_for(signed_in, pm):
    kept = services.client_create(name="Kept", account_manager=pm)
    gone = services.client_create(name="Gone", account_manager=pm)
    services.client_archive(client=gone)
    url = reverse("crm:client_list")
    assert names(signed_in.get(url)) == [kept.name]
    assert names(signed_in.get(url, {"archived": "on"})) == [gone.name]


def test_sorts_put_never_contacted_clients_last(signed_in, pm):
    london = ZoneInfo("Europe/London")
    ClientFactory(name="Recent", account_manager=pm, last_contacted_at=datetime(2026, 11, 20, tzinfo=london))
    ClientFactory(name="Never", account_manager=pm)
    ClientFactory(name="Long ago", account_manager=pm, last_contacted_at=datetime(2026, 6, 1, tzinfo=london))
    url = reverse("crm:client_list")
    assert names(signed_in.get(url, {"sort": "last_contact"})) == ["Long ago", "Recent", "Never"]
    assert names(signed_in.get(url, {"sort": "-last_contact"})) == ["Recent", "Long ago", "Never"]


def test_bad_filter_values_fall_back_to_the_whole_list_not_an_error(signed_in, pm):
    ClientFactory(name="Only one", account_manager=pm)
    response = signed_in.get(
        reverse("crm:client_list"), {"status": "nonsense", "account_manager": "abc", "sort": "x", "cursor": "!!"}
    )
    assert response.status_code == 200
    assert names(response) == ["Only one"]


@pytest.mark.parametrize("sort", list(selectors.CLIENT_SORTS))
def test_keyset_pages_walk_every_client_once_forwards_and_back(pm, sort):
    london = ZoneInfo("Europe/London")
    for index in range(61):
        ClientFactory(
            name=f"Client {index % 7} {index:02d}",
            account_manager=pm,
            # Ties and gaps on purpose: many share a value, every third has none.
            last_contacted_at=None if index % 3 == 0 else datetime(2026, 1, 1 + index % 5, tzinfo=london),
            next_checkin_due=None if index % 4 == 0 else date(2026, 12, 1 + index % 6),
        )
    filters = selectors.ClientFilters(sort=sort)
    expected = [
        c.pk
        for c in keyset_page(
            selectors.client_list(user=pm, filters=filters),
            sort=selectors.CLIENT_SORTS[sort][1],
            cursor=None,
            size=1000,
        ).items
    ]
    pages, cursor = [], None
    while True:
        page = selectors.client_list_page(user=pm, filters=filters, cursor=cursor)
        pages.append([c.pk for c in page.items])
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert [pk for page in pages for pk in page] == expected
    assert len(expected) == Client.objects.count() == 61
    # …and back again from the last page.
    back = []
    while cursor:
        page = selectors.client_list_page(user=pm, filters=filters, cursor=page.previous_cursor)
        back.insert(0, [c.pk for c in page.items])
        cursor = page.previous_cursor
    assert back == pages[:-1]


def test_the_list_renders_an_overdue_checkin_in_red(signed_in, pm):
    ClientFactory(name="Late", account_manager=pm, next_checkin_due=timezone.localdate() - timedelta(days=2))
    html = signed_in.get(reverse("crm:client_list")).content.decode()
    assert "text-danger" in html and "Overdue" in html


def test_htmx_requests_get_just_the_rows(signed_in, pm):
    ClientFactory(name="Northwind", account_manager=pm)
    response = signed_in.get(reverse("crm:client_list"), {"q": "north"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Northwind" in html and "<html" not in html
