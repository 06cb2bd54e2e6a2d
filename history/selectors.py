"""Reads for the History pages: the latest changes to one object (and, on a client or project,
to the things that belong to it), each with who or which job made it, when, and every changed
field's old and new value.

The old value comes from the previous event of the same object (a LAG window in the same query),
so a page costs one query per event table it shows, one for the people named, and one per kind
of related object a changed field points to — never one per row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import connection, models
from django.db.models import F, QuerySet, Window
from django.db.models.functions import Lag
from django.utils import formats, timezone

from accounts.models import User
from crm import selectors as crm_selectors
from crm.models import ActionItem, CheckIn, Client, Contact
from history import models as events
from projects import selectors as project_selectors
from projects.models import ChangeRequest, Milestone, Project, RiskIssue

HISTORY_LIMIT = 50  # entries per page: the most recent; older ones stay in the database


@dataclass(frozen=True)
class Kind:
    slug: str
    label: str
    event_model: type[models.Model]
    scoped: Callable[..., QuerySet[Any]]
    # How an event names its object on a combined page ("Milestone “Beta”").
    title_field: str


KINDS: dict[str, Kind] = {
    k.slug: k
    for k in [
        Kind("client", "Client", events.ClientEvent, crm_selectors.clients_for_user, "name"),
        Kind("contact", "Contact", events.ContactEvent, crm_selectors.contacts_for_user, "name"),
        Kind("interaction", "Interaction", events.InteractionEvent, crm_selectors.interactions_for_user, "summary"),
        Kind("action-item", "Action item", events.ActionItemEvent, crm_selectors.action_items_for_user, "text"),
        Kind("checkin", "Check-in", events.CheckInEvent, crm_selectors.checkins_for_user, "due_on"),
        Kind("project", "Project", events.ProjectEvent, project_selectors.projects_for_user, "name"),
        Kind("milestone", "Milestone", events.MilestoneEvent, project_selectors.milestones_for_user, "title"),
        Kind("risk", "Risk or issue", events.RiskIssueEvent, project_selectors.risks_for_user, "title"),
        Kind(
            "change-request",
            "Change request",
            events.ChangeRequestEvent,
            project_selectors.change_requests_for_user,
            "title",
        ),
    ]
}


def history_object_get(*, user: User, kind: str, pk: int) -> models.Model | None:
    """The object whose history `user` asks for, or None when the kind is unknown or the object
    is outside the user's scope (the view answers 404 either way)."""
    spec = KINDS.get(kind)
    if spec is None:
        return None
    return spec.scoped(user=user).filter(pk=pk).first()


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class Entry:
    at: datetime
    kind: Kind
    object_id: int
    object_title: str
    created: bool
    who: str = ""
    job: str = ""
    url: str = ""
    changes: list[FieldChange] = field(default_factory=list)


@dataclass(frozen=True)
class History:
    recorded: bool  # False on SQLite: no triggers, nothing is recorded
    entries: list[Entry]
    limit: int


def _members(obj: models.Model) -> list[tuple[Kind, QuerySet[Any] | list[int]]]:
    """The event streams a History page shows: the object's own, plus on a client its contacts,
    action items and check-ins, and on a project its milestones, risks and change requests."""
    if isinstance(obj, Client):
        return [
            (KINDS["client"], [obj.pk]),
            (KINDS["contact"], Contact.objects.filter(client=obj).values("pk")),
            (KINDS["action-item"], ActionItem.objects.filter(client=obj).values("pk")),
            (KINDS["checkin"], CheckIn.objects.filter(client=obj).values("pk")),
        ]
    if isinstance(obj, Project):
        return [
            (KINDS["project"], [obj.pk]),
            (KINDS["milestone"], Milestone.objects.filter(project=obj).values("pk")),
            (KINDS["risk"], RiskIssue.objects.filter(project=obj).values("pk")),
            (KINDS["change-request"], ChangeRequest.objects.filter(project=obj).values("pk")),
        ]
    kind = next(k for k in KINDS.values() if getattr(k.event_model, "pgh_tracked_model", None) is type(obj))
    return [(kind, [obj.pk])]


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)  # noqa: S101 (a tracked column, never a relation's reverse side)
    return field


