"""The managers' side of the client's window, mounted beside the project pages."""

from django.urls import path

from portal import views

app_name = "reports"

urlpatterns = [
    # /projects/<pk>/report/preview/
    path("projects/<int:pk>/report/preview/", views.report_preview, name="preview"),
]
