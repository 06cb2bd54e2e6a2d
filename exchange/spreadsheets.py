"""Reading an uploaded spreadsheet: the file (CSV through Python's csv module, XLSX through
openpyxl), its header row mapped to Rapport's fields, and each cell parsed into a value or a
message that says what is wrong with it. Nothing here touches the database."""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils import timezone

from crm.models import Client, Interaction, phone_validator
from ui.forms import EARLIEST_DATE, LATEST_DATE

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_ROWS = 50_000
MAX_XLSX_UNPACKED_BYTES = 500 * 1024 * 1024
MAX_COLUMNS = 60
# openpyxl reads an .xlsx as a zip archive; an old binary .xls is an OLE compound file.
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
# What a cell may start with to be read as a formula by a spreadsheet (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class ImportFileError(Exception):
    """The file as a whole cannot be imported; the message says why and what to do."""


@lru_cache(maxsize=1)
def time_zones() -> frozenset[str]:
    # available_timezones() walks the zone database on every call: far too slow per row.
    return frozenset(zoneinfo.available_timezones())


# Cells --------------------------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A cell as trimmed text. Numbers typed into a text column (a phone number, a cadence) come
    from XLSX as int or float; a whole float is written without its ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    # Undo the apostrophe our own exports put before a formula-like cell, so they import back.
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        text = text[1:]
    return text


AMBIGUOUS_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T](\d{1,2}):(\d{2}))?$")
WORDY_DATE_FORMATS = ["%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y", "%b %d, %Y", "%B %d, %Y"]
DATE_HELP = "write dates as YYYY-MM-DD (for example 2026-04-03, with a time: 2026-04-03 14:30) or with the month's name (3 Apr 2026)"


def parse_moment(value: Any, *, zone: zoneinfo.ZoneInfo) -> datetime:
    """When an interaction happened. Accepted: XLSX dates, ISO 8601, dates with the month's name,
    and day/month forms whose order cannot be mistaken (25/04/2026). 03/04/2026 could be 3 April
    or 4 March, so it is refused rather than guessed. A date alone means noon, and a time with no
    offset is read in `zone`."""
    moment: datetime | None = None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(12))
    else:
        text = cell_text(value)
        try:
            moment = (
                datetime.fromisoformat(text.replace(" ", "T", 1)) if re.match(r"^\d{4}-\d{2}-\d{2}", text) else None
            )
            if moment is not None and len(text) == 10:
                moment = moment.replace(hour=12)
        except ValueError:
            raise ValueError(f"“{text}” is not a date: {DATE_HELP}.") from None
        if moment is None:
            moment = _parse_other_date(text)
    if not EARLIEST_DATE <= moment.date() <= LATEST_DATE:
        raise ValueError(f"The date {moment:%Y-%m-%d} is outside {EARLIEST_DATE.year}–{LATEST_DATE.year}.")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, zone)
    return moment


def _parse_other_date(text: str) -> datetime:
    numeric = AMBIGUOUS_DATE.match(text)
    if numeric:
        first, second, year = int(numeric[1]), int(numeric[2]), int(numeric[3])
        hour, minute = (int(numeric[4]), int(numeric[5])) if numeric[4] else (12, 0)
        if first <= 12 and second <= 12 and first != second:
            raise ValueError(
                f"“{text}” is ambiguous: it could be the {first} of month {second} or the {second} of month "
                f"{first}. Dates in this form are refused; {DATE_HELP}."
            )
        day, month = (first, second) if first > 12 or first == second else (second, first)
        try:
            return datetime(year, month, day, hour, minute)  # noqa: DTZ001 (made aware by the caller)
        except ValueError:
            raise ValueError(f"“{text}” is not a date: {DATE_HELP}.") from None
    clock = re.match(r"^(.*?)[ ,]+(\d{1,2}):(\d{2})$", text)
    day_part, hour, minute = (clock[1], int(clock[2]), int(clock[3])) if clock else (text, 12, 0)
    for pattern in WORDY_DATE_FORMATS:
        try:
            return datetime.strptime(day_part, pattern).replace(hour=hour, minute=minute)  # noqa: DTZ007
        except ValueError:
            continue
    raise ValueError(f"“{text}” is not a date Rapport reads: {DATE_HELP}.")


