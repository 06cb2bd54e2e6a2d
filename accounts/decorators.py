"""Who may open a page. A signed-in person of the wrong audience gets 404, never a 403 that
confirms the page exists."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import resolve_url

View = Callable[..., HttpResponse]


def _audience_required(test: Callable[[Any], bool], login_url: str) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), resolve_url(login_url))
            if not test(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


staff_required = _audience_required(lambda user: user.is_staff_member, settings.LOGIN_URL)
contact_required = _audience_required(lambda user: user.is_client_contact, "portal:sign_in")
