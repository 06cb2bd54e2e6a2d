"""API input through the log form's own rules: the JSON, once its shape is checked by a
serializer, is handed to the same Django forms the pages use (LogInteractionForm, ActionItemForm),
so a rule added to the form (no future dates, a resolution needs a flag, owners from the client's
own people) holds for the API without being written twice."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from rest_framework.exceptions import ValidationError

from accounts.models import User
from crm.forms import ActionItemForm, LogInteractionForm
from crm.models import Client
from crm.selectors import LogChoices, log_choices
from crm.services import ActionItemDraft


def _form_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list):
        return [str(item) for item in value]
    if isinstance(value, bool):
        return value
    return str(value)


def _form_data(data: dict[str, Any]) -> dict[str, Any]:
    return {name: _form_value(value) for name, value in data.items()}


def _errors(form: forms.BaseForm) -> dict[str, list[str]]:
    return {("non_field_errors" if name == "__all__" else name): list(errs) for name, errs in form.errors.items()}


def _draft(data: dict[str, Any], *, choices: LogChoices, user: User) -> ActionItemDraft:
    form = ActionItemForm(data=_form_data(data), choices=choices, default_owner=user)
    if not form.is_valid():
        raise ValidationError(_errors(form))
    draft = form.draft()
    if draft is None:
        raise ValidationError({"text": ["Say what the action is."]})
    return draft


def interaction_log_input(
    *, client: Client, user: User, data: dict[str, Any]
) -> tuple[dict[str, Any], list[ActionItemDraft]]:
    """The keyword arguments for crm.services.interaction_log, or a 400 naming the fields."""
    choices = log_choices(client=client, user=user)
    fields = {key: value for key, value in data.items() if key not in ("client", "action_items")}
    fields.setdefault("staff_present", [user.pk])  # as the form: the person logging was there
    form = LogInteractionForm(data=_form_data(fields), choices=choices)
    if not form.is_valid():
        raise ValidationError(_errors(form))
    drafts = []
    for index, item in enumerate(data.get("action_items") or []):
        try:
            drafts.append(_draft(item, choices=choices, user=user))
        except ValidationError as error:
            raise ValidationError({"action_items": {index: error.detail}}) from None
    return form.cleaned_data, drafts


def action_item_input(*, client: Client, user: User, data: dict[str, Any]) -> ActionItemDraft:
    fields = {key: value for key, value in data.items() if key != "client"}
    return _draft(fields, choices=log_choices(client=client, user=user), user=user)
