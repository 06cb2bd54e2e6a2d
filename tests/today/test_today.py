"""Today: what needs the manager now, each row linking to its next action, in a fixed number of
queries; the briefing; the expectation gap; the client list by health."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import pulse
from crm import services as crm
from crm.models import ActionItem, Client, HealthSnapshot
from outbox.models import OutboundEmail
from portal import reports
from projects import services as projects
from projects.models import Project
from projects.selectors import expectation_gaps
from tests.factories import ClientFactory, ContactFactory, UserFactory

TODAY_QUERIES = 14  # 11, plus unhappy pulse answers and the perception gaps (their answers, our sentiment)
BRIEFING_QUERIES = (
    15  # 9, plus health history, open projects, their expectation gaps, the perception gap (2) and pulse answers
)


def populate(manager, *, clients: int = 1) -> dict:
    """Something in every section of `manager`'s Today, with `clients` clients of each kind."""
    today = timezone.localdate()
    made = {}
    for index in range(clients):
        client = crm.client_create(name=f"Client {index:03d}", account_manager=manager, checkin_cadence_days=14)
        crm.interaction_log(
            client=client, logged_by=manager, summary=f"Tense call {index}", sentiment=1,
            occurred_at=timezone.now() - timedelta(days=3),
            action_items=[crm.ActionItemDraft(text=f"Send the plan {index}", owner=manager, due_on=today)],
        )  # fmt: skip
        crm.checkin_schedule(client=client, due_on=today - timedelta(days=1))  # overdue since yesterday
        project = projects.project_create(client=client, name=f"Project {index:03d}", manager=manager, status="active")
        projects.status_update_post(project=project, author=manager, health="amber", reason="Slipping")
        projects.milestone_create(project=project, title=f"Go-live {index}", due_on=today + timedelta(days=2))
        Client.objects.filter(pk=client.pk).update(health_score=35, health_band="at_risk")
        HealthSnapshot.objects.create(client=client, day=today - timedelta(days=5), score=80, band="healthy")
        for score in (5, 1):  # their answers average 3.0 against our 1.0: a perception gap
            pulse.pulse_answer_record(
                contact=ContactFactory(client=client), project_id=project.pk, project_client_id=client.pk,
                week=pulse.pulse_week(client=client), score=score, comment=f"Said {score}",
            )  # fmt: skip
        report_email = OutboundEmail.objects.create(
            key=f"failed-{index}", kind="status_report", to_email=f"gone{index}@client.test", status="failed",
            last_error="550 5.1.1 mailbox unknown",
            status_report=reports.status_report_create(project=project, due_at=timezone.now()),
        )  # fmt: skip
        made = {"client": client, "project": project, "email": report_email}
    return made


@pytest.fixture
def manager(db):
    return UserFactory(email="tia@rapport.test", full_name="Tia Today")


def test_today_has_every_section_with_links_to_the_next_action(client, manager):
    made = populate(manager)
    client.force_login(manager)
    response = client.get(reverse("today:index"))
    html = response.content.decode()
    page = response.context["page"]
    the_client, project = made["client"], made["project"]
    assert [c.client for c in page.checkins] == [the_client]
    assert reverse("crm:interaction_log", kwargs={"pk": the_client.pk}) in html
    assert reverse("crm:checkin_briefing", kwargs={"pk": page.checkins[0].pk}) in html
    assert [i.text for i in page.action_items] == ["Send the plan 0"]
    assert page.projects == [project]
    assert [g.project_id for g in page.gaps] == [project.pk]
    assert page.fallen == [the_client]
    assert "was healthy" in html
    assert [m.title for m in page.milestones] == ["Go-live 0"]
    assert page.failed_emails == [made["email"]]
    assert "550 5.1.1 mailbox unknown" in html
    assert reverse("projects:project_detail", kwargs={"pk": project.pk}) in html
    assert page.band_counts == {"healthy": 0, "watch": 0, "at_risk": 1}
    assert 'data-chart="bands"' in html


def test_today_shows_nothing_of_other_managers(client, manager):
    populate(UserFactory())
    client.force_login(manager)
    page = client.get(reverse("today:index")).context["page"]
    assert page.is_empty
    assert page.portfolio == []


def test_an_admin_switches_to_a_managers_today(client, manager):
    populate(manager)
    admin = UserFactory(role="admin")
    client.force_login(admin)
    page = client.get(reverse("today:index"), {"as": manager.pk}).context["page"]
    assert page.viewer == manager
    assert len(page.checkins) == 1
    assert client.get(reverse("today:index"), {"as": 999999}).status_code == 404


