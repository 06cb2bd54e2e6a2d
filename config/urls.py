from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", include("today.urls")),
    path("", include("crm.urls")),
    path("", include("projects.urls")),
    path("", include("exchange.urls")),
    path("", include("portal.report_urls")),
    path("", include("portal.access_urls")),
    path("accounts/", include("accounts.urls")),
    path("portal/", include("portal.urls")),
    path("", include("api.urls")),
    path("", include("history.urls")),
    path("", include("search.urls")),
    path("email/", include("portal.email_urls")),
    # The admin signs in through the throttled staff sign-in page, not a second, unthrottled one.
    path("admin/login/", RedirectView.as_view(pattern_name="accounts:sign_in", query_string=True)),
    path("admin/", admin.site.urls),
    path("", include("ops.urls")),
]

admin.site.site_header = "Rapport administration"
admin.site.site_title = "Rapport admin"
