"""Exports: scope, filters, formats, streaming, formula neutralising and the round trip back in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse

from crm import services as crm
from crm.selectors import ClientFilters
from exchange import services
from exchange.exports import Export, clients_export, csv_lines, neutralise, xlsx_file
from projects.models import RiskIssue
from tests.exchange.helpers import read_csv, read_xlsx, upload
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

HOSTILE = ['=HYPERLINK("http://evil.test","x")', "+1+2", "-3+4", "@SUM(A1)", "\tTab", "\rReturn"]


def download(http, name, fmt="csv", **params):
    response = http.get(reverse(f"exchange:{name}", kwargs={"fmt": fmt}), params)
    assert response.status_code == 200, response.status_code
    body = b"".join(response.streaming_content)
    return response, (read_csv(body) if fmt == "csv" else read_xlsx(body))


@pytest.mark.parametrize("value", HOSTILE)
def test_neutralise_puts_an_apostrophe_before_formula_starts(value):
    assert neutralise(value) == "'" + value
    assert neutralise("Plain text") == "Plain text"
    assert neutralise(-5) == -5  # numbers stay numbers


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_cells_that_start_like_formulas_are_neutralised_in_both_formats(client, pm, fmt):
    for index, value in enumerate(HOSTILE):
        crm.client_create(name=f"{index} {value}", account_manager=pm, industry=value, notes=value)
    client.force_login(pm)
    _, rows = download(client, "export_clients", fmt)
    industries = [row[2] for row in rows[1:]]
    assert all(industry.startswith("'") for industry in industries)
    # An XML reader may turn a carriage return into a line feed; what matters is the apostrophe.
    same = (lambda text: text.replace("\r", "\n")) if fmt == "xlsx" else (lambda text: text)  # noqa: E731
    assert sorted(map(same, industries)) == sorted(same("'" + value) for value in HOSTILE)
    if fmt == "xlsx":
        import io

        import openpyxl

        response = client.get(reverse("exchange:export_clients", kwargs={"fmt": "xlsx"}))
        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_the_client_export_honours_the_lists_filters_and_sort(client, pm):
    crm.client_create(name="Beta", account_manager=pm, status="prospect")
    crm.client_create(name="alpha", account_manager=pm, status="prospect")
    crm.client_create(name="Gamma", account_manager=pm, status="active")
    client.force_login(pm)
    _, rows = download(client, "export_clients", status="prospect", sort="name")
    assert [row[0] for row in rows[1:]] == ["alpha", "Beta"]
    _, rows = download(client, "export_clients", q="gam")
    assert [row[0] for row in rows[1:]] == ["Gamma"]


def test_exports_hold_only_what_the_reader_may_see(client, pm, other_pm, acme):
    crm.interaction_log(client=acme, logged_by=pm, summary="Secret plans")
    ProjectFactory(client=acme, manager=pm, name="Acme rollout")
    crm.client_create(name="Bob's client", account_manager=other_pm)
    client.force_login(other_pm)
    for name in ["export_clients", "export_contacts", "export_interactions", "export_projects", "export_risks"]:
        for fmt in ["csv", "xlsx"]:
            _, rows = download(client, name, fmt)
            flat = " ".join(str(cell) for row in rows for cell in row)
            assert "Acme" not in flat and "Secret plans" not in flat and "Jane" not in flat, (name, fmt)


def test_narrowing_to_a_client_or_project_outside_scope_is_a_404(client, pm, other_pm, acme):
    project = ProjectFactory(client=acme, manager=pm)
    client.force_login(other_pm)
    for name, param, pk in [
        ("export_contacts", "client", acme.pk),
        ("export_interactions", "client", acme.pk),
        ("export_risks", "project", project.pk),
    ]:
        url = reverse(f"exchange:{name}", kwargs={"fmt": "csv"})
        assert client.get(url, {param: pk}).status_code == 404
        assert client.get(url, {param: "nonsense"}).status_code == 404


def test_contacts_and_interactions_of_one_client(client, pm, acme):
    other = crm.client_create(name="Other", account_manager=pm)
    crm.contact_create(client=other, name="Olly Other", email="olly@other.test")
    when = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC)
    crm.interaction_log(client=acme, logged_by=pm, summary="Kick-off", occurred_at=when, sentiment=4)
    client.force_login(pm)
    _, rows = download(client, "export_contacts", client=acme.pk)
    assert rows == [
        ["Client", "Contact", "Email", "Phone", "Title or role", "Primary contact", "Receives weekly reports"],
        ["Acme Corp", "Jane Client", "jane@acme.test", "", "", "Yes", "No"],
    ]
    _, rows = download(client, "export_interactions", "xlsx", client=acme.pk)
    assert rows[1][:5] == ["Acme Corp", dt.datetime(2026, 3, 2, 10, 30), "Meeting", "Kick-off", 4]  # noqa: DTZ001


def test_projects_and_the_risk_register(client, pm, acme):
    project = ProjectFactory(client=acme, manager=pm, name="Rollout", status="active")
    ProjectFactory(client=acme, manager=pm, name="Planned one", status="planned")
    RiskIssue.objects.create(project=project, title="Vendor late", probability=4, impact=5, owner=pm)
    RiskIssue.objects.create(project=project, title="Minor", probability=1, impact=1)
    client.force_login(pm)
    _, rows = download(client, "export_projects", "xlsx", status="active")
    assert [row[0] for row in rows[1:]] == ["Rollout"]
    _, rows = download(client, "export_risks", project=project.pk)
    assert [(row[3], row[7], row[9]) for row in rows[1:]] == [("Vendor late", "20", pm.full_name), ("Minor", "1", "")]


def test_exports_stream(client, pm, acme):
    client.force_login(pm)
    csv_response = client.get(reverse("exchange:export_clients", kwargs={"fmt": "csv"}))
    xlsx_response = client.get(reverse("exchange:export_clients", kwargs={"fmt": "xlsx"}))
    assert isinstance(csv_response, StreamingHttpResponse) and isinstance(xlsx_response, FileResponse)
    assert csv_response["Content-Disposition"].startswith('attachment; filename="rapport-clients-')
    assert xlsx_response["Content-Type"].startswith("application/vnd.openxmlformats")
    first = next(iter(csv_response.streaming_content))
    assert first.startswith("\ufeffClient,Status".encode())  # a BOM, so Excel reads UTF-8


def test_an_exported_client_list_imports_back_unchanged(client, pm, acme):
    crm.client_update(client=acme, industry="Retail", website="https://acme.test", notes="=1+1 is fine")
    crm.client_create(name="Prospect Ltd", account_manager=pm, status="prospect", preferred_channel="video")
    crm.interaction_log(client=acme, logged_by=pm, summary="-dash first", concerns="@them", kind="call", sentiment=2)
    client.force_login(pm)
    for name in ["export_clients", "export_contacts", "export_interactions"]:
        for fmt in ["csv", "xlsx"]:
            response = client.get(reverse(f"exchange:{name}", kwargs={"fmt": fmt}))
            data = b"".join(response.streaming_content)
            up = services.import_upload_create(owner=pm, file=upload(data, f"{name}.{fmt}"))
            assert up.counts["create"] == up.counts["update"] == up.counts["refused"] == 0, (name, fmt, up.counts)


def test_the_writers_read_rows_lazily(pm):
    """The writers pull rows one at a time: a generator that would fail past the second row is
    never asked for it when only the header and first line are read."""
    headers = clients_export(user=pm, filters=ClientFilters(), zone=pm.zone).headers

    def rows():
        yield ["First"] + [""] * 16
        raise AssertionError("read too far")

    lines = csv_lines(Export("clients", "Clients", headers, rows()))
    assert next(lines).startswith("\ufeffClient")
    assert next(lines).startswith("First")
    assert xlsx_file(Export("x", "X", ["A"], iter([["=1"]]))).read(2) == b"PK"
