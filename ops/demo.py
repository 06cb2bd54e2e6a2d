"""Demo data for trying Rapport out: `manage.py seed_demo`. Idempotent: a second run changes
nothing. Dates are relative to today, so the demo always has something due."""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from crm import pulse
from crm import services as crm
from crm.health import band_for
from crm.models import ActionItem, Client, Contact, HealthBand, HealthSnapshot, Interaction, PulseAnswer
from crm.perception import week_of
from crm.schedule import weekly_moment_at_or_before
from outbox.models import OutboundEmail
from portal import reports as weekly_reports
from portal.services import portal_access_grant
from projects import services as projects
from projects.models import Project

DEFAULT_DEMO_PASSWORD = "rapport-demo-2026"  # noqa: S105 (documented demo value, refused without DEBUG)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class DemoPeople:
    admin: User
    managers: list[User]
    portal_contact: User | None = None


def _user(*, email: str, full_name: str, role: str, password: str, time_zone: str) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"full_name": full_name, "role": role, "time_zone": time_zone}
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def seed_people(*, password: str) -> DemoPeople:
    admin = _user(
        email="admin@rapport.example", full_name="Ada Admin", role=User.Role.ADMIN, password=password, time_zone="UTC"
    )
    managers = [
        _user(
            email="maya@rapport.example",
            full_name="Maya Patel",
            role=User.Role.MANAGER,
            password=password,
            time_zone="Europe/London",
        ),
        _user(
            email="leo@rapport.example",
            full_name="Leo Fischer",
            role=User.Role.MANAGER,
            password=password,
            time_zone="Europe/Berlin",
        ),
    ]
    return DemoPeople(admin=admin, managers=managers)


# name, industry, status, time zone, cadence, manager index, mood (sentiment drift), days since contact
CLIENTS = [
    ("Northwind Logistics", "Logistics", "active", "Europe/London", 14, 0, "happy", 3),
    ("Bluefin Health", "Healthcare", "active", "America/New_York", 7, 0, "falling", 12),
    ("Harbor & Pine Architects", "Architecture", "active", "Europe/London", 21, 0, "steady", 30),
    ("Kestrel Energy", "Energy", "active", "Europe/Berlin", 14, 1, "unhappy", 2),
    ("Lumen Analytics", "Software", "prospect", "America/Los_Angeles", 10, 0, "happy", 6),
    ("Orchard Retail Group", "Retail", "active", "Europe/London", 14, 1, "steady", 9),
    ("Quayside Bank", "Financial services", "active", "Europe/London", 7, 0, "escalated", 14),
    ("Redwood Schools Trust", "Education", "dormant", "Europe/London", 60, 1, "steady", 75),
    ("Silverline Media", "Media", "active", "Australia/Sydney", 14, 1, "happy", 16),
    ("Tidewater Foods", "Food and drink", "former", "America/New_York", 90, 0, "steady", 110),
    ("Vantage Robotics", "Manufacturing", "active", "Asia/Singapore", 14, 0, "rising", 20),
    ("Willow Insurance", "Insurance", "active", "Europe/Berlin", 30, 1, "happy", 1),
]
FIRST = ["Amara", "Ben", "Chloé", "Dev", "Elena", "Felix", "Grace", "Hiro", "Isla", "Jonas", "Kofi", "Lena", "Marta"]
LAST = ["Okafor", "Lindqvist", "Moreau", "Sharma", "Rossi", "Weber", "Nakamura", "Byrne", "Costa", "Novak"]
TITLES = ["Head of Operations", "CTO", "Product Owner", "Finance Director", "Programme Manager", "CEO"]
TOPICS = [
    ("Weekly sync on delivery", "Walked through the sprint; questions on the reporting timeline."),
    ("Steering committee", "Reviewed milestones and budget burn; agreed next priorities."),
    ("Call about the data migration", "Client worried about downtime during cut-over."),
    ("Workshop on requirements", "Captured three new reporting needs; one may be a change request."),
    ("Quarterly business review", "Shared KPIs against targets; discussed renewal."),
    ("Quick check-in call", "All fine; they asked for the updated plan by Friday."),
    ("Escalation: missed deadline", "Frustration about the slipped integration date; agreed a recovery plan."),
]
MOODS = {
    "happy": [4, 5, 4, 5, 5, 4, 5, 4, 5],
    "steady": [3, 4, 3, 3, 4, 3, 4, 3, 3],
    "falling": [5, 5, 4, 4, 3, 3, 2, 2, 1],
    "rising": [2, 2, 3, 3, 3, 4, 4, 4, 5],
    "unhappy": [3, 2, 2, 1, 2, 2, 1, 2, 1],
    "escalated": [4, 4, 3, 3, 2, 1, 2, 3, 3],
}


