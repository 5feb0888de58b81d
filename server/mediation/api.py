"""`GET /api/v1/mediation/stats`: the people's mediation figures (see `figures.py`)."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from server.mediation.figures import FIGURES, TARGETS, mediation_figures
from server.processes.figures import (
    figures_schema,
    figures_scope,
    figures_scope_serializer,
    targets_serializers,
)
from server.processes.figures_api import LineStatsApi

# ---------------------------------------------------------------------------------------------
# OpenAPI shapes


class _EscalationsSerializer(serializers.Serializer):
    administrative = serializers.IntegerField(help_text="escalated to administrative mediation")
    judicial = serializers.IntegerField(help_text="escalated to judicial mediation / court guidance")


class _AgreementsByLevelSerializer(serializers.Serializer):
    people = serializers.IntegerField()
    administrative = serializers.IntegerField()


class _CountsSerializer(serializers.Serializer):
    received = serializers.IntegerField(help_text="disputes received in the period (the cohort)")
    accepted = serializers.IntegerField()
    risk_escalations = serializers.IntegerField(help_text="escalated at once for a risk of violence or crime")
    escalations = _EscalationsSerializer()
    agreements = serializers.IntegerField()
    agreements_by_level = _AgreementsByLevelSerializer()
    concluded = serializers.IntegerField(help_text="ended in an agreement or a referral to the court")
    overruns = serializers.IntegerField(help_text="cases whose mediation ran past its deadline")
    confirmations_applied = serializers.IntegerField(help_text="applications for judicial confirmation")
    withdrawn = serializers.IntegerField(help_text="withdrawn by the party who brought it")
    overdue = serializers.IntegerField()


class _RatesSerializer(serializers.Serializer):
    acceptance_rate = serializers.FloatField(allow_null=True, help_text="percent; null when nothing received")
    agreement_rate = serializers.FloatField(allow_null=True, help_text="agreements / concluded, percent")
    confirmation_rate = serializers.FloatField(
        allow_null=True, help_text="applications / agreements, percent"
    )


class _OverdueSerializer(serializers.Serializer):
    instance = serializers.IntegerField()
    business_key = serializers.CharField()
    organisation = serializers.CharField()
    mediation_due = serializers.DateTimeField()


class MediationStatsSerializer(serializers.Serializer):
    scope = figures_scope_serializer()
    counts = _CountsSerializer()
    rates = _RatesSerializer()
    overdue = _OverdueSerializer(many=True)
    targets, meets_targets = targets_serializers("MediationStats", TARGETS)


class MediationStatsApi(LineStatsApi):
    figures = FIGURES

    @figures_schema(
        summary="人民调解统计 / People's mediation figures",
        response=MediationStatsSerializer,
    )
    def get(self, request: Request) -> Response:
        scope = figures_scope(request.user, request.query_params)
        return self.stats_response(request, scope, mediation_figures(FIGURES.cases(scope)))
