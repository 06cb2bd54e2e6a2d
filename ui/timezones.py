"""Time zones as a person picks them: the canonical IANA names only (no "Factory", "localtime",
"US/Eastern" or other backward-compatible aliases), the usual ones first, in a searchable field."""

from __future__ import annotations

import zoneinfo
from functools import cache
from importlib import resources
from typing import Any

from django import forms
from django.utils.html import format_html, format_html_join

# Where Rapport's clients and managers mostly are; listed first in the picker.
USUAL_TIME_ZONES = [
    "Europe/London",
    "Europe/Dublin",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Amsterdam",
    "Europe/Madrid",
    "Europe/Zurich",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "UTC",
]


@cache
def canonical_time_zones() -> list[str]:
    """The zones of IANA's zone.tab (one canonical name per region, as shipped by the `tzdata`
    package) plus UTC, limited to those this machine's zoneinfo knows, sorted by name."""
    table = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    names = {line.split("\t")[2] for line in table.splitlines() if line and not line.startswith("#")}
    return sorted((names | {"UTC"}) & zoneinfo.available_timezones())


def time_zone_options() -> list[str]:
    """The usual zones first, then every other canonical one."""
    usual = [name for name in USUAL_TIME_ZONES if name in canonical_time_zones()]
    return usual + [name for name in canonical_time_zones() if name not in usual]


class TimeZoneInput(forms.TextInput):
    """A text box with a <datalist> of zones: typing "lond" or "york" narrows the list."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"autocomplete": "off", "spellcheck": "false", **(attrs or {})})

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> str:
        list_id = f"{(attrs or {}).get('id') or 'id_' + name}-zones"
        box = super().render(name, value, {**(attrs or {}), "list": list_id}, renderer)
        options = format_html_join("", '<option value="{}"></option>', ((zone,) for zone in time_zone_options()))
        return format_html('{}<datalist id="{}">{}</datalist>', box, list_id, options)


class TimeZoneField(forms.CharField):
    """A canonical IANA zone name. Letter case and spaces for underscores are forgiven
    ("europe/new york" is not a zone, "america/new york" becomes America/New_York); a zone the
    record already has (an older alias) stays acceptable so an edit does not fail on it."""

    widget = TimeZoneInput
    default_error_messages = {
        "unknown": "Pick a time zone from the list, such as Europe/London or America/New_York (type a city to search).",
    }

    def __init__(self, *, keep: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("help_text", "Type a city to search, for example London, New York or Singapore.")
        super().__init__(**kwargs)
        self.keep = keep

    def to_python(self, value: Any) -> str:
        text = super().to_python(value).strip()
        if not text:
            return text
        if text == self.keep:
            return text
        by_key = {zone.lower(): zone for zone in canonical_time_zones()}
        found = by_key.get(text.replace(" ", "_").lower())
        if found is None:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown")
        return found
