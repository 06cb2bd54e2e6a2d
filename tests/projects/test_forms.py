from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projects import services
from projects.models import ChangeRequest, Decision, Milestone, Project, RiskIssue, StatusUpdate


@pytest.fixture
def signed_in(client, pm):
    client.force_login(pm)
    return client


@pytest.fixture
def project(acme, pm):
    return services.project_create(client=acme, name="Replatforming", manager=pm, start_on=date(2026, 11, 1))


def project_data(acme, pm, **overrides):
    return {
        "client": acme.pk,
        "name": "New site",
        "manager": pm.pk,
        "status": "planned",
        "report_weekday": 4,
        "report_hour": 9,
        **overrides,
    }


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"start_on": "2026-12-01", "target_end_on": "2026-11-01"}, "target_end_on"),
        ({"start_on": "2026-02-30"}, "start_on"),
        ({"report_hour": "24"}, "report_hour"),
        ({"status": "completed"}, "status"),
        ({"name": ""}, "name"),
    ],
)
def test_project_form_errors_keep_what_was_typed(signed_in, acme, pm, overrides, field):
    response = signed_in.post(reverse("projects:project_create"), project_data(acme, pm, **overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    if overrides.get("name", "x"):
        assert 'value="New site"' in response.content.decode()
    assert not Project.objects.exists()


def test_a_client_outside_my_scope_cannot_be_chosen(signed_in, pm, other_pm):
    from crm import services as crm_services

    theirs = crm_services.client_create(name="Theirs", account_manager=other_pm)
    response = signed_in.post(reverse("projects:project_create"), project_data(theirs, pm))
    assert "client" in response.context["form"].errors
    assert not Project.objects.exists()


def test_a_milestone_due_before_the_project_starts_is_a_field_error(signed_in, project):
    response = signed_in.post(
        reverse("projects:milestone_create", kwargs={"pk": project.pk}),
        {"title": "Too early", "due_on": "2026-10-01", "weight": 1},
    )
    assert "before the project starts" in str(response.context["form"].errors["due_on"])
    assert not Milestone.objects.exists()


@pytest.mark.parametrize("weight", ["0", "-1", "101", "heavy"])
def test_a_bad_weight_is_a_field_error(signed_in, project, weight):
    response = signed_in.post(
        reverse("projects:milestone_create", kwargs={"pk": project.pk}),
        {"title": "Design", "due_on": "2026-12-01", "weight": weight},
    )
    assert "weight" in response.context["form"].errors


@pytest.mark.parametrize("field, value", [("probability", "6"), ("impact", "0"), ("probability", "high")])
def test_out_of_range_scores_are_field_errors(signed_in, project, field, value):
    data = {"kind": "risk", "title": "Vendor", "probability": "3", "impact": "3", field: value}
    response = signed_in.post(reverse("projects:risk_create", kwargs={"pk": project.pk}), data)
    assert field in response.context["form"].errors
    assert not RiskIssue.objects.exists()


def test_a_reschedule_needs_a_reason_and_a_new_date(signed_in, project):
    milestone = services.milestone_create(project=project, title="Launch", due_on=date(2026, 12, 1))
    url = reverse("projects:milestone_reschedule", kwargs={"pk": milestone.pk})
    response = signed_in.post(url, {"due_on": "2026-12-08", "reason": ""})
    assert "reason" in response.context["form"].errors
    response = signed_in.post(url, {"due_on": "2026-12-01", "reason": "no change"})
    assert "already has" in str(response.context["form"].errors["due_on"])
    assert not milestone.changes.exists()


def test_a_decision_cannot_be_recorded_in_the_future(signed_in, project):
    response = signed_in.post(
        reverse("projects:decision_create", kwargs={"pk": project.pk}),
        {"title": "Go live in March", "made_by": "Both", "decided_on": "2099-01-01"},
    )
    assert "decided_on" in response.context["form"].errors
    assert not Decision.objects.exists()


def test_an_amber_update_needs_a_reason(signed_in, project):
    response = signed_in.post(reverse("projects:status_update_create", kwargs={"pk": project.pk}), {"health": "amber"})
    assert "reason" in response.context["form"].errors
    assert not StatusUpdate.objects.exists()


def test_a_decided_change_request_cannot_be_decided_again(signed_in, project, pm):
    change = services.change_request_propose(project=project, title="SSO")
    url = reverse("projects:change_request_decide", kwargs={"pk": change.pk})
    signed_in.post(url, {"decision": "approve"})
    response = signed_in.post(url, {"decision": "reject"}, follow=True)
    assert "decided already" in response.content.decode()
    assert ChangeRequest.objects.get().status == "approved"
    assert signed_in.post(url, {"decision": "maybe"}).status_code == 302


def test_the_add_forms_load_inline_for_htmx(signed_in, project):
    response = signed_in.get(reverse("projects:milestone_create", kwargs={"pk": project.pk}), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<form" in html and "<html" not in html


text = st.text(max_size=300)
number = st.one_of(st.integers(-(10**9), 10**9).map(str), text)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.fixed_dictionaries({
    "client": number, "name": text, "manager": number, "status": text, "start_on": text, "target_end_on": text,
    "report_weekday": number, "report_hour": number, "team": number,
}))  # fmt: skip
def test_random_project_forms_never_cause_a_server_error(signed_in, project, data):
    assert signed_in.post(reverse("projects:project_create"), data).status_code in (200, 302)
    assert signed_in.post(reverse("projects:project_edit", kwargs={"pk": project.pk}), data).status_code in (200, 302)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    milestone=st.fixed_dictionaries({"title": text, "due_on": text, "weight": number}),
    risk=st.fixed_dictionaries({"kind": text, "title": text, "probability": number, "impact": number, "owner": number}),
    change=st.fixed_dictionaries(
        {"kind": text, "title": text, "schedule_impact_days": number, "cost_impact": number, "requested_by": text}
    ),
    decision=st.fixed_dictionaries({"title": text, "made_by": text, "decided_on": text}),
    update=st.fixed_dictionaries({"health": text, "reason": text}),
    close=st.fixed_dictionaries({"status": text, "ended_on": text}),
)
def test_random_item_forms_never_cause_a_server_error(
    signed_in, project, milestone, risk, change, decision, update, close
):
    for name, data in [
        ("milestone_create", milestone),
        ("risk_create", risk),
        ("change_request_create", change),
        ("decision_create", decision),
        ("status_update_create", update),
        ("project_close", close),
    ]:
        response = signed_in.post(reverse(f"projects:{name}", kwargs={"pk": project.pk}), data)
        assert response.status_code in (200, 302, 404), name
