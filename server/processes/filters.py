import django_filters
from django.utils import timezone

from server.processes.models import HumanTask, InstanceStatus, ProcessInstance, TaskStatus


class TaskFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=TaskStatus.choices, method="filter_status")
    process = django_filters.CharFilter(field_name="instance__definition__key")
    mine = django_filters.BooleanFilter(method="filter_mine")
    unassigned = django_filters.BooleanFilter(field_name="assignee", lookup_expr="isnull")
    due_before = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="lt")
    overdue = django_filters.BooleanFilter(method="filter_overdue")
    priority = django_filters.NumberFilter(field_name="priority", lookup_expr="gte", label="minimum priority")
    instance = django_filters.NumberFilter(field_name="instance_id")

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

    @property
    def qs(self):
        queryset = super().qs
        if "status" not in self.data:
            queryset = queryset.filter(status=TaskStatus.OPEN)  # the queue shows open work by default
        return queryset


class InstanceFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=InstanceStatus.choices)
    process = django_filters.CharFilter(field_name="definition__key")
    business_key = django_filters.CharFilter()
    organisation = django_filters.NumberFilter(field_name="organisation_id")
    started_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    started_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = ProcessInstance
        fields: list[str] = []
