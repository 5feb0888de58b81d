"""The supervision dashboard's API: the cases behind a figure, figures as CSV, case volume by
period and the overdue tasks of everything in scope.

Every service line defines its figures once (`LineFigures` in `server/<line>/figures.py`): the
count in `GET /<line>/stats` and the case list of `GET /figures/cases` both come from the same
rule over the same cohort, so a drill-down always adds up to the number clicked.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any
from urllib.parse import quote

from django.db.models import Count
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.module_loading import import_string
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from server.audit.models import Event
from server.core.calendar import local_zone, working_days_between
from server.core.errors import InvalidInput
from server.processes.figures import (
    FIGURES_PARAMETERS,
    CaseMilestones,
    FiguresScope,
    LineFigures,
    figures_organisation,
    figures_scope,
    figures_staff_only,
)
from server.processes.models import HumanTask, ProcessDefinition, ProcessInstance, TaskStatus
from server.processes.serializers import UserRefSerializer

# The service lines whose stats can be drilled into, by the name their URLs use. Imported when
# first asked for, so this module does not depend on the line apps at import time.
LINES = {
    "complaints": "server.complaints.figures.FIGURES",
    "legal-aid": "server.legal_aid.figures.FIGURES",
    "mediation": "server.mediation.figures.FIGURES",
    "notary": "server.notary.figures.FIGURES",
}


def line_figures(line: str) -> LineFigures:
    return import_string(LINES[line])


# ---------------------------------------------------------------------------------------------
# Selectors


def figure_cases(
    line: LineFigures, key: str, scope: FiguresScope, *, now: datetime | None = None
) -> list[dict[str, Any]]:
    """The cases behind figure `key` of `line` in `scope`: the line's cohort, filtered by the
    figure's own rule (the one its count in the stats answer comes from), oldest case first."""
    now = now or timezone.now()
    figure = line.figure(key)
    if figure is None:
        raise KeyError(key)
    members: dict[int, CaseMilestones] = {
        case.instance_id: case for case in line.cases(scope) if figure.counts(case, now)
    }
    instances = (
        ProcessInstance.objects.filter(pk__in=list(members))
        .order_by("pk")
        .values(
            "pk",
            "business_key",
            "created_at",
            "definition__key",
            "organisation_id",
            "organisation__code",
            "organisation__name",
        )
    )
    rows = []
    for instance in instances:
        case = members[instance["pk"]]
        milestone_at = figure.milestone(case) if figure.milestone else case.at(line.cohort)
        rows.append(
            {
                "instance": instance["pk"],
                "business_key": instance["business_key"],
                "process": instance["definition__key"],
                "organisation": {
                    "id": instance["organisation_id"],
                    "code": instance["organisation__code"],
                    "name": instance["organisation__name"],
                },
                "started_at": instance["created_at"],
                "milestone_at": milestone_at,
                "on_time": figure.on_time(case) if figure.on_time else None,
            }
        )
    return rows


INTERVALS = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


def case_volume(scope: FiguresScope, interval: str) -> list[dict[str, Any]]:
    """Cases started and completed per process per day, week (from Monday) or month, in the
    organisation and below, counted from the `instance.started` / `instance.completed` events.

    One grouped query per kind, truncated in the service's time zone (Asia/Shanghai), so a
    case started at 07:00 Beijing time on the 1st counts on the 1st, not on the 31st (UTC).
    Periods in which a process had neither are left out.
    """
    trunc = INTERVALS[interval]
    table: dict[tuple[str, str], dict[str, Any]] = {}
    for action, column in (("instance.started", "started"), ("instance.completed", "completed")):
        grouped = (
            Event.objects.filter(
                action=action,
                created_at__gte=scope.start,
                created_at__lt=scope.end,
                instance__org_path__startswith=scope.organisation.path,
            )
            .annotate(period=trunc("created_at", tzinfo=local_zone()))
            .values("period", "instance__definition__key")
            .annotate(cases=Count("instance_id", distinct=True))
            .order_by()  # no default ordering in the GROUP BY
        )
        for row in grouped:
            period = timezone.localtime(row["period"], local_zone()).date().isoformat()
            key = (period, row["instance__definition__key"])
            entry = table.setdefault(key, {"period": period, "process": key[1], "started": 0, "completed": 0})
            entry[column] = row["cases"]
    names = dict(
        ProcessDefinition.objects.filter(key__in={process for _, process in table})
        .order_by("key", "version")
        .values_list("key", "name")
    )  # the latest version's name wins
    return [{**table[key], "process_name": names.get(key[1], key[1])} for key in sorted(table)]


