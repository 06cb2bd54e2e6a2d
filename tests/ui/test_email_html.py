"""A weekly report's email HTML on a page: no inline style (the CSP would refuse it), no script,
only the report's own classes."""

from __future__ import annotations

from config.middleware import permissions_policy_header
from ui.email_html import email_html_for_page


def test_inline_styles_go_and_the_report_classes_stay():
    html = '<div class="rpt" style="color:red"><p class="rpt-meta" style="font-size:13px">Week 4</p></div>'
    assert email_html_for_page(html) == '<div class="rpt"><p class="rpt-meta">Week 4</p></div>'


def test_script_handlers_and_borrowed_page_classes_are_dropped():
    html = (
        '<p class="rpt-note fixed-top stretched-link" onclick="steal()">Note</p><script>steal()</script>'
        '<style>body{display:none}</style><a href="javascript:steal()">x</a><a href="https://example.com/">y</a>'
        '<img src="https://tracker.example/p.gif">'
    )
    cleaned = email_html_for_page(html)
    assert '<p class="rpt-note">Note</p>' in cleaned
    for gone in ("onclick", "<script", "<style", "display:none", "javascript:", "<img", "fixed-top"):
        assert gone not in cleaned
    assert '<a href="https://example.com/" rel="noopener noreferrer">y</a>' in cleaned


def test_the_permissions_policy_header_reads_as_the_standard_says():
    assert permissions_policy_header({"camera": [], "fullscreen": ["self"]}) == "camera=(), fullscreen=(self)"
