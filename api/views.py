"""The account page (API tokens and the calendar URL) and the calendar feed itself."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import staff_required
from api import selectors, services
from api.calendar import calendar_body, calendar_digest
from api.forms import ApiTokenForm
from ui.forms import add_service_errors

# /account/ ---------------------------------------------------------------------------------------


def _account_page(
    request: HttpRequest, *, form: ApiTokenForm | None = None, new_key: str = "", new_calendar_url: str = ""
) -> HttpResponse:
    response = render(
        request,
        "api/account.html",
        {
            "form": form or ApiTokenForm(),
            "tokens": list(selectors.api_tokens_for_user(user=request.user)[:50]),
            "feed": selectors.calendar_feed_of(user=request.user),
            "new_key": new_key,
            "new_calendar_url": new_calendar_url,
        },
    )
    if new_key or new_calendar_url:
        # The secret is on this page once: no cache may keep a copy.
        patch_cache_control(response, no_store=True, private=True)
    return response


@staff_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    return _account_page(request)


@staff_required
@require_POST
def api_token_create(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            issued = services.api_token_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _account_page(request, new_key=issued.key)
    return _account_page(request, form=form)


@staff_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(selectors.api_tokens_for_user(user=request.user), pk=pk)
    services.api_token_revoke(token=token)
    messages.success(request, f"Revoked “{token.name}”: it no longer works.")
    return redirect("api:account")


@staff_required
@require_POST
def calendar_regenerate(request: HttpRequest) -> HttpResponse:
    secret = services.calendar_feed_regenerate(user=request.user)
    url = request.build_absolute_uri(reverse("api:calendar_feed", kwargs={"secret": secret}))
    return _account_page(request, new_calendar_url=url)


@staff_required
@require_POST
def calendar_stop(request: HttpRequest) -> HttpResponse:
    services.calendar_feed_stop(user=request.user)
    messages.success(request, "Your calendar URL no longer works.")
    return redirect("api:account")


# /calendar/<secret>.ics ---------------------------------------------------------------------------


@require_GET
@gzip_page
def calendar_feed(request: HttpRequest, secret: str) -> HttpResponse:
    """Opened by calendar apps, with no session: the secret in the URL is the credential. A wrong,
    replaced or stopped secret is a plain 404."""
    feed = selectors.calendar_feed_for_secret(secret=secret)
    if feed is None:
        raise Http404
    services.calendar_feed_mark_fetched(feed=feed)
    content = selectors.calendar_content(user=feed.user)
    digest = calendar_digest(content)
    etag = f'"{digest[:32]}"'
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        return not_modified
    response = HttpResponse(calendar_body(content, digest=digest), content_type="text/calendar; charset=utf-8")
    response["ETag"] = etag
    response["Content-Disposition"] = 'inline; filename="rapport.ics"'
    response["Referrer-Policy"] = "no-referrer"
    patch_cache_control(response, private=True, max_age=300)
    return response
