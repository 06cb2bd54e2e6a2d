from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from api import endpoints, views

app_name = "api"

router = SimpleRouter(use_regex_path=False)
router.register("api/v1/clients", endpoints.ClientViewSet, basename="client")
router.register("api/v1/contacts", endpoints.ContactViewSet, basename="contact")
router.register("api/v1/interactions", endpoints.InteractionViewSet, basename="interaction")
router.register("api/v1/action-items", endpoints.ActionItemViewSet, basename="action-item")
router.register("api/v1/checkins", endpoints.CheckInViewSet, basename="checkin")
router.register("api/v1/projects", endpoints.ProjectViewSet, basename="project")
router.register("api/v1/milestones", endpoints.MilestoneViewSet, basename="milestone")
router.register("api/v1/risks", endpoints.RiskViewSet, basename="risk")

urlpatterns = [
    # /account/
    path("account/", views.account, name="account"),
    path("account/tokens/new/", views.api_token_create, name="api_token_create"),
    path("account/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("account/calendar/new/", views.calendar_regenerate, name="calendar_regenerate"),
    path("account/calendar/stop/", views.calendar_stop, name="calendar_stop"),
    # /calendar/<secret>.ics
    re_path(r"^calendar/(?P<secret>[A-Za-z0-9_-]{1,100})\.ics$", views.calendar_feed, name="calendar_feed"),
    # /api/v1/
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI with its settings in a separate script, not inline (friendly to a strict CSP).
    path("api/v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    # Flat (no nested include), so the api: namespace names every endpoint directly.
    *router.urls,
]
