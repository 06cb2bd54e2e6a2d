"""The client's voice held against the team's view: the perception gap (both directions), pulse
answers on the project page (with the response rate), the client page and Today; Today names the
at-risk clients and links each band; the briefing leads with what to know before the call."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import pulse
from crm import services as crm
from crm.models import Client, PulseAnswer
from crm.perception import perception_gap_for, perception_gaps
from outbox.models import OutboundEmail
from portal import reports
from projects import services as projects
from tests.factories import ClientFactory, ContactFactory, UserFactory


@pytest.fixture
def manager(db):
    return UserFactory(email="pia@rapport.test", full_name="Pia Pulse")


@pytest.fixture
def account(manager):
    client = ClientFactory(name="Harbor Freight", account_manager=manager)
    project = projects.project_create(client=client, name="Dock scheduling", manager=manager, status="active")
    return client, project


def log(manager, client, *sentiments, days_ago=2):
    for sentiment in sentiments:
        crm.interaction_log(
            client=client, logged_by=manager, summary=f"Logged {sentiment}", sentiment=sentiment,
            occurred_at=timezone.now() - timedelta(days=days_ago),
        )  # fmt: skip


def answer(client, project, score, *, comment="", days_ago=1, name=None):
    when = timezone.now() - timedelta(days=days_ago)
    contact = ContactFactory(client=client, **({"name": name} if name else {}))
    return pulse.pulse_answer_record(
        contact=contact, project_id=project.pk, project_client_id=client.pk,
        week=pulse.pulse_week(client=client, now=when), score=score, comment=comment, now=when,
    )  # fmt: skip


def test_we_think_they_are_happy_they_say_they_are_not(manager, account):
    client, project = account
    log(manager, client, 4, 5)
    answer(client, project, 2, comment="Deadlines keep moving")
    gap = perception_gap_for(client=client)
    assert gap is not None and gap.we_are_rosier
    assert (gap.ours, gap.theirs) == (4.5, 2.0)
    assert "We think they're happy" in gap.summary
    assert [r.text for r in gap.their_readings] == ["Deadlines keep moving"]
    assert sorted(r.text for r in gap.ours_readings) == ["Logged 4", "Logged 5"]


def test_we_read_them_as_unhappy_they_say_they_are_fine(manager, account):
    client, project = account
    log(manager, client, 2, 2)
    answer(client, project, 4)
    gap = perception_gap_for(client=client)
    assert gap is not None and not gap.we_are_rosier
    assert gap.difference == 2.0


def test_no_gap_under_a_point_and_a_half_or_outside_30_days(manager, account):
    client, project = account
    log(manager, client, 4)
    answer(client, project, 3)  # 1.0 apart
    assert perception_gap_for(client=client) is None
    other = ClientFactory(account_manager=manager)
    other_project = projects.project_create(client=other, name="Old", manager=manager, status="active")
    log(manager, other, 5, days_ago=40)
    answer(other, other_project, 1)
    assert perception_gaps(clients=Client.objects.filter(pk=other.pk)) == []


def test_the_project_page_shows_answers_comments_response_rate_and_gap(client, manager, account):
    the_client, project = account
    contact = ContactFactory(client=the_client, receives_reports=True)
    ContactFactory(client=the_client, receives_reports=True)
    report = reports.status_report_create(project=project, due_at=timezone.now())
    OutboundEmail.objects.filter(status_report=report).update(status="sent")
    log(manager, the_client, 5, 5)
    pulse.pulse_answer_record(
        contact=contact, project_id=project.pk, project_client_id=the_client.pk,
        week=pulse.pulse_week(client=the_client), score=2, comment="We feel unheard",
    )  # fmt: skip
    client.force_login(manager)
    html = client.get(reverse("projects:project_detail", kwargs={"pk": project.pk})).content.decode()
    assert "We feel unheard" in html
    assert "<strong>50%</strong> response rate: 1 answer to 2 reports sent" in html
    assert "Perception gap" in html
    assert "1 pulse answer" in html


def test_the_client_page_shows_answers_on_the_timeline_and_the_gap(client, manager, account):
    the_client, project = account
    log(manager, the_client, 5, days_ago=3)
    answer(the_client, project, 1, comment="Nobody called back", name="Rita Reyes", days_ago=1)
    client.force_login(manager)
    html = client.get(reverse("crm:client_detail", kwargs={"pk": the_client.pk})).content.decode()
    timeline = html[html.index('id="timeline-heading"') :]
    assert timeline.index("Nobody called back") < timeline.index("Logged 5")  # newest first
    assert "Rita Reyes" in timeline
    assert "Perception gap" in html


def test_today_lists_answers_of_two_or_below_and_perception_gaps(client, manager, account):
    the_client, project = account
    log(manager, the_client, 4, 4)
    answer(the_client, project, 2, comment="Slow answers", name="Sam Low")
    answer(the_client, project, 4, name="Hal High")
    client.force_login(manager)
    response = client.get(reverse("today:index"))
    page = response.context["page"]
    assert [a.contact.name for a in page.low_answers] == ["Sam Low"]
    html = response.content.decode()
    assert "Slow answers" in html
    assert "Hal High" not in html[html.index('id="answers-heading"') : html.index('id="milestones-heading"')]
    assert [gap.client_id for gap in page.perception_gaps] == []  # 3.0 against 4.0: no gap
    answer(the_client, project, 1, name="Una Unhappy")  # theirs 2.33 against 4.0
    assert [gap.client_name for gap in client.get(reverse("today:index")).context["page"].perception_gaps] == [
        "Harbor Freight"
    ]


def test_today_names_at_risk_clients_and_links_each_band(client, manager):
    for name, score, band in (("Aster", 90, "healthy"), ("Birch", 30, "at_risk"), ("Cedar", 55, "watch"),
                              ("Alder", 12, "at_risk")):  # fmt: skip
        Client.objects.filter(pk=ClientFactory(name=name, account_manager=manager).pk).update(
            health_score=score, health_band=band
        )
    client.force_login(manager)
    response = client.get(reverse("today:index"))
    page = response.context["page"]
    assert [entry.name for entry in page.at_risk] == ["Alder", "Birch"]
    html = response.content.decode()
    data = json.loads(re.search(r'<script id="portfolio-data" type="application/json">(.*?)</script>', html).group(1))
    assert data["links"] == ["/clients/?health=healthy", "/clients/?health=watch", "/clients/?health=at_risk"]
    assert 'href="/clients/?health=at_risk">At risk: 2</a>' in html
    listed = client.get(data["links"][2])
    assert [c.name for c in listed.context["page"].items] == ["Alder", "Birch"]
    assert 'value="at_risk" selected' in listed.content.decode()


def test_the_briefing_leads_with_band_gaps_projects_and_answers(client, manager, account):
    the_client, project = account
    projects.status_update_post(project=project, author=manager, health="amber", reason="Vendor slipped")
    log(manager, the_client, 5, 5, days_ago=40)
    log(manager, the_client, 4, 3, days_ago=1)  # 3.5 after 5.0: fell a point and a half on an amber project
    answer(the_client, project, 1, comment="We are losing patience")
    crm.client_health_recompute(clients=Client.objects.filter(pk=the_client.pk))
    checkin = the_client.checkins.get(state="due")
    client.force_login(manager)
    html = client.get(reverse("crm:checkin_briefing", kwargs={"pk": checkin.pk})).content.decode()
    order = [
        html.index('id="briefing-band"'),
        html.index("Perception gap"),
        html.index("Expectation gap"),
        html.index('id="briefing-projects"'),
        html.index('id="briefing-pulse"'),
        html.index('id="history-heading"'),
    ]
    assert order == sorted(order)
    projects_part = html[order[3] : order[4]]
    assert "Dock scheduling" in projects_part and "Amber" in projects_part
    assert "We are losing patience" in html[order[4] : order[5]]
    assert "Vendor slipped" in html
    assert PulseAnswer.objects.count() == 1