def overdue_tasks(organisation_path: str, *, now: datetime | None = None) -> Any:
    """Open human tasks past their due moment in the organisation and below, most overdue first."""
    now = now or timezone.now()
    return (
        HumanTask.objects.filter(
            status=TaskStatus.OPEN, due_at__lt=now, org_path__startswith=organisation_path
        )
        .select_related("instance__definition", "organisation", "assignee")
        .only(
            "id",
            "name",
            "bpmn_id",
            "due_at",
            "instance__id",
            "instance__business_key",
            "instance__definition__key",
            "instance__definition__name",
            "organisation__id",
            "organisation__code",
            "organisation__name",
            "assignee__id",
            "assignee__username",
            "assignee__first_name",
            "assignee__last_name",
        )
        .order_by("due_at", "id")
    )


def working_days_overdue(due_at: datetime, today: Any = None) -> int:
    """Working days on the official calendar from the due day to today, the due day not
    counted, and at least 1 for a task past its due moment (later the same day, or over a
    weekend): the mirror of the task list's `working_days_left`, which is at most -1 then."""
    today = today or timezone.localdate()
    return max(1, working_days_between(timezone.localtime(due_at, local_zone()).date(), today))


# ---------------------------------------------------------------------------------------------
# Figures as rows: the JSON answer of a line's stats, flattened for CSV (and for checking)


def figure_rows(line: LineFigures, answer: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(key, bilingual label, value) for every number of a stats answer, in its order.

    Nested blocks become dotted keys ("counts.accepted"); a list of cases becomes its count
    ("overdue"); a list of named rows becomes one key per name ("ineligible.by_ground.<code>"
    when the row has only a count, "legal_aid_quota.notaries.<username>.count" otherwise).
    Text (titles, names) and the scope block are left out; a number without a label is named
    by its key.
    """
    rows: list[tuple[str, str, Any]] = []

    def add(key: str, value: Any) -> None:
        if isinstance(value, dict):
            for name, inner in value.items():
                add(f"{key}.{name}" if key else name, inner)
        elif isinstance(value, list):
            if line.figure(key) is not None:  # a list of cases, e.g. the overdue ones
                rows.append((key, line.label(key) or key, len(value)))
                return
            for item in value:
                name = next(str(inner) for inner in item.values() if isinstance(inner, str))
                numbers = {
                    field: inner for field, inner in item.items() if isinstance(inner, bool | int | float)
                }
                add(f"{key}.{name}", numbers["count"] if list(numbers) == ["count"] else numbers)
        elif value is None or isinstance(value, bool | int | float):
            rows.append((key, line.label(key) or key, value))

    add("", {name: value for name, value in answer.items() if name not in ("scope", "as_of")})
    return rows


CSV_HEADER = (
    "指标 / Figure",
    "说明 / Description",
    "数值 / Value",
    "机构 / Organisation",
    "起 / From",
    "止 / To",
)


def _csv_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "是 / Yes" if value else "否 / No"
    return "" if value is None else value


def figures_csv(line: LineFigures, scope: FiguresScope, answer: dict[str, Any]) -> list[list[Any]]:
    organisation = f"{scope.organisation.name} ({scope.organisation.code})"
    period = (scope.date_from.isoformat(), scope.date_to.isoformat())
    return [
        list(CSV_HEADER),
        *(
            [key, label, _csv_value(value), organisation, *period]
            for key, label, value in figure_rows(line, answer)
        ),
    ]


def csv_filename(line: LineFigures, scope: FiguresScope) -> tuple[str, str]:
    """(ASCII name, UTF-8 name) of a stats export: line, organisation, period."""
    period = f"{scope.date_from:%Y%m%d}-{scope.date_to:%Y%m%d}"
    ascii_name = f"{line.key}_{scope.organisation.code}_{period}.csv"
    title = line.title.split(" / ")[0]
    return ascii_name, f"{title}_{scope.organisation.name}_{period}.csv"


class FiguresCsvRenderer(BaseRenderer):
    """Rows to CSV in UTF-8 with a byte-order mark, so Excel opens Chinese text correctly."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows([[_cell(value) for value in row] for row in data])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (names come from admin-edited data) gets a
    leading apostrophe."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return f"'{value}"
    return value


class FiguresContentNegotiation(DefaultContentNegotiation):
    """`?format=` names the answer's format: an unknown one is a 400 on `format`, not DRF's 404."""

    def filter_renderers(self, renderers: list, format: str) -> list:
        found = [renderer for renderer in renderers if renderer.format == format]
        if not found:
            formats = ", ".join(renderer.format for renderer in renderers)
            raise InvalidInput(
                f"format: 不支持的格式 / Unsupported format: {format}",
                {"format": [f"可选 / One of: {formats}"]},
            )
        return found


class FiguresApiView(APIView):
    content_negotiation_class = FiguresContentNegotiation


class LineStatsApi(FiguresApiView):
    """Base of every service line's `GET /<line>/stats`: JSON, or CSV with `?format=csv` or
    `Accept: text/csv`. Errors are problem JSON either way."""

    renderer_classes = [JSONRenderer, FiguresCsvRenderer]
    figures: LineFigures

    def stats_response(self, request: Request, scope: FiguresScope, answer: dict[str, Any]) -> Response:
        """`answer` (scope block first) as JSON, or as CSV rows when CSV was asked for."""
        answer = {"scope": scope.as_dict(), **answer}
        if not isinstance(request.accepted_renderer, FiguresCsvRenderer):
            return Response(answer)
        line = self.figures
        ascii_name, utf8_name = csv_filename(line, scope)
        disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(utf8_name)}"
        return Response(figures_csv(line, scope, answer), headers={"Content-Disposition": disposition})

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(response, "exception", False) and isinstance(
            getattr(request, "accepted_renderer", None), FiguresCsvRenderer
        ):
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


