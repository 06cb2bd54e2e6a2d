from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django import template
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.utils import pretty_name
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from ui.email_html import email_html_for_page
from ui.markdown import render_markdown
from ui.money import money as format_money
from ui.money import reader_locale

register = template.Library()

SENTIMENT_STYLES = {1: "danger", 2: "warning", 3: "secondary", 4: "info", 5: "success"}
SENTIMENT_LABELS = {1: "Very unhappy", 2: "Unhappy", 3: "Neutral", 4: "Happy", 5: "Very happy"}


@register.filter
def markdown(text: str) -> SafeString:
    """Markdown, sanitised by ui.markdown's allow-list before it is marked safe."""
    return mark_safe(render_markdown(text))  # noqa: S308 (sanitised by nh3 in ui.markdown)  # nosec B308, B703


@register.filter
def email_html(html: str) -> SafeString:
    """An email's stored HTML for a page: ui.email_html's allow-list, no inline styles."""
    return mark_safe(email_html_for_page(html))  # noqa: S308 (sanitised by nh3 in ui.email_html)  # nosec B308, B703


@register.inclusion_tag("ui/sentiment.html")
def sentiment(value: int | None) -> dict[str, object]:
    return {"value": value, "label": SENTIMENT_LABELS.get(value or 0, ""), "style": SENTIMENT_STYLES.get(value or 0)}


@register.filter
def is_past(value: date | None) -> bool:
    return value is not None and value < timezone.localdate()


@register.filter
def days_from_today(value: date | None) -> int | None:
    return None if value is None else (value - timezone.localdate()).days


@register.filter
def datetime_attr(value: datetime | date | None) -> str:
    """A `<time datetime>` value the HTML standard accepts: whole seconds (it allows at most three
    fraction digits; Django's "c" format writes six)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat()


@register.filter
def week_of(value: Any) -> str:
    """ "Week of 23 Nov": the Monday of the value's week, as a person reads it (not "2026-W48").
    The year is added when it is not the current one."""
    if value is None:
        return ""
    if hasattr(value, "iso_week"):  # a weekly report: the ISO week it was due in
        value = date.fromisocalendar(value.iso_year, value.iso_week, 1)
    day = value.date() if isinstance(value, datetime) else value
    monday = day - timedelta(days=day.weekday())
    text = f"Week of {monday.day} {monday:%b}"
    return text if monday.year == timezone.localdate().year else f"{text} {monday.year}"


@register.inclusion_tag("ui/error_summary.html")
def error_summary(*forms: Any) -> dict[str, object]:
    """A list of every error at the top of a form (and its formsets) that has more than one,
    each linking to its field. A single error needs no summary: it shows beside its field."""
    entries: list[dict[str, str]] = []
    for form in forms:
        if form is None or not form.is_bound:
            continue
        for each in getattr(form, "forms", [form]):  # a formset's forms, or the form itself
            for name, errors in each.errors.items():
                field = each.fields.get(name) if name != NON_FIELD_ERRORS else None
                anchor = each[name].id_for_label if field is not None else ""
                label = str(field.label or pretty_name(name)) if field is not None else ""
                entries += [{"anchor": anchor, "label": label, "message": str(error)} for error in errors]
        entries += [{"anchor": "", "label": "", "message": str(e)} for e in getattr(form, "non_form_errors", list)()]
    return {"entries": entries if len(entries) > 1 else []}


@register.simple_tag(takes_context=True)
def money(context: template.Context, amount: Any, currency: str) -> str:
    """An amount in the client's currency, formatted for the reader: the locale of the
    request's Accept-Language (or the site's language in an email)."""
    request = context.get("request")
    accept = request.headers.get("Accept-Language", "") if request is not None else ""
    return format_money(amount, currency, locale=reader_locale(accept))
