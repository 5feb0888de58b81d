"""Shared plumbing for the service lines' figures: scope, period and milestone events.

Figures are counted from milestone events in the append-only audit log (see
`FlowAnnotation.milestone`), never from counters kept beside the cases, so they cannot
drift from what happened and every figure can be traced to the cases behind it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied

from server.accounts.models import STAFF_ROLES, Organisation
from server.accounts.selectors import organisation_in_scope, user_is_staff_member, user_primary_organisation
from server.audit.models import Event
from server.audit.selectors import events_sound
from server.core.bounds import BoundedDateField, object_id
from server.core.calendar import local_zone
from server.processes.models import ProcessInstance


class FiguresQuerySerializer(serializers.Serializer):
    """`?organisation=&from=&to=`: an organisation (id or code, default the user's own) and
    everything below it; cases received from `from` to `to` inclusive (default: this year)."""

    def get_fields(self) -> dict:
        # `from` is a keyword, so the fields are declared here rather than as attributes.
        return {
            "organisation": serializers.CharField(required=False, allow_blank=True, default=""),
            "from": BoundedDateField(required=False, allow_null=True, default=None),
            "to": BoundedDateField(required=False, allow_null=True, default=None),
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


def figures_staff_only(user: AbstractBaseUser) -> None:
    """Figures (and the cases behind them) are for staff: applicants get 403."""
    if not user_is_staff_member(user):
        raise PermissionDenied("Figures are for staff. / 统计数据仅对工作人员开放。")


def figures_organisation(user: AbstractBaseUser, wanted: str | None) -> Organisation:
    """`?organisation=` (id or code; default the user's own) if it is within the user's scope.

    Unknown and out-of-scope organisations are both 404, so scope does not reveal what exists.
    """
    figures_staff_only(user)
    wanted = (wanted or "").strip()
    if "\x00" in wanted:  # no code holds one, and PostgreSQL refuses it in a query
        raise NotFound("No such organisation. / 无此机构。")
    if wanted:
        number = object_id(wanted)
        lookup = {"pk": number} if number is not None else {"code": wanted}
        organisation = Organisation.objects.filter(**lookup).first()
        if organisation is None:
            raise NotFound("No such organisation. / 无此机构。")
    else:
        organisation = user_primary_organisation(user)
        if organisation is None:
            raise PermissionDenied("You belong to no organisation.")
    if not organisation_in_scope(user, organisation, roles=STAFF_ROLES):
        raise NotFound("No such organisation. / 无此机构。")
    return organisation


def figures_scope(user: AbstractBaseUser, query_params: Any) -> FiguresScope:
    """Read and check `?organisation=&from=&to=`; staff only, and only within their own scope."""
    figures_staff_only(user)
    query = FiguresQuerySerializer(data=query_params)
    query.is_valid(raise_exception=True)
    values = query.validated_data
    organisation = figures_organisation(user, values["organisation"])
    today = timezone.localdate()
    return FiguresScope(
        organisation=organisation,
        date_from=values["from"] or date(today.year, 1, 1),
        date_to=values["to"] or today,
    )


# What the case operations record that every line's figures read besides its own milestones:
# the applicant withdrew the case (counted as withdrawn, never as refused), it was cancelled,
# or it resumed after a suspension (its pausing deadlines moved, see `CaseMilestones.value`).
WITHDRAWN_BY_APPLICANT = "instance.withdrawn"
CANCELLED = "instance.cancelled"
RESUMED = "instance.resumed"
CASE_OPERATIONS = (WITHDRAWN_BY_APPLICANT, CANCELLED, RESUMED)


@dataclass
class CaseMilestones:
    """The milestone events of one case, by action: the first of each in `events`, every one
    (in order) in `repeats`, for milestones a case can pass more than once. The case
    operations' events (`CASE_OPERATIONS`) are there too."""

    instance_id: int
    business_key: str
    organisation: str
    events: dict[str, Event]
    repeats: dict[str, list[Event]] = field(default_factory=dict)

    def at(self, action: str) -> datetime | None:
        event = self.events.get(action)
        return event.created_at if event else None

    def value(self, action: str, name: str) -> Any:
        """`name` as event `action` recorded it — a due moment moved on by every later resumption
        that moved it (the clock stood still while the case was suspended)."""
        event = self.events.get(action)
        if event is None:
            return None
        value = event.detail.get(name)
        for resumed in self.repeats.get(RESUMED, []):
            moved = (resumed.detail.get("moved") or {}).get(name)
            if resumed.pk > event.pk and isinstance(moved, dict) and moved.get("from") == value:
                value = moved.get("to")
        return value

    @property
    def withdrawn_by_applicant(self) -> bool:
        return WITHDRAWN_BY_APPLICANT in self.events

    @property
    def ended_early(self) -> bool:
        """Withdrawn by the applicant or cancelled: nothing is overdue on it any more."""
        return WITHDRAWN_BY_APPLICANT in self.events or CANCELLED in self.events

    def ended_before(self, action: str) -> bool:
        """It ended early without ever passing `action` (withdrawn before the decision, say)."""
        return self.ended_early and action not in self.events

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
    # Chain order, not id order: an id can be chosen by whoever inserts a row, a place in the chain
    # cannot. Events changed behind the triggers, forged or back-dated are left out (`events_sound`).
    mine = Q(action__startswith=prefix) | Q(action__in=CASE_OPERATIONS)
    milestones = Event.objects.filter(mine, instance_id__in=cohort_ids).order_by("seq")
    for event in events_sound(milestones):
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


def past_due(due: datetime | None, now: datetime, *, pending: bool) -> datetime | None:
    """`due`, if the work it is for is still `pending` and the moment has passed; else None."""
    return due if pending and due is not None and due < now else None


def rate(part: int, whole: int) -> float | None:
    """A percentage to one decimal place; None when there is nothing to divide by."""
    return round(100.0 * part / whole, 1) if whole else None


def on_time(done: datetime | None, due: Any) -> bool | None:
    """Was it done by its due moment? None when it has no due moment recorded or is not done."""
    due_at = moment(due)
    if done is None or due_at is None:
        return None
    return done <= due_at


# ---------------------------------------------------------------------------------------------
# Figures defined once: the count in a line's stats and the cases behind it come from one rule

Moment = Callable[[CaseMilestones], datetime | None]


def passed(action: str) -> Moment:
    """When the case (first) passed milestone `action`."""
    return lambda case: case.at(action)


@dataclass(frozen=True)
class Figure:
    """One count of cases a service line reports.

    `counts(case, now)` says whether a case of the cohort counts; the figure's value in the
    stats answer is how many do, and the drill-down lists exactly those cases. `milestone`
    is when the case passed what the figure counts (default: its cohort milestone, e.g. for
    "overdue", where nothing has happened yet); `on_time` whether that was by its deadline.
    """

    label: str
    counts: Callable[[CaseMilestones, datetime], bool]
    milestone: Moment | None = None
    on_time: Callable[[CaseMilestones], bool | None] | None = None


@dataclass(frozen=True)
class FigureFamily:
    """Counts of cases by a recorded value (channel, ground, level): figure `<key>.<value>`.

    `value_of(case)` is the case's value, None when the case is not counted at all; `fixed`
    values are reported even when no case has them.
    """

    label: str
    value_of: Callable[[CaseMilestones], str | None]
    milestone: Moment | None = None
    fixed: tuple[str, ...] = ()
    title: Callable[[str], str] | None = None

    def figure(self, value: str) -> Figure:
        title = self.title(value) if self.title else value
        return Figure(
            label=f"{self.label}: {title}",
            counts=lambda case, now: self.value_of(case) == value,
            milestone=self.milestone,
        )

    def tally(self, cases: list[CaseMilestones]) -> dict[str, int]:
        found: Counter[str] = Counter()
        for case in cases:
            value = self.value_of(case)
            if value is not None:
                found[value] += 1
        return {**dict.fromkeys(self.fixed, 0), **found}


@dataclass(frozen=True)
class Target:
    """A plan target: the rate at dotted path `rate` in the stats answer should reach `percent`."""

    rate: str
    percent: float
    zh: str  # the rate's name, e.g. "受理率"
    en: str  # e.g. "Acceptance rate"

    def labels(self, name: str) -> dict[str, str]:
        """The bilingual names of the target and of whether it is met, as the CSV shows them."""
        return {
            f"targets.{name}": f"{self.zh}目标（%） / Target {self.en[0].lower()}{self.en[1:]} (%)",
            f"meets_targets.{name}": f"{self.zh}达标 / {self.en} meets the target",
        }


@dataclass(frozen=True)
class LineFigures:
    """Every figure a service line's stats endpoint reports, keyed by its dotted path in the
    answer (e.g. "counts.accepted", "decided_within_deadline.count"), with the cohort.

    `labels` names the other numbers of the answer, which are not counts of cases (rates,
    sums, send-backs, quotas); a key may use `*` for one segment named by data.
    """

    key: str
    title: str
    prefix: str
    cohort: str
    figures: Mapping[str, Figure]
    families: Mapping[str, FigureFamily] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    targets: Mapping[str, Target] = field(default_factory=dict)

    def with_targets(self, answer: dict[str, Any]) -> dict[str, Any]:
        """`answer` with the line's plan targets and whether each is met: the dashboard and the
        CSV read both from the server, so a target is stated in one place."""
        if not self.targets:
            return answer

        def value_at(path: str) -> Any:
            value: Any = answer
            for part in path.split("."):
                value = value[part]
            return value

        return {
            **answer,
            "targets": {name: target.percent for name, target in self.targets.items()},
            "meets_targets": {
                name: value is not None and value >= target.percent
                for name, target in self.targets.items()
                for value in [value_at(target.rate)]
            },
        }

    def cases(self, scope: FiguresScope) -> list[CaseMilestones]:
        """The cohort: cases whose cohort milestone falls in the scope's period and organisation."""
        return case_milestones(scope, prefix=self.prefix, cohort=self.cohort)

    def figure(self, key: str) -> Figure | None:
        if key in self.figures:
            return self.figures[key]
        for name, family in self.families.items():
            value = key.removeprefix(f"{name}.")
            if value != key and value:
                return family.figure(value)
        return None

    def tally(self, cases: list[CaseMilestones], now: datetime) -> dict[str, int]:
        """The count of every (fixed) figure: how many cases of the cohort it counts."""
        return {key: sum(figure.counts(case, now) for case in cases) for key, figure in self.figures.items()}

    def label(self, key: str) -> str | None:
        """The bilingual name of any number in the answer, case count or not."""
        figure = self.figure(key)
        if figure is not None:
            return figure.label
        if key in self.labels:
            return self.labels[key]
        for name, target in self.targets.items():
            if key in (labels := target.labels(name)):
                return labels[key]
        parts = key.split(".")
        for pattern, label in self.labels.items():
            wanted = pattern.split(".")
            if "*" in wanted and len(wanted) == len(parts):
                named = [part for want, part in zip(wanted, parts, strict=True) if want == "*"]
                if all(want in ("*", part) for want, part in zip(wanted, parts, strict=True)):
                    return label.format(*named)
        return None


FIGURES_PARAMETERS = [
    OpenApiParameter("organisation", OpenApiTypes.STR, description="id or code; default the caller's own"),
    OpenApiParameter("from", OpenApiTypes.DATE, description="cases received on or after (default 1 January)"),
    OpenApiParameter("to", OpenApiTypes.DATE, description="cases received on or before (default today)"),
]


CSV_DESCRIPTION = (
    "`?format=csv` or `Accept: text/csv`: the same figures as a spreadsheet, UTF-8 with a BOM, "
    "one row per figure under a bilingual header (指标 / Figure, 说明 / Description, 数值 / Value, "
    "机构 / Organisation, 起 / From, 止 / To), as an attachment named by line, organisation and period."
)


def figures_schema(*, summary: str, response: Any, description: str = "") -> Any:
    """The OpenAPI description every service line's figures endpoint shares (JSON or CSV)."""
    return extend_schema(
        summary=summary,
        description=f"{description}\n\n{CSV_DESCRIPTION}".strip(),
        parameters=[
            *FIGURES_PARAMETERS,
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"], description="default json"),
        ],
        responses={
            (200, "application/json"): response,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="the figures as CSV"),
            400: OpenApiResponse(description="bad `from`/`to`/`format`"),
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


def targets_serializers(
    name: str, targets: Mapping[str, Target]
) -> tuple[serializers.Serializer, serializers.Serializer]:
    """The `targets` and `meets_targets` blocks of a line's answer (`LineFigures.with_targets`)."""
    return (
        inline_serializer(
            f"{name}Targets",
            {key: serializers.FloatField(help_text=f"percent: {t.rate}") for key, t in targets.items()},
        ),
        inline_serializer(f"{name}MeetsTargets", {key: serializers.BooleanField() for key in targets}),
    )
