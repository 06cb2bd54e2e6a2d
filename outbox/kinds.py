"""What each kind of email is: how a row becomes a message, and what else happens when it fails
for good. The app that sends a kind registers it from its AppConfig.ready(), so the outbox names
no other app and the import graph shows every edge."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives

from outbox.models import OutboundEmail

Builder = Callable[[OutboundEmail], EmailMultiAlternatives | None]
FailureHook = Callable[[OutboundEmail], None]


@dataclass(frozen=True)
class EmailKind:
    # Runs at send time, so a sign-in link is minted only when its email goes out and no
    # plaintext token is ever stored; returns None when the email should no longer go.
    build: Builder
    # What else happens when an email of this kind fails for good (a bounced report counts
    # against its client's health).
    on_failure: FailureHook | None = None


_registry: dict[str, EmailKind] = {}


def email_kind_register(kind: str, *, build: Builder, on_failure: FailureHook | None = None) -> None:
    entry = EmailKind(build=build, on_failure=on_failure)
    if _registry.get(kind, entry) != entry:
        raise ImproperlyConfigured(f"The email kind {kind!r} is registered twice, differently.")
    _registry[kind] = entry


def email_kind(kind: str) -> EmailKind:
    try:
        return _registry[kind]
    except KeyError:
        raise ImproperlyConfigured(f"No app registered the email kind {kind!r}.") from None


def email_kinds_registered() -> set[str]:
    return set(_registry)
