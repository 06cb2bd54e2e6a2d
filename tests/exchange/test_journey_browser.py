from __future__ import annotations

import pytest
from playwright.sync_api import expect

from crm.models import Client
from tests.exchange.helpers import csv_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_imports_a_spreadsheet_and_exports_the_list(
    page, live_server, pm, acme, sign_in_browser, axe_check, tmp_path
):
    book = tmp_path / "clients.csv"
    book.write_bytes(
        csv_bytes(
            [
                ["Company", "Industry", "Contact", "E-mail", "Date", "Summary"],
                ["Globex", "Energy", "Hank Scorpio", "hank@globex.test", "2026-03-02 10:00", "Kick-off"],
                ["Acme Corp", "", "Jane Client", "jane@acme.test", "", ""],
            ],
            delimiter=";",
            bom=True,
        )
    )
    sign_in_browser(page, pm)
    page.goto(f"{live_server.url}/clients/")
    page.get_by_role("link", name="Import").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Import clients")
    assert axe_check(page) == []
    page.get_by_label("Spreadsheet (CSV or XLSX)").set_input_files(str(book))
    page.get_by_role("button", name="Check the file").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Preview: clients.csv")
    rows = page.get_by_role("table", name="What each row does")
    expect(rows).to_contain_text("New client. New contact Hank Scorpio. New meeting on 2026-03-02 10:00.")
    expect(rows).to_contain_text("Client unchanged. Contact Jane Client unchanged.")
    assert axe_check(page) == []
    assert not Client.objects.filter(name="Globex").exists()

    page.get_by_role("button", name="Import 2 rows").click()
    expect(page.get_by_text("Imported on")).to_be_visible()
    assert Client.objects.get(name="Globex").contacts.get().email == "hank@globex.test"

    page.goto(f"{live_server.url}/clients/?q=glob")
    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX").first.click()
    assert download.value.suggested_filename.startswith("rapport-clients-")
    assert download.value.suggested_filename.endswith(".xlsx")
