"""`GET /api/v1/notary/stats`: the notary figures (see `figures.py`)."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from server.notary.figures import FIGURES, TARGETS, legal_aid_quota, notary_figures
from server.processes.figures import (
    figures_schema,
    figures_scope,
    figures_scope_serializer,
    targets_serializers,
)
from server.processes.figures_api import LineStatsApi

# ---------------------------------------------------------------------------------------------
# Response shape, for the OpenAPI document


class NotaryCountRateSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    rate = serializers.FloatField(
        allow_null=True, help_text="percent, 1 decimal; null when nothing to divide"
    )


class NotaryFeeWaiversSerializer(serializers.Serializer):
    waived = serializers.IntegerField(help_text="免收 / fee waived")
    reduced = serializers.IntegerField(help_text="减收 / fee reduced")


class NotaryReturnedSerializer(serializers.Serializer):
    cases = serializers.IntegerField(help_text="cases sent back at this level at least once")
    returns = serializers.IntegerField(help_text="send-backs at this level in all")


class NotaryReturnedByLevelSerializer(serializers.Serializer):
    self_check = NotaryReturnedSerializer(help_text="公证员自查 / the notary's own check")
    review = NotaryReturnedSerializer(help_text="审批人复核 / the reviewer's check")
    spot_check = NotaryReturnedSerializer(help_text="负责人抽查 / the director's spot check")


class NotaryOverdueCaseSerializer(serializers.Serializer):
    instance = serializers.IntegerField()
    business_key = serializers.CharField()
    organisation = serializers.CharField()
    case_number = serializers.CharField(allow_null=True, help_text="受理号 / acceptance number")
    notary = serializers.CharField(allow_null=True)
    certificate_due = serializers.DateTimeField()
    escalated = serializers.BooleanField(help_text="escalated to the director")


class NotaryQuotaRowSerializer(serializers.Serializer):
    notary = serializers.CharField()
    name = serializers.CharField()
    organisation = serializers.CharField(allow_null=True)
    count = serializers.IntegerField()
    target = serializers.IntegerField()
    met = serializers.BooleanField()


class NotaryQuotaSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    notaries = NotaryQuotaRowSerializer(many=True)
    met = serializers.IntegerField()
    behind = serializers.IntegerField()


class NotaryStatsSerializer(serializers.Serializer):
    scope = figures_scope_serializer()
    received = serializers.IntegerField()
    accepted = serializers.IntegerField()
    refused = serializers.IntegerField()
    certificates_issued = serializers.IntegerField()
    issued_within_deadline = NotaryCountRateSerializer(
        help_text="issued by the certificate_due set on acceptance"
    )
    green_channel = NotaryCountRateSerializer(help_text="green-channel cases among those received")
    fee_waivers = NotaryFeeWaiversSerializer()
    visits = serializers.IntegerField(help_text="home or hospital visits made")
    returned_by_quality_check = NotaryReturnedByLevelSerializer()
    overdue = NotaryOverdueCaseSerializer(many=True)
    legal_aid_quota = NotaryQuotaSerializer(help_text="legal-aid notary cases per notary in the year of `to`")
    targets, meets_targets = targets_serializers("NotaryStats", TARGETS)


class NotaryStatsApi(LineStatsApi):
    figures = FIGURES

    @figures_schema(
        summary="公证统计 / Notary figures",
        response=NotaryStatsSerializer,
    )
    def get(self, request: Request) -> Response:
        scope = figures_scope(request.user, request.query_params)
        answer = {**notary_figures(FIGURES.cases(scope)), "legal_aid_quota": legal_aid_quota(scope)}
        return self.stats_response(request, scope, answer)
