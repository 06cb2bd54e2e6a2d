from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from accounts.models import User
from crm.models import ActionItem, CheckIn, Client, Contact, HealthBand, Interaction
from crm.selectors import ACTION_ITEM_VIEWS, CLIENT_SORTS, LogChoices
from crm.services import ActionItemDraft
from ui.forms import PlainMessagesMixin, PlausibleDatesMixin, ServiceModelForm
from ui.money import currency_choices
from ui.timezones import TimeZoneField

SENTIMENT_CHOICES = [("", "Not recorded"), *((str(value), label) for value, label in Interaction.Sentiment.choices)]
FUTURE_TOLERANCE = timedelta(minutes=10)
SELECT = forms.Select(attrs={"class": "form-select"})


def staff_users() -> Any:
    return User.objects.filter(role__in=[User.Role.ADMIN, User.Role.MANAGER], is_active=True)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def not_in_the_past(value: Any, label: str = "That date") -> None:
    if value is not None and value < timezone.localdate():
        raise forms.ValidationError(f"{label} is in the past; choose today or a later day.")


class ClientFilterForm(forms.Form):
    """The client list's search, filters and sort, read from the query string."""

    q = forms.CharField(label="Search", required=False, max_length=100)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Client.Status.choices], widget=SELECT
    )
    account_manager = forms.TypedChoiceField(
        label="Account manager", required=False, coerce=int, empty_value=None, widget=SELECT
    )
    overdue = forms.BooleanField(label="Check-in overdue", required=False)
    band = forms.ChoiceField(
        label="Health", required=False, choices=[("", "Any health"), *HealthBand.choices], widget=SELECT
    )
    archived = forms.BooleanField(label="Archived", required=False)
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[(key, label) for key, (label, _) in CLIENT_SORTS.items()],
        widget=SELECT,
    )

    def __init__(self, *args: Any, managers: list[User], **kwargs: Any) -> None:
        data = args[0] if args else kwargs.get("data")
        if data is not None and data.get("health") and not data.get("band"):
            # /clients/?health=at_risk (Today's portfolio chart links) is the band filter.
            band = data.get("health")
            data = data.copy()
            data.pop("health", None)
            data["band"] = band
            args = (data, *args[1:]) if args else args
            kwargs = kwargs if args else {**kwargs, "data": data}
        super().__init__(*args, **kwargs)
        self.fields["account_manager"].choices = [("", "Anyone"), *((m.pk, str(m)) for m in managers)]


