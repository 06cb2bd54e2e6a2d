"""The import, called through its services: dry run, commit, matching, the last-contact rule and
every kind of bad file."""

from __future__ import annotations

import datetime as dt
import io
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from crm import services as crm
from crm.models import CheckIn, Client, Contact, Interaction
from exchange import services
from exchange.models import ImportRow, ImportUpload
from exchange.selectors import uploads_for_user
from exchange.spreadsheets import MAX_UPLOAD_BYTES, ImportFileError
from tests.exchange.helpers import csv_bytes, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 15, 10, 0, tzinfo=dt.UTC)
HEADER = ["Company", "Industry", "Contact", "E-mail", "Phone", "Date", "Type", "Summary", "Sentiment"]
ROWS = [
    HEADER,
    [
        "Globex",
        "Energy",
        "Hank Scorpio",
        "hank@globex.test",
        "+1 555 0100",
        "2026-03-02 10:00",
        "Meeting",
        "Kick-off",
        "4",
    ],
    ["Globex", "", "Frank Grimes", "frank@globex.test", "", "2026-05-20", "Call", "Budget call", "2"],
    ["Initech", "Software", "Bill Lumbergh", "bill@initech.test", "", "", "", "", ""],
]


@pytest.fixture(autouse=True)
def pinned_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def importer_zone(pm):
    """The importer works in New York: times in files are read there, not in UTC."""
    pm.time_zone = "America/New_York"
    pm.save(update_fields=["time_zone"])


def dry_run(user, rows, **kwargs):
    return services.import_upload_create(owner=user, file=upload(csv_bytes(rows, **kwargs)))


def outcomes(up):
    return {row.number: (row.action, row.message) for row in up.rows.all()}


def test_the_dry_run_says_what_each_row_would_do_and_writes_nothing_else(pm):
    up = dry_run(pm, ROWS)
    assert up.counts == {"create": 3, "update": 0, "unchanged": 0, "refused": 0}
    rows = outcomes(up)
    assert rows[2] == ("create", "New client. New contact Hank Scorpio. New meeting on 2026-03-02 10:00.")
    assert rows[3][0] == "create" and "Client as in row 2" in rows[3][1] and "New call" in rows[3][1]
    assert not Client.objects.exists() and not Contact.objects.exists() and not Interaction.objects.exists()


def test_commit_creates_clients_contacts_and_interactions(pm):
    result = services.import_commit(upload=dry_run(pm, ROWS))
    assert result.committed
    globex = Client.objects.get(name="Globex")
    assert globex.account_manager == pm and globex.industry == "Energy" and globex.time_zone == pm.time_zone
    assert list(globex.contacts.order_by("name").values_list("name", "is_primary")) == [
        ("Frank Grimes", False),
        ("Hank Scorpio", True),
    ]
    kickoff = globex.interactions.get(summary="Kick-off")
    assert kickoff.logged_by == pm and kickoff.sentiment == 4 and kickoff.kind == "meeting"
    assert list(kickoff.attendees.values_list("email", flat=True)) == ["hank@globex.test"]
    # A date alone means noon in the importer's zone.
    assert globex.interactions.get(summary="Budget call").occurred_at == dt.datetime(2026, 5, 20, 12, tzinfo=pm.zone)
    # Last contact and the next check-in as logging leaves them.
    assert globex.last_contacted_at == dt.datetime(2026, 5, 20, 12, tzinfo=pm.zone)
    regular = globex.checkins.get(state="due")
    assert regular.due_on == dt.date(2026, 5, 20) + dt.timedelta(days=14) == globex.next_checkin_due
    initech = Client.objects.get(name="Initech")
    assert initech.last_contacted_at is None
    assert initech.next_checkin_due == dt.date(2026, 6, 15) + dt.timedelta(days=14)
    assert ImportUpload.objects.get().committed_at is not None


def test_importing_the_same_file_again_changes_nothing(pm):
    services.import_commit(upload=dry_run(pm, ROWS))
    before = (
        list(Client.objects.values_list("pk", "updated_at", "last_contacted_at", "next_checkin_due")),
        Contact.objects.count(),
        Interaction.objects.count(),
        list(CheckIn.objects.values_list("pk", "state", "due_on")),
    )
    again = dry_run(pm, ROWS)
    assert again.counts == {"create": 0, "update": 0, "unchanged": 3, "refused": 0}
    assert services.import_commit(upload=again).committed
    after = (
        list(Client.objects.values_list("pk", "updated_at", "last_contacted_at", "next_checkin_due")),
        Contact.objects.count(),
        Interaction.objects.count(),
        list(CheckIn.objects.values_list("pk", "state", "due_on")),
    )
    assert after == before


