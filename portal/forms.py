from __future__ import annotations

from typing import Any

from django import forms


class SignInLinkForm(forms.Form):
    """Asks for an address. Its field ids carry a prefix because the sign-in page also holds
    the password form, whose email field would otherwise share the id."""

    email = forms.EmailField(
        label="Your email address", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "link-%s")
        super().__init__(*args, **kwargs)
