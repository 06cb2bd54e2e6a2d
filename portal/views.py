"""The client portal: read-only pages for client contacts (only signing in and out accept POST),\nand the managers' preview of the next weekly report. Every page reads portal.client_view."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import decorator_from_middleware
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import contact_required, staff_required
from accounts.forms import SignInForm
from accounts.services import client_ip
from crm import pulse as crm_pulse
from crm.models import Contact, PulseAnswer
from crm.selectors import contacts_for_user
from crm.services import contact_unsubscribe
from crm.unsubscribe import contact_for_unsubscribe_token
from portal import client_view, reports, services
from portal.forms import PulseForm, SignInLinkForm
from portal.models import SignInToken
from portal.pulse import Problem, pulse_target
from projects.selectors import projects_for_user

View = Callable[..., HttpResponse]


class TokenPageCsrfMiddleware(CsrfViewMiddleware):
    """CSRF protection for forms on token pages (the confirm button, and the new-link form of
    the page that says a link failed). Those pages are served with `Referrer-Policy:
    no-referrer`, so the browser posts their forms with `Origin: null` and no Referer, which
    Django's origin and referer checks refuse. Here a null origin passes only when the
    browser says the post came from our own site (`Sec-Fetch-Site: same-origin`, which every
    current browser sends); without that header it counts as cross-site. The CSRF token check
    runs as everywhere else."""

    def _origin_verified(self, request: HttpRequest) -> bool:
        if request.META.get("HTTP_ORIGIN") == "null":
            return request.META.get("HTTP_SEC_FETCH_SITE") == "same-origin"
        return super()._origin_verified(request)


token_page_csrf = decorator_from_middleware(TokenPageCsrfMiddleware)


def token_page(view: View) -> View:
    """Pages whose URL holds a token: never cached, never sent on as a referrer."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        add_never_cache_headers(response)
        response["Cache-Control"] = "no-store, " + response["Cache-Control"]
        return response

    return wrapper


# /portal/ ------------------------------------------------------------------------------------


def _contact(request: HttpRequest) -> Contact:
    contact = client_view.contact_for_user(user=request.user)
    if contact is None:
        raise Http404
    return contact


@require_GET
@contact_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"page": client_view.portal_home(contact=_contact(request))})


@require_GET
@contact_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact(request)
    page = client_view.portal_project_window(contact=contact, pk=pk)
    if page is None:
        raise Http404
    week = crm_pulse.pulse_week(client=contact.client)
    answer = crm_pulse.pulse_answer_of(contact=contact, project_id=pk, week=week)
    form = PulseForm(initial={"score": answer.score, "comment": answer.comment} if answer else None)
    return render(request, "portal/project.html", {"page": page, "pulse_form": form, "pulse_answer": answer})


@require_POST
@contact_required
def project_pulse(request: HttpRequest, pk: int) -> HttpResponse:
    """A signed-in contact answers "How are we doing?" on the project page (this week's answer,
    replacing an earlier one of the same week)."""
    contact = _contact(request)
    project = get_object_or_404(client_view.portal_projects(contact=contact), pk=pk)
    form = PulseForm(request.POST)
    if form.is_valid():
        crm_pulse.pulse_answer_record(
            contact=contact,
            project_id=project.pk,
            project_client_id=project.client_id,
            week=crm_pulse.pulse_week(client=contact.client),
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
            via=PulseAnswer.Via.PORTAL,
        )
        messages.success(request, "Thank you: your answer went to your project team.")
    else:
        messages.error(request, "Choose one of the five answers to send.")
    return redirect("portal:project_detail", pk=project.pk)


@require_GET
@contact_required
def status_report(request: HttpRequest, pk: int, report_pk: int) -> HttpResponse:
    page = client_view.archived_report_page(contact=_contact(request), project_pk=pk, pk=report_pk)
    if page is None:
        raise Http404
    return render(request, "portal/status_report.html", {"page": page})


# /projects/<pk>/report/preview/ (managers: the next report as their client will receive it) ------


@staff_required
@require_GET
def report_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The next report as it would go out now, built from today's data; nothing is saved."""
    project = get_object_or_404(projects_for_user(user=request.user), pk=pk)
    due_at = project.next_report_at or timezone.now()
    subject, html, _ = reports.report_render(project, due_at=due_at, note=project.next_report_note)
    context = {"project": project, "subject": subject, "html": html, "due_at": due_at}
    return render(request, "portal/report_preview.html", context)


# /portal/sign-in/ ----------------------------------------------------------------------------


def _sign_in_page(
    request: HttpRequest, *, link_form: SignInLinkForm, password_form: SignInForm, status: int = 200
) -> HttpResponse:
    context = {"link_form": link_form, "password_form": password_form}
    return render(request, "portal/sign_in.html", context, status=status)


