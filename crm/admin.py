from django.contrib import admin

from crm.models import ActionItem, CheckIn, Client, Contact, Interaction, Participant


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "email", "phone", "title", "is_primary", "receives_reports"]


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "account_manager", "last_contacted_at", "next_checkin_due", "archived_at"]
    list_filter = ["status", "account_manager", "preferred_channel", ("archived_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "industry", "contacts__name", "contacts__email"]
    autocomplete_fields = ["account_manager"]
    filter_horizontal = ["team"]
    readonly_fields = ["last_contacted_at", "next_checkin_due", "archived_at", "cadence_before_recovery", "created_at"]
    inlines = [ContactInline]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "client", "email", "is_primary", "receives_reports", "user"]
    list_filter = ["is_primary", "receives_reports"]
    search_fields = ["name", "email", "client__name"]
    autocomplete_fields = ["client"]


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    autocomplete_fields = ["contact", "user"]


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "client", "kind", "summary", "sentiment", "flag", "shared_with_client"]
    list_filter = ["kind", "sentiment", "flag", "shared_with_client"]
    search_fields = ["summary", "notes", "client__name"]
    date_hierarchy = "occurred_at"
    autocomplete_fields = ["client", "logged_by"]
    inlines = [ParticipantInline]


@admin.register(ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
    list_display = ["text", "client", "owner_side", "owner", "owner_contact", "due_on", "done_at"]
    list_filter = ["owner_side", ("done_at", admin.EmptyFieldListFilter)]
    search_fields = ["text", "client__name"]
    autocomplete_fields = ["client", "owner", "owner_contact", "interaction"]


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ["client", "kind", "due_on", "owner", "state"]
    list_filter = ["state", "kind"]
    search_fields = ["client__name", "reason"]
    date_hierarchy = "due_on"
    autocomplete_fields = ["client", "owner", "completed_by"]