# ---------------------------------------------------------------------------------------------
# GET /figures/cases


class FigureCasesQuerySerializer(serializers.Serializer):
    line = serializers.ChoiceField(
        choices=list(LINES),
        error_messages={
            "invalid_choice": f"未知的业务线 / Unknown service line: {{input}} (one of {', '.join(LINES)})",
            "required": f"必填 / Required: one of {', '.join(LINES)}",
        },
    )
    figure = serializers.CharField(
        error_messages={"required": "必填：统计结果中的计数名 / Required: a count's key in the stats"}
    )

    def validate(self, attrs: dict) -> dict:
        line = line_figures(attrs["line"])
        key = attrs["figure"].strip()
        if line.figure(key) is None:
            if line.label(key) is not None:
                message = f"不是案件计数（比率、金额等没有案件清单） / Not a count of cases: {key}"
            else:
                message = f"该业务线无此指标 / No such figure for {attrs['line']}: {key}"
            raise serializers.ValidationError({"figure": [message]})
        return {"line": line, "figure": key}


class FiguresOrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class FigureCaseSerializer(serializers.Serializer):
    instance = serializers.IntegerField()
    business_key = serializers.CharField()
    process = serializers.CharField()
    organisation = FiguresOrganisationRefSerializer()
    started_at = serializers.DateTimeField()
    milestone_at = serializers.DateTimeField(
        allow_null=True,
        help_text="when the case passed what the figure counts (for overdue: when it was received)",
    )
    on_time = serializers.BooleanField(
        allow_null=True, help_text="done by its deadline; null when the figure has no deadline"
    )


class FigureCasesApi(FiguresApiView):
    @extend_schema(
        summary="统计指标背后的案件 / The cases behind a figure",
        description=(
            "The cases counted by one figure of a service line's stats, by the same rule and "
            "cohort (cases received in the period, in the organisation and below): "
            "`len(result)` equals the count in `GET /<line>/stats`. `figure` is the count's key "
            "in that answer, dotted (`counts.accepted`, `decided_within_deadline.count`, "
            "`by_channel.online`, `ineligible.by_ground.<code>`, `overdue`)."
        ),
        parameters=[
            OpenApiParameter("line", OpenApiTypes.STR, enum=list(LINES), required=True),
            OpenApiParameter("figure", OpenApiTypes.STR, required=True, description="e.g. counts.accepted"),
            *FIGURES_PARAMETERS,
        ],
        responses={
            200: FigureCaseSerializer(many=True),
            400: OpenApiResponse(description="unknown `line` or `figure`, bad `from`/`to`"),
            403: OpenApiResponse(description="not staff"),
            404: OpenApiResponse(description="organisation unknown or outside the caller's scope"),
        },
    )
    def get(self, request: Request) -> Response:
        figures_staff_only(request.user)
        query = FigureCasesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        scope = figures_scope(request.user, request.query_params)
        rows = figure_cases(query.validated_data["line"], query.validated_data["figure"], scope)
        return Response(FigureCaseSerializer(rows, many=True).data)


# ---------------------------------------------------------------------------------------------
# GET /figures/volume


class VolumeQuerySerializer(serializers.Serializer):
    interval = serializers.ChoiceField(
        choices=list(INTERVALS),
        required=False,
        default="month",
        error_messages={"invalid_choice": "必须是 day、week 或 month / Must be day, week or month."},
    )


VolumeRowSerializer = inline_serializer(
    "FiguresVolumeRow",
    {
        "period": serializers.DateField(help_text="first day of the day, week (Monday) or month"),
        "process": serializers.CharField(),
        "process_name": serializers.CharField(),
        "started": serializers.IntegerField(),
        "completed": serializers.IntegerField(),
    },
    many=True,
)