def test_matching_ignores_case_and_updates_only_what_changed(pm, acme):
    rows = [
        ["Client", "Industry", "Email", "Contact", "Title"],
        ["ACME CORP", "Retail", "JANE@acme.test", "Jane Client", "CTO"],
    ]
    up = dry_run(pm, rows)
    assert outcomes(up)[2] == ("update", "Updates the client's Industry. Updates Jane Client's title.")
    services.import_commit(upload=up)
    acme.refresh_from_db()
    assert acme.industry == "Retail" and acme.name == "Acme Corp"
    assert acme.contacts.get().title == "CTO" and acme.contacts.count() == 1


def test_clients_outside_the_importers_scope_are_never_touched(pm, other_pm, acme):
    rows = [["Client", "Industry"], ["Acme Corp", "Retail"]]
    services.import_commit(upload=dry_run(other_pm, rows))
    acme.refresh_from_db()
    assert acme.industry == ""
    assert Client.objects.filter(name="Acme Corp", account_manager=other_pm).exists()


def test_a_team_member_updates_the_client_of_the_team(teammate, acme):
    services.import_commit(upload=dry_run(teammate, [["Client", "Industry"], ["Acme Corp", "Retail"]]))
    assert Client.objects.filter(name="Acme Corp").count() == 1
    acme.refresh_from_db()
    assert acme.industry == "Retail"


def test_a_backdated_interaction_never_moves_last_contact_backwards(pm, acme):
    latest = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
    crm.interaction_log(client=acme, logged_by=pm, summary="Review", occurred_at=latest)
    acme.refresh_from_db()
    due_before = acme.next_checkin_due
    rows = [["Client", "Date", "Summary", "Type"], ["Acme Corp", "2026-03-01 10:00", "Old meeting", "meeting"]]
    services.import_commit(upload=dry_run(pm, rows))
    acme.refresh_from_db()
    assert acme.last_contacted_at == latest
    assert acme.next_checkin_due == due_before == dt.date(2026, 6, 1) + dt.timedelta(days=14)
    assert acme.checkins.filter(state="due", kind="regular").count() == 1


def test_imported_interactions_follow_the_same_rules_as_logging(pm, acme):
    """Import a meeting and log the same one into a twin client: both end up alike."""
    twin = crm.client_create(name="Twin", account_manager=pm, time_zone="Europe/London", checkin_cadence_days=14)
    follow_up = crm.checkin_schedule(client=acme, due_on=dt.date(2026, 4, 1), kind="follow_up")
    crm.checkin_schedule(client=twin, due_on=dt.date(2026, 4, 1), kind="follow_up")
    rows = [["Client", "Date", "Summary"], ["Acme Corp", "2026-05-10 15:00", "Quarterly review"]]
    services.import_commit(upload=dry_run(pm, rows))
    when = dt.datetime(2026, 5, 10, 15, tzinfo=pm.zone)
    crm.interaction_log(client=twin, logged_by=pm, summary="Quarterly review", occurred_at=when)
    acme.refresh_from_db()
    twin.refresh_from_db()
    assert acme.last_contacted_at == twin.last_contacted_at == when
    assert acme.next_checkin_due == twin.next_checkin_due
    shape = lambda client: sorted(client.checkins.values_list("kind", "state", "due_on"))  # noqa: E731
    assert shape(acme) == shape(twin)
    follow_up.refresh_from_db()
    assert follow_up.state == "done" and follow_up.completed_by.summary == "Quarterly review"


def test_a_note_is_not_contact(pm, acme):
    rows = [["Client", "Date", "Summary", "Type"], ["Acme Corp", "2026-06-01", "Internal thoughts", "Note"]]
    services.import_commit(upload=dry_run(pm, rows))
    acme.refresh_from_db()
    assert acme.last_contacted_at is None
    assert acme.interactions.get().kind == "note"


def test_csv_with_bom_semicolons_and_quoted_fields(pm):
    rows = [
        ["Organisation", "Client notes", "Contact", "Email"],
        ["Dupont; Fils", 'Line one\nline two; with "quotes"', "Éloïse Dupont", "eloise@dupont.test"],
    ]
    services.import_commit(upload=dry_run(pm, rows, delimiter=";", bom=True))
    client = Client.objects.get()
    assert client.name == "Dupont; Fils"
    assert client.notes == 'Line one\nline two; with "quotes"'
    assert client.contacts.get().name == "Éloïse Dupont"


