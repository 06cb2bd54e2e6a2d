from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.decorators import staff_required
from search import selectors
from search.forms import SearchForm


@staff_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    if form.is_valid():
        results = selectors.search_for_user(user=request.user, **form.cleaned_data)
    else:
        # Too long or an unknown kind: say so on the form, search nothing.
        results = selectors.Results(q="", groups=[], only=None)
    return render(
        request,
        "search/results.html",
        {"form": form, "results": results, "group_limit": selectors.GROUP_LIMIT, "kind_limit": selectors.KIND_LIMIT},
    )
