from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.decorators import staff_required


@staff_required
def today(request: HttpRequest) -> HttpResponse:
    return render(request, "today/index.html")
