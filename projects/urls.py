from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    # /projects/
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_create, name="project_create"),
    # /projects/<pk>/
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("projects/<int:pk>/close/", views.project_close, name="project_close"),
    path("projects/<int:pk>/milestones/new/", views.milestone_create, name="milestone_create"),
    path("projects/<int:pk>/risks/new/", views.risk_create, name="risk_create"),
    path("projects/<int:pk>/changes/new/", views.change_request_create, name="change_request_create"),
    path("projects/<int:pk>/decisions/new/", views.decision_create, name="decision_create"),
    path("projects/<int:pk>/updates/new/", views.status_update_create, name="status_update_create"),
    path("projects/<int:pk>/recovery/start/", views.recovery_start, name="recovery_start"),
    path("projects/<int:pk>/recovery/end/", views.recovery_end, name="recovery_end"),
    path("projects/<int:pk>/report/note/", views.report_note, name="report_note"),
    path("projects/<int:pk>/report/pause/", views.reports_set, {"enabled": False}, name="reports_pause"),
    path("projects/<int:pk>/report/resume/", views.reports_set, {"enabled": True}, name="reports_resume"),
    # /reports/<pk>/
    path("reports/<int:pk>/", views.status_report_detail, name="status_report_detail"),
    # /milestones/<pk>/
    path("milestones/<int:pk>/edit/", views.milestone_edit, name="milestone_edit"),
    path("milestones/<int:pk>/complete/", views.milestone_complete, name="milestone_complete"),
    path("milestones/<int:pk>/reschedule/", views.milestone_reschedule, name="milestone_reschedule"),
    # /risks/<pk>/
    path("risks/<int:pk>/edit/", views.risk_edit, name="risk_edit"),
    path("risks/<int:pk>/close/", views.risk_close, name="risk_close"),
    # /changes/<pk>/
    path("changes/<int:pk>/decide/", views.change_request_decide, name="change_request_decide"),
]
