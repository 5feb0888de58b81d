"""Shared plumbing for the service lines' figures: scope, period and milestone events.

Figures are counted from milestone events in the append-only audit log (see
`FlowAnnotation.milestone`), never from counters kept beside the cases, so they cannot
drift from what happened and every figure can be traced to the cases behind it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied

from server.accounts.models import STAFF_ROLES, Organisation
from server.accounts.selectors import organisation_in_scope, user_is_staff_member, user_primary_organisation
from server.audit.models import Event
from server.core.calendar import local_zone
from server.processes.models import ProcessInstance


class FiguresQuerySerializer(serializers.Serializer):
    """`?organisation=&from=&to=`: an organisation (id or code, default the user's own) and
    everything below it; cases received from `from` to `to` inclusive (default: this year)."""

    def get_fields(self) -> dict:
        # `from` is a keyword, so the fields are declared here rather than as attributes.
        return {
            "organisation": serializers.CharField(required=False, allow_blank=True, default=""),
            "from": serializers.DateField(required=False, allow_null=True, default=None),
            "to": serializers.DateField(required=False, allow_null=True, default=None),
        }

    def validate(self, attrs: dict) -> dict:
        if attrs["from"] and attrs["to"] and attrs["from"] > attrs["to"]:
            raise serializers.ValidationError({"from": ["必须早于结束日期 / Must not be after `to`."]})
        return attrs


@dataclass(frozen=True)
class FiguresScope:
    organisation: Organisation
    date_from: date
    date_to: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.date_from, time.min, tzinfo=local_zone())

    @property
    def end(self) -> datetime:
        return datetime.combine(self.date_to + timedelta(days=1), time.min, tzinfo=local_zone())

    def as_dict(self) -> dict[str, Any]:
        return {
            "organisation": {
                "id": self.organisation.pk,
                "code": self.organisation.code,
                "name": self.organisation.name,
                "name_en": self.organisation.name_en,
            },
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
        }


def figures_scope(user: AbstractBaseUser, query_params: Any) -> FiguresScope:
    """Read and check `?organisation=&from=&to=`; staff only, and only within their own scope."""
    if not user_is_staff_member(user):
        raise PermissionDenied("Figures are for staff. / 统计数据仅对工作人员开放。")
    query = FiguresQuerySerializer(data=query_params)
    query.is_valid(raise_exception=True)
    values = query.validated_data
    wanted = (values["organisation"] or "").strip()
    if wanted:
        lookup = {"pk": int(wanted)} if wanted.isdigit() else {"code": wanted}
        organisation = Organisation.objects.filter(**lookup).first()
        if organisation is None:
            raise NotFound("No such organisation. / 无此机构。")
    else:
        organisation = user_primary_organisation(user)
        if organisation is None:
            raise PermissionDenied("You belong to no organisation.")
    if not organisation_in_scope(user, organisation, roles=STAFF_ROLES):
        raise NotFound("No such organisation. / 无此机构。")
    today = timezone.localdate()
    return FiguresScope(
        organisation=organisation,
        date_from=values["from"] or date(today.year, 1, 1),
        date_to=values["to"] or today,
    )


@dataclass
class CaseMilestones:
    """The milestone events of one case, by action: the first of each in `events`, every one
    (in order) in `repeats`, for milestones a case can pass more than once."""

    instance_id: int
    business_key: str
    organisation: str
    events: dict[str, Event]
    repeats: dict[str, list[Event]] = field(default_factory=dict)

    def at(self, action: str) -> datetime | None:
        event = self.events.get(action)
        return event.created_at if event else None

    def value(self, action: str, name: str) -> Any:
        event = self.events.get(action)
        return event.detail.get(name) if event else None

    def values(self, action: str, name: str) -> list[Any]:
        """`name` as recorded by every event `action` of the case, in order."""
        return [event.detail.get(name) for event in self.repeats.get(action, [])]

    def ref(self) -> dict[str, Any]:
        return {
            "instance": self.instance_id,
            "business_key": self.business_key,
            "organisation": self.organisation,
        }


def case_milestones(scope: FiguresScope, *, prefix: str, cohort: str) -> list[CaseMilestones]:
    """Cases in scope whose `cohort` milestone (e.g. "complaint.received") falls in the period,
    with all their `prefix`-milestones (e.g. "complaint.") whenever they happened."""
    cohort_ids = Event.objects.filter(
        action=cohort,
        created_at__gte=scope.start,
        created_at__lt=scope.end,
        instance__org_path__startswith=scope.organisation.path,
    ).values("instance_id")
    by_case: dict[int, dict[str, list[Event]]] = defaultdict(lambda: defaultdict(list))
    for event in Event.objects.filter(instance_id__in=cohort_ids, action__startswith=prefix).order_by("id"):
        by_case[event.instance_id][event.action].append(event)
    instances = ProcessInstance.objects.filter(pk__in=list(by_case)).values_list(
        "pk", "business_key", "organisation__code"
    )
    return [
        CaseMilestones(
            pk,
            business_key,
            org_code,
            {action: events[0] for action, events in by_case[pk].items()},
            dict(by_case[pk]),
        )
        for pk, business_key, org_code in sorted(instances)
    ]


def moment(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=local_zone())


def rate(part: int, whole: int) -> float | None:
    """A percentage to one decimal place; None when there is nothing to divide by."""
    return round(100.0 * part / whole, 1) if whole else None


def on_time(done: datetime | None, due: Any) -> bool | None:
    """Was it done by its due moment? None when it has no due moment recorded or is not done."""
    due_at = moment(due)
    if done is None or due_at is None:
        return None
    return done <= due_at


FIGURES_PARAMETERS = [
    OpenApiParameter("organisation", OpenApiTypes.STR, description="id or code; default the caller's own"),
    OpenApiParameter("from", OpenApiTypes.DATE, description="cases received on or after (default 1 January)"),
    OpenApiParameter("to", OpenApiTypes.DATE, description="cases received on or before (default today)"),
]


def figures_schema(*, summary: str, response: Any, description: str = "") -> Any:
    """The OpenAPI description every service line's figures endpoint shares."""
    return extend_schema(
        summary=summary,
        description=description,
        parameters=FIGURES_PARAMETERS,
        responses={
            200: response,
            400: OpenApiResponse(description="bad `from`/`to`"),
            403: OpenApiResponse(description="not staff"),
            404: OpenApiResponse(description="organisation unknown or outside the caller's scope"),
        },
    )


class FiguresOrganisationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()


# `from` is a keyword, so the scope block's fields are given as a mapping.
FiguresScopeSerializer = type(
    "FiguresScopeSerializer",
    (serializers.Serializer,),
    {
        "organisation": FiguresOrganisationSerializer(),
        "from": serializers.DateField(),
        "to": serializers.DateField(),
    },
)


def figures_scope_serializer() -> serializers.Serializer:
    """The `scope` block of every figures answer."""
    return FiguresScopeSerializer()
