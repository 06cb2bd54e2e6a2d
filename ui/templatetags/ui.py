from __future__ import annotations

from datetime import date

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from ui.email_html import email_html_for_page
from ui.markdown import render_markdown

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
