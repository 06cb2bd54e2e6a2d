"""The import and export pages: the URL × role matrix, the upload flow through the browser's
requests, the size limit at the door, and query budgets constant with 1 and 25 rows."""

from __future__ import annotations

from types import SimpleNamespace
from unittest import mock

import pytest
from django.urls import reverse

from crm import services as crm
from crm.models import Client
from exchange import services
from exchange.models import ImportUpload
from exchange.spreadsheets import MAX_UPLOAD_BYTES
from projects.models import RiskIssue
from tests.access import ROLES, Route, url_names
from tests.exchange.helpers import csv_bytes, upload
from tests.factories import ClientFactory, ContactFactory, InteractionFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

ROWS = [["Client", "Industry"], ["Globex", "Energy"]]
EXPORTS = ["export_clients", "export_contacts", "export_interactions", "export_projects", "export_risks"]
ROUTES = [
    Route("import_start", methods=("GET", "POST"), scoped=False),
    Route("import_preview", lambda w: {"pk": w.upload.pk}),
    Route("import_commit", lambda w: {"pk": w.upload.pk}, methods=("POST",)),
    Route("import_discard", lambda w: {"pk": w.upload.pk}, methods=("POST",)),
    *(Route(name, lambda w: {"fmt": "csv"}, scoped=False) for name in EXPORTS),
]


def test_every_exchange_url_is_in_the_matrix():
    assert url_names("exchange") == {route.name for route in ROUTES}


@pytest.fixture
def world(acme, pm, teammate, other_pm, admin_user, client_contact):
    return SimpleNamespace(
        upload=services.import_upload_create(owner=pm, file=upload(csv_bytes(ROWS))),
        people={
            "admin": admin_user,
            "account_manager": pm,
            "team_member": teammate,
            "other_manager": other_pm,
            "client_contact": client_contact,
            "anonymous": None,
        },
    )


def expected(route: Route, role: str, method: str) -> set[int]:
    """An upload is its owner's alone: admins, teammates and everyone else get a 404."""
    if role == "anonymous":
        return {302}
    if role == "client_contact":
        return {404}
    if method not in route.methods:
        return {405}
    if route.scoped and role != "account_manager":
        return {404}
    return {200, 302}


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_exchange_url_answers_by_role(client, world, route, role, method):
    person = world.people[role]
    if person is not None:
        client.force_login(person)
    url = reverse(f"exchange:{route.name}", kwargs=route.kwargs(world))
    response = client.get(url) if method == "GET" else client.post(url, route.post_data(world))
    assert response.status_code in expected(route, role, method), (role, method, url)
    if role == "anonymous":
        assert response.url.startswith(reverse("accounts:sign_in"))


def test_another_managers_upload_cannot_be_seen_committed_or_discarded(client, world, other_pm):
    client.force_login(other_pm)
    pk = world.upload.pk
    assert client.get(reverse("exchange:import_preview", kwargs={"pk": pk})).status_code == 404
    assert client.post(reverse("exchange:import_commit", kwargs={"pk": pk})).status_code == 404
    assert client.post(reverse("exchange:import_discard", kwargs={"pk": pk})).status_code == 404
    assert ImportUpload.objects.filter(pk=pk, committed_at__isnull=True).exists()
    assert not Client.objects.filter(name="Globex").exists()


def test_upload_preview_and_commit(client, pm):
    client.force_login(pm)
    response = client.post(reverse("exchange:import_start"), {"file": upload(csv_bytes(ROWS), "book.csv")})
    up = ImportUpload.objects.get()
    assert response.status_code == 302 and response.url == reverse("exchange:import_preview", kwargs={"pk": up.pk})
    page = client.get(response.url).content.decode()
    assert "Preview: book.csv" in page and "New client." in page and "Import 1 row" in page
    response = client.post(reverse("exchange:import_commit", kwargs={"pk": up.pk}), follow=True)
    assert "Imported on" in response.content.decode()
    assert Client.objects.get(name="Globex").industry == "Energy"
    # Committed: a second commit is a 404, the page still says what happened.
    assert client.post(reverse("exchange:import_commit", kwargs={"pk": up.pk})).status_code == 404


def test_a_refused_row_blocks_the_commit_and_is_named(client, pm):
    client.force_login(pm)
    rows = [["Client", "Date", "Summary"], ["Globex", "2026-01-02", "Fine"], ["Initech", "03/04/2026", "Bad"]]
    response = client.post(reverse("exchange:import_start"), {"file": upload(csv_bytes(rows))}, follow=True)
    page = response.content.decode()
    assert "1 row is refused, so nothing can be imported" in page
    assert "“03/04/2026” is ambiguous" in page
    assert "Import 2 rows" not in page
    up = ImportUpload.objects.get()
    refused = client.get(reverse("exchange:import_preview", kwargs={"pk": up.pk}), {"show": "refused"})
    assert [row.number for row in refused.context["rows"]] == [3]
    client.post(reverse("exchange:import_commit", kwargs={"pk": up.pk}))
    assert not Client.objects.exists()


