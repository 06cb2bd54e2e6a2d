"""Relationship health calibrated on scenarios a project manager recognises. Each row is built
from real rows (services on PostgreSQL), scored by the service, and must land in its band; the
README's table lists the same rows with why. The factors always explain every point taken off."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from crm import pulse
from crm import services as crm
from crm.models import ActionItem, Client
from crm.perception import week_of
from outbox.models import OutboundEmail
from projects import services as projects
from projects.models import ChangeRequest
from tests.factories import ClientFactory, ContactFactory, UserFactory


@dataclass
class World:
    client: Client
    manager: object

    def meetings(self, *sentiments: int, last_days_ago: int = 1, every: int = 3) -> None:
        """Meetings oldest first, the last one `last_days_ago` days ago, `every` days apart."""
        now = timezone.now()
        for index, sentiment in enumerate(sentiments):
            days_ago = last_days_ago + every * (len(sentiments) - 1 - index)
            crm.interaction_log(
                client=self.client, logged_by=self.manager, summary=f"Meeting {index}", sentiment=sentiment,
                occurred_at=now - timedelta(days=days_ago),
            )  # fmt: skip

    def project(self, health: str = "green", *, recovery: bool = False):
        project = projects.project_create(client=self.client, name="Delivery", manager=self.manager, status="active")
        if health != "green":
            projects.status_update_post(project=project, author=self.manager, health=health, reason="Late")
        if recovery:
            projects.recovery_start(
                project=project, by=self.manager, root_cause="Scope", reset_expectations="New plan",
                actions="Daily stand-up", exit_criteria="Two green weeks",
            )  # fmt: skip
        return project

    def answers(self, *scores: int) -> None:
        """Pulse answers oldest first, one a week up to this week, each by its own contact."""
        project = self.client.projects.first() or self.project()
        now = timezone.now()
        for index, score in enumerate(scores):
            when = now - timedelta(days=7 * (len(scores) - 1 - index), hours=1)
            contact = ContactFactory(client=self.client)
            pulse.pulse_answer_record(
                contact=contact, project_id=project.pk, project_client_id=self.client.pk,
                week=week_of(timezone.localdate(when, self.client.zone)), score=score, now=when,
            )  # fmt: skip


def in_touch_happy_green(w: World) -> None:
    w.project()
    w.meetings(4, 5, 4)


def new_client_nothing_logged(w: World) -> None:
    pass


def added_a_month_ago_never_contacted(w: World) -> None:
    Client.objects.filter(pk=w.client.pk).update(created_at=timezone.now() - timedelta(days=30))


def one_unhappy_after_four_happy(w: World) -> None:
    w.meetings(4, 4, 4, 4, 2)


def three_very_unhappy_in_a_row(w: World) -> None:
    w.project()
    w.meetings(1, 1, 1)


def three_very_unhappy_after_two_happy(w: World) -> None:
    w.meetings(5, 5, 1, 1, 1)


def no_contact_for_twice_the_cadence(w: World) -> None:
    w.meetings(4, 5, last_days_ago=28)


def red_project_unhappy_client(w: World) -> None:
    w.project("red")
    w.meetings(2)


def red_project_content_client(w: World) -> None:
    w.project("red")
    w.meetings(4, 5)


def recovering_project_ratings_improving(w: World) -> None:
    w.project("red", recovery=True)
    w.meetings(1, 1, 2, 3, 4, every=2)


def recovering_project_ratings_falling(w: World) -> None:
    w.project("red", recovery=True)
    w.meetings(4, 3, 2, 1, 1, every=2)


def we_log_happy_they_answer_unhappy(w: World) -> None:
    w.meetings(4, 4, 4, last_days_ago=2)
    w.answers(2, 2)


def we_log_unhappy_they_answer_happy(w: World) -> None:
    w.meetings(2, 2, last_days_ago=2)
    w.answers(4, 5)


def pulse_very_unhappy_twice_nothing_logged(w: World) -> None:
    w.answers(1, 1)
    crm.interaction_log(client=w.client, logged_by=w.manager, summary="Note", kind="email")


def promises_slipping_on_an_amber_project(w: World) -> None:
    project = w.project("amber")
    w.meetings(4)
    for index in range(3):
        ActionItem.objects.create(
            client=w.client, text=f"Send {index}", owner_side="us", due_on=timezone.localdate() - timedelta(days=3)
        )
    for index in range(2):
        change = projects.change_request_propose(project=project, title=f"Change {index}")
        ChangeRequest.objects.filter(pk=change.pk).update(proposed_at=timezone.now() - timedelta(days=20))


def failed_deliveries_and_a_high_risk(w: World) -> None:
    project = w.project()
    w.meetings(4, 4)
    projects.risk_raise(project=project, title="Vendor", probability=4, impact=4)
    contact = ContactFactory(client=w.client)
    for index in range(2):
        OutboundEmail.objects.create(
            key=f"bounced-{index}", kind="status_report", to_email=contact.email, contact=contact, status="failed"
        )


def former_client_silent_for_a_year(w: World) -> None:
    w.meetings(4, last_days_ago=365)
    crm.client_update(client=w.client, status=Client.Status.FORMER)


SCENARIOS: list[tuple[str, Callable[[World], None], str]] = [
    ("in touch, happy meetings, green project", in_touch_happy_green, "healthy"),
    ("new client, nothing logged yet", new_client_nothing_logged, "healthy"),
    ("added 30 days ago (cadence 14), never contacted", added_a_month_ago_never_contacted, "watch"),
    ("one unhappy meeting after four happy ones", one_unhappy_after_four_happy, "healthy"),
    ("three very unhappy meetings in a row", three_very_unhappy_in_a_row, "at_risk"),
    ("two happy meetings, then three very unhappy in a row", three_very_unhappy_after_two_happy, "at_risk"),
    ("happy, but no contact for twice the cadence", no_contact_for_twice_the_cadence, "watch"),
    ("red project, unhappy client", red_project_unhappy_client, "at_risk"),
    ("red project, content client", red_project_content_client, "watch"),
    ("recovering project, ratings improving 1→4", recovering_project_ratings_improving, "watch"),
    ("recovering project, ratings falling 4→1", recovering_project_ratings_falling, "at_risk"),
    ("we log happy (4, 4, 4); they answer 2, 2", we_log_happy_they_answer_unhappy, "watch"),
    ("we log unhappy (2, 2); they answer 4, 5", we_log_unhappy_they_answer_happy, "healthy"),
    ("nothing logged; they answer very unhappy twice", pulse_very_unhappy_twice_nothing_logged, "at_risk"),
    ("amber project, 3 promises overdue, 2 changes waiting", promises_slipping_on_an_amber_project, "watch"),
    ("happy, 2 failed deliveries, 1 high risk", failed_deliveries_and_a_high_risk, "healthy"),
    ("former client, silent for a year", former_client_silent_for_a_year, "healthy"),
]


@pytest.mark.parametrize(("situation", "build", "band"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_scenario_lands_in_its_band(db, situation, build, band):
    manager = UserFactory()
    world = World(client=ClientFactory(account_manager=manager, checkin_cadence_days=14), manager=manager)
    build(world)
    crm.client_health_recompute(clients=Client.objects.filter(pk=world.client.pk))
    client = Client.objects.get(pk=world.client.pk)
    factors = client.health_factors
    assert client.health_band == band, (situation, client.health_score, factors)
    # Every point taken off is explained by a factor.
    assert sum(factor["points"] for factor in factors) == client.health_score - 100
    assert all(factor["detail"] for factor in factors)
