"""The import's rules: what each row of a spreadsheet would do (the plan, which is also the dry
run), and doing it (apply), set-based so that 10,000 rows take seconds, not minutes.

Matching, so that importing the same file twice changes nothing: a client by name (whatever the
case) among the clients the importer can see; a contact by email within its client, or by name
when the row has no email; an interaction by client, moment, type and summary. Empty cells never
clear anything: they mean "not given".
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from crm.health import HealthInputs, health_of
from crm.models import CheckIn, Client, Contact, Interaction, Participant
from crm.selectors import clients_for_user
from crm.services import (
    SENTIMENT_SAMPLE,
    SENTIMENT_WINDOW,
    client_health_refresh,
    client_update,
    contact_update,
    has_cadence,
    local_date,
)
from exchange.models import ImportRow
from exchange.spreadsheets import COLUMNS_BY_KEY, Mapping, Table, cell_text, map_headers, parse_moment

T = TypeVar("T")
CHUNK = 1000
FUTURE_TOLERANCE = timedelta(minutes=10)
CLIENT_KEYS = [key for key, column in COLUMNS_BY_KEY.items() if column.part == "client" and key != "client"]
CONTACT_KEYS = ["name", "email", "phone", "title"]
INTERACTION_KEYS = ["occurred_at", "kind", "summary", "sentiment", "duration_minutes", "notes", "concerns"]


def chunked(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def name_key(name: str) -> str:
    """How client names match: whatever the case and the spacing."""
    return " ".join(name.split()).casefold()


@dataclass
class ClientTarget:
    key: str
    name: str
    first_row: int
    existing: Client | None
    fields: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, Any] = field(default_factory=dict)
    had_contacts: bool = False
    instance: Client | None = None


@dataclass
class ContactTarget:
    client: ClientTarget
    key: str
    first_row: int
    existing: Contact | None
    values: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, Any] = field(default_factory=dict)
    instance: Contact | None = None


@dataclass
class InteractionTarget:
    client: ClientTarget
    first_row: int
    values: dict[str, Any]
    attendees: list[ContactTarget] = field(default_factory=list)
    instance: Interaction | None = None


@dataclass(frozen=True)
class Outcome:
    number: int
    action: str
    client_name: str
    message: str


@dataclass
class Plan:
    headers: list[str]
    mapping: Mapping
    outcomes: list[Outcome] = field(default_factory=list)
    clients: dict[str, ClientTarget] = field(default_factory=dict)
    contacts: dict[tuple[str, str], ContactTarget] = field(default_factory=dict)
    interactions: dict[tuple[Any, ...], InteractionTarget] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ImportRow.Action.values, 0)
        for outcome in self.outcomes:
            counts[outcome.action] += 1
        return counts

    @property
    def refused(self) -> int:
        return self.counts[ImportRow.Action.REFUSED]


# Reading the rows -----------------------------------------------------------------------------


@dataclass
class ParsedRow:
    number: int
    signature: tuple[str, ...]
    client_name: str
    client: dict[str, Any]
    contact: dict[str, Any]
    interaction: dict[str, Any]
    errors: list[str]


def _parse_row(number: int, cells: list[Any], mapping: Mapping, zone: zoneinfo.ZoneInfo) -> ParsedRow | None:
    if not any(cell_text(cell) for cell in cells):
        return None  # blank lines at the end of a sheet are no rows
    given: dict[str, Any] = {}
    errors: list[str] = []
    for index, column in mapping.fields.items():
        raw = cells[index] if index < len(cells) else None
        if not cell_text(raw):
            continue
        try:
            if column.key == "occurred_at":
                given[column.key] = parse_moment(raw, zone=zone)
            elif column.parse is not None:
                given[column.key] = column.parse(raw)
            else:
                given[column.key] = cell_text(raw)
        except ValueError as error:
            errors.append(str(error))
    client_name = " ".join(str(given.pop("client", "")).split())
    if not client_name:
        errors.insert(0, "The client's name is empty.")
    elif len(client_name) > 200:
        errors.append("The client's name is longer than 200 characters.")
    contact = {"email": given.pop("email", ""), "phone": given.pop("phone", ""), "title": given.pop("title", "")}
    first, last = given.pop("first_name", ""), given.pop("last_name", "")
    contact["name"] = given.pop("contact_name", "") or " ".join(part for part in (first, last) if part)
    if any(contact.values()) and not contact["name"]:
        errors.append("The contact has no name: fill in Contact (or First name and Last name).")
    interaction = {key: given.pop(key) for key in list(given) if COLUMNS_BY_KEY[key].part == "interaction"}
    if "interaction_notes" in interaction:
        interaction["notes"] = interaction.pop("interaction_notes")
    if interaction:
        if "occurred_at" not in interaction or "summary" not in interaction:
            errors.append("An interaction needs both a Date and a Summary.")
        elif interaction["occurred_at"] > timezone.now() + FUTURE_TOLERANCE:
            errors.append("The interaction's date is in the future: only past interactions are imported.")
        interaction.setdefault("kind", Interaction.Kind.MEETING)
    signature = tuple(cell_text(cells[index]) if index < len(cells) else "" for index in mapping.fields)
    return ParsedRow(number, signature, client_name, given, contact, interaction, errors)


# Planning -------------------------------------------------------------------------------------


def _existing_clients(user: User, keys: set[str]) -> dict[str, list[Client]]:
    """The clients in the user's scope whose names match the file's. Names are compared in
    Python on both sides: a database's lower() may not fold case as Python does (SQLite's
    folds ASCII only), and a mismatch would make a re-import create duplicates."""
    scope = clients_for_user(user=user).select_related(None).order_by()
    wanted = [pk for pk, name in scope.values_list("pk", "name").iterator(chunk_size=5000) if name_key(name) in keys]
    found: dict[str, list[Client]] = {}
    for batch in chunked(wanted):
        # Only what matching compares; apply reads a client whole before changing it.
        for client in scope.filter(pk__in=batch).only("pk", "name", "archived_at", *CLIENT_KEYS):
            found.setdefault(name_key(client.name), []).append(client)
    return found


def _existing_contacts(client_ids: list[int]) -> dict[int, list[Contact]]:
    found: dict[int, list[Contact]] = {}
    for batch in chunked(client_ids):
        contacts = Contact.objects.filter(client_id__in=batch).only("client_id", "name", "email", "phone", "title")
        for contact in contacts.order_by("pk"):
            found.setdefault(contact.client_id, []).append(contact)
    return found


def _existing_interactions(client_ids: list[int], moments: list[datetime]) -> set[tuple[Any, ...]]:
    if not client_ids or not moments:
        return set()
    found = set()
    for batch in chunked(client_ids):
        rows = Interaction.objects.filter(
            client_id__in=batch,
            occurred_at__gte=minute(min(moments)),
            occurred_at__lt=minute(max(moments)) + timedelta(minutes=1),
        ).values_list("client_id", "occurred_at", "kind", "summary")
        found.update((client_id, minute(at), kind, summary) for client_id, at, kind, summary in rows)
    return found


def minute(moment: datetime) -> datetime:
    """Interactions match to the minute: the log form records minutes, and exports write them."""
    return moment.replace(second=0, microsecond=0)


def _describe(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else f"{text[:37]}…"


class _Planner:
    def __init__(self, *, user: User, headers: list[str], mapping: Mapping, rows: list[ParsedRow]) -> None:
        self.user = user
        self.plan = Plan(headers=headers, mapping=mapping)
        self.rows = rows
        self.signatures: dict[tuple[str, ...], int] = {}
        keys = {name_key(row.client_name) for row in rows if row.client_name}
        self.db_clients = _existing_clients(user, keys)
        ids = [client.pk for matches in self.db_clients.values() for client in matches]
        self.db_contacts = _existing_contacts(ids)
        moments = [row.interaction["occurred_at"] for row in rows if "occurred_at" in row.interaction]
        self.db_interactions = _existing_interactions(ids, moments)

    def run(self) -> Plan:
        for row in self.rows:
            try:
                action, message = self._row(row)
            except ValidationError as error:
                action, message = ImportRow.Action.REFUSED, " ".join(error.messages)
            self.plan.outcomes.append(Outcome(row.number, action, row.client_name[:200], message))
        return self.plan

    def _row(self, row: ParsedRow) -> tuple[str, str]:
        if row.signature in self.signatures:
            raise ValidationError(f"Repeats row {self.signatures[row.signature]}: duplicate rows are refused.")
        self.signatures[row.signature] = row.number
        if row.errors:
            raise ValidationError(row.errors)
        # Work out every part before registering any, so that a refused row leaves no trace.
        client, client_part, client_note = self._client(row)
        contact, contact_part, contact_note = self._contact(row, client)
        interaction, interaction_part, interaction_note = self._interaction(row, client)
        self._register(row, client, contact, interaction)
        parts = [client_part, contact_part, interaction_part]
        action = next(
            (a for a in (ImportRow.Action.CREATE, ImportRow.Action.UPDATE) if a in parts), ImportRow.Action.UNCHANGED
        )
        return action, " ".join(note for note in (client_note, contact_note, interaction_note) if note)

    def _client(self, row: ParsedRow) -> tuple[ClientTarget, str, str]:
        key = name_key(row.client_name)
        seen = self.plan.clients.get(key)
        if seen is not None:
            for name, value in row.client.items():
                if name in seen.fields and seen.fields[name] != value:
                    label = COLUMNS_BY_KEY[name].label
                    raise ValidationError(
                        f"Row {seen.first_row} gives this client's {label} as “{_describe(seen.fields[name])}”, "
                        f"this row as “{_describe(value)}”."
                    )
            new_fields = {name: value for name, value in row.client.items() if name not in seen.fields}
            target = ClientTarget(key, seen.name, seen.first_row, seen.existing, new_fields)
            return self._client_changes(target, same_as=seen)
        matches = self.db_clients.get(key, [])
        if len(matches) > 1:
            raise ValidationError(
                f"{len(matches)} clients you can see are called “{row.client_name}”: rename one so rows can be "
                "matched to it."
            )
        existing = matches[0] if matches else None
        if existing is not None and existing.is_archived:
            raise ValidationError(f"The client “{existing.name}” is archived: restore it first, then import.")
        target = ClientTarget(key, existing.name if existing else row.client_name, row.number, existing, row.client)
        target.had_contacts = existing is not None and bool(self.db_contacts.get(existing.pk))
        return self._client_changes(target, same_as=None)

    def _client_changes(self, target: ClientTarget, *, same_as: ClientTarget | None) -> tuple[ClientTarget, str, str]:
        if target.existing is None and same_as is None:
            # No full_clean() here or below: each parser checks its field as the model would (a test
            # holds them to the models' limits), and full_clean() on 10,000 rows costs seconds.
            return target, ImportRow.Action.CREATE, "New client."
        if target.existing is not None:
            target.changes = {
                name: value for name, value in target.fields.items() if getattr(target.existing, name) != value
            }
            if target.changes:
                labels = ", ".join(COLUMNS_BY_KEY[name].label for name in target.changes)
                return target, ImportRow.Action.UPDATE, f"Updates the client's {labels}."
        if same_as is not None:
            if target.fields and same_as.existing is None:
                labels = ", ".join(COLUMNS_BY_KEY[name].label for name in target.fields)
                return target, ImportRow.Action.CREATE, f"Adds {labels} to the new client of row {same_as.first_row}."
            return target, ImportRow.Action.UNCHANGED, f"Client as in row {same_as.first_row}."
        return target, ImportRow.Action.UNCHANGED, "Client unchanged."

    def _contact(self, row: ParsedRow, client: ClientTarget) -> tuple[ContactTarget | None, str, str]:
        values = {name: value for name, value in row.contact.items() if value}
        if not values:
            return None, "", ""
        name = values["name"]
        key = values.get("email") or f"name:{name_key(name)}"
        seen = self.plan.contacts.get((client.key, key))
        if seen is not None:
            for field_name, value in values.items():
                if field_name in seen.values and seen.values[field_name] != value:
                    raise ValidationError(
                        f"Row {seen.first_row} gives this contact's {field_name} as “{_describe(seen.values[field_name])}”, "
                        f"this row as “{_describe(value)}”."
                    )
            return seen, ImportRow.Action.UNCHANGED, f"Contact as in row {seen.first_row}."
        existing = None
        if client.existing is not None:
            contacts = self.db_contacts.get(client.existing.pk, [])
            if "email" in values:
                existing = next((c for c in contacts if c.email.lower() == values["email"]), None)
            else:
                existing = next((c for c in contacts if name_key(c.name) == name_key(name)), None)
        target = ContactTarget(client, key, row.number, existing, values)
        if existing is None:
            return target, ImportRow.Action.CREATE, f"New contact {name}."
        target.changes = {k: v for k, v in values.items() if k != "email" and getattr(existing, k) != v}
        if target.changes:
            return target, ImportRow.Action.UPDATE, f"Updates {existing.name}'s {', '.join(target.changes)}."
        return target, ImportRow.Action.UNCHANGED, f"Contact {existing.name} unchanged."

    def _interaction(self, row: ParsedRow, client: ClientTarget) -> tuple[InteractionTarget | None, str, str]:
        values = row.interaction
        if not values:
            return None, "", ""
        label = f"{Interaction.Kind(values['kind']).label.lower()} on {timezone.localtime(values['occurred_at'], self.user.zone):%Y-%m-%d %H:%M}"
        key = (client.key, minute(values["occurred_at"]), values["kind"], values["summary"])
        seen = self.plan.interactions.get(key)
        if seen is not None:
            for name, value in values.items():
                if seen.values.get(name) != value:
                    raise ValidationError(
                        f"Row {seen.first_row} has the same {label} with a different {name.replace('_', ' ')}."
                    )
            return seen, ImportRow.Action.UNCHANGED, f"Same {label} as row {seen.first_row}."
        if client.existing is not None and (client.existing.pk, *key[1:]) in self.db_interactions:
            return None, ImportRow.Action.UNCHANGED, f"The {label} is already recorded."
        return InteractionTarget(client, row.number, values), ImportRow.Action.CREATE, f"New {label}."

    def _register(
        self,
        row: ParsedRow,
        client: ClientTarget,
        contact: ContactTarget | None,
        interaction: InteractionTarget | None,
    ) -> None:
        known = self.plan.clients.get(client.key)
        if known is None:
            self.plan.clients[client.key] = client
        else:
            known.fields.update(client.fields)
            known.changes.update(client.changes)
            client = known
        if contact is not None:
            contact.client = client
            self.plan.contacts.setdefault((client.key, contact.key), contact)
        if interaction is not None:
            interaction.client = client
            values = interaction.values
            key = (client.key, minute(values["occurred_at"]), values["kind"], values["summary"])
            target = self.plan.interactions.setdefault(key, interaction)
            if contact is not None and contact not in target.attendees:
                target.attendees.append(contact)


def import_plan(*, table: Table, user: User) -> Plan:
    """The dry run: what each row would do, or why it is refused. Reads the database, writes
    nothing. Raises ImportFileError for a file that cannot be imported at all."""
    mapping = map_headers(table.headers)
    zone = user.zone
    rows = [row for number, cells in table.rows if (row := _parse_row(number, cells, mapping, zone)) is not None]
    return _Planner(user=user, headers=table.headers, mapping=mapping, rows=rows).run()


# Applying -------------------------------------------------------------------------------------


def import_apply(*, plan: Plan, user: User) -> None:
    """Write a plan that refused nothing. Called inside the commit's transaction.

    Interactions follow interaction_log's rules: they complete the open regular check-in (and
    follow-ups due by then), schedule the next from the last contact plus the cadence, and move
    last contact on — never backwards, and never for a note. New clients arrive complete: their
    last contact, next check-in and health are worked out before the one bulk insert, since
    everything they depend on is in the file. Existing clients go through crm's own services
    (client_update, contact_update, client_health_refresh) with all their rules.
    """
    if plan.refused:
        raise ValidationError("A plan with refused rows is never applied.")
    now = timezone.now()
    interactions = list(plan.interactions.values())
    _clients_create(plan, interactions, user=user, now=now)
    for target in plan.clients.values():
        if target.existing is not None:
            target.instance = target.existing
            if target.changes:
                client_update(client=Client.objects.get(pk=target.existing.pk), **target.changes)

    new_contacts = [t for t in plan.contacts.values() if t.existing is None]
    primary_given: set[str] = set()
    contacts = []
    for target in new_contacts:
        first = not target.client.had_contacts and target.client.key not in primary_given
        primary_given.add(target.client.key)
        contacts.append(Contact(client=target.client.instance, is_primary=first, created_at=now, **target.values))
    for target, contact in zip(new_contacts, Contact.objects.bulk_create(contacts, batch_size=CHUNK), strict=True):
        target.instance = contact
    for target in plan.contacts.values():
        if target.existing is not None:
            target.instance = target.existing
            if target.changes:
                contact_update(contact=Contact.objects.get(pk=target.existing.pk), **target.changes)

    made = Interaction.objects.bulk_create(
        [Interaction(client=t.client.instance, logged_by=user, created_at=now, **t.values) for t in interactions],
        batch_size=CHUNK,
    )
    for target, interaction in zip(interactions, made, strict=True):
        target.instance = interaction
    Participant.objects.bulk_create(
        [Participant(interaction=t.instance, contact=a.instance) for t in interactions for a in t.attendees],
        batch_size=CHUNK,
    )
    _existing_clients_after_log(plan, interactions, now=now)


def _latest_contact(interactions: Iterable[InteractionTarget]) -> dict[str, InteractionTarget]:
    """Per client (by key), the latest imported interaction that counts as contact."""
    latest: dict[str, InteractionTarget] = {}
    for target in interactions:
        if target.values["kind"] == Interaction.Kind.NOTE:
            continue
        current = latest.get(target.client.key)
        if current is None or target.values["occurred_at"] > current.values["occurred_at"]:
            latest[target.client.key] = target
    return latest


def _clients_create(plan: Plan, interactions: list[InteractionTarget], *, user: User, now: datetime) -> None:
    new_clients = [t for t in plan.clients.values() if t.existing is None]
    if not new_clients:
        return
    latest = _latest_contact(t for t in interactions if t.client.existing is None)
    sentiments: dict[str, list[tuple[datetime, int]]] = {}
    for target in interactions:
        if target.values.get("sentiment") and target.values["occurred_at"] >= now - SENTIMENT_WINDOW:
            sentiments.setdefault(target.client.key, []).append(
                (target.values["occurred_at"], target.values["sentiment"])
            )
    clients, checkins = [], []
    scores: dict[tuple[Any, ...], tuple[int, str, list[dict[str, Any]]]] = {}
    for target in new_clients:
        client = Client(
            name=target.name,
            account_manager=user,
            **{"time_zone": user.time_zone, **target.fields},
            created_at=now,
            updated_at=now,
        )
        last = latest.get(target.key)
        client.last_contacted_at = last.values["occurred_at"] if last else None
        base = local_date(moment=client.last_contacted_at or now, client=client)
        if has_cadence(client):
            due_on = base + timedelta(days=client.checkin_cadence_days)
            checkins.append(CheckIn(client=client, due_on=due_on, owner=user, created_at=now))
            client.next_checkin_due = due_on
        recent = [value for _, value in sorted(sentiments.get(target.key, []), reverse=True)][:SENTIMENT_SAMPLE]
        today = local_date(moment=now, client=client)
        last_on = local_date(moment=client.last_contacted_at, client=client) if last else None
        # A client this import creates has nothing else health reads (no action items,
        # projects or report deliveries): its inputs are all here. Many rows share them.
        key = (client.checkin_cadence_days, last_on, today, tuple(recent), has_cadence(client))
        if key not in scores:
            inputs = HealthInputs(
                cadence_days=key[0], last_contact_on=last_on, known_since=today, sentiments=recent, has_cadence=key[4]
            )
            health = health_of(inputs, today=today)
            scores[key] = (health.score, health.band, health.factors_as_json())
        client.health_score, client.health_band, client.health_factors = scores[key]
        client.health_computed_at = now
        clients.append(client)
        target.instance = client
    Client.objects.bulk_create(clients, batch_size=CHUNK)
    for checkin in checkins:
        checkin.client_id = checkin.client.pk
    CheckIn.objects.bulk_create(checkins, batch_size=CHUNK)


def _existing_clients_after_log(plan: Plan, interactions: list[InteractionTarget], *, now: datetime) -> None:
    """Check-ins and last contact of clients that existed before the import, as interaction_log
    leaves them: a few statements per client reached, and a health refresh once committed."""
    latest = _latest_contact(t for t in interactions if t.client.existing is not None)
    by_pk = {t.client.existing.pk: t for t in latest.values() if t.client.existing is not None}
    for batch in chunked(sorted(by_pk)):
        # Locked as interaction_log locks: a concurrent log reads the last contact we leave.
        clients = list(Client.objects.select_for_update().filter(pk__in=batch).order_by("pk"))
        open_checkins: dict[int, list[CheckIn]] = {}
        for checkin in CheckIn.objects.filter(client_id__in=batch, state=CheckIn.State.DUE):
            open_checkins.setdefault(checkin.client_id, []).append(checkin)
        new_checkins = []
        for client in clients:
            last = by_pk[client.pk].instance
            assert last is not None  # noqa: S101 (inserted above)
            happened_on = local_date(moment=last.occurred_at, client=client)
            last_contact = max(filter(None, [client.last_contacted_at, last.occurred_at]))
            done = [
                c.pk
                for c in open_checkins.get(client.pk, [])
                if c.kind == CheckIn.Kind.REGULAR or c.due_on <= happened_on
            ]
            CheckIn.objects.filter(pk__in=done).update(state=CheckIn.State.DONE, completed_by=last, closed_at=now)
            still_open = [c.due_on for c in open_checkins.get(client.pk, []) if c.pk not in done]
            if has_cadence(client):
                due_on = local_date(moment=last_contact, client=client) + timedelta(days=client.checkin_cadence_days)
                new_checkins.append(CheckIn(client=client, due_on=due_on, owner_id=client.account_manager_id))
                still_open.append(due_on)
            Client.objects.filter(pk=client.pk).update(
                last_contacted_at=last_contact, next_checkin_due=min(still_open, default=None), updated_at=now
            )
        CheckIn.objects.bulk_create(new_checkins)
    for target in plan.clients.values():
        if target.existing is not None and (target.existing.pk in by_pk or target.changes):
            client_health_refresh(client_id=target.existing.pk)
