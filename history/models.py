"""Event models for the field-level history. django-pghistory generates one table per tracked
model here (so the tables and their migrations live in this app, not in crm or projects) and
PostgreSQL triggers on the tracked tables write a row on every insert and every update that
changes a tracked field, whoever writes it: a view, a job, the admin or a shell.

The triggers themselves are installed by django-pgtrigger after every `migrate`
(PGTRIGGER_INSTALL_ON_MIGRATE, see settings), not through migrations, because pgtrigger would put
them in the tracked app's migrations. SQLite has no such triggers: there the tables stay empty."""

from __future__ import annotations

from typing import Any

import pghistory
from django.db import models

from crm.models import ActionItem, CheckIn, Client, Contact, Interaction
from projects.models import ChangeRequest, Milestone, Project, RiskIssue


def _track(model: type[models.Model], *, fields: list[str], name: str) -> Any:
    return pghistory.create_event_model(
        model,
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        fields=fields,
        model_name=name,
        app_label="history",
        abstract=False,
        append_only=True,  # history is never edited, not even by a stray UPDATE
        obj_field=pghistory.ObjForeignKey(related_name="+", db_index=True),
    )


# What a manager would ask "who changed this?" about. Derived figures that jobs recompute all
# the time (health score and factors, updated_at) are left out so they do not bury the edits.
ClientEvent = _track(
    Client,
    name="ClientEvent",
    fields=[
        "name",
        "industry",
        "website",
        "status",
        "time_zone",
        "account_manager",
        "checkin_cadence_days",
        "preferred_channel",
        "goals",
        "kpis",
        "notes",
        "archived_at",
        "next_checkin_due",
        "health_band",
    ],
)
ContactEvent = _track(
    Contact,
    name="ContactEvent",
    fields=["name", "email", "phone", "title", "is_primary", "receives_reports", "unsubscribed_at", "user", "notes"],
)
InteractionEvent = _track(
    Interaction,
    name="InteractionEvent",
    fields=[
        "project",
        "kind",
        "occurred_at",
        "duration_minutes",
        "summary",
        "notes",
        "sentiment",
        "concerns",
        "flag",
        "resolution",
        "shared_with_client",
    ],
)
ActionItemEvent = _track(
    ActionItem, name="ActionItemEvent", fields=["text", "owner_side", "owner", "owner_contact", "due_on", "done_at"]
)
CheckInEvent = _track(CheckIn, name="CheckInEvent", fields=["kind", "due_on", "owner", "state", "reason", "closed_at"])
ProjectEvent = _track(
    Project,
    name="ProjectEvent",
    fields=[
        "name",
        "manager",
        "start_on",
        "target_end_on",
        "actual_end_on",
        "status",
        "health",
        "health_reason",
        "objectives",
        "success_criteria",
        "portal_visible",
        "reports_enabled",
        "report_weekday",
        "report_hour",
        "recovery_plan",
    ],
)
MilestoneEvent = _track(
    Milestone,
    name="MilestoneEvent",
    fields=["title", "description", "due_on", "completed_on", "weight", "client_visible"],
)
RiskIssueEvent = _track(
    RiskIssue,
    name="RiskIssueEvent",
    fields=["kind", "title", "description", "probability", "impact", "mitigation", "owner", "status", "client_visible"],
)
ChangeRequestEvent = _track(
    ChangeRequest,
    name="ChangeRequestEvent",
    fields=[
        "kind",
        "title",
        "description",
        "schedule_impact_days",
        "cost_impact",
        "requested_by",
        "status",
        "decided_at",
        "decided_by",
        "client_visible",
    ],
)
