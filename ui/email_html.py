"""An email's HTML shown on a page (the weekly report, as sent or as previewed), through an
allow-list. Email HTML styles itself with inline `style` attributes, which the pages'
Content-Security-Policy refuses; here they are dropped with everything else outside the list, and
app.css styles the report by its `rpt-…` classes instead. It also means HTML kept in the database
is never put on a page unchecked."""

from __future__ import annotations

import nh3

ALLOWED_TAGS = {
    "div", "span", "p", "br", "h1", "h2", "h3", "strong", "em", "b", "i",
    "ul", "ol", "li", "a", "table", "tbody", "tr", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"*": {"class"}, "table": {"role"}, "a": {"href"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
CLASS_PREFIX = "rpt"


def _keep_report_classes(tag: str, attribute: str, value: str) -> str | None:
    """Only the report's own classes pass: stored HTML cannot borrow the page's (Bootstrap's
    `fixed-top`, `stretched-link` …) to cover the page around it."""
    if attribute != "class":
        return value
    kept = [name for name in value.split() if name == CLASS_PREFIX or name.startswith(f"{CLASS_PREFIX}-")]
    return " ".join(kept) or None


def email_html_for_page(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_report_classes,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
