"""Exports: what each list exports (its columns and its scoped queryset, from crm's and projects'
own selectors), and the two writers. Rows are read with .iterator(), so a 100,000-row export
never sits in memory: CSV streams straight to the response, XLSX is written row by row by
openpyxl's write-only mode into a temporary file that is then streamed."""

from __future__ import annotations

import csv
import re
import tempfile
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from django.db.models import F, QuerySet
from django.utils import timezone

from accounts.models import User
from crm.models import Client, Contact, Interaction
from crm.selectors import CLIENT_SORTS, ClientFilters, client_list, contacts_for_user, interactions_for_user
from exchange.spreadsheets import FORMULA_TRIGGERS
from projects.models import Project, RiskIssue
from projects.selectors import PROJECT_SORTS, ProjectFilters, progress_of, project_list, risks_for_user, with_progress

CHUNK_SIZE = 2000
# Characters XML 1.0 (so XLSX) cannot hold; openpyxl refuses a cell that has one.
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula (=, +, -, @, tab, carriage return first)
    gets an apostrophe in front, which spreadsheets show as text. Numbers and dates stay as they
    are; the importer takes the apostrophe off again."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return f"'{value}"
    return value


@dataclass(frozen=True)
class Export:
    """One download: its file name, column headers and rows of plain values."""

    name: str
    title: str
    headers: list[str]
    rows: Iterable[list[Any]]


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


def _local(moment: datetime | None, zone: zoneinfo.ZoneInfo) -> datetime | None:
    """A moment as the reader's wall-clock time, with no zone (spreadsheets have none)."""
    return timezone.localtime(moment, zone).replace(tzinfo=None, microsecond=0) if moment else None


def _rows(queryset: QuerySet[Any], row: Callable[[Any], list[Any]]) -> Iterator[list[Any]]:
    for item in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield row(item)


# What each list exports ---------------------------------------------------------------------------


def clients_export(*, user: User, filters: ClientFilters, zone: zoneinfo.ZoneInfo) -> Export:
    """The client list as it is filtered and sorted on screen. Headers are the importer's, so
    the file imports back unchanged."""
    _, sort = CLIENT_SORTS.get(filters.sort, CLIENT_SORTS["name"])
    order = F("_sort").desc(nulls_last=True) if sort.descending else F("_sort").asc(nulls_last=True)
    clients = (
        client_list(user=user, filters=filters).annotate(_sort=sort.expression).order_by(order, "pk")
    ).select_related("account_manager")

    def row(c: Client) -> list[Any]:
        return [
            c.name, c.get_status_display(), c.industry, c.website, c.time_zone, c.checkin_cadence_days,
            c.get_preferred_channel_display(), c.account_manager.full_name, c.account_manager.email,
            _local(c.last_contacted_at, zone), c.next_checkin_due, c.get_health_band_display(), c.health_score,
            c.goals, c.kpis, c.notes, _yes(c.is_archived),
        ]  # fmt: skip

    headers = [
        "Client", "Status", "Industry", "Website", "Time zone", "Check-in every (days)", "Preferred channel",
        "Account manager", "Account manager email", "Last contacted", "Next check-in", "Health", "Health score",
        "Goals", "KPIs", "Client notes", "Archived",
    ]  # fmt: skip
    return Export("clients", "Clients", headers, _rows(clients, row))


def _of_clients(queryset: QuerySet[Any], *, user: User, filters: ClientFilters, client: Client | None) -> QuerySet[Any]:
    if client is not None:
        return queryset.filter(client=client)
    return queryset.filter(client__in=client_list(user=user, filters=filters).values("pk"))


def contacts_export(*, user: User, filters: ClientFilters, client: Client | None = None) -> Export:
    """The contacts of the clients the list shows (or of one client)."""
    contacts = _of_clients(contacts_for_user(user=user), user=user, filters=filters, client=client).order_by(
        "client__name", "client_id", "-is_primary", "name", "pk"
    )

    def row(c: Contact) -> list[Any]:
        return [c.client.name, c.name, c.email, c.phone, c.title, _yes(c.is_primary), _yes(c.receives_reports)]

    headers = ["Client", "Contact", "Email", "Phone", "Title or role", "Primary contact", "Receives weekly reports"]
    return Export("contacts", "Contacts", headers, _rows(contacts, row))


