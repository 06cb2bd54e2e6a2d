from __future__ import annotations

from typing import Any

from django import forms

from crm.models import Interaction


class SignInLinkForm(forms.Form):
    """Asks for an address. Its field ids carry a prefix because the sign-in page also holds
    the password form, whose email field would otherwise share the id."""

    email = forms.EmailField(
        label="Your email address", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "link-%s")
        super().__init__(*args, **kwargs)


class PulseForm(forms.Form):
    """The client's answer to "How are we doing on <project>?" with an optional comment."""

    score = forms.TypedChoiceField(
        label="Your answer",
        coerce=int,
        choices=list(reversed(Interaction.Sentiment.choices)),  # very happy first
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label="Anything you would like to tell us? (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
