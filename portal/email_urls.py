"""Links in the emails a client receives: unsubscribing from weekly reports."""

from django.urls import path

from portal import views

app_name = "email"

urlpatterns = [
    # /email/unsubscribe/<token>/ (signed; no sign-in)
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
