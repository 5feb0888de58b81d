from django.contrib import admin

from server.processes.models import (
    DeadlineSetting,
    HumanTask,
    ProcessDefinition,
    ProcessInstance,
    ScheduledStart,
    Subscription,
    Timer,
)


@admin.register(ProcessDefinition)
class ProcessDefinitionAdmin(admin.ModelAdmin):
    list_display = ["key", "version", "name", "is_public", "retired", "deployed_by", "deployed_at"]
    list_filter = ["is_public", "retired"]
    readonly_fields = ["key", "version", "digest", "files", "deployed_by", "deployed_at"]


@admin.register(ProcessInstance)
class ProcessInstanceAdmin(admin.ModelAdmin):
    list_display = ["id", "definition", "business_key", "organisation", "status", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["state", "serializer_version", "lock_version"]


@admin.register(HumanTask)
class HumanTaskAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "instance", "status", "assignee", "priority", "due_at"]
    list_filter = ["status"]


@admin.register(Timer)
class TimerAdmin(admin.ModelAdmin):
    list_display = ["id", "instance", "bpmn_id", "due_at", "status", "fired_at"]
    list_filter = ["status"]


@admin.register(DeadlineSetting)
class DeadlineSettingAdmin(admin.ModelAdmin):
    list_display = ["organisation", "key", "amount", "unit", "warn_before", "updated_at"]
    list_filter = ["unit", "key"]
    search_fields = ["organisation__code", "organisation__name", "key"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Synced from the engine: read only, like the timer rows' source of truth."""

    list_display = ["id", "instance", "kind", "name", "bpmn_id", "correlation", "status", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "bpmn_id"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ScheduledStart)
class ScheduledStartAdmin(admin.ModelAdmin):
    list_display = ["key", "bpmn_id", "expression", "next_at", "last_at", "started", "error"]
    readonly_fields = ["key", "bpmn_id", "timer", "expression", "anchor", "last_at", "started", "error"]