def _choice(choices: list[tuple[Any, str]], what: str, extra: dict[str, Any] | None = None) -> Callable[[Any], Any]:
    """A parser for a choice field: its stored value or its label, in any case."""
    known = {str(value).casefold(): value for value, _ in choices}
    known.update({str(label).casefold(): value for value, label in choices})
    known.update(extra or {})

    def parse(raw: Any) -> Any:
        text = cell_text(raw)
        try:
            return known[text.casefold()]
        except KeyError:
            allowed = ", ".join(label for _, label in choices)
            raise ValueError(f"“{text}” is not a {what}: use one of {allowed}.") from None

    return parse


def _whole_number(low: int, high: int, what: str) -> Callable[[Any], int]:
    def parse(raw: Any) -> int:
        text = cell_text(raw)
        if not re.fullmatch(r"[0-9]{1,5}", text) or not low <= int(text) <= high:
            raise ValueError(f"{what} must be a whole number from {low} to {high}, not “{text}”.")
        return int(text)

    return parse


def _text(max_length: int, what: str) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        text = cell_text(raw)
        if len(text) > max_length:
            raise ValueError(f"{what} is longer than {max_length} characters.")
        return text

    return parse


def _email(raw: Any) -> str:
    text = cell_text(raw).lower()
    try:
        if len(text) > 254:
            raise ValidationError("too long")
        EmailValidator()(text)
    except ValidationError:
        raise ValueError(f"“{text}” is not an email address.") from None
    return text


def _website(raw: Any) -> str:
    text = cell_text(raw)
    if "://" not in text:
        text = f"https://{text}"  # as the client form assumes
    try:
        URLValidator(schemes=["http", "https"])(text)
    except ValidationError:
        raise ValueError(f"“{cell_text(raw)}” is not a web address.") from None
    if len(text) > 300:
        raise ValueError("The website is longer than 300 characters.")
    return text


def _phone(raw: Any) -> str:
    text = cell_text(raw)
    try:
        phone_validator(text)
    except ValidationError:
        raise ValueError(f"“{text}” is not a phone number.") from None
    return text


def _time_zone(raw: Any) -> str:
    text = cell_text(raw)
    if text not in time_zones():
        raise ValueError(f"“{text}” is not a time zone name such as Europe/London.")
    return text


