from __future__ import annotations

import re
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import staff_required
from crm import selectors, services
from crm.forms import (
    ACTION_ITEMS_PREFIX,
    ActionItemFilterForm,
    ActionItemForm,
    ActionItemFormSet,
    CheckInRescheduleForm,
    ClientFilterForm,
    ClientForm,
    ContactForm,
    InteractionForm,
    LogInteractionForm,
)
from crm.models import Client, Contact, Interaction
from ui.forms import add_service_errors
from ui.http import safe_next_url

GET_POST = ["GET", "POST"]


def _active_client(request: HttpRequest, pk: int) -> Client:
    """A client this user may change: in scope and not archived."""
    return get_object_or_404(selectors.clients_for_user(user=request.user).filter(archived_at__isnull=True), pk=pk)


def _active_contact(request: HttpRequest, pk: int) -> Contact:
    """A contact this user may change: in scope, at a client that is not archived."""
    return get_object_or_404(
        selectors.contacts_for_user(user=request.user)
        .select_related("client", "user")
        .filter(client__archived_at__isnull=True),
        pk=pk,
    )


# /clients/ -------------------------------------------------------------------------------------


@staff_required
@require_GET
def client_list(request: HttpRequest) -> HttpResponse:
    managers = list(selectors.account_managers_for_filter(user=request.user))
    form = ClientFilterForm(request.GET or None, managers=managers)
    filters = selectors.ClientFilters(**form.cleaned_data) if form.is_valid() else selectors.ClientFilters()
    page = selectors.client_list_page(user=request.user, filters=filters, cursor=request.GET.get("cursor"))
    query = request.GET.copy()
    query.pop("cursor", None)
    template = "crm/partials/client_rows.html" if request.htmx else "crm/client_list.html"
    return render(
        request,
        template,
        {"form": form, "page": page, "filters": filters, "query": query.urlencode(), "today": timezone.localdate()},
    )


