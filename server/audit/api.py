"""The audit log for auditors and administrators: search, export and verify the chain."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import quote

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from server.accounts.models import AUDIT_ROLES, Membership
from server.accounts.selectors import user_grants, user_has_role
from server.audit.models import Event, Verification
from server.audit.services import audit_verify, event_record
from server.core.calendar import local_zone
from server.processes.figures_api import FiguresContentNegotiation, FiguresCsvRenderer

AUDITORS_ONLY = "审计日志仅对审计人员和管理员开放 / The audit log is for auditors and administrators."
EXPORT_LIMIT = 100_000


def audit_readers_only(user: AbstractBaseUser) -> None:
    if not user_has_role(user, *AUDIT_ROLES):
        raise PermissionDenied(AUDITORS_ONLY)


def events_in_scope(user: AbstractBaseUser) -> QuerySet[Event]:
    """Events an auditor (or administrator) may read: those of cases in the organisations where
    the role is held and below, and case-less ones (registrations, deployments, exports) of
    people who belong there. Events of no case and no person are for the top of the tree."""
    q = Q(pk__in=[])
    for grant in user_grants(user):
        if grant.role not in AUDIT_ROLES:
            continue
        members = Membership.objects.filter(
            user_id=OuterRef("actor_id"), organisation__path__startswith=grant.path
        )
        q |= Q(instance__org_path__startswith=grant.path)
        q |= Q(instance__isnull=True) & Exists(members)
        if grant.path.count("/") == 2:  # a root organisation ("/1/")
            q |= Q(instance__isnull=True, actor__isnull=True)
    return Event.objects.filter(q)


class EventQuerySerializer(serializers.Serializer):
    def get_fields(self) -> dict:
        # `from` is a keyword, so the fields are declared here rather than as attributes.
        return {
            "case": serializers.CharField(
                required=False, allow_blank=True, help_text="case id or case number (business key)"
            ),
            "person": serializers.CharField(
                required=False, allow_blank=True, help_text="username or user id"
            ),
            "action": serializers.CharField(
                required=False,
                allow_blank=True,
                help_text="an action (`task.completed`) or a family ending in a dot (`complaint.`)",
            ),
            "from": serializers.DateField(required=False, allow_null=True, default=None),
            "to": serializers.DateField(required=False, allow_null=True, default=None),
        }

    def validate(self, attrs: dict) -> dict:
        if attrs["from"] and attrs["to"] and attrs["from"] > attrs["to"]:
            raise serializers.ValidationError({"from": ["必须早于结束日期 / Must not be after `to`."]})
        return attrs


def events_filtered(queryset: QuerySet[Event], values: dict[str, Any]) -> QuerySet[Event]:
    if case := (values.get("case") or "").strip():
        by_case = Q(instance__business_key=case)
        if case.isascii() and case.isdigit():
            by_case |= Q(instance_id=int(case))
        queryset = queryset.filter(by_case)
    if person := (values.get("person") or "").strip():
        users = get_user_model().objects.filter(
            Q(username=person)
            | (Q(pk=int(person)) if person.isascii() and person.isdigit() else Q(pk__in=[]))
        )
        queryset = queryset.filter(actor__in=users)
    if action := (values.get("action") or "").strip():
        queryset = (
            queryset.filter(action__startswith=action)
            if action.endswith(".")
            else queryset.filter(action=action)
        )
    zone = local_zone()
    if values.get("from"):
        queryset = queryset.filter(created_at__gte=datetime.combine(values["from"], time.min, tzinfo=zone))
    if values.get("to"):
        end = datetime.combine(values["to"] + timedelta(days=1), time.min, tzinfo=zone)
        queryset = queryset.filter(created_at__lt=end)
    return queryset


class EventActorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.SerializerMethodField()

    def get_display_name(self, user: Any) -> str:
        return user.get_full_name() or user.username


class AuditEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    seq = serializers.IntegerField(help_text="place in the chain")
    at = serializers.DateTimeField(source="created_at")
    action = serializers.CharField()
    actor = EventActorSerializer(allow_null=True)
    instance = serializers.IntegerField(source="instance_id", allow_null=True)
    case_number = serializers.SerializerMethodField()
    task = serializers.IntegerField(source="task_id", allow_null=True)
    detail = serializers.JSONField()
    data_before = serializers.JSONField(allow_null=True)
    data_after = serializers.JSONField(allow_null=True)
    prev_hash = serializers.CharField()
    hash = serializers.CharField()

    def get_case_number(self, event: Event) -> str | None:
        return event.instance.business_key if event.instance_id else None


class AuditEventPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


CSV_HEADER = [
    "序号 seq",
    "编号 id",
    "时间 time",
    "操作 action",
    "用户名 username",
    "姓名 name",
    "案件编号 case number",
    "案件 case id",
    "任务 task id",
    "详情 detail",
    "修改前 before",
    "修改后 after",
    "前一哈希 prev_hash",
    "哈希 hash",
]


def _json_text(value: Any) -> str:
    import json

    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def events_csv_rows(events: QuerySet[Event]) -> list[list[Any]]:
    rows: list[list[Any]] = [CSV_HEADER]
    for event in events.iterator(chunk_size=2000):
        actor = event.actor
        rows.append(
            [
                event.seq,
                event.id,
                timezone.localtime(event.created_at, local_zone()).isoformat(),
                event.action,
                actor.username if actor else "",
                (actor.get_full_name() or actor.username) if actor else "",
                event.instance.business_key if event.instance_id else "",
                event.instance_id or "",
                event.task_id or "",
                _json_text(event.detail),
                _json_text(event.data_before),
                _json_text(event.data_after),
                event.prev_hash,
                event.hash,
            ]
        )
    return rows


EVENT_PARAMETERS = [
    OpenApiParameter("case", OpenApiTypes.STR, description="case id or case number"),
    OpenApiParameter("person", OpenApiTypes.STR, description="who acted: username or user id"),
    OpenApiParameter("action", OpenApiTypes.STR, description="`task.completed`, or a family: `complaint.`"),
    OpenApiParameter("from", OpenApiTypes.DATE, description="first day (Beijing time), inclusive"),
    OpenApiParameter("to", OpenApiTypes.DATE, description="last day, inclusive"),
    OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"], description="`csv`: every match"),
    OpenApiParameter("page", OpenApiTypes.INT),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="at most 500"),
]


class AuditEventListApi(APIView):
    """Search the audit log in one's scope, newest first; `?format=csv` exports every match (UTF-8
    with BOM, in chain order) and is itself recorded as an `audit.exported` event."""

    renderer_classes = [JSONRenderer, FiguresCsvRenderer]
    content_negotiation_class = FiguresContentNegotiation
    pagination_class = AuditEventPagination

    @extend_schema(
        parameters=EVENT_PARAMETERS,
        responses={
            200: AuditEventSerializer(many=True),
            (200, "text/csv"): OpenApiTypes.STR,
            403: OpenApiResponse(description="not an auditor or administrator"),
        },
        summary="Search and export the audit log (auditors, administrators)",
    )
    def get(self, request: Request) -> Response:
        audit_readers_only(request.user)
        query = EventQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        events = events_filtered(events_in_scope(request.user), query.validated_data).select_related(
            "actor", "instance"
        )
        if isinstance(request.accepted_renderer, FiguresCsvRenderer):
            return self._export(request, events.order_by("seq")[:EXPORT_LIMIT], query.validated_data)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(events.order_by("-seq"), request, view=self)
        return paginator.get_paginated_response(AuditEventSerializer(page, many=True).data)

    def _export(self, request: Request, events: QuerySet[Event], filters: dict[str, Any]) -> Response:
        rows = events_csv_rows(events)
        event_record(
            action="audit.exported",
            actor=request.user,
            rows=len(rows) - 1,
            filters={key: str(value) for key, value in filters.items() if value not in (None, "")},
        )
        stamp = timezone.localtime(timezone.now(), local_zone()).strftime("%Y%m%d-%H%M")
        name = f"audit-events-{stamp}.csv"
        disposition = (
            f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote('审计日志-' + stamp + '.csv')}"
        )
        return Response(rows, headers={"Content-Disposition": disposition})

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(response, "exception", False) and isinstance(
            getattr(request, "accepted_renderer", None), FiguresCsvRenderer
        ):
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


ChainFaultSerializer = inline_serializer(
    "AuditChainFault",
    {
        "id": serializers.IntegerField(allow_null=True),
        "seq": serializers.IntegerField(allow_null=True),
        "at": serializers.DateTimeField(allow_null=True),
        "problem": serializers.ChoiceField(
            choices=[
                "missing",
                "changed",
                "rehashed",
                "out_of_order",
                "back_dated",
                "rewritten",
                "outside_chain",
                "truncated",
            ]
        ),
        "message": serializers.CharField(),
    },
    allow_null=True,
)

VerificationSerializer = inline_serializer(
    "AuditVerification",
    {
        "ok": serializers.BooleanField(),
        "checked": serializers.IntegerField(),
        "head": inline_serializer(
            "AuditChainHead",
            {"seq": serializers.IntegerField(), "hash": serializers.CharField()},
            allow_null=True,
        ),
        "first_bad": ChainFaultSerializer,
        "verified_at": serializers.DateTimeField(),
    },
)


class AuditVerifyApi(APIView):
    """Walk the whole chain now and say whether it is whole, or the first event that is not
    (id, time, what is wrong). The result is recorded like the worker's daily run."""

    @extend_schema(
        responses={200: VerificationSerializer, 403: OpenApiResponse(description="not an auditor or admin")},
        summary="Verify the audit chain (auditors, administrators)",
    )
    def get(self, request: Request) -> Response:
        audit_readers_only(request.user)
        verification = audit_verify(by=Verification.By.API, requested_by=request.user)
        return Response({**verification.report.as_dict(), "verified_at": verification.finished_at})
