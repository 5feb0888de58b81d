"""Figures of the 法律援助 / Legal aid service line, counted from milestone events only.

The cohort is the cases received (`legal_aid.received`) in the period within the
organisation's scope; everything else is what has happened to those cases since.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
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
    on_time,
    rate,
)

PREFIX = "legal_aid."
RECEIVED = "legal_aid.received"
RATINGS = ("excellent", "good", "fair", "poor")


def _decision_due(case: CaseMilestones) -> datetime | None:
    """The decision deadline in force: moved back by a supplement (time waiting is not counted)."""
    return moment(case.value("legal_aid.supplemented", "decision_due")) or moment(
        case.value(RECEIVED, "decision_due")
    )


def _waiting_for_applicant(case: CaseMilestones) -> bool:
    return "legal_aid.supplement_requested" in case.events and "legal_aid.supplemented" not in case.events


def legal_aid_figures(cases: list[CaseMilestones], now: datetime) -> dict[str, Any]:
    """The figures the department reports, from each case's milestone events."""
    channels: Counter[str] = Counter()
    ratings: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    overdue_undecided: list[dict[str, Any]] = []
    overdue_unassigned: list[dict[str, Any]] = []
    subsidy_total = 0.0
    for case in cases:
        events = case.events
        channels[case.value(RECEIVED, "channel") or "unknown"] += 1
        if case.value(RECEIVED, "exemption_category") not in (None, "none"):
            counts["exempt"] += 1
        for action, name in (
            ("legal_aid.advance_aid", "advance_aid"),
            ("legal_aid.decided", "decided"),
            ("legal_aid.granted", "granted"),
            ("legal_aid.refused", "refused"),
            ("legal_aid.withdrawn", "withdrawn"),
            ("legal_aid.supplement_requested", "supplement_requested"),
            ("legal_aid.objection_filed", "objections_filed"),
            ("legal_aid.closed", "closed"),
        ):
            if action in events:
                counts[name] += 1
        if on_time(case.at("legal_aid.decided"), case.value("legal_aid.decided", "decision_due")):
            counts["decided_on_time"] += 1
        if "legal_aid.granted" in events and "legal_aid.assigned" in events:
            counts["assigned"] += 1
            if on_time(case.at("legal_aid.assigned"), case.value("legal_aid.granted", "assignment_due")):
                counts["assigned_on_time"] += 1
        outcome = case.value("legal_aid.objection_decided", "objection_outcome")
        if outcome in ("upheld", "rejected"):
            counts[f"objections_{outcome}"] += 1
        rating = case.value("legal_aid.rated", "rating")
        if rating in RATINGS:
            ratings[rating] += 1
        amount = (case.value("legal_aid.subsidy", "subsidy") or {}).get("amount")
        if isinstance(amount, int | float):
            counts["subsidised"] += 1
            subsidy_total += amount
        finished = {"legal_aid.decided", "legal_aid.withdrawn"} & events.keys()
        due = _decision_due(case)
        if not finished and not _waiting_for_applicant(case) and due is not None and due < now:
            overdue_undecided.append({**case.ref(), "due": due.isoformat()})
        assignment_due = moment(case.value("legal_aid.granted", "assignment_due"))
        if (
            "legal_aid.granted" in events
            and "legal_aid.assigned" not in events
            and assignment_due is not None
            and assignment_due < now
        ):
            overdue_unassigned.append({**case.ref(), "due": assignment_due.isoformat()})
    rated = sum(ratings.values())
    return {
        "received": len(cases),
        "by_channel": dict(sorted(channels.items())),
        "exempt": counts["exempt"],
        "advance_aid": counts["advance_aid"],
        "supplement_requested": counts["supplement_requested"],
        "withdrawn": counts["withdrawn"],
        "decided": counts["decided"],
        "granted": counts["granted"],
        "refused": counts["refused"],
        "decided_within_deadline": {
            "count": counts["decided_on_time"],
            "rate": rate(counts["decided_on_time"], counts["decided"]),
        },
        "grants_assigned": counts["assigned"],
        "assigned_within_deadline": {
            "count": counts["assigned_on_time"],
            "rate": rate(counts["assigned_on_time"], counts["assigned"]),
        },
        "objections": {
            "filed": counts["objections_filed"],
            "upheld": counts["objections_upheld"],
            "rejected": counts["objections_rejected"],
        },
        "closed": counts["closed"],
        "subsidy": {"cases": counts["subsidised"], "total": round(subsidy_total, 2)},
        "satisfaction": {
            "count": rated,
            "excellent": ratings["excellent"],
            "excellent_rate": rate(ratings["excellent"], rated),
            "by_rating": {name: ratings[name] for name in RATINGS},
        },
        "overdue": {"undecided": overdue_undecided, "unassigned": overdue_unassigned},
    }


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


class LegalAidStatsApi(APIView):
    @figures_schema(
        summary="法律援助统计 / Legal aid figures",
        response=LegalAidStatsSerializer,
    )
    def get(self, request: Request) -> Response:
        scope = figures_scope(request.user, request.query_params)
        cases = case_milestones(scope, prefix=PREFIX, cohort=RECEIVED)
        return Response({"scope": scope.as_dict(), **legal_aid_figures(cases, timezone.now())})
