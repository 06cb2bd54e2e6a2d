from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.decorators import staff_required
from today import selectors


@staff_required
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    """The manager's home page. An admin may open any manager's with ?as=<user id>."""
    managers = selectors.managers_to_view(user=request.user)
    viewer = selectors.today_viewer(user=request.user, managers=managers, chosen=request.GET.get("as"))
    page = selectors.today_page(viewer=viewer)
    return render(request, "today/index.html", {"page": page, "managers": managers})
