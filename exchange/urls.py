from django.urls import path, register_converter

from exchange import views

app_name = "exchange"


class FormatConverter:
    regex = "csv|xlsx"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "fmt")

urlpatterns = [
    # /import/
    path("import/", views.import_start, name="import_start"),
    path("import/<int:pk>/", views.import_preview, name="import_preview"),
    path("import/<int:pk>/commit/", views.import_commit, name="import_commit"),
    path("import/<int:pk>/discard/", views.import_discard, name="import_discard"),
    # /export/ (the query string carries the list's filters)
    path("export/clients.<fmt:fmt>", views.export_clients, name="export_clients"),
    path("export/contacts.<fmt:fmt>", views.export_contacts, name="export_contacts"),
    path("export/interactions.<fmt:fmt>", views.export_interactions, name="export_interactions"),
    path("export/projects.<fmt:fmt>", views.export_projects, name="export_projects"),
    path("export/risks.<fmt:fmt>", views.export_risks, name="export_risks"),
]