def test_a_manager_cannot_switch_to_someone_elses_today(client, manager):
    other = UserFactory()
    populate(other)
    client.force_login(manager)
    page = client.get(reverse("today:index"), {"as": other.pk}).context["page"]
    assert page.viewer == manager
    assert page.checkins == []


@pytest.mark.parametrize("n", [1, 50])
def test_today_runs_a_fixed_number_of_queries(client, manager, n, django_assert_num_queries):
    populate(manager, clients=n)
    client.force_login(manager)
    with django_assert_num_queries(TODAY_QUERIES):
        response = client.get(reverse("today:index"))
    page = response.context["page"]
    assert len(page.checkins) == len(page.projects) == len(page.gaps) == n
    assert len(page.fallen) == min(n, 20)
    assert len(page.portfolio) == n
    assert len(page.low_answers) == min(n, 10)
    assert len(page.perception_gaps) == min(n, 10)
    assert len(page.at_risk) == min(n, 10)


@pytest.mark.parametrize("n", [1, 25])
def test_the_briefing_runs_a_fixed_number_of_queries(client, manager, n, django_assert_num_queries):
    made = populate(manager)
    the_client, project = made["client"], made["project"]
    for index in range(n):
        crm.interaction_log(client=the_client, logged_by=manager, summary=f"Chat {index}", sentiment=3)
    for index in range(n):  # all after the last meeting
        ActionItem.objects.create(client=the_client, text=f"Theirs {index}", owner_side="client")
        projects.risk_raise(project=project, title=f"Risk {index}", probability=3, impact=3)
        projects.change_request_propose(project=project, title=f"CR {index}")
        projects.decision_record(project=project, title=f"D {index}", made_by="Both", decided_on=timezone.localdate())
        milestone = projects.milestone_create(project=project, title=f"M {index}", due_on=timezone.localdate())
        projects.milestone_reschedule(
            milestone=milestone, due_on=timezone.localdate() + timedelta(days=3), reason="x", by=manager
        )
    checkin = the_client.checkins.get(state="due")
    client.force_login(manager)
    with django_assert_num_queries(BRIEFING_QUERIES):
        response = client.get(reverse("crm:checkin_briefing", kwargs={"pk": checkin.pk}))
    page = response.context["page"]
    assert len(page.interactions) == min(n + 1, 5)
    assert len(page.their_items) == len(page.risks) == len(page.pending_changes) == n
    assert len(page.moved_milestones) == len(page.recent_decisions) == n


def test_the_briefing_tells_what_to_know_before_the_call(client, manager):
    made = populate(manager)
    the_client, project = made["client"], made["project"]
    crm.interaction_log(client=the_client, logged_by=manager, summary="Budget worries", sentiment=2,
                        concerns="Invoice too high")  # fmt: skip
    milestone = projects.milestone_create(project=project, title="Data import", due_on=timezone.localdate())
    projects.milestone_reschedule(milestone=milestone, due_on=timezone.localdate() + timedelta(days=9),
                                  reason="Vendor", by=manager)  # fmt: skip
    client.force_login(manager)
    html = client.get(
        reverse("crm:checkin_briefing", kwargs={"pk": the_client.checkins.get(state="due").pk})
    ).content.decode()
    for fact in ("Budget worries", "Invoice too high", "Send the plan 0", "Data import", "Vendor"):
        assert fact in html


class TestExpectationGap:
    def _project(self, manager, health):
        the_client = ClientFactory(account_manager=manager)
        project = projects.project_create(client=the_client, name="P", manager=manager, status="active")
        if health != "green":
            projects.status_update_post(project=project, author=manager, health=health, reason="x")
        return project

    def _log(self, manager, project, sentiment, days_ago):
        crm.interaction_log(
            client=project.client, logged_by=manager, summary=f"s{sentiment}", sentiment=sentiment,
            occurred_at=timezone.now() - timedelta(days=days_ago),
        )  # fmt: skip

    def test_green_while_the_client_is_unhappy(self, manager):
        project = self._project(manager, "green")
        self._log(manager, project, 2, 3)
        self._log(manager, project, 2, 10)
        (gap,) = expectation_gaps(projects=Project.objects.all())
        assert gap.team_optimistic and gap.recent_average == 2.0
        assert [e.summary for e in gap.evidence] == ["s2", "s2"]

    def test_amber_while_sentiment_fell_a_point(self, manager):
        project = self._project(manager, "amber")
        self._log(manager, project, 3, 5)
        self._log(manager, project, 4, 40)
        (gap,) = expectation_gaps(projects=Project.objects.all())
        assert gap.earlier_average == 4.0
        assert "down from 4.0" in gap.summary

    def test_red_while_the_client_is_content(self, manager):
        project = self._project(manager, "red")
        self._log(manager, project, 5, 2)
        self._log(manager, project, 4, 20)
        (gap,) = expectation_gaps(projects=Project.objects.all())
        assert not gap.team_optimistic

    def test_no_gap_when_they_agree(self, manager):
        green = self._project(manager, "green")
        self._log(manager, green, 4, 2)
        red = self._project(manager, "red")
        self._log(manager, red, 2, 2)
        assert expectation_gaps(projects=Project.objects.all()) == []

    def test_the_project_page_shows_the_gap_and_its_evidence(self, client, manager):
        project = self._project(manager, "green")
        self._log(manager, project, 1, 1)
        client.force_login(manager)
        html = client.get(reverse("projects:project_detail", kwargs={"pk": project.pk})).content.decode()
        assert "Expectation gap" in html
        assert "s1" in html


