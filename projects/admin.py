from django.contrib import admin

from projects.models import (
    ChangeRequest,
    Decision,
    Milestone,
    MilestoneChange,
    Project,
    RecoveryPlan,
    RiskIssue,
    StatusReport,
    StatusUpdate,
)


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["title", "due_on", "completed_on", "weight", "client_visible"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "client",
        "manager",
        "status",
        "health",
        "target_end_on",
        "portal_visible",
        "reports_enabled",
    ]
    list_filter = [
        "status",
        "health",
        "portal_visible",
        "reports_enabled",
        ("recovery_plan", admin.EmptyFieldListFilter),
    ]
    search_fields = ["name", "client__name"]
    autocomplete_fields = ["client", "manager"]
    filter_horizontal = ["team"]
    readonly_fields = ["recovery_plan", "created_at"]
    inlines = [MilestoneInline]


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "due_on", "completed_on", "weight", "client_visible"]
    list_filter = ["client_visible", ("completed_on", admin.EmptyFieldListFilter)]
    search_fields = ["title", "project__name"]
    autocomplete_fields = ["project"]


@admin.register(MilestoneChange)
class MilestoneChangeAdmin(admin.ModelAdmin):
    list_display = ["milestone", "old_due_on", "new_due_on", "changed_at", "changed_by"]
    search_fields = ["milestone__title", "reason"]


@admin.register(RiskIssue)
class RiskIssueAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "kind", "severity", "status", "owner", "client_visible"]
    list_filter = ["kind", "status", "client_visible"]
    search_fields = ["title", "description", "project__name"]
    autocomplete_fields = ["project", "owner"]


@admin.register(ChangeRequest)
class ChangeRequestAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "kind", "status", "requested_by", "proposed_at", "decided_at"]
    list_filter = ["kind", "status", "requested_by", "client_visible"]
    search_fields = ["title", "project__name"]
    autocomplete_fields = ["project", "decided_by"]


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "decided_on", "made_by", "client_visible"]
    list_filter = ["client_visible"]
    search_fields = ["title", "rationale", "project__name"]
    autocomplete_fields = ["project"]


@admin.register(StatusUpdate)
class StatusUpdateAdmin(admin.ModelAdmin):
    list_display = ["project", "health", "posted_at", "author", "client_visible"]
    list_filter = ["health", "client_visible"]
    search_fields = ["project__name", "reason"]
    autocomplete_fields = ["project"]


@admin.register(RecoveryPlan)
class RecoveryPlanAdmin(admin.ModelAdmin):
    list_display = ["project", "started_at", "ended_at"]
    search_fields = ["project__name", "root_cause"]
    autocomplete_fields = ["project"]


@admin.register(StatusReport)
class StatusReportAdmin(admin.ModelAdmin):
    list_display = ["project", "iso_year", "iso_week", "due_at", "created_at"]
    list_filter = ["iso_year"]
    search_fields = ["project__name", "project__client__name", "subject"]
    readonly_fields = ["project", "iso_year", "iso_week", "due_at", "period_start", "period_end", "subject", "html",
                       "text", "note", "created_at"]  # fmt: skip