def test_xlsx_with_native_dates_and_numbers(pm):
    data = xlsx_bytes(
        [
            ["Client name", "Cadence", "Phone", "Meeting date", "Summary", "Duration (minutes)", "Contact"],
            ["Umbrella", 7, 4420555010, dt.datetime(2026, 4, 3, 14, 30), "Site tour", 90, "Alice"],  # noqa: DTZ001
        ]
    )
    up = services.import_upload_create(owner=pm, file=upload(data, "book.xlsx"))
    assert up.format == "xlsx"
    services.import_commit(upload=up)
    client = Client.objects.get()
    assert client.checkin_cadence_days == 7
    assert client.contacts.get().phone == "4420555010"
    interaction = client.interactions.get()
    assert interaction.occurred_at == dt.datetime(2026, 4, 3, 14, 30, tzinfo=pm.zone)
    assert interaction.duration_minutes == 90


def test_the_size_is_checked_before_the_file_is_read(pm):
    class Huge(io.BytesIO):
        name = "huge.csv"
        size = MAX_UPLOAD_BYTES + 1

        def read(self, *args):
            raise AssertionError("read before its size was checked")

    with pytest.raises(ImportFileError, match="larger than 50 MB"):
        services.import_upload_create(owner=pm, file=Huge())
    assert not ImportUpload.objects.exists()


def test_a_file_that_is_not_utf8_is_refused_whole(pm):
    data = csv_bytes([["Client", "Contact"], ["Zürich AG", "Jürg"]], encoding="latin-1")
    with pytest.raises(ImportFileError, match="not UTF-8 text.*line 2"):
        services.import_upload_create(owner=pm, file=upload(data))
    assert not ImportUpload.objects.exists()


def test_a_file_without_a_client_column_is_refused(pm):
    with pytest.raises(ImportFileError, match="required column Client is missing.*“Email”"):
        dry_run(pm, [["Name", "Email"], ["Jane", "jane@x.test"]])


def test_interactions_need_a_date_and_a_summary_column(pm):
    with pytest.raises(ImportFileError, match="both a Date and a Summary"):
        dry_run(pm, [["Client", "Summary"], ["Acme", "Chat"]])


def test_two_columns_meaning_the_same_field_are_refused(pm):
    with pytest.raises(ImportFileError, match="“Email” and “E-mail” both mean Email"):
        dry_run(pm, [["Client", "Email", "E-mail"], ["Acme", "a@x.test", "b@x.test"]])


def test_old_excel_files_and_empty_files_are_refused(pm):
    with pytest.raises(ImportFileError, match=r"old Excel \.xls"):
        services.import_upload_create(owner=pm, file=upload(b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "old.xls"))
    with pytest.raises(ImportFileError, match="empty"):
        services.import_upload_create(owner=pm, file=upload(b""))
    with pytest.raises(ImportFileError, match="no rows"):
        services.import_upload_create(owner=pm, file=upload(b"Client\n\n\n"))


@pytest.mark.parametrize(
    ("value", "refused"),
    [
        ("03/04/2026", "ambiguous"),
        ("04.03.2026", "ambiguous"),
        ("2026-13-01", "not a date"),
        ("yesterday", "not a date"),
        ("2026-07-01", "in the future"),
        ("1899-01-01", "outside 1990–2099"),
    ],
)
def test_dates_that_cannot_be_read_for_sure_are_refused(pm, value, refused):
    up = dry_run(pm, [["Client", "Date", "Summary"], ["Acme", value, "Chat"]])
    action, message = outcomes(up)[2]
    assert action == "refused" and refused in message
    assert "YYYY-MM-DD" in message or refused in ("in the future", "outside 1990–2099")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-04-03", (2026, 4, 3, 12)),
        ("2026-04-03T09:15", (2026, 4, 3, 9, 15)),
        ("25/04/2026", (2026, 4, 25, 12)),
        ("04/25/2026 08:00", (2026, 4, 25, 8)),
        ("05/05/2026", (2026, 5, 5, 12)),
        ("3 Apr 2026", (2026, 4, 3, 12)),
        ("April 3, 2026 16:45", (2026, 4, 3, 16, 45)),
    ],
)
def test_dates_that_cannot_be_mistaken_are_read(pm, value, expected):
    services.import_commit(upload=dry_run(pm, [["Client", "Date", "Summary"], ["Acme", value, "Chat"]]))
    assert Interaction.objects.get().occurred_at == dt.datetime(*expected, tzinfo=ZoneInfo("America/New_York"))


def test_duplicate_rows_are_refused_and_named(pm):
    up = dry_run(
        pm, [["Client", "Email", "Contact"], ["Acme", "a@x.test", "A"], ["Initech", "", ""], ["Acme", "a@x.test", "A"]]
    )
    assert outcomes(up)[4] == ("refused", "Repeats row 2: duplicate rows are refused.")
    assert up.refused == 1