def _tracked_fields(event_model: type[models.Model]) -> list[models.Field[Any, Any]]:
    tracked = event_model.pgh_tracked_model._meta  # type: ignore[attr-defined]
    names = {f.name for f in event_model._meta.concrete_fields if not f.name.startswith("pgh_")}
    return [f for f in tracked.concrete_fields if f.name in names and not f.primary_key]


def _events(kind: Kind, ids: QuerySet[Any] | list[int], limit: int) -> list[Any]:
    fields = _tracked_fields(kind.event_model)
    previous = {
        f"prev__{f.attname}": Window(Lag(f.attname), partition_by=[F("pgh_obj_id")], order_by=F("pgh_id").asc())
        for f in fields
    }
    return list(
        kind.event_model.objects.filter(pgh_obj_id__in=ids)  # type: ignore[attr-defined]
        .annotate(**previous)
        .select_related("pgh_context")
        .order_by("-pgh_created_at", "-pgh_id")[:limit]
    )


def history_for(*, obj: models.Model, limit: int = HISTORY_LIMIT) -> History:
    if connection.vendor != "postgresql":
        return History(recorded=False, entries=[], limit=limit)
    rows: list[tuple[Kind, Any]] = []
    for kind, ids in _members(obj):
        rows += [(kind, row) for row in _events(kind, ids, limit)]
    rows.sort(key=lambda pair: (pair[1].pgh_created_at, pair[1].pgh_id), reverse=True)
    rows = rows[:limit]
    names = _related_names(rows)
    entries = [_entry(kind, row, names) for kind, row in rows]
    return History(recorded=True, entries=entries, limit=limit)


# Foreign keys in a change are shown by name, looked up in one query per related model.
NAMED_RELATIONS: dict[type[models.Model], Callable[[Any], str]] = {
    User: lambda u: str(u),
    Project: lambda p: p.name,
    Contact: lambda c: c.name,
}


def _related_names(rows: list[tuple[Kind, Any]]) -> dict[tuple[type[models.Model], Any], str]:
    wanted: dict[type[models.Model], set[Any]] = {model: set() for model in NAMED_RELATIONS}
    for kind, row in rows:
        user_id = (row.pgh_context.metadata or {}).get("user") if row.pgh_context else None
        if user_id is not None:
            wanted[User].add(user_id)
        for f in _tracked_fields(kind.event_model):
            if f.is_relation and f.related_model in wanted:
                wanted[f.related_model] |= {getattr(row, f.attname), getattr(row, f"prev__{f.attname}")}
    names: dict[tuple[type[models.Model], Any], str] = {}
    for model, ids in wanted.items():
        ids.discard(None)
        if ids:
            for related in model._default_manager.filter(pk__in=ids):
                names[(model, related.pk)] = NAMED_RELATIONS[model](related)
    return names


def _display(f: models.Field[Any, Any], value: Any, names: dict[tuple[type[models.Model], Any], str]) -> str:
    if value is None or value == "":
        return "—"
    if f.is_relation:
        return names.get((f.related_model, value), f"#{value}")  # type: ignore[arg-type]
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "j M Y, H:i")
    if isinstance(value, date):
        return formats.date_format(value, "j M Y")
    return str(value)


def _entry(kind: Kind, row: Any, names: dict[tuple[type[models.Model], Any], str]) -> Entry:
    metadata = (row.pgh_context.metadata or {}) if row.pgh_context else {}
    user_id = metadata.get("user")
    created = row.pgh_label == "insert"
    entry = Entry(
        at=row.pgh_created_at,
        kind=kind,
        object_id=row.pgh_obj_id,
        object_title=_display(_field(kind.event_model, kind.title_field), getattr(row, kind.title_field), {}),
        created=created,
        who=names.get((User, user_id), "") if user_id is not None else "",
        job=str(metadata.get("job", "")),
    )
    if not created:
        for f in _tracked_fields(kind.event_model):
            old, new = getattr(row, f"prev__{f.attname}"), getattr(row, f.attname)
            if old != new:
                entry.changes.append(
                    FieldChange(label=str(f.verbose_name), old=_display(f, old, names), new=_display(f, new, names))
                )
    return entry
