from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

SIGNED_IN_AT = "signed_in_at"


def session_mark_signed_in(request: HttpRequest) -> None:
    """Called right after login(): the absolute session lifetime counts from here."""
    request.session[SIGNED_IN_AT] = timezone.now().timestamp()


class SessionLifetimeMiddleware:
    """End a session a fixed time after sign-in (12 h for staff, 7 days for contacts), however
    active it has been, so a forgotten browser does not stay signed in for ever."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            lifetime = settings.CONTACT_SESSION_LIFETIME if user.is_client_contact else settings.STAFF_SESSION_LIFETIME
            signed_in_at = request.session.get(SIGNED_IN_AT)
            if signed_in_at is None or timezone.now().timestamp() - signed_in_at > lifetime.total_seconds():
                logout(request)
        return self.get_response(request)


class UserTimeZoneMiddleware:
    """Show and read dates and times in the signed-in person's own time zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            timezone.activate(request.user.zone)
        else:
            timezone.deactivate()
        return self.get_response(request)