def test_rows_that_contradict_each_other_are_refused(pm):
    up = dry_run(
        pm,
        [
            ["Client", "Industry", "Contact", "Email"],
            ["Acme", "Retail", "Ann", "ann@acme.test"],
            ["acme", "Energy", "", ""],
            ["Acme", "", "Anne", "ann@acme.test"],
        ],
    )
    rows = outcomes(up)
    assert rows[3] == ("refused", "Row 2 gives this client's Industry as “Retail”, this row as “Energy”.")
    assert rows[4] == ("refused", "Row 2 gives this contact's name as “Ann”, this row as “Anne”.")


def test_bad_values_are_refused_with_the_reason(pm):
    up = dry_run(
        pm,
        [
            ["Client", "Status", "Time zone", "Cadence", "Email", "Contact", "Website"],
            ["A", "Sleeping", "", "", "", "", ""],
            ["B", "", "Mars/Olympus", "", "", "", ""],
            ["C", "", "", "400", "", "", ""],
            ["D", "", "", "", "not-an-email", "X", ""],
            ["E", "", "", "", "e@e.test", "", ""],
            ["F", "", "", "", "", "", "http://exa mple"],
            ["", "", "", "", "", "Orphan", ""],
        ],
    )
    rows = outcomes(up)
    assert "“Sleeping” is not a client status" in rows[2][1]
    assert "“Mars/Olympus” is not a time zone" in rows[3][1]
    assert "from 1 to 365" in rows[4][1]
    assert "not an email address" in rows[5][1]
    assert "The contact has no name" in rows[6][1]
    assert "not a web address" in rows[7][1]
    assert "The client's name is empty" in rows[8][1]
    assert up.counts["refused"] == 7


def test_an_archived_client_is_refused(pm, acme):
    crm.client_archive(client=acme)
    up = dry_run(pm, [["Client", "Industry"], ["Acme Corp", "Retail"]])
    assert outcomes(up)[2] == ("refused", "The client “Acme Corp” is archived: restore it first, then import.")


def test_ten_thousand_rows_with_one_bad_import_nothing_and_name_the_bad_row(pm):
    rows = [["Client", "Industry", "Date", "Summary"]]
    rows += [[f"Client {n:05d}", "Retail", "", ""] for n in range(10_000)]
    rows[7_778] = ["Client 07777", "Retail", "03/04/2026", "Meeting"]
    up = dry_run(pm, rows)
    assert up.counts["refused"] == 1 and up.counts["create"] == 9_999
    assert up.rows.get(action="refused").number == 7_779
    result = services.import_commit(upload=up)
    assert not result.committed
    assert not Client.objects.exists()