@staff_required
@require_http_methods(GET_POST)
def client_create(request: HttpRequest) -> HttpResponse:
    form = ClientForm(request.POST or None, editor=request.user, initial={"account_manager": request.user})
    if request.method == "POST" and form.is_valid():
        try:
            client = services.client_create(editor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{client.name} added. Next, add the people you work with there.")
            return redirect("crm:client_detail", pk=client.pk)
    return render(request, "crm/client_form.html", {"form": form})


@staff_required
@require_GET
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(selectors.clients_for_user(user=request.user), pk=pk)
    page = selectors.client_page(user=request.user, client=client, cursor=request.GET.get("cursor"))
    return render(request, "crm/client_detail.html", {"client": client, "page": page, "today": timezone.localdate()})


@staff_required
@require_http_methods(GET_POST)
def client_edit(request: HttpRequest, pk: int) -> HttpResponse:
    client = _active_client(request, pk)
    form = ClientForm(request.POST or None, instance=client, editor=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        team = data.pop("team")
        try:
            services.client_update(client=client, editor=request.user, team=team, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Client saved.")
            return redirect("crm:client_detail", pk=client.pk)
    return render(request, "crm/client_form.html", {"form": form, "client": client})


@staff_required
@require_POST
def client_archive(request: HttpRequest, pk: int) -> HttpResponse:
    client = _active_client(request, pk)
    services.client_archive(client=client)
    messages.success(request, f"{client.name} is archived: hidden from lists, its check-ins stopped, nothing deleted.")
    return redirect("crm:client_detail", pk=client.pk)


@staff_required
@require_POST
def client_restore(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(selectors.clients_for_user(user=request.user), pk=pk, archived_at__isnull=False)
    services.client_restore(client=client)
    messages.success(request, f"{client.name} is restored.")
    return redirect("crm:client_detail", pk=client.pk)


# /clients/<pk>/contacts/ and /contacts/<pk>/ ---------------------------------------------------


@staff_required
@require_http_methods(GET_POST)
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    client = _active_client(request, pk)
    form = ContactForm(request.POST or None, client=client)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_create(client=client, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{contact.name} added.")
            if "add_another" in request.POST:
                return redirect("crm:contact_create", pk=client.pk)
            return redirect("crm:client_detail", pk=client.pk)
    return render(request, "crm/contact_form.html", {"form": form, "client": client})


@staff_required
@require_http_methods(GET_POST)
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _active_contact(request, pk)
    form = ContactForm(request.POST or None, instance=contact, client=contact.client)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_update(contact=contact, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Contact saved.")
            return redirect("crm:client_detail", pk=contact.client_id)
    return render(request, "crm/contact_form.html", {"form": form, "client": contact.client, "contact": contact})


# /log/ and /clients/<pk>/log/ ------------------------------------------------------------------


@staff_required
@require_GET
def log_pick_client(request: HttpRequest) -> HttpResponse:
    """The global Log button: pick a client, then the form."""
    clients = selectors.clients_for_user(user=request.user).filter(archived_at__isnull=True).order_by("name")
    chosen = request.GET.get("client", "")
    if re.fullmatch(r"[0-9]{1,9}", chosen) and clients.filter(pk=chosen).exists():
        return redirect("crm:interaction_log", pk=int(chosen))
    return render(request, "crm/log_pick_client.html", {"clients": clients.values("pk", "name")})


@staff_required
@require_http_methods(GET_POST)
def interaction_log(request: HttpRequest, pk: int) -> HttpResponse:
    client = _active_client(request, pk)
    choices = selectors.log_choices(client=client, user=request.user)
    now = timezone.localtime()
    form = LogInteractionForm(
        request.POST or None,
        choices=choices,
        initial={
            "occurred_at": now.replace(second=0, microsecond=0),
            "attendees": [str(choices.primary_contact.pk)] if choices.primary_contact else [],
            "staff_present": [str(request.user.pk)],
            # A former client has no cadence: a date here books a follow-up, so none is suggested.
            "next_checkin_on": now.date() + timedelta(days=client.checkin_cadence_days)
            if services.has_cadence(client)
            else None,
            "project": request.GET.get("project", ""),
        },
    )
    items = ActionItemFormSet(
        request.POST or None,
        prefix=ACTION_ITEMS_PREFIX,
        form_kwargs={"choices": choices, "default_owner": request.user},
    )
    if request.method == "POST" and form.is_valid() and items.is_valid():
        drafts = [draft for draft in (item.draft() for item in items) if draft]
        try:
            interaction = services.interaction_log(
                client=client, logged_by=request.user, action_items=drafts, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Logged: {interaction.summary[:80]}")
            return redirect("crm:client_detail", pk=client.pk)
    return render(request, "crm/interaction_log.html", {"client": client, "form": form, "items": items})


@staff_required
@require_GET
def action_item_row(request: HttpRequest, pk: int) -> HttpResponse:
    """One more empty action-item row for the log form (htmx), numbered after the ones shown."""
    client = _active_client(request, pk)
    raw_total = request.GET.get(f"{ACTION_ITEMS_PREFIX}-TOTAL_FORMS", "1")
    index = min(int(raw_total), ActionItemFormSet.max_num - 1) if re.fullmatch(r"[0-9]{1,4}", raw_total) else 1
    row = ActionItemForm(
        prefix=f"{ACTION_ITEMS_PREFIX}-{index}",
        choices=selectors.log_choices(client=client, user=request.user),
        default_owner=request.user,
        empty_permitted=True,
        use_required_attribute=False,
    )
    return render(request, "crm/partials/action_item_row.html", {"row": row, "total": index + 1})


# /interactions/<pk>/ ---------------------------------------------------------------------------


@staff_required
@require_GET
def interaction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    interaction = get_object_or_404(
        selectors.interactions_for_user(user=request.user).prefetch_related(
            "attendees", "staff_present", "action_items"
        ),
        pk=pk,
    )
    return render(request, "crm/interaction_detail.html", {"interaction": interaction})


@staff_required
@require_http_methods(GET_POST)
def interaction_edit(request: HttpRequest, pk: int) -> HttpResponse:
    interaction: Interaction = get_object_or_404(
        selectors.interactions_for_user(user=request.user).filter(client__archived_at__isnull=True), pk=pk
    )
    staff_present = list(interaction.staff_present.values_list("pk", flat=True))
    choices = selectors.log_choices(
        client=interaction.client,
        user=request.user,
        keep_project_id=interaction.project_id,
        keep_staff_ids=staff_present,
    )
    initial = {
        "occurred_at": timezone.localtime(interaction.occurred_at).replace(second=0, microsecond=0),
        "attendees": [str(pk) for pk in interaction.attendees.values_list("pk", flat=True)],
        "staff_present": [str(pk) for pk in staff_present],
        **{name: getattr(interaction, name) for name in services.INTERACTION_FIELDS - {"occurred_at", "project"}},
        "project": str(interaction.project_id or ""),
    }
    form = InteractionForm(request.POST or None, choices=choices, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.interaction_update(interaction=interaction, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Interaction saved.")
            return redirect("crm:interaction_detail", pk=interaction.pk)
    return render(request, "crm/interaction_form.html", {"form": form, "interaction": interaction})


# /action-items/ ----------------------------------------------------------------------------------


@staff_required
@require_GET
def action_item_list(request: HttpRequest) -> HttpResponse:
    form = ActionItemFilterForm(request.GET or None)
    show = (form.cleaned_data.get("show") if form.is_valid() else "") or "open"
    today = timezone.localdate()
    items = list(selectors.my_action_items(user=request.user, show=show, today=today)[:200])
    return render(
        request,
        "crm/action_item_list.html",
        {"items": items, "show": show, "views": selectors.ACTION_ITEM_VIEWS, "today": today},
    )


@staff_required
@require_POST
def action_item_complete(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(selectors.action_items_for_user(user=request.user), pk=pk)
    if request.POST.get("done") == "0":
        services.action_item_reopen(item=item)
    else:
        services.action_item_complete(item=item)
    if request.htmx:
        return render(request, "crm/partials/action_item.html", {"item": item, "today": timezone.localdate()})
    return redirect(safe_next_url(request, reverse("crm:action_item_list")))


# /checkins/<pk>/ ---------------------------------------------------------------------------------


@staff_required
@require_GET
def checkin_briefing(request: HttpRequest, pk: int) -> HttpResponse:
    checkin = get_object_or_404(selectors.checkins_for_user(user=request.user), pk=pk)
    return render(
        request, "crm/briefing.html", {"page": selectors.checkin_briefing(user=request.user, checkin=checkin)}
    )


@staff_required
@require_http_methods(GET_POST)
def checkin_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    checkin = get_object_or_404(
        selectors.checkins_for_user(user=request.user).filter(state="due", client__archived_at__isnull=True), pk=pk
    )
    form = CheckInRescheduleForm(request.POST or None, instance=checkin)
    if request.method == "POST" and form.is_valid():
        try:
            services.checkin_reschedule(checkin=checkin, due_on=form.cleaned_data["due_on"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Check-in moved to {checkin.due_on:%-d %B %Y}.")
            return redirect("crm:client_detail", pk=checkin.client_id)
    return render(request, "crm/checkin_reschedule.html", {"form": form, "checkin": checkin})


@staff_required
@require_POST
def checkin_skip(request: HttpRequest, pk: int) -> HttpResponse:
    checkin = get_object_or_404(
        selectors.checkins_for_user(user=request.user).filter(state="due", client__archived_at__isnull=True), pk=pk
    )
    services.checkin_skip(checkin=checkin)
    messages.info(request, "Check-in skipped.")
    return redirect("crm:client_detail", pk=checkin.client_id)