@csrf_exempt  # checked by token_page_csrf: the link-problem page (no referrer) posts here too
@token_page_csrf
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Ask for a sign-in link. The answer is the same whether or not the address is known."""
    link_form = SignInLinkForm(request.POST or None)
    if request.method == "POST" and link_form.is_valid():
        services.sign_in_link_request(email=link_form.cleaned_data["email"], ip=client_ip(request))
        return redirect("portal:sign_in_sent")
    return _sign_in_page(request, link_form=link_form, password_form=SignInForm(request=request, audience="portal"))


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_password(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None, request=request, audience="portal")
    if request.method == "POST" and form.is_valid() and form.user is not None:
        if services.portal_user_can_sign_in(form.user):
            login(request, form.user)
            return redirect("portal:home")
        form.add_error(None, "Portal access for this address has been withdrawn.")
    status = 429 if form.has_error("__all__", "locked") else 200
    return _sign_in_page(request, link_form=SignInLinkForm(), password_form=form, status=status)


@require_GET
def sign_in_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/sign_in_sent.html")


@sensitive_variables("token")
def _redeem(request: HttpRequest, token: str, purpose: str) -> HttpResponse:
    """GET shows a button; only the POST signs in, so a mail scanner opening the link does not
    use it up. After signing in, the browser moves to a URL without the token."""
    if request.method == "POST":
        redemption = services.token_redeem(token=token, purpose=purpose)
        if redemption.user is not None:
            login(request, redemption.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome, {redemption.user.get_short_name()}.")
            return redirect("portal:home")
        return render(
            request, "portal/link_problem.html", {"problem": redemption.problem, "form": SignInLinkForm()}, status=410
        )
    return render(request, "portal/link_confirm.html", {"purpose": purpose})


@csrf_exempt  # checked by token_page_csrf instead
@token_page_csrf
@token_page
@require_http_methods(["GET", "POST"])
def link(request: HttpRequest, token: str) -> HttpResponse:
    return _redeem(request, token, SignInToken.Purpose.SIGN_IN)


@csrf_exempt  # checked by token_page_csrf instead
@token_page_csrf
@token_page
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    return _redeem(request, token, SignInToken.Purpose.INVITATION)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You have signed out.")
    return redirect("portal:sign_in")


# /contacts/<pk>/portal/grant/ and /revoke/ (managers) ----------------------------------------------


def _active_contact(request: HttpRequest, pk: int) -> Contact:
    """A contact this manager may change: in scope, at a client that is not archived."""
    return get_object_or_404(
        contacts_for_user(user=request.user).select_related("client", "user").filter(client__archived_at__isnull=True),
        pk=pk,
    )


@staff_required
@require_POST
def contact_portal_grant(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _active_contact(request, pk)
    try:
        services.portal_access_grant(contact=contact)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Portal access granted: an invitation is on its way to {contact.email}.")
    return redirect("crm:contact_edit", pk=contact.pk)


@staff_required
@require_POST
def contact_portal_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _active_contact(request, pk)
    services.portal_access_revoke(contact=contact)
    messages.success(request, f"Portal access withdrawn: {contact.name} is signed out at their next click.")
    return redirect("crm:contact_edit", pk=contact.pk)


# /email/unsubscribe/<token>/ (a report's recipient, no sign-in) -----------------------------------


@csrf_exempt  # mail providers post the one-click unsubscribe without a form; the signed token is the proof
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (a link scanner must not unsubscribe anyone); POST unsubscribes, whether from
    the button here or from a mail client's one-click `List-Unsubscribe-Post`."""
    contact = contact_for_unsubscribe_token(token)
    if contact is None:
        return render(request, "email/unsubscribe_invalid.html", status=400)
    if request.method == "POST":
        contact_unsubscribe(contact=contact)
        return render(request, "email/unsubscribed.html", {"contact": contact})
    return render(request, "email/unsubscribe.html", {"contact": contact})


# /portal/pulse/<token>/ (the answer links of the weekly report; no sign-in) --------------------


@csrf_exempt  # checked by token_page_csrf instead
@token_page_csrf
@token_page
@require_http_methods(["GET", "POST"])
def pulse(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the chosen answer with a Send button and a comment box (a link scanner that
    opens it records nothing); POST records it. A bad link gets a page saying why."""
    target = pulse_target(token)
    if isinstance(target, Problem):
        return render(request, "portal/pulse_problem.html", {"problem": target.value}, status=target.status)
    context: dict[str, Any] = {"target": target}
    if request.method == "POST":
        form = PulseForm(request.POST)
        if form.is_valid():
            try:
                crm_pulse.pulse_answer_record(
                    contact=target.contact,
                    project_id=target.project_id,
                    project_client_id=target.project_client_id,
                    week=target.week,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                    via=PulseAnswer.Via.EMAIL,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return render(request, "portal/pulse_thanks.html", {**context, "score": form.cleaned_data["score"]})
    else:
        chosen = request.GET.get("score", "")
        form = PulseForm(initial={"score": int(chosen)} if chosen in ("1", "2", "3", "4", "5") else None)
    return render(request, "portal/pulse.html", {**context, "form": form})
