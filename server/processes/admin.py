from django.contrib import admin

from server.processes.models import DeadlineSetting, HumanTask, ProcessDefinition, ProcessInstance, Timer


@admin.register(ProcessDefinition)
class ProcessDefinitionAdmin(admin.ModelAdmin):
    list_display = ["key", "version", "name", "is_public", "deployed_by", "deployed_at"]
    list_filter = ["is_public"]
    readonly_fields = ["key", "version", "digest", "files", "deployed_by", "deployed_at"]


@admin.register(ProcessInstance)
class ProcessInstanceAdmin(admin.ModelAdmin):
    list_display = ["id", "definition", "business_key", "organisation", "status", "created_at"]
    list_filter = ["status"]
    # Engine-backed: only the engine changes them (through a start, completion or timer), so the
    # admin shows them and cannot forge case data behind the diagram's back.
    readonly_fields = [
        "definition",
        "organisation",
        "org_path",
        "applicant",
        "started_by",
        "status",
        "data",
        "state",
        "serializer_version",
        "lock_version",
        "stage",
        "next_deadline",
        "next_timer_at",
        "completed_at",
        "error",
    ]


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