def test_commit_is_all_or_nothing(pm):
    up = dry_run(pm, ROWS)
    with (
        mock.patch("exchange.imports._existing_clients_after_log", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
    ):
        services.import_commit(upload=up)
    assert not Client.objects.exists() and not Contact.objects.exists() and not Interaction.objects.exists()
    up.refresh_from_db()
    assert up.committed_at is None


def test_commit_checks_the_file_again_against_the_database_as_it_is_now(pm):
    up = dry_run(pm, [["Client", "Industry"], ["Globex", "Energy"]])
    crm.client_create(name="Globex", account_manager=pm, industry="Energy")
    result = services.import_commit(upload=up)
    assert not result.committed and result.changed_since_preview
    assert Client.objects.filter(name="Globex").count() == 1
    up.refresh_from_db()
    assert up.counts["unchanged"] == 1 and outcomes(up)[2][0] == "unchanged"
    assert services.import_commit(upload=up).committed


def test_an_upload_is_committed_once(pm):
    up = dry_run(pm, ROWS)
    services.import_commit(upload=up)
    with pytest.raises(ValidationError, match="already been imported"):
        services.import_commit(upload=up)


def test_uploads_are_their_owners_alone_and_expire(pm, other_pm, admin_user):
    up = dry_run(pm, ROWS)
    assert list(uploads_for_user(user=pm)) == [up]
    assert not uploads_for_user(user=other_pm).exists()
    assert not uploads_for_user(user=admin_user).exists()
    with time_machine.travel(NOW + dt.timedelta(hours=25), tick=False):
        assert not uploads_for_user(user=pm).exists()
        with pytest.raises(ValidationError, match="expired"):
            services.import_commit(upload=up)
        dry_run(other_pm, ROWS)  # a new upload sweeps the expired ones away
    assert not ImportUpload.objects.filter(pk=up.pk).exists()


def test_a_client_name_shared_by_two_visible_clients_is_refused(pm):
    crm.client_create(name="Twin Co", account_manager=pm)
    crm.client_create(name="twin co", account_manager=pm)
    up = dry_run(pm, [["Client", "Industry"], ["Twin Co", "Retail"]])
    assert outcomes(up)[2][0] == "refused" and "2 clients you can see" in outcomes(up)[2][1]


def test_apostrophes_our_exports_add_are_taken_off(pm):
    services.import_commit(upload=dry_run(pm, [["Client", "Phone", "Contact"], ["Acme", "'+44 20 7946 0000", "Ann"]]))
    assert Contact.objects.get().phone == "+44 20 7946 0000"


def test_the_stored_rows_say_why_a_row_is_refused(pm):
    up = dry_run(pm, [["Client", "Cadence"], ["Acme", "0"]])
    row = up.rows.get()
    assert row.action == ImportRow.Action.REFUSED and row.client_name == "Acme"
    assert row.message == "Check-in every (days) must be a whole number from 1 to 365, not “0”."


def test_a_former_client_gets_no_regular_checkin(pm):
    services.import_commit(
        upload=dry_run(pm, [["Client", "Status", "Date", "Summary"], ["Gone", "Former", "2026-05-01", "Bye"]])
    )
    client = Client.objects.get()
    assert client.status == "former" and not client.checkins.exists() and client.next_checkin_due is None
    assert client.last_contacted_at == dt.datetime(2026, 5, 1, 12, tzinfo=pm.zone)


def test_the_parsers_hold_each_field_to_the_models_limits():
    """The plan skips full_clean() for speed, so each column's parser must refuse what the model
    would: text longer than the field, and every choice outside the model's choices."""
    from exchange.spreadsheets import COLUMNS

    models = {"client": Client, "contact": Contact, "interaction": Interaction}
    names = {"contact_name": "name", "interaction_notes": "notes"}
    for column in COLUMNS:
        if column.key in ("client", "occurred_at", "first_name", "last_name"):
            continue
        model_field = models[column.part]._meta.get_field(names.get(column.key, column.key))
        if model_field.max_length:
            with pytest.raises(ValueError):
                column.parse("x" * (model_field.max_length + 1))
            if not model_field.choices and column.key not in ("website", "phone", "time_zone", "email"):
                assert column.parse("x" * model_field.max_length) == "x" * model_field.max_length
        if model_field.choices:
            for value, label in model_field.choices:
                if value != "":
                    assert column.parse(str(label)) == value
            with pytest.raises(ValueError):
                column.parse("something else")


def test_new_clients_get_the_health_a_recompute_would_give_them(pm):
    rows = [
        ["Client", "Cadence", "Date", "Summary", "Sentiment", "Type"],
        ["Happy Co", "14", "2026-06-10", "Great", "5", "Meeting"],
        ["Sad Co", "7", "2026-04-01", "Grim", "1", "Call"],
        ["Sad Co", "7", "2026-03-01", "Grimmer", "2", "Call"],
        ["Quiet Co", "30", "", "", "", ""],
        ["Noted Co", "", "2026-06-01", "Thinking", "", "Note"],
    ]
    services.import_commit(upload=dry_run(pm, rows))
    stored = {c.name: (c.health_score, c.health_band, c.health_factors) for c in Client.objects.all()}
    crm.client_health_recompute(clients=Client.objects.all())
    recomputed = {c.name: (c.health_score, c.health_band, c.health_factors) for c in Client.objects.all()}
    assert stored == recomputed
    assert stored["Sad Co"][1] != "healthy"


def test_names_match_whatever_their_case_accents_and_spacing(pm):
    crm.client_create(name="Société  Générale", account_manager=pm)
    up = dry_run(pm, [["Client", "Industry"], ["SOCIÉTÉ GÉNÉRALE ", "Banking"]])
    assert outcomes(up)[2] == ("update", "Updates the client's Industry.")
    services.import_commit(upload=up)
    assert Client.objects.get().industry == "Banking"


def test_a_workbook_that_unpacks_to_too_much_is_refused(pm, monkeypatch):
    monkeypatch.setattr("exchange.spreadsheets.MAX_XLSX_UNPACKED_BYTES", 1000)
    data = xlsx_bytes([["Client", "Notes"], ["Acme", "x" * 5000]])
    with pytest.raises(ImportFileError, match="unpacks to 0 MB, more than an import can read"):
        services.import_upload_create(owner=pm, file=upload(data, "bomb.xlsx"))
