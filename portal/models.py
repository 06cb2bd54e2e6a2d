from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class SignInToken(models.Model):
    """A one-time sign-in link. Only the SHA-256 of the token is stored: the token itself exists
    in the email and nowhere else, so reading this table signs nobody in."""

    class Purpose(models.TextChoices):
        SIGN_IN = "sign_in", "Sign-in link"
        INVITATION = "invitation", "Invitation"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_in_tokens")
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "used_at"], name="token_user_unused")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} for {self.user} until {self.expires_at:%Y-%m-%d %H:%M}"
