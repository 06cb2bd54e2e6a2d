from django.urls import path

from outbox import views

app_name = "email"

urlpatterns = [
    # /email/unsubscribe/<token>/ (signed; no sign-in)
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