def test_the_client_list_filters_by_band_and_sorts_by_score(client, manager):
    for name, score, band in (("Aster", 90, "healthy"), ("Birch", 30, "at_risk"), ("Cedar", 55, "watch")):
        the_client = ClientFactory(name=name, account_manager=manager)
        Client.objects.filter(pk=the_client.pk).update(health_score=score, health_band=band)
    client.force_login(manager)
    names = lambda response: [c.name for c in response.context["page"].items]  # noqa: E731
    assert names(client.get(reverse("crm:client_list"), {"sort": "health"})) == ["Birch", "Cedar", "Aster"]
    assert names(client.get(reverse("crm:client_list"), {"sort": "-health"})) == ["Aster", "Cedar", "Birch"]
    assert names(client.get(reverse("crm:client_list"), {"band": "watch"})) == ["Cedar"]


def test_the_briefing_leaves_out_projects_the_reader_may_not_see(client, manager):
    """A teammate on the client's team sees the client, but not a project they have no part in."""
    teammate = UserFactory()
    the_client = ClientFactory(account_manager=manager)
    the_client.team.add(teammate)
    crm.checkin_schedule(client=the_client, due_on=timezone.localdate())
    private = projects.project_create(client=the_client, name="Board-only", manager=manager, status="active")
    projects.risk_raise(project=private, title="Acquisition rumour", probability=4, impact=5)
    projects.change_request_propose(project=private, title="Secret scope")
    url = reverse("crm:checkin_briefing", kwargs={"pk": the_client.checkins.get(state="due").pk})
    client.force_login(teammate)
    assert client.get(reverse("projects:project_detail", kwargs={"pk": private.pk})).status_code == 404
    html = client.get(url).content.decode()
    assert "Acquisition rumour" not in html
    assert "Secret scope" not in html
    client.force_login(manager)
    assert "Acquisition rumour" in client.get(url).content.decode()


def test_a_fall_of_exactly_one_point_counts_despite_rounding(manager):
    the_client = ClientFactory(account_manager=manager)
    projects.project_create(client=the_client, name="P", manager=manager, status="active")
    for sentiment, days_ago in ((5, 40), (4, 45), (4, 50), (4, 2), (3, 5), (3, 8)):  # 13/3 then 10/3
        crm.interaction_log(
            client=the_client, logged_by=manager, summary="x", sentiment=sentiment,
            occurred_at=timezone.now() - timedelta(days=days_ago),
        )  # fmt: skip
    assert len(expectation_gaps(projects=Project.objects.all())) == 1


def test_fell_in_the_last_14_days_is_read_from_the_snapshots(client, manager):
    today = timezone.localdate()
    cases = {  # name: (today's band, snapshots (days ago, band))
        "Fell": ("watch", [(3, "healthy"), (10, "watch")]),
        "Fell long ago": ("at_risk", [(20, "healthy"), (5, "at_risk")]),
        "Rose": ("healthy", [(4, "watch")]),
        "Held": ("watch", [(2, "watch")]),
    }
    for name, (band, snapshots) in cases.items():
        the_client = ClientFactory(name=name, account_manager=manager)
        Client.objects.filter(pk=the_client.pk).update(health_band=band, health_score=50)
        for days_ago, was in snapshots:
            HealthSnapshot.objects.create(client=the_client, day=today - timedelta(days=days_ago), score=60, band=was)
    client.force_login(manager)
    assert [c.name for c in client.get(reverse("today:index")).context["page"].fallen] == ["Fell"]
