from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from accounts.models import User
from crm.forms import SELECT, DateInput, staff_users
from crm.models import Client
from projects.models import ChangeRequest, Decision, Health, Milestone, Project, RiskIssue, StatusUpdate
from projects.selectors import PROJECT_SORTS
from ui.forms import PlainMessagesMixin, PlausibleDatesMixin, ServiceModelForm

OPEN_STATUSES = [(value, label) for value, label in Project.Status.choices if value not in ("completed", "cancelled")]
SCORE_CHOICES = [(1, "1 — very low"), (2, "2 — low"), (3, "3 — medium"), (4, "4 — high"), (5, "5 — very high")]


class ProjectFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *Project.Status.choices], widget=SELECT)
    health = forms.ChoiceField(required=False, choices=[("", "Any health"), *Health.choices], widget=SELECT)
    manager = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, widget=SELECT)
    client = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, widget=SELECT)
    in_recovery = forms.BooleanField(label="In recovery", required=False)
    sort = forms.ChoiceField(
        label="Sort by", required=False, choices=[(k, label) for k, (label, _) in PROJECT_SORTS.items()], widget=SELECT
    )

    def __init__(self, *args: Any, managers: list[User], clients: list[Client], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["manager"].choices = [("", "Any manager"), *((m.pk, str(m)) for m in managers)]
        self.fields["client"].choices = [("", "Any client"), *((c.pk, c.name) for c in clients)]


class ProjectForm(PlainMessagesMixin, PlausibleDatesMixin, ServiceModelForm):
    manager = forms.ModelChoiceField(queryset=staff_users())
    team = forms.ModelMultipleChoiceField(queryset=staff_users(), required=False, widget=forms.CheckboxSelectMultiple)
    status = forms.ChoiceField(choices=OPEN_STATUSES, help_text="Complete or cancel a project with “Close project”.")

    class Meta:
        model = Project
        fields = [
            "client",
            "name",
            "manager",
            "team",
            "status",
            "start_on",
            "target_end_on",
            "objectives",
            "success_criteria",
            "portal_visible",
            "reports_enabled",
            "report_weekday",
            "report_hour",
        ]
        widgets = {
            "start_on": DateInput(),
            "target_end_on": DateInput(),
            "objectives": forms.Textarea(attrs={"rows": 3}),
            "success_criteria": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, clients: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["client"]
            if not self.instance.is_open:
                self.fields["status"].choices = Project.Status.choices
        else:
            self.fields["client"].queryset = clients


class ProjectCloseForm(PlainMessagesMixin, PlausibleDatesMixin, forms.Form):
    status = forms.ChoiceField(
        label="How did it end?",
        choices=[(Project.Status.COMPLETED, "Completed"), (Project.Status.CANCELLED, "Cancelled")],
        widget=forms.RadioSelect,
    )
    ended_on = forms.DateField(label="Ended on", widget=DateInput(), initial=timezone.localdate)
    outcome = forms.CharField(required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class MilestoneForm(PlainMessagesMixin, PlausibleDatesMixin, ServiceModelForm):
    class Meta:
        model = Milestone
        fields = ["title", "due_on", "weight", "client_visible", "description"]
        widgets = {"due_on": DateInput(), "description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = self.instance.project = project
        if self.instance.pk:
            del self.fields["due_on"]  # dates change through "Reschedule", which keeps history

    def clean_due_on(self) -> Any:
        due_on = self.cleaned_data["due_on"]
        if self.project.start_on and due_on < self.project.start_on:
            raise forms.ValidationError(f"That is before the project starts ({self.project.start_on:%-d %b %Y}).")
        return due_on


class MilestoneRescheduleForm(PlainMessagesMixin, PlausibleDatesMixin, forms.Form):
    due_on = forms.DateField(label="New due date", widget=DateInput())
    reason = forms.CharField(max_length=500, help_text="Shown with the change, and to the client if they can see it.")

    def __init__(self, *args: Any, milestone: Milestone, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.milestone = milestone

    def clean_due_on(self) -> Any:
        due_on = self.cleaned_data["due_on"]
        start = self.milestone.project.start_on
        if due_on == self.milestone.due_on:
            raise forms.ValidationError("That is the date it already has.")
        if start and due_on < start:
            raise forms.ValidationError(f"That is before the project starts ({start:%-d %b %Y}).")
        return due_on


class RiskForm(PlainMessagesMixin, ServiceModelForm):
    probability = forms.TypedChoiceField(choices=SCORE_CHOICES, coerce=int, widget=SELECT, initial=3)
    impact = forms.TypedChoiceField(choices=SCORE_CHOICES, coerce=int, widget=SELECT, initial=3)

    class Meta:
        model = RiskIssue
        fields = [
            "kind",
            "title",
            "description",
            "probability",
            "impact",
            "mitigation",
            "owner",
            "status",
            "client_visible",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2}), "mitigation": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.project = project
        self.fields["owner"].queryset = staff_users()
        if not self.instance.pk:
            del self.fields["status"]


class ChangeRequestForm(PlainMessagesMixin, ServiceModelForm):
    class Meta:
        model = ChangeRequest
        fields = [
            "kind",
            "title",
            "description",
            "schedule_impact_days",
            "cost_impact",
            "requested_by",
            "client_visible",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.project = project
        self.fields["cost_impact"].label = f"Cost impact ({project.client.currency})"


class DecisionForm(PlainMessagesMixin, PlausibleDatesMixin, ServiceModelForm):
    class Meta:
        model = Decision
        fields = ["title", "rationale", "made_by", "decided_on", "client_visible"]
        widgets = {"rationale": forms.Textarea(attrs={"rows": 3}), "decided_on": DateInput()}

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.project = project

    def clean_decided_on(self) -> Any:
        decided_on = self.cleaned_data["decided_on"]
        if decided_on > timezone.localdate():
            raise forms.ValidationError("Record a decision once it has been made.")
        return decided_on


class StatusUpdateForm(PlainMessagesMixin, ServiceModelForm):
    class Meta:
        model = StatusUpdate
        fields = ["health", "reason", "accomplished", "next_steps", "blockers", "client_visible"]
        widgets = {
            "health": forms.RadioSelect,
            "accomplished": forms.Textarea(attrs={"rows": 3}),
            "next_steps": forms.Textarea(attrs={"rows": 3}),
            "blockers": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"reason": "Why this health?", "client_visible": "Share this update with the client"}

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.project = project
        self.fields["health"].choices = Health.choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("health") in ("amber", "red") and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Say why the project is not green: the client will ask.")
        return cleaned


class RecoveryStartForm(PlainMessagesMixin, forms.Form):
    root_cause = forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 3}), label="Root cause")
    reset_expectations = forms.CharField(
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Expectations reset with the client",
        help_text="What you have agreed with the client: scope, dates, how often you will talk.",
    )
    actions = forms.CharField(
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Actions",
        help_text="For the team's execution.",
    )
    exit_criteria = forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 2}), label="Exit criteria")


class RecoveryEndForm(PlainMessagesMixin, forms.Form):
    outcome = forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 3}), label="How did it go?")


class ReportNoteForm(PlainMessagesMixin, forms.Form):
    note = forms.CharField(
        label="Note for the next report",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown at the top of the next weekly report, then cleared. Leave empty for none.",
    )