class FigureVolumeApi(FiguresApiView):
    @extend_schema(
        summary="按期间的案件量 / Cases started and completed per period",
        description=(
            "Per process and per day, week or month (Beijing time): cases started and cases "
            "completed in the organisation and below, from the case events. Periods with "
            "neither are left out."
        ),
        parameters=[
            *FIGURES_PARAMETERS,
            OpenApiParameter("interval", OpenApiTypes.STR, enum=list(INTERVALS), description="default month"),
        ],
        responses={
            200: VolumeRowSerializer,
            400: OpenApiResponse(description="bad `interval`, `from` or `to`"),
            403: OpenApiResponse(description="not staff"),
            404: OpenApiResponse(description="organisation unknown or outside the caller's scope"),
        },
    )
    def get(self, request: Request) -> Response:
        figures_staff_only(request.user)
        query = VolumeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        scope = figures_scope(request.user, request.query_params)
        return Response(case_volume(scope, query.validated_data["interval"]))


# ---------------------------------------------------------------------------------------------
# GET /figures/overdue


class OverduePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as exc:
            raise InvalidInput("page: 无此页 / No such page", {"page": [str(exc.detail)]}) from exc


class OverdueTaskSerializer(serializers.Serializer):
    task = serializers.IntegerField(source="id")
    instance = serializers.IntegerField(source="instance.id")
    business_key = serializers.CharField(source="instance.business_key")
    process = serializers.CharField(source="instance.definition.key")
    process_name = serializers.CharField(source="instance.definition.name")
    task_name = serializers.CharField(source="name")
    bpmn_id = serializers.CharField()
    organisation = FiguresOrganisationRefSerializer()
    assignee = UserRefSerializer(allow_null=True)
    due_at = serializers.DateTimeField()
    working_days_overdue = serializers.SerializerMethodField(
        help_text="working days from the due day to today (official calendar), the due day not counted; "
        "at least 1"
    )

    def get_working_days_overdue(self, task: HumanTask) -> int:
        return working_days_overdue(task.due_at, self.context["today"])


class FigureOverdueApi(FiguresApiView):
    pagination_class = OverduePagination

    @extend_schema(
        summary="逾期待办 / Overdue open tasks in scope",
        description=(
            "Open human tasks past their due moment anywhere in the organisation and below "
            "(default: the caller's own), most overdue first; page-number pages."
        ),
        parameters=[
            OpenApiParameter(
                "organisation", OpenApiTypes.STR, description="id or code; default the caller's own"
            ),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="default 50, at most 200"),
        ],
        responses={
            200: OverdueTaskSerializer(many=True),
            400: OpenApiResponse(description="no such page"),
            403: OpenApiResponse(description="not staff"),
            404: OpenApiResponse(description="organisation unknown or outside the caller's scope"),
        },
    )
    def get(self, request: Request) -> Response:
        organisation = figures_organisation(request.user, request.query_params.get("organisation"))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(overdue_tasks(organisation.path), request, view=self)
        context = {"today": timezone.localdate()}
        return paginator.get_paginated_response(OverdueTaskSerializer(page, many=True, context=context).data)


# ---------------------------------------------------------------------------------------------
# GET /figures/archives


ArchiveRateSerializer = inline_serializer(
    "ArchiveRates",
    {
        "scope": serializers.DictField(),
        "target": serializers.FloatField(help_text="the plan: 100% of closed cases archived"),
        "rows": inline_serializer(
            "ArchiveRateRow",
            {
                "process": serializers.CharField(),
                "process_name": serializers.CharField(),
                "organisation": FiguresOrganisationRefSerializer(),
                "closed": serializers.IntegerField(),
                "archived": serializers.IntegerField(),
                "rate": serializers.FloatField(allow_null=True),
                "meets_target": serializers.BooleanField(allow_null=True),
            },
            many=True,
        ),
        "total": inline_serializer(
            "ArchiveRateTotal",
            {
                "closed": serializers.IntegerField(),
                "archived": serializers.IntegerField(),
                "rate": serializers.FloatField(allow_null=True),
                "meets_target": serializers.BooleanField(allow_null=True),
            },
        ),
    },
)


class FigureArchivesApi(FiguresApiView):
    """The archive rate (卷宗归档率): closed cases with an archive / cases closed in the period, per
    process and organisation in scope, against the plan's 100%."""

    @extend_schema(
        parameters=FIGURES_PARAMETERS,
        responses={200: ArchiveRateSerializer},
        summary="Archive rate of closed cases, per process and organisation",
    )
    def get(self, request: Request) -> Response:
        from server.documents.archives import archive_rates

        scope = figures_scope(request.user, request.query_params)
        rates = archive_rates(organisation_path=scope.organisation.path, start=scope.start, end=scope.end)
        return Response({"scope": scope.as_dict(), **rates})
