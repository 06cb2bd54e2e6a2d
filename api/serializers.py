"""What the API shows and accepts. Read serializers name related objects by id (and a name
where a reader needs one), from rows the selectors already joined: no query per row."""

from __future__ import annotations

from rest_framework import serializers

from crm.models import ActionItem, CheckIn, Client, Contact, HealthBand, Interaction
from projects.models import Health, Milestone, Project, RiskIssue

MAX_ID = 2**63 - 1  # a bigint: larger numbers are a 400, not a database error


def id_field(**kwargs: object) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)  # type: ignore[arg-type]


# Reads --------------------------------------------------------------------------------------------


class ClientSerializer(serializers.ModelSerializer):
    account_manager_name = serializers.CharField(source="account_manager.full_name", read_only=True)

    class Meta:
        model = Client
        fields = [
            "id", "name", "industry", "website", "status", "time_zone", "account_manager", "account_manager_name",
            "checkin_cadence_days", "preferred_channel", "goals", "kpis", "notes", "archived_at",
            "last_contacted_at", "next_checkin_due", "health_score", "health_band", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "client", "name", "email", "phone", "title", "is_primary", "receives_reports", "notes"]
        read_only_fields = fields


class InteractionSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)
    attendees = serializers.SerializerMethodField()
    staff_present = serializers.SerializerMethodField()

    class Meta:
        model = Interaction
        fields = [
            "id", "client", "client_name", "project", "kind", "occurred_at", "duration_minutes", "attendees",
            "staff_present", "summary", "notes", "sentiment", "concerns", "flag", "resolution",
            "shared_with_client", "logged_by", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    # Both lists come from one prefetch of the participants (contacts and staff share a table).
    def get_attendees(self, interaction: Interaction) -> list[int]:
        return [p.contact_id for p in interaction.participants.all() if p.contact_id]

    def get_staff_present(self, interaction: Interaction) -> list[int]:
        return [p.user_id for p in interaction.participants.all() if p.user_id]


class ActionItemSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)
    is_done = serializers.BooleanField(read_only=True)

    class Meta:
        model = ActionItem
        fields = [
            "id", "client", "client_name", "interaction", "text", "owner_side", "owner", "owner_contact", "due_on",
            "is_done", "done_at", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class CheckInSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)

    class Meta:
        model = CheckIn
        fields = ["id", "client", "client_name", "kind", "due_on", "owner", "state", "reason", "closed_at"]
        read_only_fields = fields


class ProjectSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)
    in_recovery = serializers.BooleanField(read_only=True)

    class Meta:
        model = Project
        fields = [
            "id", "client", "client_name", "name", "manager", "status", "health", "health_reason", "start_on",
            "target_end_on", "actual_end_on", "objectives", "success_criteria", "portal_visible", "in_recovery",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class MilestoneSerializer(serializers.ModelSerializer):
    is_done = serializers.BooleanField(read_only=True)

    class Meta:
        model = Milestone
        fields = [
            "id", "project", "title", "description", "due_on", "completed_on", "is_done", "weight", "client_visible",
        ]  # fmt: skip
        read_only_fields = fields


class RiskSerializer(serializers.ModelSerializer):
    class Meta:
        model = RiskIssue
        fields = [
            "id", "project", "kind", "title", "description", "probability", "impact", "severity", "mitigation",
            "owner", "status", "client_visible", "raised_at", "closed_at",
        ]  # fmt: skip
        read_only_fields = fields


# Writes: shapes only. The rules are the log form's own (api.inputs), applied after these. -----


class ActionItemDraftSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=500)
    owner_side = serializers.ChoiceField(choices=ActionItem.Side.choices, default=ActionItem.Side.US)
    owner = id_field(required=False, allow_null=True, help_text="Staff id; default: you.")
    owner_contact = id_field(required=False, allow_null=True, help_text="Contact id (client side).")
    due_on = serializers.DateField(required=False, allow_null=True)


class ActionItemCreateSerializer(ActionItemDraftSerializer):
    client = id_field()


class InteractionCreateSerializer(serializers.Serializer):
    client = id_field()
    kind = serializers.ChoiceField(choices=Interaction.Kind.choices, default=Interaction.Kind.MEETING)
    occurred_at = serializers.DateTimeField(help_text="When it happened; not in the future.")
    duration_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=1440)
    summary = serializers.CharField(max_length=500)
    notes = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    sentiment = serializers.ChoiceField(choices=Interaction.Sentiment.choices, required=False, allow_null=True)
    concerns = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    flag = serializers.ChoiceField(choices=Interaction.Flag.choices, required=False, allow_blank=True)
    resolution = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    shared_with_client = serializers.BooleanField(default=False)
    project = id_field(required=False, allow_null=True)
    attendees = serializers.ListField(child=id_field(), required=False, max_length=200)
    staff_present = serializers.ListField(
        child=id_field(), required=False, max_length=200, help_text="Staff ids; default: you."
    )
    next_checkin_on = serializers.DateField(
        required=False, allow_null=True, help_text="Default: last contact plus the client's cadence."
    )
    action_items = ActionItemDraftSerializer(many=True, required=False, max_length=25)


# Filters, matching the list pages ----------------------------------------------------------------


class ClientFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, max_length=100, help_text="Name, or a contact's name or email.")
    status = serializers.ChoiceField(choices=Client.Status.choices, required=False)
    account_manager = id_field(required=False)
    overdue = serializers.BooleanField(required=False, help_text="Only clients whose check-in is overdue.")
    band = serializers.ChoiceField(choices=HealthBand.choices, required=False)
    archived = serializers.BooleanField(required=False, help_text="Archived clients instead of current ones.")


class ByClientFilterSerializer(serializers.Serializer):
    client = id_field(required=False)


class ContactFilterSerializer(ByClientFilterSerializer):
    q = serializers.CharField(required=False, max_length=100)


class InteractionFilterSerializer(ByClientFilterSerializer):
    project = id_field(required=False)
    kind = serializers.ChoiceField(choices=Interaction.Kind.choices, required=False)


class ActionItemFilterSerializer(ByClientFilterSerializer):
    show = serializers.ChoiceField(choices=["open", "overdue", "done"], required=False)
    mine = serializers.BooleanField(required=False, help_text="Only our-side items you own (the My action items page).")


class CheckInFilterSerializer(ByClientFilterSerializer):
    state = serializers.ChoiceField(choices=CheckIn.State.choices, required=False)
    mine = serializers.BooleanField(required=False, help_text="Only check-ins you own.")


class ProjectFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Project.Status.choices, required=False)
    health = serializers.ChoiceField(choices=Health.choices, required=False)
    manager = id_field(required=False)
    client = id_field(required=False)
    in_recovery = serializers.BooleanField(required=False)


class ByProjectFilterSerializer(serializers.Serializer):
    project = id_field(required=False)


class MilestoneFilterSerializer(ByProjectFilterSerializer):
    open = serializers.BooleanField(required=False, help_text="Only milestones not yet completed.")


class RiskFilterSerializer(ByProjectFilterSerializer):
    status = serializers.ChoiceField(choices=RiskIssue.Status.choices, required=False)
