"""Changes to client relationships. Each function is one transaction and keeps the derived
fields on Client (last contacted, next check-in due) current, explicitly, never by signals."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CharField, Count, Exists, F, IntegerField, Max, Min, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat, Greatest
from django.utils import timezone

from accounts.models import User
from crm.health import HealthInputs, health_of
from crm.models import ActionItem, CheckIn, Client, Contact, HealthSnapshot, Interaction, Participant, PulseAnswer
from crm.perception import PERCEPTION_WINDOW, perception_difference
from crm.schedule import local_moment
from outbox.models import OutboundEmail
from outbox.services import email_queue
from projects.models import HIGH_SEVERITY, ChangeRequest, Project, RiskIssue

logger = logging.getLogger(__name__)

RECOVERY_CADENCE_DAYS = 7


# What apps above crm keep in step with a client's calendar (the weekly reports' send times follow
# its time zone and stop while it is archived). They register from their AppConfig.ready(), so crm
# imports none of them.
_calendar_followers: list[Callable[..., None]] = []


def client_calendar_follower_register(follower: Callable[..., None]) -> None:
    """`follower(client=...)` runs, in the same transaction, when a client's time zone changes
    or it returns from the archive."""
    if follower not in _calendar_followers:
        _calendar_followers.append(follower)


def _client_calendar_changed(client: Client) -> None:
    for follower in _calendar_followers:
        follower(client=client)


def local_date(*, moment: datetime, client: Client) -> date:
    """The calendar day a moment falls on where the client is."""
    return timezone.localtime(moment, client.zone).date()


def client_refresh_contact_dates(*, client: Client) -> None:
    """Recompute the stored last-contacted and next-check-in fields from the rows they summarise."""
    client.last_contacted_at = client.interactions.exclude(kind=Interaction.Kind.NOTE).aggregate(at=Max("occurred_at"))[
        "at"
    ]
    client.next_checkin_due = client.checkins.filter(state=CheckIn.State.DUE).aggregate(on=Min("due_on"))["on"]
    client.save(update_fields=["last_contacted_at", "next_checkin_due", "updated_at"])


def checkin_schedule(
    *, client: Client, due_on: date, kind: str = CheckIn.Kind.REGULAR, owner: User | None = None, reason: str = ""
) -> CheckIn:
    """Open a check-in. A client has one open regular check-in: scheduling another moves it."""
    owner = owner or client.account_manager
    if kind == CheckIn.Kind.REGULAR:
        checkin, _ = CheckIn.objects.update_or_create(
            client=client,
            kind=kind,
            state=CheckIn.State.DUE,
            defaults={"due_on": due_on, "owner": owner, "reason": reason},
        )
    else:
        checkin = CheckIn.objects.create(client=client, kind=kind, due_on=due_on, owner=owner, reason=reason)
    client_refresh_contact_dates(client=client)
    return checkin


def has_cadence(client: Client) -> bool:
    """Former clients have no regular check-ins: the relationship goes on only through follow-ups
    someone schedules on purpose (after a project, for repeat business)."""
    return client.status != Client.Status.FORMER


def _regular_checkins_close(client: Client) -> None:
    client.checkins.filter(state=CheckIn.State.DUE, kind=CheckIn.Kind.REGULAR).update(
        state=CheckIn.State.SKIPPED, closed_at=timezone.now()
    )


def _regular_checkin_base(client: Client) -> date:
    """Regular check-ins count from the last contact, or from today for a client never contacted."""
    if client.last_contacted_at:
        return local_date(moment=client.last_contacted_at, client=client)
    return local_date(moment=timezone.now(), client=client)


def _team_set(client: Client, team: Iterable[User]) -> None:
    client.team.set([member for member in team if member.pk != client.account_manager_id])


def _refuse_losing_sight(*, editor: User | None, account_manager: User, team: Iterable[User]) -> None:
    """Nobody edits themselves out of a client they can see: they must stay account manager or
    on the team (admins see everything). `editor` is None for changes made by the system."""
    if editor is None or editor.is_admin or editor == account_manager or editor in team:
        return
    raise ValidationError(
        "You would no longer see this client: make yourself the account manager or add yourself to the team."
    )


@transaction.atomic
def client_create(
    *,
    name: str,
    account_manager: User,
    editor: User | None = None,
    team: Iterable[User] = (),
    status: str = Client.Status.ACTIVE,
    industry: str = "",
    website: str = "",
    time_zone: str = "UTC",
    checkin_cadence_days: int = 14,
    preferred_channel: str = Client.Channel.EMAIL,
    currency: str = "EUR",
    goals: str = "",
    kpis: str = "",
    notes: str = "",
) -> Client:
    team = list(team)
    _refuse_losing_sight(editor=editor, account_manager=account_manager, team=team)
    client = Client(
        name=name,
        account_manager=account_manager,
        status=status,
        industry=industry,
        website=website,
        time_zone=time_zone,
        checkin_cadence_days=checkin_cadence_days,
        preferred_channel=preferred_channel,
        currency=currency,
        goals=goals,
        kpis=kpis,
        notes=notes,
    )
    client.full_clean()
    client.save()
    _team_set(client, team)
    if has_cadence(client):
        checkin_schedule(client=client, due_on=_regular_checkin_base(client) + timedelta(days=checkin_cadence_days))
    return client


CLIENT_FIELDS = {
    "name",
    "status",
    "industry",
    "website",
    "time_zone",
    "account_manager",
    "checkin_cadence_days",
    "preferred_channel",
    "currency",
    "goals",
    "kpis",
    "notes",
}


@transaction.atomic
def client_update(
    *, client: Client, editor: User | None = None, team: Iterable[User] | None = None, **fields: object
) -> Client:
    """Update a client. A shorter cadence pulls the open regular check-in earlier; a new account
    manager takes over the open check-ins; in recovery mode the cadence stays at most 7 days
    and the chosen value is kept for when recovery ends."""
    unknown = set(fields) - CLIENT_FIELDS
    if unknown:
        raise TypeError(f"client_update got unexpected fields: {', '.join(sorted(unknown))}")
    team = list(team) if team is not None else None
    previous_manager_id, previous_zone, previous_status = client.account_manager_id, client.time_zone, client.status
    for name, value in fields.items():
        setattr(client, name, value)
    _refuse_losing_sight(
        editor=editor,
        account_manager=client.account_manager,
        team=team if team is not None else client.team.all(),
    )
    if "checkin_cadence_days" in fields and client.projects.filter(recovery_plan__isnull=False).exists():
        # Recovery keeps check-ins at least weekly; the cadence chosen here returns when it ends.
        chosen = client.checkin_cadence_days
        client.checkin_cadence_days = min(chosen, RECOVERY_CADENCE_DAYS)
        client.cadence_before_recovery = chosen if chosen > RECOVERY_CADENCE_DAYS else None
    client.full_clean()
    client.save()
    if team is not None:
        _team_set(client, team)
    if client.account_manager_id != previous_manager_id:
        client.checkins.filter(state=CheckIn.State.DUE, owner_id=previous_manager_id).update(
            owner=client.account_manager
        )
    if client.status == Client.Status.FORMER and previous_status != Client.Status.FORMER:
        _regular_checkins_close(client)  # and with it its reminders; follow-ups stay
    checkin_pull_within_cadence(client=client)
    if client.time_zone != previous_zone:
        _client_calendar_changed(client)
    client_health_refresh(client_id=client.pk)
    return client


def checkin_pull_within_cadence(*, client: Client) -> None:
    """Make sure the open regular check-in is no later than the cadence allows (and that a
    client with a cadence has one)."""
    if not has_cadence(client):
        client_refresh_contact_dates(client=client)
        return
    latest = _regular_checkin_base(client) + timedelta(days=client.checkin_cadence_days)
    current = client.checkins.filter(state=CheckIn.State.DUE, kind=CheckIn.Kind.REGULAR).first()
    if current is None:
        checkin_schedule(client=client, due_on=latest)
    elif current.due_on > latest:
        checkin_schedule(client=client, due_on=latest, owner=current.owner)
    else:
        client_refresh_contact_dates(client=client)


@transaction.atomic
def client_archive(*, client: Client) -> Client:
    """Hide a client from lists and stop its check-ins; nothing is deleted."""
    client.archived_at = timezone.now()
    client.save(update_fields=["archived_at", "updated_at"])
    client.checkins.filter(state=CheckIn.State.DUE).update(state=CheckIn.State.SKIPPED, closed_at=timezone.now())
    client.projects.update(next_report_at=None)  # no more weekly reports to an archived client
    client_refresh_contact_dates(client=client)
    return client


@transaction.atomic
def client_restore(*, client: Client) -> Client:
    client.archived_at = None
    client.save(update_fields=["archived_at", "updated_at"])
    if has_cadence(client):
        today = local_date(moment=timezone.now(), client=client)
        checkin_schedule(client=client, due_on=today + timedelta(days=client.checkin_cadence_days))
    _client_calendar_changed(client)
    return client


CONTACT_FIELDS = {"name", "email", "phone", "title", "is_primary", "receives_reports", "notes"}


EMAIL_TAKEN = "Another contact at this client already has that email address."


def _contact_save(contact: Contact) -> Contact:
    """Save a contact, demoting any other primary first, and turn the database's uniqueness
    rules into form-ready errors."""
    contact.email = contact.email.strip().lower()
    contact.full_clean(exclude=["client", "user"], validate_constraints=False)
    if contact.email and contact.client.contacts.filter(email__iexact=contact.email).exclude(pk=contact.pk).exists():
        raise ValidationError({"email": EMAIL_TAKEN})
    if contact.is_primary:
        Contact.objects.filter(client=contact.client, is_primary=True).exclude(pk=contact.pk).update(is_primary=False)
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:
        raise ValidationError({"email": EMAIL_TAKEN}) from None  # a concurrent save took it first
    return contact


@transaction.atomic
def contact_create(*, client: Client, name: str, **fields: object) -> Contact:
    unknown = set(fields) - CONTACT_FIELDS
    if unknown:
        raise TypeError(f"contact_create got unexpected fields: {', '.join(sorted(unknown))}")
    contact = Contact(client=client, name=name, **fields)
    if not client.contacts.exists():
        contact.is_primary = True  # a client's first contact is its primary one
    return _contact_save(contact)


@transaction.atomic
def contact_update(*, contact: Contact, resume_reports: bool = False, **fields: object) -> Contact:
    """Update a contact. Someone who unsubscribed with the link in a report stays unsubscribed
    whatever `receives_reports` says (a form opened before they did must not sign them up
    again) until `resume_reports` records that they asked for the reports again."""
    unknown = set(fields) - CONTACT_FIELDS
    if unknown:
        raise TypeError(f"contact_update got unexpected fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(contact, name, value)
    if resume_reports:
        contact.receives_reports, contact.unsubscribed_at = True, None
    elif contact.unsubscribed_at:
        contact.receives_reports = False
    contact = _contact_save(contact)
    if contact.user_id is not None:
        _portal_login_follow_email(contact)
    return contact


def _portal_login_follow_email(contact: Contact) -> None:
    """A contact's portal login is their email address, so it follows the contact's."""
    user = contact.user
    if user is None:  # no portal login, nothing to follow
        return
    if not contact.email:
        raise ValidationError({"email": "This contact signs in to the portal, so they need an email address."})
    if user.email == contact.email:
        return
    user.email = contact.email
    try:
        with transaction.atomic():
            user.save(update_fields=["email"])
    except IntegrityError:
        raise ValidationError({"email": "That email address already signs in to Rapport as someone else."}) from None


@dataclass(frozen=True)
class ActionItemDraft:
    """An action item typed into the log form, before it exists."""

    text: str
    owner_side: str = ActionItem.Side.US
    owner: User | None = None
    owner_contact: Contact | None = None
    due_on: date | None = None


def _action_items_create(*, client: Client, interaction: Interaction | None, drafts: Sequence[ActionItemDraft]) -> None:
    ActionItem.objects.bulk_create(
        ActionItem(
            client=client,
            interaction=interaction,
            text=draft.text,
            owner_side=draft.owner_side,
            owner=draft.owner if draft.owner_side == ActionItem.Side.US else None,
            owner_contact=draft.owner_contact if draft.owner_side == ActionItem.Side.CLIENT else None,
            due_on=draft.due_on,
        )
        for draft in drafts
    )


INTERACTION_FIELDS = {
    "kind",
    "occurred_at",
    "duration_minutes",
    "summary",
    "notes",
    "sentiment",
    "concerns",
    "flag",
    "resolution",
    "shared_with_client",
    "project",
}


def _check_belongs(
    client: Client, attendees: Sequence[Contact], drafts: Sequence[ActionItemDraft], project: object = None
) -> None:
    """Everything an interaction points at must be this client's (checked without a query: the
    objects carry their client)."""
    owners = [draft.owner_contact for draft in drafts if draft.owner_contact is not None]
    if any(contact.client_id != client.pk for contact in [*attendees, *owners]):
        raise ValidationError({"attendees": "People from the client must be contacts of this client."})
    if project is not None and getattr(project, "client_id", None) != client.pk:
        raise ValidationError({"project": "The project must be one of this client's."})


def _participants_add(interaction: Interaction, attendees: Sequence[Contact], staff: Sequence[User]) -> None:
    Participant.objects.bulk_create(
        [Participant(interaction=interaction, contact=contact) for contact in attendees]
        + [Participant(interaction=interaction, user=user) for user in staff]
    )


def _client_contact_dates_after_log(client: Client, occurred_at: datetime) -> None:
    """Move last contact on and recompute the next check-in in one UPDATE."""
    next_due = (
        CheckIn.objects.filter(client=OuterRef("pk"), state=CheckIn.State.DUE)
        .order_by()
        .values("client")
        .annotate(first=Min("due_on"))
        .values("first")
    )
    Client.objects.filter(pk=client.pk).update(
        last_contacted_at=Greatest(Coalesce(F("last_contacted_at"), Value(occurred_at)), Value(occurred_at)),
        next_checkin_due=Subquery(next_due),
        updated_at=timezone.now(),
    )


def interaction_log(
    *,
    client: Client,
    logged_by: User,
    summary: str,
    attendees: Sequence[Contact] = (),
    staff_present: Sequence[User] = (),
    action_items: Sequence[ActionItemDraft] = (),
    next_checkin_on: date | None = None,
    **fields: object,
) -> Interaction:
    """Record an interaction with everything that follows from it, in one transaction:
    who was there, the action items, the regular check-in (and any follow-up already due)
    completed, the next regular check-in scheduled (the date given, else last contact +
    cadence), and the client's last-contacted date moved on.

    Written statement by statement (bulk inserts, one UPDATE per table) because this is the
    form managers submit most; everything is validated before the first write.
    """
    unknown = set(fields) - INTERACTION_FIELDS
    if unknown:
        raise TypeError(f"interaction_log got unexpected fields: {', '.join(sorted(unknown))}")
    _check_belongs(client, attendees, action_items, fields.get("project"))
    _refuse_past_day(next_checkin_on, client=client, field="next_checkin_on", label="The next check-in")
    interaction = Interaction(client=client, logged_by=logged_by, summary=summary, **fields)
    # Foreign keys and check constraints are not re-checked here: the form chose them from the
    # client's own lists, and the database enforces the constraints.
    interaction.full_clean(exclude=["client", "logged_by", "project"], validate_constraints=False)

    with transaction.atomic(savepoint=False):
        # Two people logging the same client at once take turns from here (each closes the open
        # check-in and opens the next, which one-open-check-in allows only in turn), and each
        # reads the last contact as the other left it.
        client.last_contacted_at = (
            Client.objects.select_for_update().filter(pk=client.pk).values_list("last_contacted_at", flat=True).get()
        )
        interaction.save()
        _participants_add(interaction, attendees, staff_present)
        _action_items_create(client=client, interaction=interaction, drafts=action_items)
        if interaction.is_contact:
            happened_on = local_date(moment=interaction.occurred_at, client=client)
            last_contact = max(filter(None, [client.last_contacted_at, interaction.occurred_at]))
            client.checkins.filter(
                Q(kind=CheckIn.Kind.REGULAR) | Q(kind=CheckIn.Kind.FOLLOW_UP, due_on__lte=happened_on),
                state=CheckIn.State.DUE,
            ).update(state=CheckIn.State.DONE, completed_by=interaction, closed_at=timezone.now())
            if has_cadence(client):
                due_on = next_checkin_on or local_date(moment=last_contact, client=client) + timedelta(
                    days=client.checkin_cadence_days
                )
                CheckIn.objects.create(client=client, due_on=due_on, owner=client.account_manager)
            elif next_checkin_on:
                CheckIn.objects.create(
                    client=client, kind=CheckIn.Kind.FOLLOW_UP, due_on=next_checkin_on, owner=client.account_manager
                )
            _client_contact_dates_after_log(client, interaction.occurred_at)
            client.last_contacted_at = last_contact
        elif next_checkin_on:
            kind = CheckIn.Kind.REGULAR if has_cadence(client) else CheckIn.Kind.FOLLOW_UP
            checkin_schedule(client=client, due_on=next_checkin_on, kind=kind)
        client_health_refresh(client_id=client.pk)
    return interaction


@transaction.atomic
def interaction_update(
    *,
    interaction: Interaction,
    attendees: Sequence[Contact] | None = None,
    staff_present: Sequence[User] | None = None,
    **fields: object,
) -> Interaction:
    unknown = set(fields) - INTERACTION_FIELDS
    if unknown:
        raise TypeError(f"interaction_update got unexpected fields: {', '.join(sorted(unknown))}")
    _check_belongs(interaction.client, attendees or [], [], fields.get("project"))
    for name, value in fields.items():
        setattr(interaction, name, value)
    interaction.full_clean(exclude=["client", "logged_by", "project"])
    interaction.save()
    if attendees is not None:
        interaction.attendees.set(attendees)
    if staff_present is not None:
        interaction.staff_present.set(staff_present)
    client_refresh_contact_dates(client=interaction.client)
    client_health_refresh(client_id=interaction.client_id)
    return interaction


@transaction.atomic
def action_item_create(*, client: Client, draft: ActionItemDraft) -> ActionItem:
    """One action item on its own (the API), under the rules of the log form's rows: an owner
    on the side whose action it is, a client-side owner from this client."""
    _check_belongs(client, [], [draft])
    item = ActionItem(
        client=client,
        text=draft.text,
        owner_side=draft.owner_side,
        owner=draft.owner if draft.owner_side == ActionItem.Side.US else None,
        owner_contact=draft.owner_contact if draft.owner_side == ActionItem.Side.CLIENT else None,
        due_on=draft.due_on,
    )
    item.full_clean(exclude=["client", "interaction", "owner", "owner_contact"])
    item.save()
    client_health_refresh(client_id=client.pk)
    return item


@transaction.atomic
def action_item_complete(*, item: ActionItem) -> ActionItem:
    if item.done_at is None:
        item.done_at = timezone.now()
        item.save(update_fields=["done_at"])
        client_health_refresh(client_id=item.client_id)
    return item


@transaction.atomic
def action_item_reopen(*, item: ActionItem) -> ActionItem:
    item.done_at = None
    item.save(update_fields=["done_at"])
    client_health_refresh(client_id=item.client_id)
    return item


def _refuse_past_day(day: date | None, *, client: Client, field: str, label: str) -> None:
    """A check-in is booked for today or later: today where the client is or where the person
    booking it is (the active time zone), whichever comes first."""
    earliest = min(local_date(moment=timezone.now(), client=client), timezone.localdate())
    if day is not None and day < earliest:
        raise ValidationError({field: f"{label} is in the past; choose today or a later day."})


@transaction.atomic
def checkin_reschedule(*, checkin: CheckIn, due_on: date) -> CheckIn:
    if checkin.state != CheckIn.State.DUE:
        raise ValidationError("Only an open check-in can be rescheduled.")
    _refuse_past_day(due_on, client=checkin.client, field="due_on", label="That date")
    checkin.due_on = due_on
    checkin.save(update_fields=["due_on"])
    client_refresh_contact_dates(client=checkin.client)
    return checkin


@transaction.atomic
def checkin_skip(*, checkin: CheckIn) -> CheckIn:
    """Skip a check-in; a skipped regular one is replaced by the next, a cadence from today."""
    if checkin.state != CheckIn.State.DUE:
        raise ValidationError("Only an open check-in can be skipped.")
    checkin.state = CheckIn.State.SKIPPED
    checkin.closed_at = timezone.now()
    checkin.save(update_fields=["state", "closed_at"])
    client = checkin.client
    if checkin.kind == CheckIn.Kind.REGULAR:
        today = local_date(moment=timezone.now(), client=client)
        checkin_schedule(client=client, due_on=today + timedelta(days=client.checkin_cadence_days))
    else:
        client_refresh_contact_dates(client=client)
    return checkin


# Check-in reminders and report subscriptions -----------------------------------------------------

# The longest reminder lead (14 days) plus a day, so that no time zone's "due soon" is missed.
REMINDER_HORIZON = timedelta(days=15)


def checkin_reminder_stage(checkin: CheckIn, *, now: datetime) -> str | None:
    """Which reminder a check-in owes its owner now, if any. "Due soon" comes at the owner's
    reminder hour, lead days before the due date (and only for check-ins that existed by
    then: one booked for tomorrow needs no warning); "overdue" comes at that hour on the day
    after the due date, once."""
    owner = checkin.owner
    overdue_at = local_moment(
        day=checkin.due_on + timedelta(days=1), hour=owner.reminder_hour, time_zone=owner.time_zone
    )
    if now >= overdue_at:
        return OutboundEmail.Kind.CHECKIN_OVERDUE
    soon_day = checkin.due_on - timedelta(days=owner.reminder_lead_days)
    soon_at = local_moment(day=soon_day, hour=owner.reminder_hour, time_zone=owner.time_zone)
    if now >= soon_at and checkin.created_at < soon_at:
        return OutboundEmail.Kind.CHECKIN_DUE_SOON
    return None


def checkin_reminder_key(checkin: CheckIn, kind: str) -> str:
    """One reminder per check-in, stage, due date and owner: a check-in that is moved, or handed
    to someone else, is reminded again (to its new owner)."""
    stage = "overdue" if kind == OutboundEmail.Kind.CHECKIN_OVERDUE else "due-soon"
    return f"checkin-{stage}:{checkin.pk}:{checkin.due_on.isoformat()}:{checkin.owner_id}"


def checkin_reminders_create_due(*, now: datetime | None = None) -> int:
    """The dispatcher's half for reminders: queue every reminder whose local hour has come.
    Check-ins already reminded as overdue are left out in SQL, so the sweep reads only the
    check-ins of the next two weeks and those still owing their last reminder."""
    now = now or timezone.now()
    overdue_key = Concat(
        Value("checkin-overdue:"),
        Cast("pk", CharField()),
        Value(":"),
        Cast("due_on", CharField()),
        Value(":"),
        Cast("owner_id", CharField()),
    )
    candidates = list(
        CheckIn.objects.filter(
            state=CheckIn.State.DUE,
            due_on__lte=(now + REMINDER_HORIZON).date(),
            client__archived_at__isnull=True,
            owner__is_active=True,
        )
        .exclude(kind=CheckIn.Kind.REGULAR, client__status=Client.Status.FORMER)
        .annotate(overdue_key=overdue_key)
        .exclude(Exists(OutboundEmail.objects.filter(key=OuterRef("overdue_key"))))
        .select_related("owner")
    )
    wanted = {}
    for checkin in candidates:
        kind = checkin_reminder_stage(checkin, now=now)
        if kind is not None:
            wanted[checkin_reminder_key(checkin, kind)] = (checkin, kind)
    queued = set(OutboundEmail.objects.filter(key__in=wanted).values_list("key", flat=True))
    for key, (checkin, kind) in wanted.items():
        if key not in queued:
            email_queue(key=key, kind=kind, to_email=checkin.owner.email, user=checkin.owner, checkin=checkin)
    return len(wanted.keys() - queued)


@transaction.atomic
def contact_unsubscribe(*, contact: Contact) -> Contact:
    """Stop weekly reports to a contact: reports not yet sent to them are not sent."""
    contact.receives_reports = False
    contact.unsubscribed_at = contact.unsubscribed_at or timezone.now()
    contact.save(update_fields=["receives_reports", "unsubscribed_at"])
    OutboundEmail.objects.filter(
        contact=contact, kind=OutboundEmail.Kind.STATUS_REPORT, status=OutboundEmail.Status.PENDING
    ).update(status=OutboundEmail.Status.SUPPRESSED, last_error="The contact unsubscribed.")
    return contact


# Relationship health ---------------------------------------------------------------------------

SENTIMENT_WINDOW = timedelta(days=90)
SENTIMENT_SAMPLE = 10
CHANGE_WAIT = timedelta(days=14)
FAILED_DELIVERY_WINDOW = timedelta(days=30)


def _per_client(queryset: QuerySet[Any], client_path: str) -> Coalesce:
    """A correlated COUNT of `queryset` rows belonging to the outer client."""
    counted = (
        queryset.filter(**{client_path: OuterRef("pk")})
        .order_by()
        .values(client_path)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _mood_inputs(readings: list[tuple[datetime, int, bool]], *, now: datetime) -> dict[str, Any]:
    """From one client's readings (when, value, whether it is theirs): the samples for the mood,
    the run of unhappy readings at the top, and the 30-day perception difference."""
    readings = sorted(readings, key=lambda reading: reading[0], reverse=True)
    streak = 0
    for _, value, _ in readings:
        if value > 2:
            break
        streak += 1
    recent = [reading for reading in readings if reading[0] >= now - PERCEPTION_WINDOW]
    return {
        "sentiments": [value for _, value, theirs in readings if not theirs][:SENTIMENT_SAMPLE],
        "answers": [value for _, value, theirs in readings if theirs][:SENTIMENT_SAMPLE],
        "low_streak": streak,
        "perception_difference": perception_difference(
            [value for _, value, theirs in recent if not theirs], [value for _, value, theirs in recent if theirs]
        ),
    }


def health_inputs(*, clients: QuerySet[Client], now: datetime) -> dict[int, tuple[Client, HealthInputs]]:
    """The score's inputs for many clients in three queries: one row per client with its counts,
    the recent logged sentiment and the recent pulse answers of all of them."""
    today = timezone.localdate(now)
    active = Project.objects.filter(status=Project.Status.ACTIVE)
    rows = clients.order_by().annotate(
        our_overdue=_per_client(
            ActionItem.objects.filter(owner_side=ActionItem.Side.US, done_at__isnull=True, due_on__lt=today), "client"
        ),
        red=_per_client(active.filter(health="red"), "client"),
        amber=_per_client(active.filter(health="amber"), "client"),
        green=_per_client(active.filter(health="green"), "client"),
        recovering=_per_client(active.filter(recovery_plan__isnull=False), "client"),
        high_risks=_per_client(
            RiskIssue.objects.filter(project__in=active, severity__gte=HIGH_SEVERITY).exclude(
                status=RiskIssue.Status.CLOSED
            ),
            "project__client",
        ),
        stale_changes=_per_client(
            ChangeRequest.objects.filter(
                status=ChangeRequest.Status.PROPOSED, proposed_at__lt=now - CHANGE_WAIT
            ).exclude(project__status__in=[Project.Status.COMPLETED, Project.Status.CANCELLED]),
            "project__client",
        ),
        failed=_per_client(
            OutboundEmail.objects.filter(
                kind=OutboundEmail.Kind.STATUS_REPORT,
                status=OutboundEmail.Status.FAILED,
                created_at__gte=now - FAILED_DELIVERY_WINDOW,
            ),
            "contact__client",
        ),
    )
    # Every reading of the last 90 days, ours (logged sentiment) and theirs (pulse answers),
    # newest first: the mood samples the latest ten of each, the streak and the perception gap
    # look across both.
    readings: dict[int, list[tuple[datetime, int, bool]]] = {}
    for client_id, at, sentiment in (
        Interaction.objects.filter(
            client__in=clients.values("pk"), sentiment__isnull=False, occurred_at__gte=now - SENTIMENT_WINDOW
        )
        .order_by("client_id", "-occurred_at", "-pk")
        .values_list("client_id", "occurred_at", "sentiment")
    ):
        if sentiment is not None:  # excluded by the filter; this tells the type checker
            readings.setdefault(client_id, []).append((at, sentiment, False))
    for client_id, at, score in (
        PulseAnswer.objects.filter(
            client__in=clients.values("pk"), answered_at__gte=now - SENTIMENT_WINDOW, answered_at__lte=now
        )
        .order_by("client_id", "-answered_at", "-pk")
        .values_list("client_id", "answered_at", "score")
    ):
        readings.setdefault(client_id, []).append((at, score, True))
    inputs: dict[int, tuple[Client, HealthInputs]] = {}
    for row in rows:
        worst = "red" if row.red else "amber" if row.amber else "green" if row.green else None
        inputs[row.pk] = (
            row,
            HealthInputs(
                cadence_days=row.checkin_cadence_days,
                # Days are counted in the client's own zone.
                last_contact_on=timezone.localdate(row.last_contacted_at, row.zone) if row.last_contacted_at else None,
                known_since=timezone.localdate(row.created_at, row.zone),
                **_mood_inputs(readings.get(row.pk, []), now=now),
                our_overdue_items=row.our_overdue,
                worst_project_health=worst,
                project_in_recovery=bool(row.recovering),
                high_severity_open=row.high_risks,
                changes_undecided_over_14_days=row.stale_changes,
                failed_deliveries=row.failed,
                has_cadence=has_cadence(row),
            ),
        )
    return inputs


def client_health_recompute(*, clients: QuerySet[Client], now: datetime | None = None) -> int:
    """Score the clients, store score, band and factors on them, and keep the day's snapshot
    (one row per client and day, in the client's zone: a later run that day replaces it). A
    band that changes is remembered with when. Five queries, however many clients."""
    now = now or timezone.now()
    changed = []
    snapshots = []
    for client, inputs in health_inputs(clients=clients, now=now).values():
        day = timezone.localdate(now, client.zone)
        health = health_of(inputs, today=day)
        snapshots.append(
            HealthSnapshot(
                client=client, day=day, score=health.score, band=health.band, factors=health.factors_as_json()
            )
        )
        if client.health_band != health.band:
            client.health_band_before = client.health_band
            client.health_band_changed_at = now
        client.health_score = health.score
        client.health_band = health.band
        client.health_factors = health.factors_as_json()
        client.health_computed_at = now
        changed.append(client)
    Client.objects.bulk_update(
        changed,
        [
            "health_score",
            "health_band",
            "health_factors",
            "health_computed_at",
            "health_band_before",
            "health_band_changed_at",
        ],
        batch_size=500,
    )
    HealthSnapshot.objects.bulk_create(
        snapshots,
        update_conflicts=True,
        unique_fields=["client", "day"],
        update_fields=["score", "band", "factors"],
        batch_size=500,
    )
    return len(changed)


SNAPSHOT_KEEP_DAYS = 396  # 13 months: a year's chart plus a month of margin


def health_snapshots_prune(*, now: datetime | None = None) -> int:
    """Delete snapshots older than 13 months: at most ~400 rows per client are ever kept."""
    cutoff = timezone.localdate(now or timezone.now()) - timedelta(days=SNAPSHOT_KEEP_DAYS)
    deleted, _ = HealthSnapshot.objects.filter(day__lt=cutoff).delete()
    return deleted


def client_health_refresh(*, client_id: int) -> None:
    """Every service that changes a health input calls this inside its transaction. The client
    is marked stale in that same transaction, so the mark commits with the change or not at all;
    the minute sweep (client_health_recompute_stale) rescores marked clients. Once the change
    commits, a worker is also asked to rescore this client at once — best effort only: with the
    broker down the publish fails, is logged, and the sweep catches up within a minute."""
    from crm.tasks import client_health_recompute_task

    Client.objects.filter(pk=client_id).update(health_stale_since=timezone.now())

    def publish() -> None:
        try:
            client_health_recompute_task.apply_async((client_id,), retry=False)
        except Exception as error:  # broker down: kombu raises a variety of connection errors
            logger.warning(
                "could not publish health recompute for client %s (%s); the sweep will do it", client_id, error
            )

    transaction.on_commit(publish)


HEALTH_SWEEP_BATCH = 100
HEALTH_SWEEP_BATCHES = 10


def client_health_recompute_stale(
    *, client_ids: Iterable[int] | None = None, batch: int = HEALTH_SWEEP_BATCH, batches: int = HEALTH_SWEEP_BATCHES
) -> int:
    """Rescore the clients marked stale, oldest mark first, `batch` at a time and at most
    `batches` batches (the rest wait for the next sweep); `client_ids` limits it to those.

    A mark is cleared only if it still holds the value read before rescoring: a change that
    commits meanwhile sets a newer mark, which stays for the next sweep, so no change is ever
    scored from data read before it. Returns the number of marks cleared."""
    stale = Client.objects.filter(health_stale_since__isnull=False)
    if client_ids is not None:
        stale = stale.filter(pk__in=list(client_ids))
    cleared = 0
    for _ in range(batches):
        marks = dict(stale.order_by("health_stale_since", "pk").values_list("pk", "health_stale_since")[:batch])
        if not marks:
            break
        client_health_recompute(clients=Client.objects.filter(pk__in=marks))
        unchanged = Q()
        for pk, marked_at in marks.items():
            unchanged |= Q(pk=pk, health_stale_since=marked_at)
        done = Client.objects.filter(unchanged).update(health_stale_since=None)
        cleared += done
        if done == 0:
            break  # every mark in the batch was renewed meanwhile: the next sweep takes them
    return cleared
