from django.urls import path

from history import views

app_name = "history"

urlpatterns = [
    # /history/<kind>/<pk>/
    path("history/<slug:kind>/<int:pk>/", views.history_detail, name="detail"),
]
