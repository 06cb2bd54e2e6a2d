from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import staff_required
from crm.forms import ClientFilterForm
from crm.models import Client
from crm.selectors import ClientFilters, account_managers_for_filter, clients_for_user
from exchange import exports, selectors, services
from exchange.forms import ImportRowFilterForm, ImportUploadForm
from exchange.models import ImportRow
from exchange.spreadsheets import COLUMNS, MAX_ROWS, MAX_UPLOAD_BYTES, ImportFileError
from exchange.uploads import SizeLimitUploadHandler
from projects.forms import ProjectFilterForm
from projects.models import Project
from projects.selectors import ProjectFilters, project_filter_choices, projects_for_user

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# /import/ -----------------------------------------------------------------------------------------


@csrf_exempt  # checked by _import_start, once the size-limiting upload handler is in place
@staff_required
@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    limiter = SizeLimitUploadHandler(MAX_UPLOAD_BYTES, request)
    request.upload_handlers.insert(0, limiter)
    return _import_start(request, limiter)


@csrf_protect
def _import_start(request: HttpRequest, limiter: SizeLimitUploadHandler) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if limiter.too_large:
            # The upload handler dropped the file; say why instead of "This field is required".
            form = ImportUploadForm(data={}, files={})
            form.is_valid()
            form.errors["file"] = form.error_class(
                [f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB: split it into smaller files."]
            )
        elif form.is_valid():
            try:
                upload = services.import_upload_create(owner=request.user, file=form.cleaned_data["file"])
            except ImportFileError as error:
                form.add_error("file", str(error))
            else:
                return redirect("exchange:import_preview", pk=upload.pk)
    context = {"form": form, "columns": COLUMNS, "max_rows": MAX_ROWS}
    return render(request, "exchange/import_start.html", context)


@staff_required
@require_GET
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    upload = get_object_or_404(selectors.uploads_for_user(user=request.user), pk=pk)
    filters = ImportRowFilterForm(request.GET or None)
    show, after = "", 0
    if filters.is_valid():
        show, after = filters.cleaned_data["show"] or "", filters.cleaned_data["after"] or 0
    rows, next_after = selectors.import_rows_page(upload=upload, action=show, after=after)
    context = {
        "upload": upload,
        "rows": rows,
        "next_after": next_after,
        "show": show,
        "actions": ImportRow.Action,
        "counts": [(action, label, upload.counts.get(action, 0)) for action, label in ImportRow.Action.choices],
    }
    return render(request, "exchange/import_preview.html", context)


@staff_required
@require_POST
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    upload = get_object_or_404(selectors.uploads_for_user(user=request.user), pk=pk, committed_at__isnull=True)
    try:
        result = services.import_commit(upload=upload)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if result.committed:
            created = result.counts.get(ImportRow.Action.CREATE, 0)
            updated = result.counts.get(ImportRow.Action.UPDATE, 0)
            messages.success(request, f"Imported: {created} rows created something, {updated} updated.")
        elif result.counts.get(ImportRow.Action.REFUSED):
            messages.error(
                request, "Nothing was imported: some rows are refused (below). Fix the file and upload it again."
            )
        else:
            messages.warning(request, "Nothing was imported yet: the data changed since the preview. Check it again.")
    return redirect("exchange:import_preview", pk=upload.pk)


@staff_required
@require_POST
def import_discard(request: HttpRequest, pk: int) -> HttpResponse:
    upload = get_object_or_404(selectors.uploads_for_user(user=request.user), pk=pk)
    services.import_upload_discard(upload=upload)
    messages.info(request, "The upload is discarded.")
    return redirect("exchange:import_start")


# /export/ -----------------------------------------------------------------------------------------


def _download(export: exports.Export, fmt: str) -> HttpResponse:
    filename = f"rapport-{export.name}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    if fmt == "xlsx":
        return FileResponse(
            exports.xlsx_file(export), as_attachment=True, filename=filename, content_type=CONTENT_TYPES[fmt]
        )
    response = StreamingHttpResponse(exports.csv_lines(export), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _client_filters(request: HttpRequest) -> ClientFilters:
    managers = list(account_managers_for_filter(user=request.user))
    form = ClientFilterForm(request.GET or None, managers=managers)
    return ClientFilters(**form.cleaned_data) if form.is_valid() else ClientFilters()


def _project_filters(request: HttpRequest) -> ProjectFilters:
    managers, clients = project_filter_choices(user=request.user)
    form = ProjectFilterForm(request.GET or None, managers=managers, clients=clients)
    return ProjectFilters(**form.cleaned_data) if form.is_valid() else ProjectFilters()


def _one(request: HttpRequest, name: str, queryset: Any) -> Any:
    """The client or project a download is narrowed to (?client= / ?project=), in scope or 404."""
    raw = request.GET.get(name, "")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise Http404
    return get_object_or_404(queryset, pk=int(raw))


@staff_required
@require_GET
def export_clients(request: HttpRequest, fmt: str) -> HttpResponse:
    export = exports.clients_export(user=request.user, filters=_client_filters(request), zone=request.user.zone)
    return _download(export, fmt)


@staff_required
@require_GET
def export_contacts(request: HttpRequest, fmt: str) -> HttpResponse:
    client: Client | None = _one(request, "client", clients_for_user(user=request.user))
    filters = _client_filters(request) if client is None else ClientFilters()
    return _download(exports.contacts_export(user=request.user, filters=filters, client=client), fmt)


@staff_required
@require_GET
def export_interactions(request: HttpRequest, fmt: str) -> HttpResponse:
    client: Client | None = _one(request, "client", clients_for_user(user=request.user))
    filters = _client_filters(request) if client is None else ClientFilters()
    export = exports.interactions_export(user=request.user, filters=filters, zone=request.user.zone, client=client)
    return _download(export, fmt)


@staff_required
@require_GET
def export_projects(request: HttpRequest, fmt: str) -> HttpResponse:
    return _download(exports.projects_export(user=request.user, filters=_project_filters(request)), fmt)


@staff_required
@require_GET
def export_risks(request: HttpRequest, fmt: str) -> HttpResponse:
    project: Project | None = _one(request, "project", projects_for_user(user=request.user))
    filters = _project_filters(request) if project is None else ProjectFilters()
    export = exports.risks_export(user=request.user, filters=filters, zone=request.user.zone, project=project)
    return _download(export, fmt)
