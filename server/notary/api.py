"""Figures of the notary service line, counted from milestone events only."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from server.accounts.models import Membership, Role
from server.audit.models import Event
from server.core.calendar import local_zone
from server.notary.services import notary_office, quota_target_for
from server.processes.figures import (
    CaseMilestones,
    FiguresScope,
    case_milestones,
    figures_schema,
    figures_scope,
    figures_scope_serializer,
    moment,
    on_time,
    rate,
)

PREFIX = "notary."
RECEIVED = "notary.received"
ACCEPTED = "notary.accepted"
REFUSED = "notary.refused"
ISSUED = "notary.certificate_issued"
OVERDUE = "notary.certificate_overdue"
VISITED = "notary.visited"
QUOTA = "notary.legal_aid_counted"
# quality-check level -> the milestone its "send back" records
RETURNED = {
    "self_check": "notary.returned_self_check",
    "review": "notary.returned_review",
    "spot_check": "notary.returned_spot_check",
}


def _returns_by_level(case_ids: list[int]) -> dict[str, int]:
    """Every send-back, not only each case's first: a case may be sent back several times."""
    counts = dict.fromkeys(RETURNED, 0)
    level_of = {action: level for level, action in RETURNED.items()}
    for action in Event.objects.filter(instance_id__in=case_ids, action__in=list(level_of)).values_list(
        "action", flat=True
    ):
        counts[level_of[action]] += 1
    return counts


def notary_figures(cases: list[CaseMilestones], *, now: datetime | None = None) -> dict[str, Any]:
    """Figures for a cohort of cases (those received in the period).

    - issued within the deadline: certificates issued by the `certificate_due` recorded on
      acceptance (15 working days, Notarisation Procedure Rules art. 35), as a share of issued;
    - green channel and fee waivers as classified on receipt;
    - quality-check send-backs per level (cases, and send-backs in all);
    - overdue: accepted, no certificate yet, `certificate_due` passed.
    """
    now = now or timezone.now()
    received = accepted = refused = issued = on_time_count = green = visits = 0
    fees = {"waived": 0, "reduced": 0}
    returned_cases = dict.fromkeys(RETURNED, 0)
    overdue = []
    for case in cases:
        received += 1
        refused += REFUSED in case.events
        visits += VISITED in case.events
        if case.value(RECEIVED, "green_channel"):
            green += 1
        waiver = case.value(RECEIVED, "fee_waiver")
        if waiver in fees:
            fees[waiver] += 1
        for level, action in RETURNED.items():
            returned_cases[level] += action in case.events
        if ACCEPTED not in case.events:
            continue
        accepted += 1
        due = case.value(ACCEPTED, "certificate_due")
        if ISSUED in case.events:
            issued += 1
            on_time_count += bool(on_time(case.at(ISSUED), due))
            continue
        due_at = moment(due)
        if due_at is not None and due_at < now:
            assignment = case.value(ACCEPTED, "assignment") or {}
            acceptance = case.value(ACCEPTED, "acceptance") or {}
            overdue.append(
                {
                    **case.ref(),
                    "case_number": acceptance.get("number"),
                    "notary": assignment.get("notary"),
                    "certificate_due": due_at.isoformat(),
                    "escalated": OVERDUE in case.events,
                }
            )
    overdue.sort(key=lambda row: (row["certificate_due"], row["instance"]))
    returns = _returns_by_level([case.instance_id for case in cases])
    return {
        "received": received,
        "accepted": accepted,
        "refused": refused,
        "certificates_issued": issued,
        "issued_within_deadline": {"count": on_time_count, "rate": rate(on_time_count, issued)},
        "green_channel": {"count": green, "rate": rate(green, received)},
        "fee_waivers": fees,
        "visits": visits,
        "returned_by_quality_check": {
            level: {"cases": returned_cases[level], "returns": returns[level]} for level in RETURNED
        },
        "overdue": overdue,
    }


def legal_aid_quota(scope: FiguresScope) -> dict[str, Any]:
    """Each notary's legal-aid notary cases in the year of `to`, against the yearly target.

    Read from the `notary.legal_aid_counted` milestones of cases in scope; every notary of the
    organisation and below is listed, those with none too (they are the ones behind target).
    """
    year = scope.date_to.year
    start = datetime.combine(date(year, 1, 1), time.min, tzinfo=local_zone())
    end = datetime.combine(date(year + 1, 1, 1), time.min, tzinfo=local_zone())
    cases: dict[str, set[str]] = defaultdict(set)
    events = Event.objects.filter(
        action=QUOTA,
        created_at__gte=start,
        created_at__lt=end,
        instance__org_path__startswith=scope.organisation.path,
    ).values_list("instance_id", "detail")
    for instance_id, detail in events:
        quota = (detail or {}).get("quota") or {}
        if quota.get("notary") and quota.get("year") == year:
            cases[quota["notary"]].add(quota.get("case_number") or str(instance_id))
    notary_ids = Membership.objects.filter(
        role=Role.NOTARY, organisation__path__startswith=scope.organisation.path
    ).values("user_id")
    users = get_user_model().objects.filter(pk__in=notary_ids) | get_user_model().objects.filter(
        username__in=list(cases)
    )
    rows = []
    for user in users.distinct().order_by("username"):
        office = notary_office(user)
        count, target = len(cases.get(user.get_username(), ())), quota_target_for(office)
        rows.append(
            {
                "notary": user.get_username(),
                "name": user.get_full_name() or user.get_username(),
                "organisation": office.code if office else None,
                "count": count,
                "target": target,
                "met": count >= target,
            }
        )
    return {
        "year": year,
        "notaries": rows,
        "met": sum(row["met"] for row in rows),
        "behind": sum(not row["met"] for row in rows),
    }


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


class NotaryStatsApi(APIView):
    @figures_schema(
        summary="公证统计 / Notary figures",
        response=NotaryStatsSerializer,
    )
    def get(self, request: Request) -> Response:
        scope = figures_scope(request.user, request.query_params)
        cases = case_milestones(scope, prefix=PREFIX, cohort=RECEIVED)
        return Response(
            {"scope": scope.as_dict(), **notary_figures(cases), "legal_aid_quota": legal_aid_quota(scope)}
        )