def seed_crm(*, people: DemoPeople, progress: Progress) -> list[Client]:
    rng = random.Random(2026)  # noqa: S311 (demo data, not security)
    now = timezone.now()
    clients = []
    for index, (name, industry, status, zone, cadence, manager_index, mood, since) in enumerate(CLIENTS):
        existing = Client.objects.filter(name=name).first()
        if existing:
            clients.append(existing)
            continue
        with transaction.atomic():
            manager = people.managers[manager_index]
            client = crm.client_create(
                name=name,
                account_manager=manager,
                team=[people.managers[1 - manager_index]] if index % 3 == 0 else [],
                status=status,
                industry=industry,
                website=f"https://{name.split()[0].lower()}.example.com",
                time_zone=zone,
                checkin_cadence_days=cadence,
                goals="Deliver the new platform before the spring peak.\nCut manual reporting by half.",
                kpis="On-time milestones ≥ 90%\nSupport tickets resolved within 2 days",
            )
            contacts = [
                crm.contact_create(
                    client=client,
                    name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    email=f"contact{n}@{name.split()[0].lower()}.example.com",
                    phone=f"+44 20 7946 {rng.randint(1000, 9999)}",
                    title=TITLES[(index + n) % len(TITLES)],
                    receives_reports=n == 0,
                )
                for n in range(2 + index % 3)
            ]
            moods = MOODS[mood]
            count = 4 + index % 5
            for n in range(count):
                # Spread over 120 days, the newest `since` days ago.
                days_ago = since + (count - 1 - n) * (120 - since) // max(count, 1)
                title, detail = TOPICS[(index + n) % len(TOPICS)]
                escalated = mood == "escalated" and n == count - 3
                crm.interaction_log(
                    client=client,
                    logged_by=manager,
                    kind=[Interaction.Kind.MEETING, Interaction.Kind.CALL, Interaction.Kind.VIDEO][n % 3],
                    occurred_at=now - timedelta(days=days_ago, hours=rng.randint(1, 6)),
                    duration_minutes=rng.choice([15, 30, 45, 60]),
                    summary=f"{title}. {detail}",
                    notes="**Next steps** agreed:\n\n- confirm the plan\n- share the minutes",
                    sentiment=moods[-count + n],
                    concerns="Timeline pressure before the spring peak." if moods[-count + n] <= 2 else "",
                    flag=Interaction.Flag.ESCALATION if escalated else "",
                    resolution="Recovery plan agreed with weekly calls." if escalated else "",
                    shared_with_client=n % 2 == 0,
                    attendees=contacts[: 1 + n % len(contacts)],
                    staff_present=[manager],
                    action_items=[
                        crm.ActionItemDraft(
                            text=f"Send the updated plan to {client.name}",
                            owner=manager,
                            due_on=(now - timedelta(days=days_ago - 5)).date(),
                        ),
                        crm.ActionItemDraft(
                            text="Confirm test environment access",
                            owner_side=ActionItem.Side.CLIENT,
                            owner_contact=contacts[0],
                            due_on=(now - timedelta(days=days_ago - 10)).date(),
                        ),
                    ]
                    if n >= count - 2
                    else [],
                )
            # Promises from the meeting before last were kept; the newest stay open (overdue where
            # that meeting was more than a few days ago).
            latest = client.interactions.order_by("-occurred_at").values_list("occurred_at", flat=True).first()
            ActionItem.objects.filter(client=client, interaction__occurred_at__lt=latest).update(done_at=now)
        clients.append(client)
        progress(f"client {index + 1}/{len(CLIENTS)}: {name}")
    return clients


# client, project, status, health, reason, recovery?, reports?
PROJECTS = [
    ("Northwind Logistics", "Route optimisation platform", "active", "green", "", False, True),
    ("Bluefin Health", "Patient portal", "active", "green", "", False, True),
    ("Quayside Bank", "Core banking integration", "active", "red", "Integration four weeks late", True, True),
    ("Kestrel Energy", "Smart-meter analytics", "active", "amber", "Data feed quality issues", False, False),
    (
        "Orchard Retail Group",
        "Loyalty app",
        "on_hold",
        "amber",
        "Paused while the client re-plans budget",
        False,
        False,
    ),
    ("Lumen Analytics", "Proof of concept", "planned", "green", "", False, False),
    ("Tidewater Foods", "Supply-chain dashboard", "completed", "green", "", False, False),
    ("Redwood Schools Trust", "Timetabling pilot", "cancelled", "amber", "Funding withdrawn", False, False),
    ("Silverline Media", "Content archive migration", "active", "green", "", False, False),
    ("Vantage Robotics", "Factory telemetry", "active", "amber", "Sensor vendor slipping", False, False),
]
RISKS = [
    ("risk", "Key engineer may leave mid-project", 3, 5, True),
    ("issue", "Test environment unstable", 4, 3, False),
    ("risk", "Third-party API rate limits", 2, 4, True),
    ("risk", "Budget approval for phase two", 2, 2, False),
]


