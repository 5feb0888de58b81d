"""The processes admin. Instances, tasks and timers are engine-backed and read only here: a
case changes only through the engine (the API's case and task operations), never by editing
its rows. Deadline settings stay editable; the operations' records are read only."""

from django.contrib import admin

from server.processes.models import (
    Consultation,
    DeadlineSetting,
    HumanTask,
    Incident,
    ProcessDefinition,
    ProcessInstance,
    ScheduledStart,
    Subscription,
    Substitute,
    Suspension,
    TaskComment,
    TaskCopy,
    Timer,
)


@admin.register(ProcessDefinition)
class ProcessDefinitionAdmin(admin.ModelAdmin):
    list_display = ["key", "version", "name", "is_public", "retired", "deployed_by", "deployed_at"]
    list_filter = ["is_public", "retired"]
    readonly_fields = ["key", "version", "digest", "files", "deployed_by", "deployed_at"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ProcessInstance)
class ProcessInstanceAdmin(ReadOnlyAdmin):
    list_display = ["id", "definition", "business_key", "organisation", "status", "stage", "created_at"]
    list_filter = ["status"]
    search_fields = ["business_key"]


@admin.register(HumanTask)
class HumanTaskAdmin(ReadOnlyAdmin):
    list_display = ["id", "name", "instance", "status", "assignee", "priority", "due_at"]
    list_filter = ["status"]


@admin.register(Timer)
class TimerAdmin(ReadOnlyAdmin):
    list_display = ["id", "instance", "bpmn_id", "due_at", "status", "fired_at"]
    list_filter = ["status"]


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ["id", "instance", "kind", "bpmn_id", "status", "attempts", "created_at"]
    list_filter = ["status", "kind"]


@admin.register(Suspension)
class SuspensionAdmin(ReadOnlyAdmin):
    list_display = ["id", "instance", "started_at", "until", "ended_at", "working_days"]


@admin.register(TaskComment)
class TaskCommentAdmin(ReadOnlyAdmin):
    list_display = ["id", "instance", "task", "author", "kind", "created_at"]
    list_filter = ["kind"]


@admin.register(Consultation)
class ConsultationAdmin(ReadOnlyAdmin):
    list_display = ["id", "task", "asked_by", "consultant", "status", "created_at"]
    list_filter = ["status"]


@admin.register(TaskCopy)
class TaskCopyAdmin(ReadOnlyAdmin):
    list_display = ["id", "task", "sender", "recipient", "created_at"]


@admin.register(Substitute)
class SubstituteAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "substitute", "starts_on", "ends_on"]


@admin.register(DeadlineSetting)
class DeadlineSettingAdmin(admin.ModelAdmin):
    list_display = [
        "organisation",
        "key",
        "amount",
        "unit",
        "warn_before",
        "pauses_when_suspended",
        "updated_at",
    ]
    list_filter = ["unit", "key", "pauses_when_suspended"]
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