class ClientForm(PlainMessagesMixin, ServiceModelForm):
    website = forms.URLField(max_length=300, required=False, assume_scheme="https")
    time_zone = TimeZoneField(label="Time zone")
    currency = forms.ChoiceField(
        choices=currency_choices, initial="EUR", required=False, widget=SELECT, help_text="Costs show in it."
    )
    account_manager = forms.ModelChoiceField(queryset=staff_users())
    team = forms.ModelMultipleChoiceField(
        queryset=staff_users(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Who else works with them.",
    )

    class Meta:
        model = Client
        fields = [
            "name",
            "status",
            "industry",
            "website",
            "time_zone",
            "account_manager",
            "team",
            "checkin_cadence_days",
            "preferred_channel",
            "currency",
            "goals",
            "kpis",
            "notes",
        ]
        widgets = {
            "goals": forms.Textarea(attrs={"rows": 3}),
            "kpis": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, editor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].keep = self.instance.time_zone if self.instance.pk else None
        if not self.instance.pk and not self.is_bound:
            self.initial.setdefault("time_zone", editor.time_zone)  # most clients share the manager's zone
        # The account manager is not offered as her own teammate: static/js/forms.js hides her box
        # as she is picked (a handover keeps the former manager choosable), and the service drops
        # her from the team anyway.
        if self.instance.cadence_before_recovery:
            # Edit the usual cadence; recovery mode holds the live one at 7 days until it ends.
            self.initial["checkin_cadence_days"] = self.instance.cadence_before_recovery
            self.fields[
                "checkin_cadence_days"
            ].help_text = (
                "A project is in recovery: check-ins stay at least weekly until it ends, then this cadence returns."
            )

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"] or self.instance.currency or "EUR"


class ContactForm(PlainMessagesMixin, ServiceModelForm):
    class Meta:
        model = Contact
        fields = ["name", "email", "phone", "title", "is_primary", "receives_reports", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = self.instance.client = client
        if self.instance.unsubscribed_at:
            # They unsubscribed themselves: a form opened before that must not sign them up
            # again, so only an explicit tick below resumes the reports.
            field = self.fields["receives_reports"]
            field.disabled = True
            field.help_text = f"Unsubscribed on {self.instance.unsubscribed_at:%-d %b %Y} with the link in a report."
            self.fields["resume_reports"] = forms.BooleanField(
                label="Resume weekly reports: the contact asked for them again", required=False
            )

    def validate_unique(self) -> None:
        """Email uniqueness is the service's to check (and the database's); a new primary
        contact replaces the old one rather than clashing with it."""


class PickChoiceField(forms.TypedChoiceField):
    """A choice among objects loaded once by the view, returned as the object itself."""

    def __init__(self, *, objects: list[Any], blank: str | None = None, **kwargs: Any) -> None:
        self.objects = {str(obj.pk): obj for obj in objects}
        choices = [("", blank)] if blank is not None else []
        choices += [(key, str(obj)) for key, obj in self.objects.items()]
        super().__init__(choices=choices, coerce=self.objects.get, empty_value=None, **kwargs)


class PickMultipleField(forms.TypedMultipleChoiceField):
    def __init__(self, *, objects: list[Any], **kwargs: Any) -> None:
        self.objects = {str(obj.pk): obj for obj in objects}
        super().__init__(
            choices=[(key, str(obj)) for key, obj in self.objects.items()], coerce=self.objects.get, **kwargs
        )


class InteractionForm(PlainMessagesMixin, PlausibleDatesMixin, forms.Form):
    kind = forms.ChoiceField(
        choices=Interaction.Kind.choices, initial=Interaction.Kind.MEETING, widget=forms.RadioSelect, label="What"
    )
    occurred_at = forms.DateTimeField(label="When", widget=DateTimeInput())
    duration_minutes = forms.IntegerField(label="Duration (minutes)", required=False, min_value=1, max_value=1440)
    summary = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One or two sentences. The client sees it only if you share it.",
    )
    sentiment = forms.TypedChoiceField(
        label="How did the client feel?",
        choices=SENTIMENT_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    concerns = forms.CharField(
        label="Concerns raised", max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    notes = forms.CharField(
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Markdown. Private to the team.",
    )
    flag = forms.ChoiceField(choices=Interaction.Flag.choices, required=False, widget=forms.RadioSelect, initial="")
    resolution = forms.CharField(max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    shared_with_client = forms.BooleanField(label="Share the summary in the client's portal", required=False)

    def __init__(self, *args: Any, choices: LogChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"] = PickMultipleField(
            objects=choices.contacts, required=False, widget=forms.CheckboxSelectMultiple, label="Who from the client"
        )
        self.fields["staff_present"] = PickMultipleField(
            objects=choices.staff, required=False, widget=forms.CheckboxSelectMultiple, label="Who from our side"
        )
        self.fields["project"] = PickChoiceField(
            objects=choices.projects, blank="No particular project", required=False, label="Project", widget=SELECT
        )
        self.order_fields(["kind", "occurred_at", "duration_minutes", "attendees", "staff_present", "summary"])

    def clean_occurred_at(self) -> datetime:
        occurred_at = self.cleaned_data["occurred_at"]
        if occurred_at > timezone.now() + FUTURE_TOLERANCE:
            raise forms.ValidationError("That is in the future: log an interaction once it has happened.")
        return occurred_at

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("resolution") and not cleaned.get("flag"):
            self.add_error(
                "flag", "Say what the resolution resolved: mark this an escalation or a difficult conversation."
            )
        return cleaned


class LogInteractionForm(InteractionForm):
    next_checkin_on = forms.DateField(
        label="Next check-in", required=False, widget=DateInput(), help_text="Prefilled from the client's cadence."
    )


class ActionItemForm(PlainMessagesMixin, PlausibleDatesMixin, forms.Form):
    text = forms.CharField(label="Action", max_length=500, required=False)
    owner_side = forms.ChoiceField(label="Whose", choices=ActionItem.Side.choices, initial=ActionItem.Side.US)
    due_on = forms.DateField(label="Due", required=False, widget=DateInput())

    def __init__(self, *args: Any, choices: LogChoices, default_owner: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_owner = default_owner
        self.fields["owner"] = PickChoiceField(objects=choices.staff, blank="Me", required=False, label="Our owner")
        self.fields["owner_contact"] = PickChoiceField(
            objects=choices.contacts, blank="Unassigned", required=False, label="Client owner"
        )
        self.order_fields(["text", "owner_side", "owner", "owner_contact", "due_on"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not cleaned.get("text") and (cleaned.get("due_on") or cleaned.get("owner") or cleaned.get("owner_contact")):
            self.add_error("text", "Say what the action is, or clear the row.")
        return cleaned

    def draft(self) -> ActionItemDraft | None:
        data = self.cleaned_data
        if not data.get("text"):
            return None
        return ActionItemDraft(
            text=data["text"],
            owner_side=data["owner_side"],
            owner=data.get("owner") or self.default_owner,
            owner_contact=data.get("owner_contact"),
            due_on=data.get("due_on"),
        )


ActionItemFormSet = forms.formset_factory(ActionItemForm, extra=1, max_num=25, validate_max=True)
ACTION_ITEMS_PREFIX = "items"


class CheckInRescheduleForm(PlainMessagesMixin, PlausibleDatesMixin, ServiceModelForm):
    class Meta:
        model = CheckIn
        fields = ["due_on"]
        labels = {"due_on": "New date"}
        widgets = {"due_on": DateInput()}


class ActionItemFilterForm(forms.Form):
    show = forms.ChoiceField(choices=list(ACTION_ITEM_VIEWS.items()), required=False)
