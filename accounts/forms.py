from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from accounts.services import sign_in_attempt


class SignInForm(forms.Form):
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    password = forms.CharField(strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, *args: Any, request: HttpRequest, audience: str = "staff", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.audience = audience
        self.user: User | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        result = sign_in_attempt(request=self.request, email=cleaned["email"], password=cleaned["password"])
        if result.locked_until:
            minutes = max(1, round((result.locked_until - timezone.now()).total_seconds() / 60))
            raise forms.ValidationError(
                f"Too many failed sign-in attempts. Sign-in is paused for this account; try again in {minutes} minutes.",
                code="locked",
            )
        if result.user is None:
            raise forms.ValidationError("That email and password do not match an account.", code="invalid")
        wants_staff = self.audience == "staff"
        if wants_staff != result.user.is_staff_member:
            hint = "client portal" if wants_staff else "staff sign-in page"
            raise forms.ValidationError(f"This account signs in on the {hint}.", code="wrong_audience")
        self.user = result.user
        return cleaned


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