# Columns ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A field a column can fill: where it goes (client, contact or interaction), the headers that
    mean it, and how a cell is read."""

    key: str
    part: str
    label: str
    headers: tuple[str, ...]
    parse: Callable[[Any], Any] | None = None  # None: read with the importer's zone (dates)


COLUMNS = [
    Column("client", "client", "Client", ("Client", "Client name", "Company", "Company name", "Organisation",
           "Organisation name", "Organization", "Organization name", "Account", "Account name", "Customer")),
    Column("industry", "client", "Industry", ("Industry", "Sector"), _text(100, "Industry")),
    Column("website", "client", "Website", ("Website", "Web site", "Web", "URL", "Homepage"), _website),
    Column("status", "client", "Status", ("Status", "Client status"),
           _choice(Client.Status.choices, "client status")),
    Column("time_zone", "client", "Time zone", ("Time zone", "Timezone", "TZ"), _time_zone),
    Column("checkin_cadence_days", "client", "Check-in every (days)",
           ("Check-in every (days)", "Check-in cadence", "Cadence", "Cadence (days)"),
           _whole_number(1, 365, "Check-in every (days)")),
    Column("preferred_channel", "client", "Preferred channel", ("Preferred channel", "Channel"),
           _choice(Client.Channel.choices, "channel")),
    Column("goals", "client", "Goals", ("Goals", "Goals and objectives"), _text(5000, "Goals")),
    Column("kpis", "client", "KPIs", ("KPIs", "KPI", "KPIs and success criteria"), _text(5000, "KPIs")),
    Column("notes", "client", "Client notes", ("Client notes", "Notes"), _text(20000, "Client notes")),
    Column("contact_name", "contact", "Contact", ("Contact", "Contact name", "Contact person", "Full name",
           "Person", "Name"), _text(150, "The contact's name")),
    Column("first_name", "contact", "First name", ("First name", "Given name", "Forename"), _text(75, "First name")),
    Column("last_name", "contact", "Last name", ("Last name", "Surname", "Family name"), _text(75, "Last name")),
    Column("email", "contact", "Email", ("Email", "E-mail", "Email address", "E-mail address", "Contact email",
           "Mail"), _email),
    Column("phone", "contact", "Phone", ("Phone", "Phone number", "Telephone", "Tel", "Mobile", "Contact phone"),
           _phone),
    Column("title", "contact", "Title or role", ("Title", "Title or role", "Job title", "Role", "Position"),
           _text(150, "Title")),
    Column("occurred_at", "interaction", "Date", ("Date", "Interaction date", "Meeting date", "When",
           "Occurred at")),
    Column("kind", "interaction", "Type", ("Type", "Interaction type", "Kind"),
           _choice(Interaction.Kind.choices, "type of interaction", {"phone call": "call", "visit": "site_visit"})),
    Column("summary", "interaction", "Summary", ("Summary", "Interaction summary", "Meeting summary", "Subject"),
           _text(500, "Summary")),
    Column("sentiment", "interaction", "Sentiment", ("Sentiment", "Client sentiment"),
           _choice(Interaction.Sentiment.choices, "sentiment (1–5)")),
    Column("duration_minutes", "interaction", "Duration (minutes)", ("Duration (minutes)", "Duration", "Minutes"),
           _whole_number(1, 1440, "Duration (minutes)")),
    Column("interaction_notes", "interaction", "Interaction notes", ("Interaction notes", "Meeting notes"),
           _text(20000, "Interaction notes")),
    Column("concerns", "interaction", "Concerns", ("Concerns", "Concerns raised"), _text(5000, "Concerns")),
]  # fmt: skip
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}


def header_key(header: str) -> str:
    """Headers match whatever their case, spaces and punctuation: "E-mail" is "Email"."""
    return re.sub(r"[^0-9a-z]", "", header.casefold())


HEADER_INDEX = {header_key(header): column for column in COLUMNS for header in column.headers}


@dataclass
class Mapping:
    """Which column of the file fills which field."""

    fields: dict[int, Column] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def has(self, key: str) -> bool:
        return any(column.key == key for column in self.fields.values())

    def describe(self, headers: list[str]) -> dict[str, Any]:
        return {
            "mapped": [[headers[index], column.label] for index, column in self.fields.items()],
            "ignored": self.ignored,
        }


def map_headers(headers: list[str]) -> Mapping:
    mapping = Mapping()
    seen: dict[str, str] = {}
    for index, header in enumerate(headers):
        column = HEADER_INDEX.get(header_key(header))
        if column is None:
            if header.strip():
                mapping.ignored.append(header.strip())
            continue
        if column.key in seen:
            raise ImportFileError(
                f"The columns “{seen[column.key]}” and “{header}” both mean {column.label}: keep one of them."
            )
        seen[column.key] = header
        mapping.fields[index] = column
    if not mapping.has("client"):
        found = ", ".join(f"“{header}”" for header in headers if header.strip()) or "none"
        raise ImportFileError(
            "The required column Client is missing: name the column with the client's name “Client” "
            f"(or Company, Organisation, Account). Columns found: {found}."
        )
    interaction_columns = [c.label for c in mapping.fields.values() if c.part == "interaction"]
    if interaction_columns and not (mapping.has("occurred_at") and mapping.has("summary")):
        raise ImportFileError(
            f"To import interactions the file needs both a Date and a Summary column (it has "
            f"{', '.join(interaction_columns)})."
        )
    return mapping


# Files --------------------------------------------------------------------------------------------


@dataclass
class Table:
    """A file's header and its rows, each with its row number as a spreadsheet shows it."""

    format: str
    headers: list[str]
    rows: Iterator[tuple[int, list[Any]]]


