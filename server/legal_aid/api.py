"""`GET /api/v1/legal-aid/stats`: the 法律援助 / Legal aid figures (see `figures.py`)."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from server.legal_aid.figures import FIGURES, TARGETS, legal_aid_figures
from server.processes.figures import (
    figures_schema,
    figures_scope,
    figures_scope_serializer,
    targets_serializers,
)
from server.processes.figures_api import LineStatsApi

# ---------------------------------------------------------------------------------------------
# Response documentation


class LegalAidCountRateSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    rate = serializers.FloatField(
        allow_null=True, help_text="percent, 1 decimal; null when nothing to divide"
    )


class LegalAidObjectionsSerializer(serializers.Serializer):
    filed = serializers.IntegerField()
    upheld = serializers.IntegerField(help_text="the justice bureau ordered aid (back to assignment)")
    rejected = serializers.IntegerField()


class LegalAidSubsidySerializer(serializers.Serializer):
    cases = serializers.IntegerField()
    total = serializers.FloatField(help_text="CNY")


class LegalAidRatingsSerializer(serializers.Serializer):
    excellent = serializers.IntegerField()
    good = serializers.IntegerField()
    fair = serializers.IntegerField()
    poor = serializers.IntegerField()


class LegalAidSatisfactionSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    excellent = serializers.IntegerField()
    excellent_rate = serializers.FloatField(allow_null=True, help_text="plan target: >= 85%")
    by_rating = LegalAidRatingsSerializer()


class LegalAidOverdueCaseSerializer(serializers.Serializer):
    instance = serializers.IntegerField()
    business_key = serializers.CharField()
    organisation = serializers.CharField()
    due = serializers.DateTimeField()


class LegalAidOverdueSerializer(serializers.Serializer):
    undecided = LegalAidOverdueCaseSerializer(many=True, help_text="no decision, past decision_due")
    unassigned = LegalAidOverdueCaseSerializer(many=True, help_text="granted, no lawyer, past assignment_due")


class LegalAidStatsSerializer(serializers.Serializer):
    scope = figures_scope_serializer()
    received = serializers.IntegerField()
    by_channel = serializers.DictField(child=serializers.IntegerField(), help_text="online, hotline_12348...")
    exempt = serializers.IntegerField(help_text="exempt from the hardship check")
    advance_aid = serializers.IntegerField()
    supplement_requested = serializers.IntegerField()
    withdrawn = serializers.IntegerField(help_text="treated as withdrawn: material not supplied")
    withdrawn_by_applicant = serializers.IntegerField(help_text="withdrawn by the applicant (not refused)")
    decided = serializers.IntegerField()
    granted = serializers.IntegerField(help_text="granted on decision or after an upheld objection")
    refused = serializers.IntegerField()
    decided_within_deadline = LegalAidCountRateSerializer(help_text="of the decided, by decision_due")
    grants_assigned = serializers.IntegerField()
    assigned_within_deadline = LegalAidCountRateSerializer(help_text="of the assigned, by assignment_due")
    objections = LegalAidObjectionsSerializer()
    closed = serializers.IntegerField()
    subsidy = LegalAidSubsidySerializer()
    satisfaction = LegalAidSatisfactionSerializer()
    overdue = LegalAidOverdueSerializer()
    targets, meets_targets = targets_serializers("LegalAidStats", TARGETS)


class LegalAidStatsApi(LineStatsApi):
    figures = FIGURES

    @figures_schema(
        summary="法律援助统计 / Legal aid figures",
        response=LegalAidStatsSerializer,
    )
    def get(self, request: Request) -> Response:
        scope = figures_scope(request.user, request.query_params)
        return self.stats_response(request, scope, legal_aid_figures(FIGURES.cases(scope), timezone.now()))
