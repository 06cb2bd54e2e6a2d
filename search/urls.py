from django.urls import path

from search import views

app_name = "search"

urlpatterns = [
    # /search/
    path("search/", views.search, name="search"),
]
