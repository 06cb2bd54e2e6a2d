from __future__ import annotations

import pytest
from django.urls import reverse

from crm import services
from ui.markdown import render_markdown

ATTACKS = [
    "<script>alert('x')</script>",
    '<img src="x" onerror="alert(1)">',
    "[click me](javascript:alert(1))",
    '<a href="javascript:alert(1)">link</a>',
    '<a href="JaVaScRiPt:alert(1)">link</a>',
    '<svg onload="alert(1)"><circle/></svg>',
    '<iframe src="https://evil.example"></iframe>',
    '<p style="background:url(javascript:alert(1))">styled</p>',
    '<div onclick="steal()">click</div>',
    "<a href='&#106;avascript:alert(1)'>encoded</a>",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_nothing_executable_survives_rendering(attack):
    html = render_markdown(attack).lower()
    assert "<script" not in html
    assert "javascript:" not in html
    assert "onerror" not in html and "onload" not in html and "onclick" not in html
    assert "<iframe" not in html and "<svg" not in html and "style=" not in html


def test_ordinary_markdown_still_renders():
    html = render_markdown("**Agreed**:\n\n- ship on *Friday*\n- [plan](https://example.com/plan)")
    assert "<strong>Agreed</strong>" in html
    assert "<li>ship on <em>Friday</em></li>" in html
    assert 'href="https://example.com/plan"' in html and 'rel="noopener noreferrer nofollow"' in html


def test_interaction_notes_are_sanitised_on_the_page(client, acme, pm):
    interaction = services.interaction_log(
        client=acme,
        logged_by=pm,
        summary="<b>Bold</b> summary",
        notes="Hello <script>document.title='pwned'</script> **world** [x](javascript:alert(1))",
    )
    client.force_login(pm)
    html = client.get(reverse("crm:interaction_detail", kwargs={"pk": interaction.pk})).content.decode()
    assert "<strong>world</strong>" in html
    assert "<script>document.title" not in html
    assert "javascript:alert" not in html
    assert "&lt;b&gt;Bold&lt;/b&gt; summary" in html  # plain fields are escaped, not rendered
