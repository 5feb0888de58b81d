import django_filters
from django.db.models import F, Q
from django.utils import timezone

from server.core.bounds import BoundedIsoDateTimeFilter, IdFilter, IntFilter
from server.processes.models import HumanTask, InstanceStatus, ProcessInstance, TaskStatus
from server.processes.selectors import tasks_due_today_q

# `ordering` values -> ORDER BY; each ends on the queue's own order so pages never shuffle.
TASK_ORDERINGS = {
    "due": ("due_sort", "-priority", "id"),
    "-due": (F("due_at").desc(nulls_last=True), "-priority", "id"),
    "priority": ("priority", "due_sort", "id"),
    "-priority": ("-priority", "due_sort", "id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
}


class TaskFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=TaskStatus.choices, method="filter_status")
    process = django_filters.CharFilter(field_name="instance__definition__key")
    mine = django_filters.BooleanFilter(method="filter_mine")
    unassigned = django_filters.BooleanFilter(field_name="assignee", lookup_expr="isnull")
    due_before = BoundedIsoDateTimeFilter(field_name="due_at", lookup_expr="lt")
    overdue = django_filters.BooleanFilter(method="filter_overdue")
    priority = IntFilter(field_name="priority", lookup_expr="gte", label="minimum priority")
    instance = IdFilter(field_name="instance_id")
    groups = django_filters.BooleanFilter(
        method="filter_groups", label="candidate-group work: tasks not assigned to me"
    )
    due_today = django_filters.BooleanFilter(
        method="filter_due_today", label="due before the end of today (Asia/Shanghai), overdue included"
    )
    green_channel = django_filters.BooleanFilter(method="filter_green_channel", label="green-channel cases")
    q = django_filters.CharFilter(
        method="filter_q", max_length=100, label="case number or task name contains (case-insensitive)"
    )
    ordering = django_filters.ChoiceFilter(
        choices=[(key, key) for key in TASK_ORDERINGS],
        method="filter_ordering",
        label="sort order; default: most urgent first (priority, then due date)",
    )

    class Meta:
        model = HumanTask
        fields: list[str] = []

    def filter_status(self, queryset, name, value):
        return queryset.filter(status=value)

    def filter_mine(self, queryset, name, value):
        user = self.request.user
        return queryset.filter(assignee=user) if value else queryset.exclude(assignee=user)

    def filter_overdue(self, queryset, name, value):
        now = timezone.now()
        return queryset.filter(due_at__lt=now) if value else queryset.exclude(due_at__lt=now)

    def filter_groups(self, queryset, name, value):
        user = self.request.user
        return queryset.exclude(assignee=user) if value else queryset.filter(assignee=user)

    def filter_due_today(self, queryset, name, value):
        due = tasks_due_today_q()
        return queryset.filter(due) if value else queryset.exclude(due)

    def filter_green_channel(self, queryset, name, value):
        # The queue's annotation (selectors.task_queue) is false, not NULL, for cases without
        # the flag, so `false` finds them too.
        return queryset.filter(green_channel=value)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(instance__business_key__icontains=value) | Q(name__icontains=value))

    def filter_ordering(self, queryset, name, value):
        return queryset.order_by(*TASK_ORDERINGS[value])

    @property
    def qs(self):
        queryset = super().qs
        if "status" not in self.data:
            queryset = queryset.filter(status=TaskStatus.OPEN)  # the queue shows open work by default
        return queryset


INCIDENT = "incident"


class InstanceFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=[*InstanceStatus.choices, (INCIDENT, "有故障 / With an open incident")],
        method="filter_status",
        label="running, suspended, completed, cancelled, withdrawn, or incident (an open incident)",
    )
    process = django_filters.CharFilter(field_name="definition__key")
    version = IdFilter(field_name="definition__version")
    business_key = django_filters.CharFilter()
    organisation = IdFilter(field_name="organisation_id")
    within = django_filters.CharFilter(
        method="filter_within", label="organisation code: that organisation and everything below it"
    )
    stage = django_filters.CharFilter(field_name="stage", lookup_expr="icontains", max_length=100)
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="work in hand past its due date")
    started_after = BoundedIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    started_before = BoundedIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = ProcessInstance
        fields: list[str] = []

    def filter_status(self, queryset, name, value):
        if value == INCIDENT:
            return queryset.filter(open_incidents=True)
        return queryset.filter(status=value)

    def filter_within(self, queryset, name, value):
        from server.accounts.models import Organisation

        organisation = Organisation.objects.filter(code=value.strip()).first()
        return queryset.filter(org_path__startswith=organisation.path) if organisation else queryset.none()

    def filter_overdue(self, queryset, name, value):
        late = Q(
            next_deadline__lt=timezone.now(), status__in=[InstanceStatus.RUNNING, InstanceStatus.SUSPENDED]
        )
        return queryset.filter(late) if value else queryset.exclude(late)