def read_table(data: bytes) -> Table:
    """Open a CSV or XLSX file held in memory (at most MAX_UPLOAD_BYTES, checked before)."""
    if data.startswith(XLS_MAGIC):
        raise ImportFileError("This is an old Excel .xls file: save it as .xlsx or as CSV UTF-8 and upload that.")
    if data.startswith(XLSX_MAGIC):
        return _read_xlsx(data)
    return _read_csv(data)


def _limited(rows: Iterator[list[Any]]) -> Iterator[tuple[int, list[Any]]]:
    for number, row in enumerate(rows, start=2):
        if number - 1 > MAX_ROWS:
            raise ImportFileError(f"The file has more than {MAX_ROWS:,} rows: split it into smaller files.")
        yield number, list(row[:MAX_COLUMNS])


def _read_csv(data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")  # with or without the byte-order mark Excel writes
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportFileError(
            f"The file is not UTF-8 text (the first bad byte is on line {line}). In Excel choose "
            "“CSV UTF-8 (comma delimited)” when saving; in LibreOffice choose the UTF-8 character set."
        ) from None
    if "\x00" in text:
        raise ImportFileError("The file contains NUL characters: it is not a text CSV file.")
    try:
        dialect = csv.Sniffer().sniff(text[:65536], delimiters=",;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","  # one column, or nothing to tell by: the CSV default
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True, strict=True
    )
    try:
        headers = [cell_text(header) for header in next(reader)]
    except StopIteration:
        raise ImportFileError("The file is empty.") from None
    except csv.Error as error:
        raise ImportFileError(f"The header row cannot be read as CSV ({error}).") from None
    return Table(format="csv", headers=headers[:MAX_COLUMNS], rows=_csv_rows(reader))


def _csv_rows(reader: Any) -> Iterator[tuple[int, list[Any]]]:
    try:
        yield from _limited(reader)
    except csv.Error as error:
        raise ImportFileError(f"Row {reader.line_num} cannot be read as CSV ({error}).") from None


def _read_xlsx(data: bytes) -> Table:
    import openpyxl  # imported when needed: it is large and only imports and exports use it

    try:
        # A small .xlsx can unpack to gigabytes (a "zip bomb"): refuse one that claims to.
        unpacked = sum(item.file_size for item in zipfile.ZipFile(io.BytesIO(data)).infolist())
        if unpacked > MAX_XLSX_UNPACKED_BYTES:
            raise ImportFileError(
                f"The workbook unpacks to {unpacked // (1024 * 1024):,} MB, more than an import can read: "
                "save it as CSV, or split it."
            )
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
        headers = [cell_text(value) for value in next(rows, ())]
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError) as error:
        raise ImportFileError(f"The file cannot be read as an Excel .xlsx workbook ({error}).") from None
    if not any(headers):
        raise ImportFileError("The first sheet has no header row: put the column names in its first row.")
    while headers and not headers[-1]:
        headers.pop()
    return Table(format="xlsx", headers=headers, rows=_xlsx_rows(workbook, rows))


def _xlsx_rows(workbook: Any, rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[int, list[Any]]]:
    try:
        yield from _limited(rows)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise ImportFileError(f"The workbook cannot be read to the end ({error}).") from None
    finally:
        workbook.close()
