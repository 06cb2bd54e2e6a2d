from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts.decorators import staff_required
from history import selectors


# Read-only by construction: GET only (anything else is 405), no form, and the event tables
# refuse UPDATE and DELETE at the database (append-only triggers).
@staff_required
@require_GET
def history_detail(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    obj = selectors.history_object_get(user=request.user, kind=kind, pk=pk)
    if obj is None:
        raise Http404
    history = selectors.history_for(obj=obj)
    return render(
        request,
        "history/history.html",
        {"obj": obj, "kind": selectors.KINDS[kind], "history": history, "back_url": _back_url(kind, obj)},
    )


def _back_url(kind: str, obj: object) -> str:
    pk = obj.pk  # type: ignore[attr-defined]
    if kind == "client":
        return reverse("crm:client_detail", args=[pk])
    if kind == "interaction":
        return reverse("crm:interaction_detail", args=[pk])
    if kind == "project":
        return reverse("projects:project_detail", args=[pk])
    if kind in ("milestone", "risk", "change-request"):
        return reverse("projects:project_detail", args=[obj.project_id])  # type: ignore[attr-defined]
    return reverse("crm:client_detail", args=[obj.client_id])  # type: ignore[attr-defined]
