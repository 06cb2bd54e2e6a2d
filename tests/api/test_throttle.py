"""Throttling counts requests per token: one busy script gets 429, another token is unaffected."""

from __future__ import annotations

from django.urls import reverse

from tests.api.conftest import api_as


def test_a_token_over_its_rate_gets_429_and_another_token_does_not(settings, pm, acme):
    settings.API_RATE_LIMIT = "3/minute"
    busy, other = api_as(pm), api_as(pm)
    url = reverse("api:client-list")
    assert [busy.get(url).status_code for _ in range(3)] == [200, 200, 200]
    refused = busy.get(url)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert other.get(url).status_code == 200
    # Writes count too.
    assert (
        busy.post(reverse("api:action-item-list"), {"client": acme.pk, "text": "x"}, format="json").status_code == 429
    )


def test_the_rate_is_per_minute_window(settings, pm, time_machine):
    settings.API_RATE_LIMIT = "2/minute"
    api = api_as(pm)
    url = reverse("api:client-list")
    time_machine.move_to("2026-03-01T10:00:00Z", tick=False)
    assert [api.get(url).status_code for _ in range(3)] == [200, 200, 429]
    time_machine.move_to("2026-03-01T10:01:01Z", tick=False)
    assert api.get(url).status_code == 200