def interactions_export(
    *, user: User, filters: ClientFilters, zone: zoneinfo.ZoneInfo, client: Client | None = None
) -> Export:
    """The interactions with the clients the list shows (or with one client), newest first."""
    interactions = (
        _of_clients(interactions_for_user(user=user), user=user, filters=filters, client=client)
        .select_related("project")
        .order_by("-occurred_at", "-pk")
    )

    def row(i: Interaction) -> list[Any]:
        return [
            i.client.name, _local(i.occurred_at, zone), i.get_kind_display(), i.summary, i.sentiment,
            i.duration_minutes, i.concerns, i.get_flag_display() if i.flag else "", i.resolution,
            _yes(i.shared_with_client), i.project.name if i.project else "",
            i.logged_by.full_name if i.logged_by else "", i.notes,
        ]  # fmt: skip

    headers = [
        "Client", "Date", "Type", "Summary", "Sentiment", "Duration (minutes)", "Concerns", "Flag", "Resolution",
        "Shared with client", "Project", "Logged by", "Interaction notes",
    ]  # fmt: skip
    return Export("interactions", "Interactions", headers, _rows(interactions, row))


def projects_export(*, user: User, filters: ProjectFilters) -> Export:
    """The project list as it is filtered and sorted on screen."""
    _, sort = PROJECT_SORTS.get(filters.sort, PROJECT_SORTS["name"])
    order = F("_sort").desc(nulls_last=True) if sort.descending else F("_sort").asc(nulls_last=True)
    projects = with_progress(project_list(user=user, filters=filters)).annotate(_sort=sort.expression)
    projects = projects.order_by(order, "pk")

    def row(p: Project) -> list[Any]:
        return [
            p.name, p.client.name, p.get_status_display(), p.get_health_display(), p.health_reason,
            p.manager.full_name, p.start_on, p.target_end_on, p.actual_end_on, progress_of(p),
            p.open_high_risks, _yes(p.in_recovery), _yes(p.portal_visible),
        ]  # fmt: skip

    headers = [
        "Project", "Client", "Status", "Health", "Health reason", "Manager", "Start", "Target end", "Actual end",
        "Progress (%)", "Open high risks", "In recovery", "Client sees it in the portal",
    ]  # fmt: skip
    return Export("projects", "Projects", headers, _rows(projects, row))


def risks_export(
    *, user: User, filters: ProjectFilters, zone: zoneinfo.ZoneInfo, project: Project | None = None
) -> Export:
    """The risk register of the projects the list shows (or of one project): open first, most
    severe first, as on the project page."""
    risks = risks_for_user(user=user).select_related("project__client", "owner")
    if project is not None:
        risks = risks.filter(project=project)
    else:
        risks = risks.filter(project__in=project_list(user=user, filters=filters).values("pk"))
    closed_last = F("closed_at").asc(nulls_first=True)
    risks = risks.order_by("project__name", "project_id", closed_last, "-severity", "pk")

    def row(r: RiskIssue) -> list[Any]:
        return [
            r.project.name, r.project.client.name, r.get_kind_display(), r.title, r.description, r.probability,
            r.impact, r.severity, r.mitigation, r.owner.full_name if r.owner else "", r.get_status_display(),
            _yes(r.client_visible), _local(r.raised_at, zone), _local(r.closed_at, zone),
        ]  # fmt: skip

    headers = [
        "Project", "Client", "Type", "Title", "Description", "Probability", "Impact", "Severity", "Mitigation",
        "Owner", "Status", "Client can see it", "Raised", "Closed",
    ]  # fmt: skip
    return Export("risk-register", "Risk register", headers, _rows(risks, row))


# Writers ------------------------------------------------------------------------------------------


class _Echo:
    """csv.writer writes to this and gets the line back, to hand to the response."""

    def write(self, value: str) -> str:
        return value


def _csv_cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(value)


def csv_lines(export: Export) -> Iterator[str]:
    """The export as CSV, one line at a time. The byte-order mark makes Excel read it as UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(export.headers)
    for row in export.rows:
        yield writer.writerow([_csv_cell(value) for value in row])


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, str):
        return neutralise(ILLEGAL_XML.sub("", value))
    return value


def xlsx_file(export: Export) -> IO[bytes]:
    """The export as an XLSX workbook in an anonymous temporary file (gone once closed), rewound."""
    import openpyxl  # imported when needed: it is large and only imports and exports use it

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=export.title[:31])
    sheet.append(export.headers)
    for row in export.rows:
        sheet.append([_xlsx_cell(value) for value in row])
    file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the response that streams it)
    workbook.save(file)
    file.seek(0)
    return file
