from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from server.core.models import WorkerHeartbeat


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