def test_a_bad_file_gets_a_form_error_and_keeps_nothing(client, pm):
    client.force_login(pm)
    response = client.post(reverse("exchange:import_start"), {"file": upload(b"Name,Email\nJane,j@x.test\n")})
    assert response.status_code == 200
    assert "The required column Client is missing" in response.content.decode()
    assert not ImportUpload.objects.exists()


def test_a_file_over_50_mb_is_stopped_at_the_door(client, pm):
    client.force_login(pm)
    big = b"Client\n" + b"x" * (MAX_UPLOAD_BYTES + 10)
    with mock.patch("exchange.views.services.import_upload_create") as create:
        response = client.post(reverse("exchange:import_start"), {"file": upload(big)})
    create.assert_not_called()  # the upload handler dropped the file before any service saw it
    assert response.status_code == 200
    assert "larger than 50 MB" in response.content.decode()
    assert not ImportUpload.objects.exists()


def test_the_client_list_offers_import_and_exports_with_its_filters(client, pm, acme):
    client.force_login(pm)
    page = client.get(reverse("crm:client_list"), {"status": "active"}).content.decode()
    assert reverse("exchange:import_start") in page
    assert reverse("exchange:export_clients", kwargs={"fmt": "xlsx"}) + "?status=active" in page
    detail = client.get(reverse("crm:client_detail", kwargs={"pk": acme.pk})).content.decode()
    assert reverse("exchange:export_interactions", kwargs={"fmt": "csv"}) + f"?client={acme.pk}" in detail
    project = ProjectFactory(client=acme, manager=pm)
    detail = client.get(reverse("projects:project_detail", kwargs={"pk": project.pk})).content.decode()
    assert reverse("exchange:export_risks", kwargs={"fmt": "csv"}) + f"?project={project.pk}" in detail
    listing = client.get(reverse("projects:project_list"), {"status": "active"}).content.decode()
    assert reverse("exchange:export_projects", kwargs={"fmt": "csv"}) + "?status=active" in listing


# Query budgets -------------------------------------------------------------------------------------

SIZES = [1, 25]
EXPORT_QUERIES = {
    # session, user, the filter form's choices, then one query that streams the rows
    "export_clients": 4,
    "export_contacts": 4,
    "export_interactions": 4,
    "export_projects": 5,  # the project filter offers managers and clients: two queries
    "export_risks": 5,
}
PREVIEW_QUERIES = 4  # session, user, the upload, one page of rows


@pytest.fixture
def manager(client):
    user = UserFactory()
    client.force_login(user)
    return user


def book_of(manager, n):
    for index in range(n):
        the_client = ClientFactory(account_manager=manager if index % 2 else UserFactory())
        the_client.team.add(manager)
        ContactFactory(client=the_client)
        InteractionFactory(client=the_client, logged_by=manager)
        project = ProjectFactory(client=the_client, manager=manager)
        RiskIssue.objects.create(project=project, title=f"Risk {index}", probability=2, impact=3, owner=manager)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("name", EXPORTS)
def test_export_queries(client, manager, n, fmt, name, django_assert_num_queries):
    book_of(manager, n)
    with django_assert_num_queries(EXPORT_QUERIES[name]):
        response = client.get(reverse(f"exchange:{name}", kwargs={"fmt": fmt}))
        body = b"".join(response.streaming_content)
    assert body


@pytest.mark.parametrize("n", SIZES)
def test_preview_queries(client, manager, n, django_assert_num_queries):
    rows = [["Client", "Contact", "Email"]] + [[f"Client {i}", f"Person {i}", f"p{i}@x.test"] for i in range(n)]
    up = services.import_upload_create(owner=manager, file=upload(csv_bytes(rows)))
    with django_assert_num_queries(PREVIEW_QUERIES):
        response = client.get(reverse("exchange:import_preview", kwargs={"pk": up.pk}))
    assert len(response.context["rows"]) == n


def test_the_preview_pages_by_row_number(client, manager):
    rows = [["Client"]] + [[f"Client {i}"] for i in range(250)]
    up = services.import_upload_create(owner=manager, file=upload(csv_bytes(rows)))
    url = reverse("exchange:import_preview", kwargs={"pk": up.pk})
    first = client.get(url).context
    assert [first["rows"][0].number, first["rows"][-1].number, first["next_after"]] == [2, 101, 101]
    last = client.get(url, {"after": 201}).context
    assert [last["rows"][0].number, last["rows"][-1].number, last["next_after"]] == [202, 251, None]


def test_a_teammate_sees_the_import_result_in_the_client_list(client, pm, teammate, acme):
    crm.client_update(client=acme, industry="Energy")
    client.force_login(teammate)
    response = client.post(
        reverse("exchange:import_start"), {"file": upload(csv_bytes([["Client", "Industry"], ["Acme Corp", "Retail"]]))}
    )
    client.post(reverse("exchange:import_commit", kwargs={"pk": ImportUpload.objects.get().pk}))
    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.industry == "Retail"
