"""The history of changes: recorded by PostgreSQL triggers (django-pghistory), attributed to the
signed-in person or to the job, shown read-only to managers who may see the object."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, InternalError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from crm import services as crm_services
from crm.models import Client
from crm.tasks import client_health_recompute_task
from history.models import ClientEvent, MilestoneEvent
from projects import services as project_services
from tests.factories import ContactFactory, InteractionFactory, MilestoneFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

HISTORY_QUERIES = 12


def history_url(kind, pk):
    return reverse("history:detail", args=[kind, pk])


@pytest.fixture
def milestone(acme, pm):
    project = ProjectFactory(client=acme, manager=pm, name="Website relaunch")
    return MilestoneFactory(project=project, title="Beta", due_on=timezone.localdate() + timedelta(days=10))


def test_a_change_through_a_page_records_who_when_and_old_and_new_values(client, pm, milestone):
    client.force_login(pm)
    old = milestone.due_on
    new = old + timedelta(days=7)
    before = timezone.now()
    response = client.post(
        reverse("projects:milestone_reschedule", args=[milestone.pk]),
        {"due_on": new.isoformat(), "reason": "Client asked for more time"},
    )
    assert response.status_code == 302

    event = MilestoneEvent.objects.filter(pgh_obj_id=milestone.pk, pgh_label="update").get()
    assert event.due_on == new
    assert event.pgh_context.metadata["user"] == pm.pk
    assert abs(event.pgh_created_at - before) < timedelta(minutes=1)  # NOW(): the transaction's start

    page = client.get(history_url("milestone", milestone.pk))
    entry = page.context["history"].entries[0]
    assert entry.who == "Alice Manager"
    assert [(c.label, c.old, c.new) for c in entry.changes] == [("due", f"{old:%-d %b %Y}", f"{new:%-d %b %Y}")]
    html = page.content.decode()
    assert "Alice Manager" in html and f"{new:%-d %b %Y}" in html


def test_the_project_page_history_includes_its_milestones(client, pm, milestone):
    client.force_login(pm)
    project_services.milestone_reschedule(
        milestone=milestone, due_on=milestone.due_on + timedelta(days=1), reason="r", by=pm
    )
    entries = client.get(history_url("project", milestone.project_id)).context["history"].entries
    assert ("milestone", "Beta") in {(e.kind.slug, e.object_title) for e in entries}


def test_the_client_history_shows_the_status_change_by_the_person_who_made_it(client, pm, acme):
    client.force_login(pm)
    response = client.post(reverse("crm:client_archive", args=[acme.pk]))
    assert response.status_code == 302
    entries = client.get(history_url("client", acme.pk)).context["history"].entries
    archived = next(e for e in entries if any(c.label == "archived at" for c in e.changes))
    assert archived.who == "Alice Manager"
    change = next(c for c in archived.changes if c.label == "archived at")
    assert change.old == "—" and change.new != "—"


def test_a_change_made_by_a_job_names_the_job(settings, acme):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert Client.objects.get(pk=acme.pk).health_band == ""
    Client.objects.filter(pk=acme.pk).update(health_stale_since=timezone.now())  # a change marked it
    client_health_recompute_task.delay(acme.pk)

    event = ClientEvent.objects.filter(pgh_obj_id=acme.pk, pgh_label="update").latest("pgh_id")
    assert event.health_band != ""
    assert event.pgh_context.metadata == {"job": "crm.tasks.client_health_recompute"}


def test_the_page_names_the_job(client, settings, pm, acme):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    Client.objects.filter(pk=acme.pk).update(health_stale_since=timezone.now())  # a change marked it
    client_health_recompute_task.delay(acme.pk)
    client.force_login(pm)
    html = client.get(history_url("client", acme.pk)).content.decode()
    assert "crm.tasks.client_health_recompute" in html


def test_changes_to_untracked_derived_fields_record_nothing(acme):
    count = ClientEvent.objects.filter(pgh_obj_id=acme.pk).count()
    Client.objects.filter(pk=acme.pk).update(health_score=42, health_factors=[{"x": 1}])
    assert ClientEvent.objects.filter(pgh_obj_id=acme.pk).count() == count


def test_history_rows_cannot_be_edited_or_deleted_even_in_sql(acme):
    event = ClientEvent.objects.filter(pgh_obj_id=acme.pk).first()
    with pytest.raises((InternalError, IntegrityError)), transaction.atomic():
        ClientEvent.objects.filter(pk=event.pk).update(name="Forged")
    with pytest.raises((InternalError, IntegrityError)), transaction.atomic():
        ClientEvent.objects.filter(pk=event.pk).delete()


def test_the_history_page_is_read_only(client, pm, acme):
    client.force_login(pm)
    assert client.post(history_url("client", acme.pk)).status_code == 405
    html = client.get(history_url("client", acme.pk)).content.decode()
    main = html[html.index("<main") :]
    assert "<form" not in main and "<input" not in main


@pytest.mark.parametrize("kind", ["client", "contact", "interaction", "project", "milestone"])
def test_another_managers_objects_answer_404(client, other_pm, acme, milestone, kind):
    client.force_login(other_pm)
    pk = {
        "client": acme.pk,
        "contact": acme.contacts.get().pk,
        "interaction": InteractionFactory(client=acme).pk,
        "project": milestone.project_id,
        "milestone": milestone.pk,
    }[kind]
    assert client.get(history_url(kind, pk)).status_code == 404


def test_an_unknown_kind_answers_404(client, pm, acme):
    client.force_login(pm)
    assert client.get(f"/history/statusreport/{acme.pk}/").status_code == 404


def test_portal_users_get_404(client, client_contact, acme):
    client.force_login(client_contact)
    assert client.get(history_url("client", acme.pk)).status_code == 404
    assert client.get(history_url("contact", acme.contacts.get().pk)).status_code == 404


def test_pages_link_to_their_history(client, pm, acme, milestone):
    client.force_login(pm)
    interaction = InteractionFactory(client=acme)
    contact = acme.contacts.get()
    for page, kind, pk in [
        (reverse("crm:client_detail", args=[acme.pk]), "client", acme.pk),
        (reverse("projects:project_detail", args=[milestone.project_id]), "project", milestone.project_id),
        (reverse("crm:interaction_detail", args=[interaction.pk]), "interaction", interaction.pk),
        (reverse("crm:contact_edit", args=[contact.pk]), "contact", contact.pk),
    ]:
        assert f'href="{history_url(kind, pk)}"' in client.get(page).content.decode()


@pytest.mark.parametrize("n", [1, 25])
def test_the_history_page_query_count_is_constant(client, pm, acme, n, django_assert_max_num_queries):
    client.force_login(pm)
    people = UserFactory.create_batch(n)
    for index in range(n):
        ContactFactory(client=acme)
        crm_services.client_update(client=acme, account_manager=people[index % len(people)])
        crm_services.client_update(client=acme, account_manager=pm)
    with django_assert_max_num_queries(HISTORY_QUERIES):
        response = client.get(history_url("client", acme.pk))
    assert len(response.context["history"].entries) >= 2 * n


def test_the_page_is_bounded(client, pm, acme, settings):
    client.force_login(pm)
    for index in range(60):
        Client.objects.filter(pk=acme.pk).update(notes=f"note {index}")
    entries = client.get(history_url("client", acme.pk)).context["history"].entries
    assert len(entries) == 50
    assert entries[0].changes[0].new == "note 59"


def test_the_admin_records_the_admin_as_the_author(client, admin_user, acme):
    assert connection.vendor == "postgresql"
    client.force_login(admin_user)
    project = ProjectFactory(client=acme, manager=admin_user)
    risk = project_services.risk_raise(project=project, title="Vendor late", probability=3, impact=4)
    response = client.post(reverse("projects:risk_close", args=[risk.pk]))
    assert response.status_code == 302
    entry = client.get(history_url("risk", risk.pk)).context["history"].entries[0]
    assert entry.who == "Ada Admin"
    assert ("status", "Open", "Closed") in {(c.label, c.old, c.new) for c in entry.changes}


def test_without_postgresql_the_page_says_history_is_not_recorded(client, pm, acme, monkeypatch):
    import history.selectors

    class SQLite:
        vendor = "sqlite"

    monkeypatch.setattr(history.selectors, "connection", SQLite())
    client.force_login(pm)
    response = client.get(history_url("client", acme.pk))
    assert response.status_code == 200
    assert "History is recorded on PostgreSQL only" in response.content.decode()
