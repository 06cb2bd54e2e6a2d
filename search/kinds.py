"""What global search looks in, kind by kind: the weighted text fields of each model (A for the
name or title, down to D for long notes), the short fields also matched by trigram similarity
(so "Nortwind" finds Northwind), and how a hit links to its page.

The search migration builds its GIN indexes from these very expressions; PostgreSQL uses an
expression index only when the query's expression is the same, so a change to a vector here needs
a new migration that rebuilds its index."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchVector
from django.db.models import Model, QuerySet
from django.urls import reverse

from accounts.models import User
from crm import selectors as crm_selectors
from projects import selectors as project_selectors
from projects.models import Decision

CONFIG = "english"


def _decisions_for_user(*, user: User) -> QuerySet[Decision]:
    # Decisions have no scoped selector of their own: they are seen through their project.
    return Decision.objects.filter(
        project__in=project_selectors.projects_for_user(user=user).values("pk")
    ).select_related("project")


@dataclass(frozen=True)
class Kind:
    slug: str
    label: str
    app_label: str
    model_name: str
    weighted: tuple[tuple[str, str], ...]  # (field, weight A–D)
    trigram: tuple[str, ...]
    scoped: Callable[..., QuerySet[Any]]
    title: Callable[[Any], str]
    url: Callable[[Any], str]
    context: Callable[[Any], str]

    def vector(self) -> SearchVector:
        vectors = [SearchVector(name, weight=weight, config=CONFIG) for name, weight in self.weighted]
        combined = vectors[0]
        for more in vectors[1:]:
            combined = combined + more
        return combined

    @property
    def fields(self) -> list[str]:
        return [name for name, _ in self.weighted]

    @property
    def index_name(self) -> str:
        return f"search_{self.slug.replace('-', '_')}_fts"

    def trigram_index_name(self, field: str) -> str:
        return f"search_{self.slug.replace('-', '_')}_{field}_trgm"


def _project_url(section: str) -> Callable[[Any], str]:
    return lambda row: reverse("projects:project_detail", args=[row.project_id]) + f"#{section}"


KINDS: list[Kind] = [
    Kind(
        "clients",
        "Clients",
        "crm",
        "Client",
        (("name", "A"), ("industry", "B"), ("goals", "C"), ("kpis", "C"), ("notes", "D")),
        ("name",),
        crm_selectors.clients_for_user,
        title=lambda c: c.name,
        url=lambda c: reverse("crm:client_detail", args=[c.pk]),
        context=lambda c: c.get_status_display() + (" · archived" if c.archived_at else ""),
    ),
    Kind(
        "contacts",
        "Contacts",
        "crm",
        "Contact",
        (("name", "A"), ("email", "A"), ("title", "B"), ("phone", "B"), ("notes", "D")),
        ("name", "email"),
        crm_selectors.contacts_for_user,
        title=lambda c: c.name,
        url=lambda c: reverse("crm:client_detail", args=[c.client_id]) + "#contacts-heading",
        context=lambda c: " · ".join(x for x in [c.title, c.client.name, c.email, c.phone] if x),
    ),
    Kind(
        "interactions",
        "Interactions",
        "crm",
        "Interaction",
        (("summary", "A"), ("notes", "B"), ("concerns", "C"), ("resolution", "C")),
        (),
        crm_selectors.interactions_for_user,
        title=lambda i: i.summary,
        url=lambda i: reverse("crm:interaction_detail", args=[i.pk]),
        context=lambda i: f"{i.get_kind_display()} with {i.client.name} · {i.occurred_at:%d %b %Y}",
    ),
    Kind(
        "projects",
        "Projects",
        "projects",
        "Project",
        (("name", "A"), ("objectives", "B"), ("success_criteria", "C"), ("health_reason", "C")),
        ("name",),
        project_selectors.projects_for_user,
        title=lambda p: p.name,
        url=lambda p: reverse("projects:project_detail", args=[p.pk]),
        context=lambda p: f"{p.client.name} · {p.get_status_display()}",
    ),
    Kind(
        "milestones",
        "Milestones",
        "projects",
        "Milestone",
        (("title", "A"), ("description", "B")),
        (),
        project_selectors.milestones_for_user,
        title=lambda m: m.title,
        url=_project_url("milestones"),
        context=lambda m: f"{m.project.name} · due {m.due_on:%d %b %Y}",
    ),
    Kind(
        "risks",
        "Risks and issues",
        "projects",
        "RiskIssue",
        (("title", "A"), ("description", "B"), ("mitigation", "C")),
        (),
        project_selectors.risks_for_user,
        title=lambda r: r.title,
        url=_project_url("register"),
        context=lambda r: f"{r.get_kind_display()} · {r.project.name} · {r.get_status_display()}",
    ),
    Kind(
        "changes",
        "Change requests",
        "projects",
        "ChangeRequest",
        (("title", "A"), ("description", "B")),
        (),
        project_selectors.change_requests_for_user,
        title=lambda c: c.title,
        url=_project_url("changes"),
        context=lambda c: f"{c.get_kind_display()} change · {c.project.name} · {c.get_status_display()}",
    ),
    Kind(
        "decisions",
        "Decisions",
        "projects",
        "Decision",
        (("title", "A"), ("rationale", "B"), ("made_by", "C")),
        (),
        _decisions_for_user,
        title=lambda d: d.title,
        url=_project_url("decisions"),
        context=lambda d: f"{d.project.name} · {d.decided_on:%d %b %Y}",
    ),
]
KINDS_BY_SLUG: dict[str, Kind] = {kind.slug: kind for kind in KINDS}


def model_of(kind: Kind) -> type[Model]:
    from django.apps import apps

    return apps.get_model(kind.app_label, kind.model_name)


def trigger_sql(kind: Kind, *, drop: bool = False) -> list[str]:
    """The PostgreSQL trigger that keeps `kind`'s rows in search_searchentry, and the backfill.
    The vector is the same weighted expression as `Kind.vector()`, over the NEW row."""
    table = model_of(kind)._meta.db_table
    name = f"search_entry_{kind.slug}"
    if drop:
        return [f"DROP TRIGGER IF EXISTS {name} ON {table}", f"DROP FUNCTION IF EXISTS {name}()"]

    def document(row: str) -> str:
        return " || ".join(
            f"setweight(to_tsvector('{CONFIG}', coalesce({row}\"{field}\"::text, '')), '{weight}')"
            for field, weight in kind.weighted
        )

    columns = ", ".join(f'"{field}"' for field, _ in kind.weighted)
    # Every name below comes from this module and the models, never from input.
    backfill = (
        "INSERT INTO search_searchentry (kind, object_id, document) "  # noqa: S608  # nosec B608 (names from the models)
        f"SELECT '{kind.slug}', id, {document('')} FROM {table} ON CONFLICT (kind, object_id) DO NOTHING"
    )
    return [
        f"DROP INDEX IF EXISTS {kind.index_name}",
        f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM search_searchentry WHERE kind = '{kind.slug}' AND object_id = OLD.id;
    RETURN OLD;
  END IF;
  INSERT INTO search_searchentry (kind, object_id, document)
  VALUES ('{kind.slug}', NEW.id, {document("NEW.")})
  ON CONFLICT (kind, object_id) DO UPDATE SET document = EXCLUDED.document;
  RETURN NEW;
END $$""",  # noqa: S608  # nosec B608 (names from this module and the models, never from input)
        f"DROP TRIGGER IF EXISTS {name} ON {table}",
        f"CREATE TRIGGER {name} AFTER INSERT OR DELETE OR UPDATE OF {columns} ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {name}()",
        backfill,
    ]
