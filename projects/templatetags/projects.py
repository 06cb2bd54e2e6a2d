from __future__ import annotations

from django import template

from projects.models import Project
from projects.selectors import progress_of

register = template.Library()


@register.filter
def progress(project: Project) -> int:
    return progress_of(project)


@register.inclusion_tag("projects/partials/progress_bar.html")
def progress_bar(percent: int, label: str = "Progress") -> dict[str, object]:
    return {"percent": percent, "label": label}
