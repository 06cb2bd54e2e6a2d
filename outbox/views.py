from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from crm.services import contact_unsubscribe
from crm.unsubscribe import contact_for_unsubscribe_token


# /email/unsubscribe/<token>/
@csrf_exempt  # mail providers post the one-click unsubscribe without a form; the signed token is the proof
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (a link scanner must not unsubscribe anyone); POST unsubscribes, whether from
    the button here or from a mail client's one-click `List-Unsubscribe-Post`."""
    contact = contact_for_unsubscribe_token(token)
    if contact is None:
        return render(request, "email/unsubscribe_invalid.html", status=400)
    if request.method == "POST":
        contact_unsubscribe(contact=contact)
        return render(request, "email/unsubscribed.html", {"contact": contact})
    return render(request, "email/unsubscribe.html", {"contact": contact})
