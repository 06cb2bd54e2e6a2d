from __future__ import annotations

import copy
from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError


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
