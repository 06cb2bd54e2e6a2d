from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "projects"
    verbose_name = "Projects"

    def ready(self) -> None:
        from crm.services import client_calendar_follower_register
        from projects.services import reports_reschedule_for_client

        client_calendar_follower_register(reports_reschedule_for_client)
