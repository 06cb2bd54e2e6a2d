from __future__ import annotations

from django import forms

from search.kinds import KINDS
from search.selectors import MAX_QUERY_LENGTH


class SearchForm(forms.Form):
    q = forms.CharField(label="Search", max_length=MAX_QUERY_LENGTH, required=False, strip=True)
    kind = forms.ChoiceField(
        label="Only", required=False, choices=[("", "Everything"), *[(k.slug, k.label) for k in KINDS]]
    )
