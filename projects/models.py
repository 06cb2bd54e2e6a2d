from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from crm.models import STAFF

SCORE = [MinValueValidator(1), MaxValueValidator(5)]
HIGH_SEVERITY = 15  # probability × impact at or above this is "high": 3×5, 4×4, 5×3 and worse


class Health(models.TextChoices):
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"


class Project(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        ACTIVE = "active", "Active"
        ON_HOLD = "on_hold", "On hold"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    client = models.ForeignKey("crm.Client", on_delete=models.PROTECT, related_name="projects")
    name = models.CharField(max_length=200)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="managed_projects", limit_choices_to=STAFF
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="team_projects", limit_choices_to=STAFF
    )
    start_on = models.DateField("start", null=True, blank=True)
    target_end_on = models.DateField("target end", null=True, blank=True)
    actual_end_on = models.DateField("actual end", null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    health = models.CharField(max_length=5, choices=Health.choices, default=Health.GREEN)
    health_reason = models.CharField(max_length=500, blank=True)
    objectives = models.TextField(max_length=5000, blank=True)
    success_criteria = models.TextField(max_length=5000, blank=True)
    portal_visible = models.BooleanField(
        "visible in the client portal", default=False, help_text="Contacts with portal access can follow it."
    )
    reports_enabled = models.BooleanField("send weekly status reports", default=False)
    report_weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.FRIDAY)
    report_hour = models.PositiveSmallIntegerField(
        default=9, validators=[MaxValueValidator(23)], help_text="In the client's time zone."
    )
    next_report_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the next weekly report is due (UTC); none when off."
    )
    next_report_note = models.TextField(
        "note for the next report", max_length=2000, blank=True, help_text="Goes into the next report, then clears."
    )
    recovery_plan = models.OneToOneField(
        "RecoveryPlan", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_on__isnull=True)
                | Q(target_end_on__isnull=True)
                | Q(target_end_on__gte=F("start_on")),
                name="project_target_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(start_on__isnull=True)
                | Q(actual_end_on__isnull=True)
                | Q(actual_end_on__gte=F("start_on")),
                name="project_actual_end_after_start",
            ),
            models.CheckConstraint(condition=Q(report_hour__lte=23), name="project_report_hour"),
            models.CheckConstraint(condition=Q(report_weekday__lte=6), name="project_report_weekday"),
        ]
        indexes = [
            models.Index(fields=["status", "health"], name="project_status_health"),
            models.Index(fields=["target_end_on", "id"], name="project_target_end"),
            models.Index(fields=["next_report_at"], name="project_report_due"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """The dates' order, as field errors (the database holds the same rule as a constraint)."""
        if self.start_on and self.target_end_on and self.target_end_on < self.start_on:
            raise ValidationError({"target_end_on": "The target end cannot be before the start."})
        if self.start_on and self.actual_end_on and self.actual_end_on < self.start_on:
            raise ValidationError({"actual_end_on": "The project cannot end before it started."})

    @property
    def in_recovery(self) -> bool:
        return self.recovery_plan_id is not None

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES


CLOSED_STATUSES = (Project.Status.COMPLETED, Project.Status.CANCELLED)


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=2000, blank=True)
    due_on = models.DateField("due")
    completed_on = models.DateField("completed", null=True, blank=True)
    weight = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Share of the project's progress.",
    )
    client_visible = models.BooleanField("the client can see it", default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(weight__gt=0), name="milestone_weight_positive")]
        indexes = [models.Index(fields=["project", "due_on"], name="milestone_project_due")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.completed_on is not None


class MilestoneChange(models.Model):
    """A reschedule, kept so "moved since the last report" can be told later."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="changes")
    old_due_on = models.DateField()
    new_due_on = models.DateField()
    reason = models.CharField(max_length=500)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["milestone", "-changed_at"], name="milestone_change_recent")]

    def __str__(self) -> str:
        return f"{self.milestone}: {self.old_due_on} → {self.new_due_on}"

    @property
    def days_moved(self) -> int:
        return (self.new_due_on - self.old_due_on).days


class RiskIssue(models.Model):
    """An entry in the register: a risk (might happen) or an issue (is happening)."""

    class Kind(models.TextChoices):
        RISK = "risk", "Risk"
        ISSUE = "issue", "Issue"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        MITIGATING = "mitigating", "Being mitigated"
        CLOSED = "closed", "Closed"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="risks")
    kind = models.CharField(max_length=5, choices=Kind.choices, default=Kind.RISK)
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=5000, blank=True)
    probability = models.PositiveSmallIntegerField(validators=SCORE, help_text="1 (rare) to 5 (almost certain).")
    impact = models.PositiveSmallIntegerField(validators=SCORE, help_text="1 (minor) to 5 (severe).")
    severity = models.GeneratedField(
        expression=F("probability") * F("impact"), output_field=models.PositiveSmallIntegerField(), db_persist=True
    )
    mitigation = models.TextField(max_length=5000, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="risks",
        limit_choices_to=STAFF,
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    client_visible = models.BooleanField("the client can see it", default=False)
    raised_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-severity", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(probability__gte=1, probability__lte=5), name="risk_probability_range"),
            models.CheckConstraint(condition=Q(impact__gte=1, impact__lte=5), name="risk_impact_range"),
        ]
        indexes = [models.Index(fields=["project", "status"], name="risk_project_status")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_high(self) -> bool:
        return self.probability * self.impact >= HIGH_SEVERITY

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED


class ChangeRequest(models.Model):
    class Kind(models.TextChoices):
        SCOPE = "scope", "Scope"
        TIMELINE = "timeline", "Timeline"
        BUDGET = "budget", "Budget"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    class Requester(models.TextChoices):
        CLIENT = "client", "The client"
        TEAM = "team", "Our team"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="change_requests")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SCOPE)
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=5000, blank=True)
    schedule_impact_days = models.IntegerField(
        "schedule impact (days)", default=0, validators=[MinValueValidator(-3650), MaxValueValidator(3650)]
    )
    cost_impact = models.DecimalField(
        "cost impact",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Extra cost, or a negative saving.",
    )
    requested_by = models.CharField(max_length=6, choices=Requester.choices, default=Requester.CLIENT)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_visible = models.BooleanField("the client can see it", default=False)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="proposed", decided_at__isnull=True)
                | (~Q(status="proposed") & Q(decided_at__isnull=False)),
                name="change_request_decided_has_date",
            )
        ]
        indexes = [models.Index(fields=["project", "status"], name="change_request_status")]

    def __str__(self) -> str:
        return self.title


class Decision(models.Model):
    """A decision made with the client: what, why, who and when."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="decisions")
    title = models.CharField("what was decided", max_length=300)
    rationale = models.TextField("why", max_length=5000, blank=True)
    made_by = models.CharField("who decided", max_length=300, help_text="People on both sides.")
    decided_on = models.DateField("when", default=timezone.localdate)
    client_visible = models.BooleanField("the client can see it", default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return self.title


class StatusUpdate(models.Model):
    """The manager's periodic update: red/amber/green with a reason, and the narrative."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="status_updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    posted_at = models.DateTimeField(default=timezone.now)
    health = models.CharField(max_length=5, choices=Health.choices)
    reason = models.CharField(max_length=500, blank=True)
    accomplished = models.TextField("done since the last update", max_length=5000, blank=True)
    next_steps = models.TextField("coming next", max_length=5000, blank=True)
    blockers = models.TextField(max_length=5000, blank=True)
    client_visible = models.BooleanField("the client can see it", default=False)

    class Meta:
        ordering = ["-posted_at", "-id"]
        indexes = [models.Index(fields=["project", "-posted_at"], name="status_update_recent")]

    def __str__(self) -> str:
        return f"{self.project}: {self.get_health_display()} on {self.posted_at:%Y-%m-%d}"


class RecoveryPlan(models.Model):
    """How a troubled project is brought back: the client relationship and the team's execution."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="recovery_plans")
    root_cause = models.TextField(max_length=5000)
    reset_expectations = models.TextField("expectations reset with the client", max_length=5000)
    actions = models.TextField(max_length=5000)
    exit_criteria = models.TextField(max_length=5000)
    started_at = models.DateTimeField(default=timezone.now)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(max_length=5000, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Recovery of {self.project} from {self.started_at:%Y-%m-%d}"


class StatusReport(models.Model):
    """The weekly status report as built: one per project per ISO week (of the week it was due
    in, in the client's time zone), its rendered HTML and text kept as sent. Its emails, one per
    recipient, are outbox rows pointing here."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="status_reports")
    iso_year = models.PositiveSmallIntegerField()
    iso_week = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField(help_text="The weekday and hour it was due, in UTC.")
    period_start = models.DateField()
    period_end = models.DateField()
    subject = models.CharField(max_length=255)
    html = models.TextField()
    text = models.TextField()
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-due_at"]
        constraints = [
            models.UniqueConstraint(fields=["project", "iso_year", "iso_week"], name="status_report_once_a_week")
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.iso_year}-W{self.iso_week:02d}"
