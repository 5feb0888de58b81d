"""`GET /api/v1/complaints/stats`: the complaint figures the department reports."""

from __future__ import annotations

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from server.complaints.figures import COUNT_NAMES, FIGURES, TARGETS, complaint_figures
from server.processes.figures import (
    figures_schema,
    figures_scope,
    figures_scope_serializer,
    targets_serializers,
)
from server.processes.figures_api import LineStatsApi


def _rates(name: str, fields: tuple[str, ...]) -> serializers.Serializer:
    return inline_serializer(name, {field: serializers.FloatField(allow_null=True) for field in fields})


targets, meets_targets = targets_serializers("ComplaintStats", TARGETS)
StatsResponse = inline_serializer(
    "ComplaintStats",
    {
        "scope": figures_scope_serializer(),
        "targets": targets,
        "counts": inline_serializer(
            "ComplaintStatsCounts",
            {name: serializers.IntegerField() for name in COUNT_NAMES},
        ),
        "rates": _rates(
            "ComplaintStatsRates",
            (
                "acceptance_rate",
                "reply_rate",
                "on_time_acceptance_rate",
                "on_time_reply_rate",
                "satisfaction_rate",
            ),
        ),
        "meets_targets": meets_targets,
        "ineligible": inline_serializer(
            "ComplaintStatsIneligible",
            {
                "count": serializers.IntegerField(),
                "with_written_reason": serializers.IntegerField(),
                "by_ground": inline_serializer(
                    "ComplaintStatsGround",
                    {
                        "ground": serializers.CharField(),
                        "title": serializers.CharField(),
                        "count": serializers.IntegerField(),
                    },
                    many=True,
                ),
            },
        ),
        "satisfaction": inline_serializer(
            "ComplaintStatsSatisfaction",
            {
                "satisfied": serializers.IntegerField(),
                "not_satisfied": serializers.IntegerField(),
                "no_answer": serializers.IntegerField(),
                "rate": serializers.FloatField(allow_null=True),
            },
        ),
        "overdue": inline_serializer(
            "ComplaintStatsOverdue",
            {
                "instance": serializers.IntegerField(),
                "business_key": serializers.CharField(),
                "organisation": serializers.CharField(),
                "kind": serializers.ChoiceField(choices=["acceptance", "reply"]),
                "step": serializers.ChoiceField(choices=["eligibility", "acceptance", "reply"]),
                "what": serializers.CharField(),
                "due": serializers.DateTimeField(),
                "days_overdue": serializers.IntegerField(),
                "escalated": serializers.BooleanField(help_text="the supervisor has a follow-up task"),
            },
            many=True,
        ),
        "as_of": serializers.DateTimeField(),
    },
)


class ComplaintStatsApi(LineStatsApi):
    figures = FIGURES

    @figures_schema(
        summary="投诉统计 / Complaint figures",
        response=StatsResponse,
        description=(
            "Complaints received in the period by the organisation and everything below it: "
            "eligible, accepted, replied, on-time rates, ineligible with reasons, satisfaction and "
            "the overdue list, counted from milestone events only. Targets: 100% / 100%."
        ),
    )
    def get(self, request: Request) -> Response:
        scope = figures_scope(request.user, request.query_params)
        return self.stats_response(request, scope, complaint_figures(FIGURES.cases(scope)))
