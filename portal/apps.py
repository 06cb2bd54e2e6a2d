from django.apps import AppConfig


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portal"
    verbose_name = "Client portal"

    def ready(self) -> None:
        from outbox.kinds import email_kind_register
        from outbox.models import OutboundEmail
        from portal import emails

        Kind = OutboundEmail.Kind
        email_kind_register(Kind.PORTAL_INVITATION, build=emails.invitation_message)
        email_kind_register(Kind.PORTAL_SIGN_IN, build=emails.sign_in_message)
        email_kind_register(
            Kind.STATUS_REPORT, build=emails.status_report_message, on_failure=emails.status_report_failed
        )
