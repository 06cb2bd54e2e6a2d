from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts import emails, signals  # noqa: F401  (signals connects the receivers)
        from outbox.kinds import email_kind_register
        from outbox.models import OutboundEmail

        email_kind_register(OutboundEmail.Kind.PASSWORD_RESET, build=emails.password_reset_message)
