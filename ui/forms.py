from __future__ import annotations

import copy
from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.forms.utils import pretty_name


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError beside the fields it names (or above the form), so a
    rule enforced in a service reaches the person as a form error, never a server error."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class ServiceModelForm(forms.ModelForm):
    """A model form that validates against the model but never writes onto the instance it was
    given: the service that saves is the only writer, and it sees the stored values, not the
    form's, when it compares old with new."""

    def _post_clean(self) -> None:
        stored, self.instance = self.instance, copy.deepcopy(self.instance)
        try:
            super()._post_clean()
        finally:
            self.instance = stored


EARLIEST_DATE = date(1990, 1, 1)
LATEST_DATE = date(2099, 12, 31)


def _plausible_date(value: date | datetime | None) -> None:
    day = value.date() if isinstance(value, datetime) else value
    if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(f"Enter a date between {EARLIEST_DATE.year} and {LATEST_DATE.year}.", code="date_range")


class PlausibleDatesMixin:
    """Every date and date-time field of the form accepts 1990–2099 only: a year 1 or 9999
    typed by mistake (or on purpose) is a form error, never an overflow in date arithmetic or
    a time-zone conversion later."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField | forms.DateTimeField):
                field.validators.append(_plausible_date)


def _default_messages(field: forms.Field) -> dict[str, Any]:
    messages: dict[str, Any] = {}
    for cls in reversed(type(field).__mro__):
        messages.update(getattr(cls, "default_error_messages", {}))
    return messages


def _model_validators(model: Any, name: str) -> list[Any]:
    try:
        return list(model._meta.get_field(name).validators) if model is not None else []
    except FieldDoesNotExist:
        return []


class PlainMessagesMixin:
    """Error messages that tell a person what to do ("Enter the name.") instead of Django's
    generic ones ("This field is required."), and HTML input limits (min, max) that match the
    server's validators, so the browser and the server agree about what fits. A message a form
    sets itself is kept."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            label = str(field.label or pretty_name(name)).rstrip("?:")
            what = label[0].lower() + label[1:] if label[1:2].islower() else label
            low = high = None
            # Limits from the model's validators reach the widget (a model's PositiveSmallIntegerField
            # otherwise renders min="0" even when its validators say 1–365).
            model = getattr(getattr(self, "_meta", None), "model", None)
            for validator in [*field.validators, *_model_validators(model, name)]:
                if isinstance(validator, MinValueValidator) and not callable(validator.limit_value):
                    low = validator.limit_value if low is None else max(low, validator.limit_value)
                elif isinstance(validator, MaxValueValidator) and not callable(validator.limit_value):
                    high = validator.limit_value if high is None else min(high, validator.limit_value)
            numeric = getattr(field.widget, "input_type", None) == "number"
            if low is not None and numeric:
                field.widget.attrs["min"] = low
            if high is not None and numeric:
                field.widget.attrs["max"] = high
            span = f"from {low} to {high}" if low is not None and high is not None else ""
            choosing = isinstance(field, forms.ChoiceField | forms.ModelChoiceField | forms.BooleanField)
            plain = {
                "required": f"Choose {what}." if choosing else f"Enter {what}: it is needed.",
                "min_value": f"Enter a number {span}." if span else "Enter %(limit_value)s or more.",
                "max_value": f"Enter a number {span}." if span else "Enter %(limit_value)s or less.",
                "max_length": "Shorten this to %(limit_value)d characters or fewer (it has %(show_value)d).",
                "max_digits": "Enter a smaller number: at most %(max)s digits.",
                "max_decimal_places": "Enter at most %(max)s digits after the decimal point.",
                "invalid_choice": "Choose one of the options offered.",
            }
            if isinstance(field, forms.IntegerField):
                plain["invalid"] = "Enter a whole number, such as 14."
            if isinstance(field, forms.DecimalField):
                plain["invalid"] = "Enter an amount in figures, such as 1200.50."
            if isinstance(field, forms.DateTimeField):
                plain["invalid"] = "Enter a date and time, such as 2026-11-23 14:30."
            elif isinstance(field, forms.DateField):
                plain["invalid"] = "Enter a date, such as 2026-11-23."
            if isinstance(field, forms.EmailField):
                plain["invalid"] = "Enter an email address, such as name@example.com."
            if isinstance(field, forms.URLField):
                plain["invalid"] = "Enter a web address, such as https://example.com."
            defaults = _default_messages(field)
            for code, message in plain.items():
                if field.error_messages.get(code) == defaults.get(code):
                    field.error_messages[code] = message


def error_count(form: forms.BaseForm) -> int:
    return sum(len(errors) for errors in form.errors.values())
