from django.apps import AppConfig


class CrmConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "crm"
    verbose_name = "Clients"

    def ready(self) -> None:
        from crm import emails
        from outbox.kinds import email_kind_register
        from outbox.models import OutboundEmail

        email_kind_register(OutboundEmail.Kind.CHECKIN_DUE_SOON, build=emails.checkin_reminder_message)
        email_kind_register(OutboundEmail.Kind.CHECKIN_OVERDUE, build=emails.checkin_reminder_message)
