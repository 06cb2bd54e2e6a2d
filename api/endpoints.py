"""The REST API (/api/v1/): thin views over the crm and projects selectors and services. Every
list and lookup starts from the same scoped querysets as the pages, so an object outside the
caller's scope is a 404 here exactly as it is there."""

from __future__ import annotations

from typing import Any, NoReturn

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api import inputs
from api import serializers as s
from crm import selectors as crm_selectors
from crm import services as crm_services
from crm.models import ActionItem, CheckIn, Client, Participant
from projects import selectors as project_selectors


def _filters(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    """Query-string filters, validated: a malformed one is a 400 that names it."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _raise_service_error(error: DjangoValidationError) -> NoReturn:
    detail = error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
    raise ValidationError(detail) from error


class ScopedViewSet(viewsets.GenericViewSet):
    """Base: dates and times read and written in the caller's own time zone, as on the pages
    (token requests pass no middleware that knows the user, so the zone is set here)."""

    filter_serializer: type[serializers.Serializer] | None = None
    lookup_value_converter = "int"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        timezone.activate(request.user.zone)

    def filtered(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        return queryset

    def get_queryset(self) -> QuerySet[Any]:
        queryset = self.scoped()
        if self.action == "list" and self.filter_serializer is not None:
            queryset = self.filtered(queryset, _filters(self.filter_serializer, self.request))
        return queryset

    def scoped(self) -> QuerySet[Any]:
        raise NotImplementedError


class ReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    pass


def _by(queryset: QuerySet[Any], filters: dict[str, Any], *names: str) -> QuerySet[Any]:
    for name in names:
        if filters.get(name):
            queryset = queryset.filter(**{f"{name}_id": filters[name]})
    return queryset


@extend_schema_view(list=extend_schema(parameters=[s.ClientFilterSerializer]))
class ClientViewSet(ReadViewSet):
    """Clients you manage or are on the team of (admins: all). Filters as on the client list."""

    serializer_class = s.ClientSerializer
    filter_serializer = s.ClientFilterSerializer
    cursor_ordering = ("name", "id")

    def scoped(self) -> QuerySet[Client]:
        if self.action == "list":
            filters = crm_selectors.ClientFilters(**_filters(s.ClientFilterSerializer, self.request))
            return crm_selectors.client_list(user=self.request.user, filters=filters)
        return crm_selectors.clients_for_user(user=self.request.user)

    def get_queryset(self) -> QuerySet[Client]:
        return self.scoped()


@extend_schema_view(list=extend_schema(parameters=[s.ContactFilterSerializer]))
class ContactViewSet(ReadViewSet):
    serializer_class = s.ContactSerializer
    filter_serializer = s.ContactFilterSerializer
    cursor_ordering = ("id",)

    def scoped(self) -> QuerySet[Any]:
        return crm_selectors.contacts_for_user(user=self.request.user)

    def filtered(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        if filters.get("q"):
            queryset = queryset.filter(Q(name__icontains=filters["q"]) | Q(email__icontains=filters["q"]))
        return _by(queryset, filters, "client")


@extend_schema_view(
    list=extend_schema(parameters=[s.InteractionFilterSerializer]),
    create=extend_schema(
        request=s.InteractionCreateSerializer,
        responses={201: s.InteractionSerializer, 400: OpenApiResponse(description="Invalid input")},
        description=(
            "Log an interaction through the same service as the log form: the open regular check-in is "
            "completed, the next one scheduled (next_checkin_on, else last contact plus the client's "
            "cadence) and the client's last contact moved on (never backwards)."
        ),
    ),
)
class InteractionViewSet(mixins.CreateModelMixin, ReadViewSet):
    serializer_class = s.InteractionSerializer
    filter_serializer = s.InteractionFilterSerializer
    cursor_ordering = ("-occurred_at", "-id")

    def scoped(self) -> QuerySet[Any]:
        return crm_selectors.interactions_for_user(user=self.request.user).prefetch_related(
            Prefetch("participants", queryset=Participant.objects.order_by("pk"))
        )

    def filtered(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        queryset = _by(queryset, filters, "client", "project")
        return queryset.filter(kind=filters["kind"]) if filters.get("kind") else queryset

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        shape = s.InteractionCreateSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        data = dict(shape.validated_data)
        client = get_object_or_404(
            crm_selectors.clients_for_user(user=request.user).filter(archived_at__isnull=True), pk=data["client"]
        )
        fields, drafts = inputs.interaction_log_input(client=client, user=request.user, data=data)
        try:
            interaction = crm_services.interaction_log(
                client=client, logged_by=request.user, action_items=drafts, **fields
            )
        except DjangoValidationError as error:
            _raise_service_error(error)
        created = self.scoped().get(pk=interaction.pk)
        return Response(s.InteractionSerializer(created).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(parameters=[s.ActionItemFilterSerializer]),
    create=extend_schema(
        request=s.ActionItemCreateSerializer,
        responses={201: s.ActionItemSerializer, 400: OpenApiResponse(description="Invalid input")},
    ),
    complete=extend_schema(request=None, responses={200: s.ActionItemSerializer}),
)
class ActionItemViewSet(mixins.CreateModelMixin, ReadViewSet):
    serializer_class = s.ActionItemSerializer
    filter_serializer = s.ActionItemFilterSerializer
    cursor_ordering = ("id",)

    def scoped(self) -> QuerySet[ActionItem]:
        return crm_selectors.action_items_for_user(user=self.request.user)

    def filtered(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        if filters.get("mine"):
            queryset = queryset.filter(owner=self.request.user, owner_side=ActionItem.Side.US)
        show = filters.get("show")
        if show == "done":
            queryset = queryset.filter(done_at__isnull=False)
        elif show in ("open", "overdue"):
            queryset = queryset.filter(done_at__isnull=True)
            if show == "overdue":
                queryset = queryset.filter(due_on__lt=timezone.localdate())
        return _by(queryset, filters, "client")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        shape = s.ActionItemCreateSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        data = dict(shape.validated_data)
        client = get_object_or_404(
            crm_selectors.clients_for_user(user=request.user).filter(archived_at__isnull=True), pk=data["client"]
        )
        draft = inputs.action_item_input(client=client, user=request.user, data=data)
        try:
            item = crm_services.action_item_create(client=client, draft=draft)
        except DjangoValidationError as error:
            _raise_service_error(error)
        return Response(s.ActionItemSerializer(self.scoped().get(pk=item.pk)).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Mark the action item done (as the Done button does); completing a done item changes nothing."""
        item = self.get_object()
        crm_services.action_item_complete(item=item)
        return Response(s.ActionItemSerializer(item).data)


@extend_schema_view(list=extend_schema(parameters=[s.CheckInFilterSerializer]))
class CheckInViewSet(ReadViewSet):
    serializer_class = s.CheckInSerializer
    filter_serializer = s.CheckInFilterSerializer
    cursor_ordering = ("due_on", "id")

    def scoped(self) -> QuerySet[CheckIn]:
        return crm_selectors.checkins_for_user(user=self.request.user)

    def filtered(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        if filters.get("state"):
            queryset = queryset.filter(state=filters["state"])
        if filters.get("mine"):
            queryset = queryset.filter(owner=self.request.user)
        return _by(queryset, filters, "client")


@extend_schema_view(list=extend_schema(parameters=[s.ProjectFilterSerializer]))
class ProjectViewSet(ReadViewSet):
    """Projects you manage, are on the team of, or whose client you manage (admins: all)."""

    serializer_class = s.ProjectSerializer
    cursor_ordering = ("name", "id")

    def get_queryset(self) -> QuerySet[Any]:
        if self.action == "list":
            filters = project_selectors.ProjectFilters(**_filters(s.ProjectFilterSerializer, self.request))
            return project_selectors.project_list(user=self.request.user, filters=filters)
        return project_selectors.projects_for_user(user=self.request.user)


@extend_schema_view(list=extend_schema(parameters=[s.MilestoneFilterSerializer]))
class MilestoneViewSet(ReadViewSet):
    serializer_class = s.MilestoneSerializer
    filter_serializer = s.MilestoneFilterSerializer
    cursor_ordering = ("due_on", "id")

    def scoped(self) -> QuerySet[Any]:
        return project_selectors.milestones_for_user(user=self.request.user)

    def filtered(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        if filters.get("open"):
            queryset = queryset.filter(completed_on__isnull=True)
        return _by(queryset, filters, "project")


@extend_schema_view(list=extend_schema(parameters=[s.RiskFilterSerializer]))
class RiskViewSet(ReadViewSet):
    serializer_class = s.RiskSerializer
    filter_serializer = s.RiskFilterSerializer
    cursor_ordering = ("id",)

    def scoped(self) -> QuerySet[Any]:
        return project_selectors.risks_for_user(user=self.request.user)

    def filtered(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        if filters.get("status"):
            queryset = queryset.filter(status=filters["status"])
        return _by(queryset, filters, "project")
