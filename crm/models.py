from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import validate_time_zone
from ui.money import validate_currency

STAFF = Q(role__in=["admin", "manager"])

phone_validator = RegexValidator(
    r"^\+?[0-9 ()./-]{5,30}( *(ext|x)\.? *[0-9]{1,6})?$",
    "Enter a phone number of digits, spaces and + ( ) - . / (an extension may follow, e.g. “x 12”).",
)


class HealthBand(models.TextChoices):
    HEALTHY = "healthy", "Healthy"
    WATCH = "watch", "Watch"
    AT_RISK = "at_risk", "At risk"


class Client(models.Model):
    """A client company and everything Rapport derives about the relationship."""

    class Status(models.TextChoices):
        PROSPECT = "prospect", "Prospect"
        ACTIVE = "active", "Active"
        DORMANT = "dormant", "Dormant"
        FORMER = "former", "Former"

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        PHONE = "phone", "Phone"
        VIDEO = "video", "Video call"
        IN_PERSON = "in_person", "In person"
        CHAT = "chat", "Chat"

    name = models.CharField(max_length=200)
    industry = models.CharField(max_length=100, blank=True)
    website = models.URLField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    time_zone = models.CharField(
        max_length=64, default="UTC", validators=[validate_time_zone], help_text="Where the client works."
    )
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="managed_clients", limit_choices_to=STAFF
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="team_clients", limit_choices_to=STAFF
    )
    checkin_cadence_days = models.PositiveSmallIntegerField(
        "check-in every (days)",
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="How often someone should be in touch, 1–365 days.",
    )
    cadence_before_recovery = models.PositiveSmallIntegerField(
        null=True, blank=True, editable=False, help_text="The cadence to restore when recovery mode ends."
    )
    preferred_channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    currency = models.CharField(
        max_length=3,
        default="EUR",
        validators=[validate_currency],
        help_text="ISO 4217 code of the money the client is billed in; costs show in it.",
    )
    goals = models.TextField("goals and objectives", max_length=5000, blank=True)
    kpis = models.TextField("KPIs and success criteria", max_length=5000, blank=True)
    notes = models.TextField(max_length=20000, blank=True, help_text="Markdown.")
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Derived, stored so the client list can sort and filter by them; kept current by services.
    last_contacted_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_checkin_due = models.DateField(null=True, blank=True, editable=False)
    # Relationship health (crm.health), stored for sorting and filtering; recomputed by services.
    health_score = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    health_band = models.CharField(max_length=8, choices=HealthBand.choices, blank=True, editable=False)
    health_factors = models.JSONField(default=list, blank=True, editable=False)
    health_computed_at = models.DateTimeField(null=True, blank=True, editable=False)
    health_band_before = models.CharField(max_length=8, choices=HealthBand.choices, blank=True, editable=False)
    health_band_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set in the same transaction as any change to a health input; the minute sweep recomputes
    # the client and clears it (only if no newer change has set it again meanwhile).
    health_stale_since = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(checkin_cadence_days__gte=1, checkin_cadence_days__lte=365), name="client_cadence_range"
            ),
        ]
        indexes = [
            models.Index(Lower("name"), "id", name="client_name_order"),
            models.Index(fields=["status", "archived_at"], name="client_status"),
            models.Index(fields=["next_checkin_due", "id"], name="client_next_checkin"),
            models.Index(fields=["last_contacted_at", "id"], name="client_last_contact"),
            models.Index(fields=["health_score", "id"], name="client_health_score"),
            models.Index(
                fields=["health_stale_since"], condition=Q(health_stale_since__isnull=False), name="client_health_stale"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Contact(models.Model):
    """A person at a client."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=150)
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=40, blank=True, validators=[phone_validator])
    title = models.CharField("title or role", max_length=150, blank=True)
    is_primary = models.BooleanField("primary contact", default=False)
    receives_reports = models.BooleanField(
        "receives weekly status reports", default=False, help_text="Opt-in; every report carries an unsubscribe link."
    )
    unsubscribed_at = models.DateTimeField(null=True, blank=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact",
        editable=False,
        help_text="The portal sign-in, once access is granted.",
    )
    notes = models.TextField(max_length=5000, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-is_primary", "name"]
        constraints = [
            models.UniqueConstraint(fields=["client"], condition=Q(is_primary=True), name="contact_one_primary"),
            models.UniqueConstraint(
                "client", Lower("email"), condition=~Q(email=""), name="contact_email_unique_per_client"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Interaction(models.Model):
    """One meeting, call, video call, email, site visit or note with a client."""

    class Kind(models.TextChoices):
        MEETING = "meeting", "Meeting"
        CALL = "call", "Call"
        VIDEO = "video", "Video call"
        EMAIL = "email", "Email"
        SITE_VISIT = "site_visit", "Site visit"
        NOTE = "note", "Note"

    class Sentiment(models.IntegerChoices):
        VERY_UNHAPPY = 1, "Very unhappy"
        UNHAPPY = 2, "Unhappy"
        NEUTRAL = 3, "Neutral"
        HAPPY = 4, "Happy"
        VERY_HAPPY = 5, "Very happy"

    class Flag(models.TextChoices):
        NONE = "", "None"
        ESCALATION = "escalation", "Escalation"
        DIFFICULT = "difficult", "Difficult conversation"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="interactions")
    project = models.ForeignKey(
        "projects.Project", null=True, blank=True, on_delete=models.SET_NULL, related_name="interactions"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.MEETING)
    occurred_at = models.DateTimeField("when", default=timezone.now)
    duration_minutes = models.PositiveSmallIntegerField(
        "duration (minutes)", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(1440)]
    )
    attendees = models.ManyToManyField(
        Contact,
        blank=True,
        related_name="interactions",
        through="Participant",
        through_fields=("interaction", "contact"),
    )
    staff_present = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="interactions_attended",
        through="Participant",
        through_fields=("interaction", "user"),
    )
    summary = models.CharField(max_length=500, help_text="One or two sentences. Shown to the client if shared.")
    notes = models.TextField(max_length=20000, blank=True, help_text="Markdown. Never shown to the client.")
    sentiment = models.PositiveSmallIntegerField("client sentiment", choices=Sentiment.choices, null=True, blank=True)
    concerns = models.TextField("concerns raised", max_length=5000, blank=True)
    flag = models.CharField(max_length=12, choices=Flag.choices, default=Flag.NONE, blank=True)
    resolution = models.TextField(max_length=5000, blank=True, help_text="How the escalation or conflict was resolved.")
    shared_with_client = models.BooleanField(
        "share the summary with the client", default=False, help_text="The summary appears in the client's portal."
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="interactions_logged"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sentiment__isnull=True) | Q(sentiment__gte=1, sentiment__lte=5),
                name="interaction_sentiment_range",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True) | Q(duration_minutes__gte=1, duration_minutes__lte=1440),
                name="interaction_duration_range",
            ),
        ]
        indexes = [models.Index(fields=["client", "-occurred_at", "-id"], name="interaction_timeline")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} with {self.client}: {self.summary[:60]}"

    @property
    def is_contact(self) -> bool:
        """A note to self is not contact with the client: it neither counts as last contact nor
        completes a check-in."""
        return self.kind != self.Kind.NOTE


class Participant(models.Model):
    """Someone present at an interaction: a client contact or one of our staff. One table for
    both, so logging a meeting writes everyone present in a single statement."""

    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="participants")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__isnull=True, user__isnull=False) | Q(contact__isnull=False, user__isnull=True),
                name="participant_contact_or_user",
            ),
            models.UniqueConstraint(fields=["interaction", "contact"], name="participant_contact_once"),
            models.UniqueConstraint(fields=["interaction", "user"], name="participant_user_once"),
        ]

    def __str__(self) -> str:
        return f"{self.contact or self.user} at {self.interaction_id}"


class ActionItem(models.Model):
    """A follow-up promised in an interaction, by us or by the client."""

    class Side(models.TextChoices):
        US = "us", "Us"
        CLIENT = "client", "Client"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="action_items")
    interaction = models.ForeignKey(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="action_items"
    )
    text = models.CharField("action", max_length=500)
    owner_side = models.CharField("whose action", max_length=6, choices=Side.choices, default=Side.US)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_items",
        limit_choices_to=STAFF,
        help_text="Who on our side does it.",
    )
    owner_contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_items",
        help_text="Who at the client does it.",
    )
    due_on = models.DateField("due", null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = [models.F("due_on").asc(nulls_last=True), "id"]
        indexes = [
            models.Index(fields=["owner", "done_at", "due_on"], name="action_item_owner"),
            models.Index(fields=["client", "done_at", "due_on"], name="action_item_client"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class CheckIn(models.Model):
    """A due contact with a client: the regular one from the cadence (one open at a time), or a
    follow-up (for example 30 and 90 days after a project ends)."""

    class Kind(models.TextChoices):
        REGULAR = "regular", "Regular check-in"
        FOLLOW_UP = "follow_up", "Follow-up"

    class State(models.TextChoices):
        DUE = "due", "Due"
        DONE = "done", "Done"
        SKIPPED = "skipped", "Skipped"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="checkins")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REGULAR)
    due_on = models.DateField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="checkins", limit_choices_to=STAFF
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.DUE)
    reason = models.CharField(max_length=200, blank=True)
    completed_by = models.ForeignKey(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="completed_checkins"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"], condition=Q(state="due", kind="regular"), name="checkin_one_open_regular"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "due_on"], name="checkin_due_before"),
            models.Index(fields=["owner", "state", "due_on"], name="checkin_owner_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} with {self.client} on {self.due_on:%Y-%m-%d}"


class HealthSnapshot(models.Model):
    """A client's health as it stood on one day (the client's own calendar day): one row per
    client per day, the latest computation of that day wins. Kept for 13 months, so the client
    page can chart a year and "fell in the last 14 days" reads from here."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="health_snapshots")
    day = models.DateField()
    score = models.PositiveSmallIntegerField()
    band = models.CharField(max_length=8, choices=HealthBand.choices)
    factors = models.JSONField(default=list)

    class Meta:
        ordering = ["client", "day"]
        constraints = [models.UniqueConstraint(fields=["client", "day"], name="health_snapshot_once_a_day")]
        indexes = [models.Index(fields=["day"], name="health_snapshot_day")]

    def __str__(self) -> str:
        return f"{self.client_id} {self.day:%Y-%m-%d}: {self.score}"


class PulseAnswer(models.Model):
    """The client's own answer to "How are we doing on <project>?" for one ISO week: from the
    links in the weekly report or the portal's project page. One per contact, project and week;
    a later answer in the same week replaces the earlier one."""

    class Via(models.TextChoices):
        EMAIL = "email", "Weekly report"
        PORTAL = "portal", "Portal"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="pulse_answers")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="pulse_answers")
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="pulse_answers")
    week = models.DateField(help_text="The Monday of the ISO week answered for, in the client's time zone.")
    score = models.PositiveSmallIntegerField(choices=Interaction.Sentiment.choices)
    comment = models.TextField(max_length=2000, blank=True)
    via = models.CharField(max_length=6, choices=Via.choices, default=Via.EMAIL)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-answered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "project", "week"], name="pulse_answer_once_a_week"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="pulse_answer_score_range"),
        ]
        indexes = [
            models.Index(fields=["client", "-answered_at"], name="pulse_answer_client"),
            models.Index(fields=["project", "-answered_at"], name="pulse_answer_project"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} on {self.project_id}, week of {self.week:%Y-%m-%d}: {self.score}"

    @property
    def iso_week_label(self) -> str:
        year, week, _ = self.week.isocalendar()
        return f"{year}-W{week:02d}"