def seed_projects(*, people: DemoPeople, progress: Progress) -> None:
    today = timezone.localdate()
    for index, (client_name, name, status, health, reason, recovery, reports) in enumerate(PROJECTS):
        client = Client.objects.get(name=client_name)
        if client.projects.filter(name=name).exists():
            continue
        with transaction.atomic():
            manager = client.account_manager
            start = today - timedelta(days=60 + 10 * index)
            project = projects.project_create(
                client=client,
                name=name,
                manager=manager,
                status="active" if status in ("completed", "cancelled") else status,
                start_on=start,
                target_end_on=start + timedelta(days=180),
                objectives=f"Deliver {name.lower()} so that {client_name} can run it without us.",
                success_criteria="Adopted by 80% of users within a month of launch.",
                portal_visible=status != "cancelled",
                reports_enabled=reports,
            )
            for n, (title, offset, weight) in enumerate(
                [("Discovery", 20, 1), ("Design", 60, 2), ("Build", 110, 3), ("Launch", 170, 2)]
            ):
                milestone = projects.milestone_create(
                    project=project,
                    title=title,
                    due_on=start + timedelta(days=offset),
                    weight=weight,
                    client_visible=n != 2 or index % 2 == 0,
                )
                if milestone.due_on < today - timedelta(days=5) and not (recovery and title == "Design"):
                    projects.milestone_complete(milestone=milestone, completed_on=milestone.due_on)
                if title == "Build" and health != "green":
                    projects.milestone_reschedule(
                        milestone=milestone,
                        due_on=milestone.due_on + timedelta(days=21),
                        reason="Integration work larger than estimated",
                        by=manager,
                    )
            for kind, title, probability, impact, visible in RISKS[: 2 + index % 3]:
                projects.risk_raise(
                    project=project,
                    kind=kind,
                    title=title,
                    probability=min(5, probability + (health == "red")),
                    impact=impact,
                    owner=manager,
                    mitigation="Weekly review with the client's lead.",
                    client_visible=visible,
                )
            change = projects.change_request_propose(
                project=project,
                title="Add an export to the finance system",
                kind="scope",
                schedule_impact_days=10,
                cost_impact=Decimal("12000.00"),
                client_visible=True,
            )
            if index % 2 == 0:
                projects.change_request_decide(change_request=change, approve=index % 4 == 0, by=manager)
            projects.decision_record(
                project=project,
                title="Release in two waves",
                rationale="Lower risk for the operations team.",
                made_by=f"{client.contacts.first().name} and {manager.full_name}",
                decided_on=today - timedelta(days=14),
                client_visible=True,
                recorded_by=manager,
            )
            projects.status_update_post(
                project=project,
                author=manager,
                health=health,
                reason=reason,
                accomplished="Finished the design review; first integration tests green.",
                next_steps="Start the data migration rehearsal.",
                blockers=reason,
                client_visible=True,
            )
            if recovery:
                projects.recovery_start(
                    project=project,
                    by=manager,
                    root_cause="The core banking API needed far more mapping than scoped.",
                    reset_expectations="Launch moved to March; weekly steering calls with the client's CTO.",
                    actions="Second integration engineer; daily stand-up with the bank's team.",
                    exit_criteria="Two consecutive green weeks and the payments flow passing end to end.",
                )
            if reports and status == "active":  # last week's report, so history and archive have one
                last_due = weekly_moment_at_or_before(
                    weekday=project.report_weekday,
                    hour=project.report_hour,
                    time_zone=client.time_zone,
                    now=timezone.now() - timedelta(days=1),
                )
                weekly_reports.status_report_create(project=project, due_at=last_due)
            if status in ("completed", "cancelled"):
                projects.project_close(project=project, status=status, ended_on=today - timedelta(days=5), by=manager)
        progress(f"project {index + 1}/{len(PROJECTS)}: {name} ({status})")


@transaction.atomic
def seed_portal(*, password: str) -> User:
    """The first client's primary contact gets portal access and the demo password, so the
    portal can be tried without reading email."""
    contact = Contact.objects.select_related("user").get(client__name=CLIENTS[0][0], is_primary=True)
    if contact.user is None:
        user = portal_access_grant(contact=contact)
        user.set_password(password)
        user.save(update_fields=["password"])
    return contact.user


