from django.apps import AppConfig


class UiConfig(AppConfig):
    """Presentation shared by every app: Markdown rendering, badges, keyset pagination."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "ui"
    verbose_name = "Interface"
