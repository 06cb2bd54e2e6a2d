"""A project with items of every kind, half shared with the client and half internal. Every
internal value carries the word SECRET, so a test can look for it anywhere in a page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from crm import services as crm
from crm.models import ActionItem
from projects import services as projects


def fill_project(project: Any, *, manager: Any, contact: Any, n: int, tag: str = "SHOWN") -> None:
    """n shared items of each kind (titled with `tag`) and n internal ones (titled SECRET)."""
    client = project.client
    today = timezone.localdate()
    for index in range(n):
        for visible, word in ((True, tag), (False, "SECRET")):
            milestone = projects.milestone_create(
                project=project,
                title=f"{word} milestone {index}",
                due_on=today + timedelta(days=index + 1),
                client_visible=visible,
                description=f"SECRET milestone description {index}",
            )
            projects.milestone_reschedule(
                milestone=milestone, due_on=today + timedelta(days=index + 3), reason=f"SECRET why {index}", by=manager
            )
            projects.risk_raise(
                project=project,
                title=f"{word} risk {index}",
                probability=4,
                impact=5,
                description=f"{word} risk description {index}",
                mitigation=f"{word} mitigation {index}",
                client_visible=visible,
                owner=manager,
            )
            projects.change_request_propose(
                project=project,
                title=f"{word} change {index}",
                description=f"{word} change description",
                schedule_impact_days=5,
                cost_impact=Decimal("1200.00"),
                client_visible=visible,
            )
            projects.decision_record(
                project=project,
                title=f"{word} decision {index}",
                made_by="Both sides",
                decided_on=today,
                rationale=f"{word} rationale {index}",
                client_visible=visible,
            )
            crm.interaction_log(
                client=client,
                logged_by=manager,
                summary=f"{word} meeting summary {index}",
                notes=f"SECRET meeting notes {index}",
                concerns=f"SECRET concerns {index}",
                sentiment=1,
                project=project,
                shared_with_client=visible,
                attendees=[contact],
                action_items=[
                    crm.ActionItemDraft(
                        text=f"{word if visible else 'SECRET'} client task {index}",
                        owner_side=ActionItem.Side.CLIENT if visible else ActionItem.Side.US,
                        owner_contact=contact if visible else None,
                        owner=None if visible else manager,
                        due_on=today + timedelta(days=7),
                    )
                ],
            )
    projects.status_update_post(
        project=project, author=manager, health="amber", reason=f"{tag} narrative reason", client_visible=True
    )
    projects.status_update_post(
        project=project, author=manager, health="amber", reason="SECRET internal reason", accomplished="SECRET done"
    )
