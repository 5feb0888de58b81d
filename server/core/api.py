from datetime import timedelta

from django.db import connection
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from server.core import calendar
from server.core.models import CalendarOverride
from server.core.workers import workers_health
from server.documents.toolchain import pdf_toolchain_problems


def audit_chain_health() -> dict:
    """When the audit chain was last verified (by anyone) and whether it was whole then."""
    from server.audit.selectors import verification_latest

    last = verification_latest()
    if last is None:
        return {"last_verified_at": None, "ok": None, "checked": 0}
    return {"last_verified_at": last.finished_at, "ok": last.ok, "checked": last.checked}


class HealthApi(APIView):
    """Database, background workers, PDF toolchain and when the audit chain was last verified.
    200 when the database answers, else 503.

    `status` is `ok` only when every kind of worker (timers, documents) has a live one and
    none is dead or stuck, and official notices can be rendered quickly; else `degraded`.
    """

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={200: dict, 503: dict}, summary="Database, worker and PDF status")
    def get(self, request: Request) -> Response:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            database = {"status": "ok", "vendor": connection.vendor}
        except Exception as exc:  # noqa: BLE001 - report any database failure as such
            return Response(
                {"status": "error", "database": {"status": "error", "detail": str(exc)}}, status=503
            )
        workers = workers_health()
        audit = audit_chain_health()
        problems = pdf_toolchain_problems()
        documents = {"status": "degraded" if problems else "ok", "warnings": list(problems.values())}
        healthy = workers["status"] == "ok" and not problems
        return Response(
            {
                "status": "ok" if healthy else "degraded",
                "database": database,
                "workers": workers,
                "documents": documents,
                "audit": audit,
            }
        )


class CalendarQuerySerializer(serializers.Serializer):
    def get_fields(self) -> dict:
        # `from` is a keyword, so the fields are declared here rather than as attributes.
        return {"from": serializers.DateField(), "to": serializers.DateField()}

    def validate(self, attrs):
        span = (attrs["to"] - attrs["from"]).days
        if span < 0:
            raise serializers.ValidationError({"from": ["必须早于结束日期 / Must not be after `to`."]})
        if span > MAX_CALENDAR_DAYS:
            raise serializers.ValidationError(
                {"to": [f"最多 {MAX_CALENDAR_DAYS} 天 / At most {MAX_CALENDAR_DAYS} days."]}
            )
        return attrs


MAX_CALENDAR_DAYS = 400

CalendarDaySerializer = inline_serializer(
    "CalendarDay",
    {
        "date": serializers.DateField(),
        "working_day": serializers.BooleanField(),
        "weekend": serializers.BooleanField(),
        "name": serializers.CharField(allow_null=True),
        "overridden": serializers.BooleanField(),
    },
    many=True,
)


class CalendarApi(APIView):
    """Working days between two dates on the official calendar, admin overrides applied."""

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, required=True),
            OpenApiParameter(
                "to", OpenApiTypes.DATE, required=True, description="inclusive, at most 400 days on"
            ),
        ],
        responses=CalendarDaySerializer,
        summary="Working days and holidays",
    )
    def get(self, request: Request) -> Response:
        query = CalendarQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end = query.validated_data["from"], query.validated_data["to"]
        overrides = dict(CalendarOverride.objects.filter(day__range=(start, end)).values_list("day", "name"))
        days = []
        for offset in range((end - start).days + 1):
            day = start + timedelta(days=offset)
            days.append(
                {
                    "date": day,
                    "working_day": calendar.is_working_day(day),
                    "weekend": day.weekday() >= 5,
                    "name": overrides.get(day) or calendar.day_name(day),
                    "overridden": day in overrides,
                }
            )
        return Response(days)
