from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from server.processes.models import InstanceStatus, ProcessDefinition, TaskStatus, TimerStatus
from server.processes.selectors import case_data_for, event_detail_for


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.SerializerMethodField()

    def get_display_name(self, user) -> str:
        return user.get_full_name() or user.username


class DefinitionSerializer(serializers.ModelSerializer):
    deployed_by = UserRefSerializer(read_only=True)

    class Meta:
        model = ProcessDefinition
        fields = ["key", "version", "name", "digest", "is_public", "deployed_by", "deployed_at"]


class DefinitionVersionSerializer(DefinitionSerializer):
    instance_count = serializers.IntegerField(read_only=True)
    running_count = serializers.IntegerField(read_only=True)
    files = serializers.SerializerMethodField()

    class Meta(DefinitionSerializer.Meta):
        fields = [*DefinitionSerializer.Meta.fields, "instance_count", "running_count", "files"]

    def get_files(self, definition) -> list[str]:
        return sorted(definition.files)


class DeployInputSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(allow_empty_file=False), allow_empty=False)
    public = serializers.BooleanField(required=False, allow_null=True, default=None)


class TaskSerializer(serializers.Serializer):
    """A queue row. Plain (not Model-) serializers on the hot paths: DRF rebuilds a
    ModelSerializer's fields from model metadata every time one is created."""

    id = serializers.IntegerField(read_only=True)
    instance = serializers.IntegerField(source="instance_id", read_only=True)
    process = serializers.CharField(source="instance.definition.key", read_only=True)
    business_key = serializers.CharField(source="instance.business_key", read_only=True)
    bpmn_id = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    candidate_groups = serializers.ListField(child=serializers.CharField(), read_only=True)
    organisation = serializers.IntegerField(source="organisation_id", read_only=True)
    assignee = UserRefSerializer(read_only=True, allow_null=True)
    priority = serializers.IntegerField(read_only=True)
    due_at = serializers.DateTimeField(read_only=True, allow_null=True)
    follow_up_at = serializers.DateTimeField(read_only=True, allow_null=True)
    overdue = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=TaskStatus.choices, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    claimed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    completed_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def get_overdue(self, task) -> bool:
        return bool(task.due_at and task.status == "open" and task.due_at < timezone.now())


class TaskDetailSerializer(TaskSerializer):
    form = serializers.CharField(read_only=True)
    form_schema = serializers.SerializerMethodField()
    ui_schema = serializers.SerializerMethodField()
    data = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_data(self, task) -> dict:
        return case_data_for(self.context.get("viewer"), task.instance, task.instance.data)

    def _form(self, task, name: str):
        package = self.context.get("package")
        return package.forms.get(name) if package is not None and name else None

    def get_form_schema(self, task) -> dict | None:
        return self._form(task, task.form)

    def get_ui_schema(self, task) -> dict | None:
        return self._form(task, task.ui_form)


class TimerSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    bpmn_id = serializers.CharField(read_only=True)
    due_at = serializers.DateTimeField(read_only=True)
    status = serializers.ChoiceField(choices=TimerStatus.choices, read_only=True)
    fired_at = serializers.DateTimeField(read_only=True, allow_null=True)


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    name_en = serializers.CharField(read_only=True)
    level = serializers.CharField(read_only=True)


class InstanceSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    process = serializers.CharField(source="definition.key", read_only=True)
    version = serializers.IntegerField(source="definition.version", read_only=True)
    process_name = serializers.CharField(source="definition.name", read_only=True)
    business_key = serializers.CharField(read_only=True)
    organisation = OrganisationRefSerializer(read_only=True)
    applicant = UserRefSerializer(read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=InstanceStatus.choices, read_only=True)
    stage = serializers.CharField(read_only=True, help_text="plain-language stage, 中文 / English")
    next_deadline = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="earliest due date of the work in hand"
    )
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    completed_at = serializers.DateTimeField(read_only=True, allow_null=True)


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    action = serializers.CharField()
    actor = UserRefSerializer(allow_null=True)
    task = serializers.IntegerField(source="task_id", allow_null=True)
    created_at = serializers.DateTimeField()
    detail = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_detail(self, event) -> dict:
        return event_detail_for(self.context.get("viewer"), self.context["instance"], event.detail)


class InstanceStateSerializer(InstanceSerializer):
    """The instance as it stands: data, open tasks, waiting timers (what a write answers with)."""

    error = serializers.CharField(read_only=True)
    data = serializers.SerializerMethodField()
    tasks = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_data(self, instance) -> dict:
        """Staff in scope see all of it; the applicant sees their own fields and the notices."""
        return case_data_for(self.context.get("viewer"), instance, instance.data)

    timers = serializers.SerializerMethodField()

    def get_tasks(self, instance) -> list[dict]:
        tasks = getattr(instance, "open_tasks", None)  # left there by the write that just ran
        if tasks is None:
            tasks = (
                instance.tasks.filter(status="open")
                .select_related("assignee", "instance__definition")
                .defer("instance__definition__files")
            )
        return TaskSerializer(tasks, many=True).data

    def get_timers(self, instance) -> list[dict]:
        timers = getattr(instance, "waiting_timers", None)
        if timers is None:
            timers = instance.timers.filter(status="waiting")
        return TimerSerializer(timers, many=True).data


class InstanceDetailSerializer(InstanceStateSerializer):
    """Everything about an instance, its history included."""

    history = serializers.SerializerMethodField()

    def get_history(self, instance) -> list[dict]:
        return EventSerializer(
            instance.events.select_related("actor").order_by("id"),
            many=True,
            context={**self.context, "instance": instance},
        ).data


class InstanceStartSerializer(serializers.Serializer):
    process = serializers.CharField(max_length=128)
    data = serializers.JSONField(required=False, default=dict)
    business_key = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    organisation = serializers.IntegerField(required=False, allow_null=True, default=None)

    def validate_data(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be a JSON object.")
        return value


class TaskCompleteSerializer(serializers.Serializer):
    data = serializers.JSONField(required=False, default=dict)

    def validate_data(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be a JSON object.")
        return value
