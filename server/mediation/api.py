"""Figures of the people's mediation service line, counted from milestone events only."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from server.processes.figures import (
    CaseMilestones,
    case_milestones,
    figures_schema,
    figures_scope,
    figures_scope_serializer,
    moment,
    rate,
)

PREFIX = "mediation."
RECEIVED = "mediation.received"
ACCEPTED = "mediation.accepted"
RISK_ESCALATED = "mediation.risk_escalated"
ESCALATED = "mediation.escalated"
AGREEMENT = "mediation.agreement"
OVERRUN = "mediation.overrun"
CONFIRMATION_APPLIED = "mediation.confirmation_applied"
LEVELS = ("administrative", "judicial")


def _escalation_levels(case: CaseMilestones) -> set[str]:
    """A case escalates more than once under the same milestone (administrative, then judicial)."""
    return {level for level in case.values(ESCALATED, "escalation_level") if level}


def mediation_figures(cases: list[CaseMilestones], *, now: Any = None) -> dict[str, Any]:
    """The department's mediation figures for a cohort of cases (those received in the period).

    - acceptance rate: accepted / received (the plan's target is 100%: every dispute is accepted);
    - escalations by level: cases escalated to administrative mediation (after a failed session,
      an overrun, or at once for a risk of violence or crime) and on to judicial mediation;
    - agreement rate: agreements / concluded cases, a case being concluded by an agreement (at
      any level) or by its referral on to judicial mediation / the court;
    - confirmation rate: applications for judicial confirmation / agreements;
    - overdue: accepted cases with no agreement and no referral to the court whose
      `mediation_due` (recorded on acceptance) has passed.
    """
    now = now or timezone.now()
    received = accepted = risk = agreements = overruns = applied = concluded = 0
    escalations = dict.fromkeys(LEVELS, 0)
    agreements_by_level: dict[str, int] = {"people": 0, "administrative": 0}
    overdue = []
    for case in cases:
        received += RECEIVED in case.events
        case_levels = _escalation_levels(case)
        for level in LEVELS:
            escalations[level] += level in case_levels
        risk += RISK_ESCALATED in case.events
        overruns += OVERRUN in case.events
        applied += CONFIRMATION_APPLIED in case.events
        agreed = AGREEMENT in case.events
        referred = "judicial" in case_levels
        if agreed:
            agreements += 1
            level = case.value(AGREEMENT, "mediation_level") or "people"
            agreements_by_level[level] = agreements_by_level.get(level, 0) + 1
        concluded += agreed or referred
        if ACCEPTED in case.events:
            accepted += 1
            due = moment(case.value(ACCEPTED, "mediation_due"))
            if not agreed and not referred and due is not None and due < now:
                overdue.append({**case.ref(), "mediation_due": due.isoformat()})
    overdue.sort(key=lambda row: row["mediation_due"])
    return {
        "counts": {
            "received": received,
            "accepted": accepted,
            "risk_escalations": risk,
            "escalations": escalations,
            "agreements": agreements,
            "agreements_by_level": agreements_by_level,
            "concluded": concluded,
            "overruns": overruns,
            "confirmations_applied": applied,
            "overdue": len(overdue),
        },
        "rates": {
            "acceptance_rate": rate(accepted, received),
            "agreement_rate": rate(agreements, concluded),
            "confirmation_rate": rate(applied, agreements),
        },
        "overdue": overdue,
    }


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


class MediationStatsApi(APIView):
    @figures_schema(
        summary="人民调解统计 / People's mediation figures",
        response=MediationStatsSerializer,
    )
    def get(self, request: Request) -> Response:
        scope = figures_scope(request.user, request.query_params)
        cases = case_milestones(scope, prefix=PREFIX, cohort=RECEIVED)
        return Response({"scope": scope.as_dict(), **mediation_figures(cases)})
