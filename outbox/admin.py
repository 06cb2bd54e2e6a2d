from django.contrib import admin

from outbox.models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    """Every email as a row: what it is, where it stands, and why it failed. Read-only: the
    dispatcher and the workers are the only writers."""

    list_display = ["kind", "to_email", "status", "attempts", "send_after", "sent_at", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["to_email", "key", "message_id"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in OutboundEmail._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False
