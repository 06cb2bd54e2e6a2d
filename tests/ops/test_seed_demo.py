from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import User
from ops.demo import DEFAULT_DEMO_PASSWORD


def test_seed_demo_creates_people_once_and_prints_how_to_sign_in(db, settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    first = set(User.objects.values_list("email", "role"))
    call_command("seed_demo")
    assert set(User.objects.values_list("email", "role")) == first
    assert {role for _, role in first} >= {"admin", "manager"}
    out = capsys.readouterr().out
    assert "maya@rapport.example" in out
    assert DEFAULT_DEMO_PASSWORD in out
    assert User.objects.get(email="maya@rapport.example").check_password(DEFAULT_DEMO_PASSWORD)


def test_seed_demo_takes_the_password_from_the_environment(db, settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", "another long demo password")
    call_command("seed_demo")
    assert User.objects.get(email="leo@rapport.example").check_password("another long demo password")


def test_seed_demo_is_refused_when_debug_is_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_if_empty_leaves_an_existing_database_alone(db, settings, pm):
    settings.DEBUG = True
    call_command("seed_demo", "--if-empty")
    assert list(User.objects.all()) == [pm]


def test_seed_demo_builds_a_realistic_crm(db, settings):
    from django.utils import timezone

    from crm.models import ActionItem, CheckIn, Client, Interaction

    settings.DEBUG = True
    call_command("seed_demo")
    today = timezone.localdate()
    assert Client.objects.count() >= 12
    assert set(Client.objects.values_list("status", flat=True)) == {"prospect", "active", "dormant", "former"}
    assert all(2 <= client.contacts.count() <= 4 for client in Client.objects.all())
    oldest = Interaction.objects.order_by("occurred_at").first().occurred_at
    assert (timezone.now() - oldest).days <= 121
    assert len(set(Interaction.objects.values_list("sentiment", flat=True))) == 5
    open_items = ActionItem.objects.filter(done_at__isnull=True)
    assert open_items.filter(due_on__lt=today).exists() and open_items.filter(due_on__gte=today).exists()
    due = CheckIn.objects.filter(state="due")
    assert due.filter(due_on__lt=today).exists() and due.filter(due_on__gte=today).exists()


def test_seed_demo_builds_projects_in_every_state(db, settings):
    from crm.models import CheckIn
    from projects.models import Project, RiskIssue

    settings.DEBUG = True
    call_command("seed_demo")
    assert set(Project.objects.values_list("status", flat=True)) == {s for s, _ in Project.Status.choices}
    assert Project.objects.filter(health="red", recovery_plan__isnull=False).exists()
    completed = Project.objects.get(status="completed")
    assert CheckIn.objects.filter(client=completed.client, kind="follow_up", state="due").count() == 2
    assert len(set(RiskIssue.objects.values_list("severity", flat=True))) >= 3
    assert (
        RiskIssue.objects.filter(client_visible=True).exists()
        and RiskIssue.objects.filter(client_visible=False).exists()
    )


def test_seed_demo_gives_one_contact_portal_access(db, settings, capsys, client):
    from django.urls import reverse

    settings.DEBUG = True
    call_command("seed_demo")
    contact_user = User.objects.get(role="client")
    assert contact_user.email in capsys.readouterr().out
    response = client.post(
        reverse("portal:sign_in_password"), {"email": contact_user.email, "password": DEFAULT_DEMO_PASSWORD}
    )
    assert response.url == reverse("portal:home")
    assert "Northwind" in client.get(response.url).content.decode()


def test_seed_demo_projects_with_reports_have_last_weeks_report(db, settings):
    from projects.models import Project, StatusReport

    settings.DEBUG = True
    call_command("seed_demo")
    reporting = Project.objects.filter(reports_enabled=True, status="active")
    assert reporting.exists()
    assert all(project.next_report_at for project in reporting)
    assert StatusReport.objects.filter(project__in=reporting).count() == reporting.count()


def test_seed_demo_gives_maya_something_in_every_section_of_today(db, settings):
    from crm.models import Client
    from today.selectors import today_page

    settings.DEBUG = True
    call_command("seed_demo")
    bands = set(Client.objects.filter(archived_at__isnull=True).values_list("health_band", flat=True))
    assert bands == {"healthy", "watch", "at_risk"}
    page = today_page(viewer=User.objects.get(email="maya@rapport.example"))
    sections = {
        "checkins": page.checkins, "action_items": page.action_items, "projects": page.projects,
        "gaps": page.gaps, "fallen": page.fallen, "milestones": page.milestones, "failed": page.failed_emails,
        "low_answers": page.low_answers, "perception_gaps": page.perception_gaps, "at_risk": page.at_risk,
    }  # fmt: skip
    assert [name for name, rows in sections.items() if not rows] == []
    assert [(gap.client_name, gap.we_are_rosier) for gap in page.perception_gaps] == [
        ("Bluefin Health", False),
        ("Vantage Robotics", True),
    ]


def test_seed_demo_has_pulse_answers_and_a_year_of_history(db, settings):
    from crm.models import Client, HealthSnapshot, PulseAnswer
    from crm.selectors import health_history

    settings.DEBUG = True
    call_command("seed_demo")
    assert PulseAnswer.objects.filter(comment__gt="").count() >= 5
    bluefin = Client.objects.get(name="Bluefin Health")
    history = health_history(client=bluefin)
    assert len(history.series) == 365
    assert history.fell is not None
    assert HealthSnapshot.objects.count() == 365 * Client.objects.filter(archived_at__isnull=True).count()
    call_command("seed_demo")  # idempotent
    assert HealthSnapshot.objects.count() == 365 * Client.objects.filter(archived_at__isnull=True).count()
