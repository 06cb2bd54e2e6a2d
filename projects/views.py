from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import staff_required
from crm.selectors import clients_for_user
from projects import selectors, services
from projects.forms import (
    ChangeRequestForm,
    DecisionForm,
    MilestoneForm,
    MilestoneRescheduleForm,
    ProjectCloseForm,
    ProjectFilterForm,
    ProjectForm,
    RecoveryEndForm,
    RecoveryStartForm,
    ReportNoteForm,
    RiskForm,
    StatusUpdateForm,
)
from projects.models import Project, StatusReport
from ui.forms import add_service_errors

GET_POST = ["GET", "POST"]


def _project(request: HttpRequest, pk: int) -> Project:
    return get_object_or_404(selectors.projects_for_user(user=request.user), pk=pk)


def _back_to(project_pk: int, section: str) -> str:
    return f"{reverse('projects:project_detail', kwargs={'pk': project_pk})}#{section}"


def _item_form(
    request: HttpRequest,
    *,
    project: Project,
    form: forms.BaseForm,
    save: Callable[[dict[str, Any]], object],
    title: str,
    section: str,
    success: str,
    submit: str = "Save",
) -> HttpResponse:
    """The shared flow of the forms for a project's items: validate, call the service, go back to
    the project page at the item's section. An htmx request gets the bare form to show inline."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, success)
            return redirect(_back_to(project.pk, section))
    template = "projects/partials/item_form.html" if request.htmx else "projects/item_form.html"
    context = {"project": project, "form": form, "title": title, "section": section, "submit": submit}
    return render(request, template, context)


# /projects/ ----------------------------------------------------------------------------------


@staff_required
@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    managers, clients = selectors.project_filter_choices(user=request.user)
    form = ProjectFilterForm(request.GET or None, managers=managers, clients=clients)
    filters = selectors.ProjectFilters(**form.cleaned_data) if form.is_valid() else selectors.ProjectFilters()
    page = selectors.project_list_page(user=request.user, filters=filters, cursor=request.GET.get("cursor"))
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(request, "projects/project_list.html", {"form": form, "page": page, "query": query.urlencode()})


@staff_required
@require_http_methods(GET_POST)
def project_create(request: HttpRequest) -> HttpResponse:
    clients = clients_for_user(user=request.user).filter(archived_at__isnull=True).order_by("name")
    initial = {"manager": request.user, "client": request.GET.get("client")}
    form = ProjectForm(request.POST or None, clients=clients, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            project = services.project_create(editor=request.user, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Project {project.name} created. Add its milestones next.")
            return redirect("projects:project_detail", pk=project.pk)
    return render(request, "projects/project_form.html", {"form": form})


@staff_required
@require_GET
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    return render(
        request, "projects/project_detail.html", {"project": project, "page": selectors.project_page(project=project)}
    )


@staff_required
@require_http_methods(GET_POST)
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    form = ProjectForm(request.POST or None, instance=project)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        team = data.pop("team")
        try:
            services.project_update(project=project, editor=request.user, team=team, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Project saved.")
            return redirect("projects:project_detail", pk=project.pk)
    return render(request, "projects/project_form.html", {"form": form, "project": project})


@staff_required
@require_http_methods(GET_POST)
def project_close(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(
        selectors.projects_for_user(user=request.user).exclude(status__in=["completed", "cancelled"]), pk=pk
    )
    return _item_form(
        request,
        project=project,
        form=ProjectCloseForm(request.POST or None),
        save=lambda data: services.project_close(project=project, by=request.user, **data),
        title=f"Close {project.name}",
        section="top",
        success="Project closed. Completed projects get follow-up check-ins with the client at 30 and 90 days.",
        submit="Close project",
    )


# /projects/<pk>/… items ----------------------------------------------------------------------


@staff_required
@require_http_methods(GET_POST)
def milestone_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    return _item_form(
        request,
        project=project,
        form=MilestoneForm(request.POST or None, project=project),
        save=lambda data: services.milestone_create(project=project, **data),
        title="Add a milestone",
        section="milestones",
        success="Milestone added.",
    )


@staff_required
@require_http_methods(GET_POST)
def milestone_edit(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(selectors.milestones_for_user(user=request.user), pk=pk)
    return _item_form(
        request,
        project=milestone.project,
        form=MilestoneForm(request.POST or None, instance=milestone, project=milestone.project),
        save=lambda data: services.milestone_update(milestone=milestone, **data),
        title=f"Edit milestone: {milestone.title}",
        section="milestones",
        success="Milestone saved.",
    )


@staff_required
@require_POST
def milestone_complete(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(selectors.milestones_for_user(user=request.user), pk=pk)
    if request.POST.get("done") == "0":
        services.milestone_reopen(milestone=milestone)
    else:
        services.milestone_complete(milestone=milestone)
    return redirect(_back_to(milestone.project_id, "milestones"))


@staff_required
@require_http_methods(GET_POST)
def milestone_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(selectors.milestones_for_user(user=request.user), pk=pk)
    return _item_form(
        request,
        project=milestone.project,
        form=MilestoneRescheduleForm(request.POST or None, milestone=milestone, initial={"due_on": milestone.due_on}),
        save=lambda data: services.milestone_reschedule(milestone=milestone, by=request.user, **data),
        title=f"Reschedule: {milestone.title}",
        section="milestones",
        success="Milestone rescheduled; the old date is kept in its history.",
        submit="Reschedule",
    )


@staff_required
@require_http_methods(GET_POST)
def risk_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    return _item_form(
        request,
        project=project,
        form=RiskForm(request.POST or None, project=project),
        save=lambda data: services.risk_raise(project=project, **data),
        title="Raise a risk or issue",
        section="register",
        success="Added to the register.",
    )


@staff_required
@require_http_methods(GET_POST)
def risk_edit(request: HttpRequest, pk: int) -> HttpResponse:
    risk = get_object_or_404(selectors.risks_for_user(user=request.user), pk=pk)
    return _item_form(
        request,
        project=risk.project,
        form=RiskForm(request.POST or None, instance=risk, project=risk.project),
        save=lambda data: services.risk_update(risk=risk, **data),
        title=f"Edit: {risk.title}",
        section="register",
        success="Register entry saved.",
    )


@staff_required
@require_POST
def risk_close(request: HttpRequest, pk: int) -> HttpResponse:
    risk = get_object_or_404(selectors.risks_for_user(user=request.user), pk=pk)
    services.risk_close(risk=risk)
    messages.success(request, f"Closed: {risk.title}")
    return redirect(_back_to(risk.project_id, "register"))


@staff_required
@require_http_methods(GET_POST)
def change_request_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    return _item_form(
        request,
        project=project,
        form=ChangeRequestForm(request.POST or None, project=project),
        save=lambda data: services.change_request_propose(project=project, **data),
        title="Propose a change",
        section="changes",
        success="Change request proposed.",
    )


@staff_required
@require_POST
def change_request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_object_or_404(selectors.change_requests_for_user(user=request.user), pk=pk)
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        messages.error(request, "Choose approve or reject.")
    else:
        try:
            services.change_request_decide(change_request=change, approve=decision == "approve", by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Change request {change.get_status_display().lower()}.")
    return redirect(_back_to(change.project_id, "changes"))


@staff_required
@require_http_methods(GET_POST)
def decision_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    return _item_form(
        request,
        project=project,
        form=DecisionForm(request.POST or None, project=project),
        save=lambda data: services.decision_record(project=project, recorded_by=request.user, **data),
        title="Record a decision",
        section="decisions",
        success="Decision recorded.",
    )


@staff_required
@require_http_methods(GET_POST)
def status_update_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    return _item_form(
        request,
        project=project,
        form=StatusUpdateForm(request.POST or None, project=project, initial={"health": project.health}),
        save=lambda data: services.status_update_post(project=project, author=request.user, **data),
        title="Post a status update",
        section="updates",
        success="Status update posted.",
        submit="Post update",
    )


@staff_required
@require_http_methods(GET_POST)
def recovery_start(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(
        selectors.projects_for_user(user=request.user).filter(recovery_plan__isnull=True), pk=pk
    )
    return _item_form(
        request,
        project=project,
        form=RecoveryStartForm(request.POST or None),
        save=lambda data: services.recovery_start(project=project, by=request.user, **data),
        title=f"Start recovery mode for {project.name}",
        section="top",
        success="Recovery mode started: check-ins with the client are now at least weekly.",
        submit="Start recovery",
    )


@staff_required
@require_http_methods(GET_POST)
def recovery_end(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(
        selectors.projects_for_user(user=request.user).filter(recovery_plan__isnull=False), pk=pk
    )
    return _item_form(
        request,
        project=project,
        form=RecoveryEndForm(request.POST or None),
        save=lambda data: services.recovery_end(project=project, by=request.user, **data),
        title=f"End recovery mode for {project.name}",
        section="top",
        success="Recovery mode ended; the client's usual check-in cadence is back.",
        submit="End recovery",
    )


# /projects/<pk>/report/ and /reports/<pk>/ --------------------------------------------------------


@staff_required
@require_http_methods(GET_POST)
def report_note(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    return _item_form(
        request,
        project=project,
        form=ReportNoteForm(request.POST or None, initial={"note": project.next_report_note}),
        save=lambda data: services.project_report_note_set(project=project, note=data["note"]),
        title=f"Note for the next report on {project.name}",
        section="reports",
        success="Note saved: it goes into the next weekly report.",
    )


@staff_required
@require_POST
def reports_set(request: HttpRequest, pk: int, *, enabled: bool) -> HttpResponse:
    """Pause (enabled=False) or turn on a project's weekly reports; urls.py names both."""
    project = _project(request, pk)
    try:
        services.project_reports_set(project=project, enabled=enabled)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Weekly reports are on." if enabled else "Weekly reports paused.")
    return redirect(_back_to(project.pk, "reports"))


@staff_required
@require_GET
def status_report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(
        StatusReport.objects.filter(project__in=selectors.projects_for_user(user=request.user)).select_related(
            "project__client"
        ),
        pk=pk,
    )
    return render(request, "projects/status_report_detail.html", {"report": report, "project": report.project})
