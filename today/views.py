from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.decorators import staff_required
from today import selectors


@staff_required
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    """The manager's home page. An admin may open any manager's with ?as=<user id>."""
    viewer = request.user
    managers = None
    if request.user.is_admin:
        managers = list(selectors.managers_to_view(user=request.user))
        chosen = request.GET.get("as")
        if chosen:
            viewer = next((m for m in managers if str(m.pk) == chosen), None)
            if viewer is None:
                raise Http404("No such manager.")
    page = selectors.today_page(viewer=viewer)
    return render(request, "today/index.html", {"page": page, "managers": managers})
