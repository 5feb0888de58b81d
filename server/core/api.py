from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from server.core import calendar
from server.core.models import CalendarOverride, WorkerHeartbeat


class HealthApi(APIView):
    """Database and timer-worker status. 200 when the database answers; 503 when it does not."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={200: dict, 503: dict}, summary="Database and worker status")
    def get(self, request: Request) -> Response:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            database = {"status": "ok", "vendor": connection.vendor}
        except Exception as exc:  # noqa: BLE001 - report any database failure as such
            return Response(
                {"status": "error", "database": {"status": "error", "detail": str(exc)}}, status=503
            )
        stale_after = timedelta(seconds=settings.LEXFLOW["WORKER_STALE_AFTER"])
        now = timezone.now()
        workers = [
            {
                "name": beat.name,
                "last_seen": beat.last_seen,
                "alive": now - beat.last_seen <= stale_after,
                "fired_total": beat.fired_total,
            }
            for beat in WorkerHeartbeat.objects.order_by("-last_seen")[:20]
        ]
        alive = any(worker["alive"] for worker in workers)
        return Response(
            {
                "status": "ok" if alive else "degraded",
                "database": database,
                "worker": {"status": "ok" if alive else "not running", "workers": workers},
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