# client → its report recipient's pulse answers: (weeks ago, score, comment)
PULSE = {
    "Northwind Logistics": [(3, 5, ""), (2, 4, ""), (1, 5, "Great week: the route planner already saves us time.")],
    # We logged worried meetings; they say it is going well enough: a perception gap the other way.
    "Bluefin Health": [(3, 4, ""), (2, 4, ""), (1, 3, "Go-live dates keep moving; we need a firm plan.")],
    "Quayside Bank": [(4, 1, "Four weeks late and no clear plan."), (2, 2, ""), (1, 3, "The stand-ups help.")],
    # We logged a very happy meeting; they say otherwise: the demo's perception gap.
    "Vantage Robotics": [(1, 2, "We hear everything is fine, but the sensors still fail every week.")],
}


def seed_pulse() -> None:
    """The client's voice: pulse answers from the report recipients of four clients; Vantage
    Robotics answers far below what we logged and Bluefin Health above it: perception gaps
    both ways."""
    now = timezone.now()
    for name, answers in PULSE.items():
        client = Client.objects.get(name=name)
        if PulseAnswer.objects.filter(client=client).exists():
            continue
        project = client.projects.filter(status=Project.Status.ACTIVE).order_by("pk").first()
        contact = client.contacts.filter(receives_reports=True).first() or client.contacts.first()
        if project is None or contact is None:
            continue
        for weeks_ago, score, comment in answers:
            when = now - timedelta(days=7 * weeks_ago - 5)
            pulse.pulse_answer_record(
                contact=contact,
                project_id=project.pk,
                project_client_id=client.pk,
                week=week_of(timezone.localdate(when, client.zone)),
                score=score,
                comment=comment,
                now=when,
            )


def seed_history() -> None:
    """A year of daily snapshots per client, so the client page's chart has something to show.
    Synthetic: today's real score with a slow wave behind it; Bluefin Health was healthy until a
    few days ago (its fall shows on its page and on Today)."""
    snapshots = []
    for index, client in enumerate(Client.objects.filter(archived_at__isnull=True, health_score__isnull=False)):
        today = timezone.localdate(timezone.now(), client.zone)  # the day the real snapshot was kept
        for days_ago in range(1, 365):
            if client.name == "Bluefin Health" and days_ago >= 4:
                score = 84 - days_ago // 60
            else:
                wave = 14 * math.sin(days_ago / 45 + index) * min(1.0, days_ago / 60)
                score = max(0, min(100, round((client.health_score or 0) + wave)))
            snapshots.append(
                HealthSnapshot(
                    client=client, day=today - timedelta(days=days_ago), score=score, band=band_for(score), factors=[]
                )
            )
    HealthSnapshot.objects.bulk_create(snapshots, ignore_conflicts=True, batch_size=1000)


def seed_health(*, people: DemoPeople) -> None:
    """Score every client, then give the demo a little history: one report email that bounced,
    and a client whose band fell this week (it was healthy before its sentiment dropped)."""
    project = Project.objects.filter(reports_enabled=True, status="active", status_reports__isnull=False).first()
    if project and not OutboundEmail.objects.filter(status=OutboundEmail.Status.FAILED).exists():
        OutboundEmail.objects.create(
            key=f"demo-bounce:{project.pk}",
            kind=OutboundEmail.Kind.STATUS_REPORT,
            to_email=f"former.contact@{project.client.name.split()[0].lower()}.example.com",
            status=OutboundEmail.Status.FAILED,
            attempts=1,
            last_error="SMTPRecipientsRefused: 550 5.1.1 mailbox unknown",
            status_report=project.status_reports.first(),
        )
    crm.client_health_recompute(clients=Client.objects.filter(archived_at__isnull=True))
    fallen = Client.objects.filter(health_band__in=[HealthBand.WATCH, HealthBand.AT_RISK], name="Bluefin Health")
    fallen.update(health_band_before=HealthBand.HEALTHY, health_band_changed_at=timezone.now() - timedelta(days=3))


def seed_demo(*, password: str, progress: Progress) -> DemoPeople:
    progress("people: an admin and two project managers")
    people = seed_people(password=password)
    seed_crm(people=people, progress=progress)
    seed_projects(people=people, progress=progress)
    progress("pulse: clients' answers to 'How are we doing?'")
    seed_pulse()
    progress("health: every client scored, with a year of history")
    seed_health(people=people)
    seed_history()
    progress("portal: a client contact with access")
    return dataclasses.replace(people, portal_contact=seed_portal(password=password))
