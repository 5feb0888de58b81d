from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from server.accounts.models import Role
from server.core.bounds import MAX_ID
from server.processes.engine import package_for
from server.processes.models import (
    CommentKind,
    ConsultationStatus,
    Delegation,
    IncidentStatus,
    InstanceStatus,
    ProcessDefinition,
    SubscriptionKind,
    TaskStatus,
    TimerStatus,
)
from server.processes.selectors import (
    case_data_for,
    event_detail_for,
    instance_available_actions,
    instance_open_incident,
    task_available_actions,
    task_in_green_channel,
    task_node,
    task_working_days_left,
    user_sees_whole_case,
)


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.SerializerMethodField()

    def get_display_name(self, user) -> str:
        return user.get_full_name() or user.username


class DefinitionSerializer(serializers.ModelSerializer):
    deployed_by = UserRefSerializer(
        read_only=True, allow_null=True, help_text="null when deployed from the command line (make run)"
    )

    class Meta:
        model = ProcessDefinition
        fields = ["key", "version", "name", "digest", "is_public", "retired", "deployed_by", "deployed_at"]


class DefinitionVersionSerializer(DefinitionSerializer):
    instance_count = serializers.IntegerField(read_only=True)
    running_count = serializers.IntegerField(read_only=True)
    files = serializers.SerializerMethodField()

    class Meta(DefinitionSerializer.Meta):
        fields = [
            *DefinitionSerializer.Meta.fields,
            "default_group",
            "instance_count",
            "running_count",
            "files",
        ]

    def get_files(self, definition) -> list[str]:
        return sorted(definition.files)


class DeployInputSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(allow_empty_file=False), allow_empty=False)
    public = serializers.BooleanField(required=False, allow_null=True, default=None)
    default_group = serializers.ChoiceField(
        choices=[role for role in Role.values if role not in (Role.DESIGNER, Role.ADMIN)],
        required=False,
        allow_blank=True,
        default="",
        help_text="the role offered human tasks that have no lane and no candidate group (diagrams from "
        "other tools); without it such tasks are refused",
    )


class DeployNoteSerializer(serializers.Serializer):
    file = serializers.CharField()
    line = serializers.IntegerField(allow_null=True)
    element_id = serializers.CharField(allow_null=True)
    tag = serializers.CharField(allow_null=True)
    message = serializers.CharField(help_text="what was translated or given, e.g. `${approved} → approved`")


class DeployedDefinitionSerializer(DefinitionSerializer):
    """A deployed version, with what the deploy translated from other tools' terms."""

    notes = serializers.SerializerMethodField()
    default_group_tasks = serializers.SerializerMethodField(
        help_text="the human tasks given the deploy's default group"
    )

    class Meta(DefinitionSerializer.Meta):
        fields = [*DefinitionSerializer.Meta.fields, "default_group", "notes", "default_group_tasks"]

    def _package(self, definition):
        return package_for(definition)

    @extend_schema_field(DeployNoteSerializer(many=True))
    def get_notes(self, definition) -> list[dict]:
        package = self._package(definition)
        others = set(package.processes) - {definition.key}
        return [note.as_dict() for note in package.notes if note.process_id not in others]

    def get_default_group_tasks(self, definition) -> list[str]:
        package = self._package(definition)
        info = package.processes.get(definition.key)
        tasks = info.human_tasks if info is not None else {}
        return [task for task in package.default_group_tasks if task in tasks]


class TaskSerializer(serializers.Serializer):
    """A queue row. Plain (not Model-) serializers on the hot paths: DRF rebuilds a
    ModelSerializer's fields from model metadata every time one is created."""

    id = serializers.IntegerField(read_only=True)
    instance = serializers.IntegerField(source="instance_id", read_only=True)
    process = serializers.CharField(source="instance.definition.key", read_only=True)
    process_name = serializers.CharField(source="instance.definition.name", read_only=True)
    business_key = serializers.CharField(source="instance.business_key", read_only=True)
    stage = serializers.CharField(
        source="instance.stage", read_only=True, help_text="the case's plain-language stage, 中文 / English"
    )
    instance_status = serializers.ChoiceField(
        source="instance.status", choices=InstanceStatus.choices, read_only=True
    )
    green_channel = serializers.SerializerMethodField(help_text="the case is in the notary green channel")
    working_days_left = serializers.SerializerMethodField(
        help_text="working days to the due day on the official calendar; 0 = due today, "
        "negative once overdue, null without a due date"
    )
    bpmn_id = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    candidate_groups = serializers.ListField(child=serializers.CharField(), read_only=True)
    candidate_users = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="usernames who may take it besides the groups",
    )
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
    urged_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="催办: when it was last urged (the queue's flag)"
    )
    urge_note = serializers.CharField(read_only=True)
    delegation = serializers.ChoiceField(
        choices=Delegation.choices, read_only=True, help_text="委派: with the delegate, or handed back"
    )
    owner = UserRefSerializer(read_only=True, allow_null=True, help_text="who delegated it and completes it")
    return_reason = serializers.CharField(
        read_only=True, help_text="退回: why the case came back to this step"
    )

    def get_overdue(self, task) -> bool:
        return bool(task.due_at and task.status == "open" and task.due_at < timezone.now())

    def get_green_channel(self, task) -> bool:
        return task_in_green_channel(task)

    def get_working_days_left(self, task) -> int | None:
        return task_working_days_left(task)


class CommentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    task = serializers.IntegerField(source="task_id", read_only=True)
    author = UserRefSerializer(read_only=True)
    kind = serializers.ChoiceField(choices=CommentKind.choices, read_only=True)
    text = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class ConsultationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    asked_by = UserRefSerializer(read_only=True)
    consultant = UserRefSerializer(read_only=True)
    question = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=ConsultationStatus.choices, read_only=True)
    answer = CommentSerializer(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


class TaskDetailSerializer(TaskSerializer):
    form = serializers.CharField(read_only=True)
    form_schema = serializers.SerializerMethodField()
    ui_schema = serializers.SerializerMethodField()
    data = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField(
        help_text="what the caller may do to the task now: claim, unclaim, complete, transfer, delegate, "
        "resolve, return, withdraw, consult, copy, comment, urge, assign"
    )
    opinion_required = serializers.SerializerMethodField(help_text="completing needs an opinion")
    comments = serializers.SerializerMethodField()
    consultations = serializers.SerializerMethodField()
    returned_by = UserRefSerializer(read_only=True, allow_null=True)
    completed_by = UserRefSerializer(read_only=True, allow_null=True)
    draft = serializers.JSONField(read_only=True, allow_null=True, help_text="what the delegate filled in")
    prefill = serializers.SerializerMethodField(
        help_text="for a step sent back or taken back: the data it was last completed with"
    )

    def get_actions(self, task) -> list[str]:
        viewer = self.context.get("viewer")
        return task_available_actions(task, viewer) if viewer is not None else []

    def get_opinion_required(self, task) -> bool:
        node = task_node(task)
        return bool(node and node.opinion_required)

    @extend_schema_field(CommentSerializer(many=True))
    def get_comments(self, task) -> list[dict]:
        if not self._staff(task) and task.instance.applicant_id != getattr(
            self.context.get("viewer"), "pk", None
        ):
            return []
        comments = task.comments.select_related("author").order_by("id")
        return CommentSerializer(comments, many=True).data

    @extend_schema_field(ConsultationSerializer(many=True))
    def get_consultations(self, task) -> list[dict]:
        if not self._staff(task):
            return []
        rows = task.consultations.select_related("asked_by", "consultant", "answer__author").order_by("id")
        return ConsultationSerializer(rows, many=True).data

    @extend_schema_field(serializers.DictField(allow_null=True))  # null: nothing to prefill
    def get_prefill(self, task) -> dict | None:
        if task.status != TaskStatus.OPEN:
            return None
        last = (
            task.instance.tasks.filter(
                engine_task_id=task.engine_task_id,
                status=TaskStatus.COMPLETED,
                completed_at__lt=task.created_at,
            )
            .order_by("-completed_at")
            .first()
        )
        if last is None:
            return None
        event = last.events.filter(action="task.completed").order_by("-id").first()
        submitted = event.detail.get("submitted") if event is not None else None
        return submitted if isinstance(submitted, dict) else None

    def _staff(self, task) -> bool:
        return user_sees_whole_case(self.context.get("viewer"), task.instance)

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


class SubscriptionSerializer(serializers.Serializer):
    """A message or signal the case waits for (the court's confirmation, say)."""

    bpmn_id = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=SubscriptionKind.choices, read_only=True)
    name = serializers.CharField(read_only=True)
    correlation = serializers.DictField(
        child=serializers.CharField(), read_only=True, help_text="what a delivery must name"
    )
    created_at = serializers.DateTimeField(read_only=True)


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
    end_reason = serializers.CharField(
        read_only=True, help_text="why the case was cancelled or withdrawn, as the applicant is told"
    )
    has_incident = serializers.SerializerMethodField(
        help_text="an open incident waits for an operator (staff)"
    )

    def get_has_incident(self, instance) -> bool:
        viewer = self.context.get("viewer") or getattr(self.context.get("request"), "user", None)
        if not user_sees_whole_case(viewer, instance):
            return False  # the applicant sees a neutral stage
        flagged = getattr(instance, "open_incidents", None)
        if flagged is not None:
            return bool(flagged)
        return instance.incidents.filter(status=IncidentStatus.OPEN).exists()


class IncidentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True)
    bpmn_id = serializers.CharField(read_only=True)
    element_name = serializers.CharField(read_only=True)
    error = serializers.CharField(read_only=True)
    attempts = serializers.IntegerField(read_only=True)
    status = serializers.ChoiceField(choices=IncidentStatus.choices, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    last_attempt_at = serializers.DateTimeField(read_only=True)


class IncidentSerializer(IncidentRefSerializer):
    instance = serializers.IntegerField(source="instance_id", read_only=True)
    business_key = serializers.CharField(source="instance.business_key", read_only=True)
    process = serializers.CharField(source="instance.definition.key", read_only=True)
    process_name = serializers.CharField(source="instance.definition.name", read_only=True)
    organisation = serializers.CharField(source="instance.organisation.code", read_only=True)
    resolved_by = UserRefSerializer(read_only=True, allow_null=True)
    resolved_at = serializers.DateTimeField(read_only=True, allow_null=True)
    resolution = serializers.CharField(read_only=True)


class SuspensionSerializer(serializers.Serializer):
    reason = serializers.CharField(read_only=True)
    until = serializers.DateField(read_only=True, allow_null=True)
    started_at = serializers.DateTimeField(read_only=True)
    suspended_by = UserRefSerializer(read_only=True)


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
    incident = serializers.SerializerMethodField(help_text="the open incident, for staff")
    suspension = serializers.SerializerMethodField(help_text="why and until when the case is suspended")
    actions = serializers.SerializerMethodField(
        help_text="case operations the caller may take now: cancel, suspend, resume, withdraw, data"
    )

    @extend_schema_field(IncidentRefSerializer(allow_null=True))
    def get_incident(self, instance) -> dict | None:
        if not user_sees_whole_case(self.context.get("viewer"), instance):
            return None
        incident = instance_open_incident(instance)
        return IncidentRefSerializer(incident).data if incident is not None else None

    @extend_schema_field(SuspensionSerializer(allow_null=True))
    def get_suspension(self, instance) -> dict | None:
        if instance.status != InstanceStatus.SUSPENDED:
            return None
        suspension = instance.suspensions.filter(ended_at=None).select_related("suspended_by").first()
        return SuspensionSerializer(suspension).data if suspension is not None else None

    def get_actions(self, instance) -> list[str]:
        viewer = self.context.get("viewer")
        return instance_available_actions(instance, viewer) if viewer is not None else []

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

    waiting_for = serializers.SerializerMethodField(help_text="messages and signals the case waits for")

    @extend_schema_field(SubscriptionSerializer(many=True))
    def get_waiting_for(self, instance) -> list[dict]:
        rows = getattr(instance, "waiting_subscriptions", None)
        if rows is None:
            rows = instance.subscriptions.filter(status="waiting") if instance.has_subscriptions else []
        return SubscriptionSerializer(rows, many=True).data


class InstanceRatingSerializer(serializers.Serializer):
    """The applicant's rating of a completed case (kept by the portal app)."""

    score = serializers.IntegerField(read_only=True)
    comment = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class InstanceDetailSerializer(InstanceStateSerializer):
    """Everything about an instance, its history included."""

    history = serializers.SerializerMethodField()
    rating = serializers.SerializerMethodField()
    told_applicant = serializers.SerializerMethodField(
        help_text="what the office has told the applicant in words (answer, reasons, reply), "
        "in the order the process declares them, with the form field's title"
    )

    @extend_schema_field(
        inline_serializer(
            "ToldApplicant",
            {
                "key": serializers.CharField(),
                "title": serializers.CharField(),
                "text": serializers.CharField(),
            },
            many=True,
        )
    )
    def get_told_applicant(self, instance) -> list[dict]:
        info = package_for(instance.definition).processes.get(instance.definition.key)
        data = instance.data if isinstance(instance.data, dict) else {}
        return [
            {"key": key, "title": title, "text": data[key]}
            for key, title in (info.applicant_notices if info is not None else ())
            if isinstance(data.get(key), str) and data[key].strip()
        ]

    @extend_schema_field(InstanceRatingSerializer(allow_null=True))
    def get_rating(self, instance) -> dict | None:
        rating = getattr(instance, "rating", None)  # the reverse one-to-one: absent until rated
        return InstanceRatingSerializer(rating).data if rating is not None else None

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
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=4000,
        help_text="审批意见: the opinion given with it",
    )

    def validate_data(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be a JSON object.")
        return value


# ---------------------------------------------------------------------------------------------
# Task and case operations (inputs: the services check the values and name the field)


class TransferInputSerializer(serializers.Serializer):
    to = serializers.CharField(help_text="username of the colleague")
    reason = serializers.CharField(allow_blank=True, required=False, default="")


class AssignInputSerializer(serializers.Serializer):
    to = serializers.CharField(help_text="username")


class ResolveInputSerializer(serializers.Serializer):
    comment = serializers.CharField(allow_blank=True, required=False, default="")
    data = serializers.JSONField(
        required=False, default=None, allow_null=True, help_text="the form as filled in"
    )


class ReturnInputSerializer(serializers.Serializer):
    to = serializers.CharField(help_text="BPMN id of the step to send the case back to (see return-targets)")
    reason = serializers.CharField(allow_blank=True, required=False, default="")


class ReturnTargetSerializer(serializers.Serializer):
    bpmn_id = serializers.CharField()
    name = serializers.CharField()
    done_by = UserRefSerializer(allow_null=True)
    done_at = serializers.DateTimeField(allow_null=True)


class CommentInputSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, required=False, default="")


class PeopleInputSerializer(serializers.Serializer):
    to = serializers.ListField(child=serializers.CharField(), allow_empty=True, help_text="usernames")


class CopyInputSerializer(PeopleInputSerializer):
    note = serializers.CharField(allow_blank=True, required=False, default="", max_length=500)


class ConsultInputSerializer(PeopleInputSerializer):
    question = serializers.CharField(allow_blank=True, required=False, default="")


class UrgeInputSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, required=False, default="", max_length=500)


class BulkInputSerializer(serializers.Serializer):
    action = serializers.CharField(help_text="claim, unclaim or assign")
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), allow_empty=True
    )
    to = serializers.CharField(required=False, allow_blank=True, default="", help_text="username, for assign")


class BulkResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ok = serializers.BooleanField()
    status = serializers.IntegerField(help_text="what the single operation would have answered")
    detail = serializers.CharField()


class CopyRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    task = TaskSerializer()
    sender = UserRefSerializer()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class SubstituteSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    substitute = UserRefSerializer(read_only=True)
    starts_on = serializers.DateField(read_only=True)
    ends_on = serializers.DateField(read_only=True)
    note = serializers.CharField(read_only=True)


class SubstituteInputSerializer(serializers.Serializer):
    substitute = serializers.CharField(help_text="username of the colleague")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, required=False, default="")


class SuspendInputSerializer(ReasonInputSerializer):
    until = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="resumes by itself then"
    )


class DataChangeInputSerializer(ReasonInputSerializer):
    changes = serializers.JSONField(help_text="variable -> corrected value")


class NoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, required=False, default="")


class PersonSerializer(UserRefSerializer):
    roles = serializers.SerializerMethodField()

    def get_roles(self, user) -> list[str]:
        return sorted({m.role for m in user.memberships.all()})


# ---------------------------------------------------------------------------------------------
# Workbench and designer (staff side of issue 4)


class TaskCountsSerializer(serializers.Serializer):
    mine = serializers.IntegerField(help_text="open tasks assigned to me")
    groups = serializers.IntegerField(help_text="open tasks of my groups not assigned to me")
    unassigned = serializers.IntegerField(help_text="open tasks nobody has claimed")
    due_today = serializers.IntegerField(
        help_text="due before the end of today (Asia/Shanghai), overdue included"
    )
    overdue = serializers.IntegerField()
    green_channel = serializers.IntegerField(help_text="tasks of green-channel cases")


class SavedTaskFilterSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    query = serializers.DictField(read_only=True, help_text='task-list parameters, e.g. {"due_today": true}')
    created_at = serializers.DateTimeField(read_only=True)


class SavedTaskFilterInputSerializer(serializers.Serializer):
    # Lengths, uniqueness and the query's keys are checked by the service, naming the field.
    name = serializers.CharField(allow_blank=True, trim_whitespace=True, help_text="1 to 60 characters")
    query = serializers.JSONField(default=dict, help_text="task-list filter names -> values")


class DiagramTimerSerializer(serializers.Serializer):
    bpmn_id = serializers.CharField()
    due_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=TimerStatus.choices)


class InstanceDiagramSerializer(serializers.Serializer):
    process = serializers.CharField()
    version = serializers.IntegerField()
    bpmn = serializers.CharField(help_text="BPMN XML of the process file of the case's version")
    completed = serializers.ListField(child=serializers.CharField(), help_text="element ids run")
    current = serializers.ListField(child=serializers.CharField(), help_text="element ids with work in hand")
    waiting = serializers.ListField(
        child=serializers.CharField(), help_text="element ids ahead on a path, not reached yet"
    )
    timers = DiagramTimerSerializer(many=True)


class DeployErrorSerializer(serializers.Serializer):
    file = serializers.CharField()
    line = serializers.IntegerField(allow_null=True)
    element_id = serializers.CharField(allow_null=True)
    tag = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class ValidationResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField(help_text="a deploy of these files would succeed")
    errors = DeployErrorSerializer(many=True)
    notes = DeployNoteSerializer(many=True, help_text="what the deploy would translate (when ok)")
    default_group_tasks = serializers.ListField(
        child=serializers.CharField(), help_text="the human tasks the default group would be given"
    )


class ServiceOperatorSerializer(serializers.Serializer):
    name = serializers.CharField(help_text='what a service task names as its operator, e.g. "identity.check"')
    description = serializers.CharField(help_text='"中文 / English": what the service does')
    required = serializers.ListField(
        child=serializers.CharField(), help_text="parameters a service task must pass"
    )
    optional = serializers.ListField(child=serializers.CharField(), help_text="parameters it may pass")


class VersionFilesSerializer(serializers.Serializer):
    files = serializers.DictField(child=serializers.CharField(), help_text="file name -> text, as deployed")


class ElementRefSerializer(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.CharField(help_text='BPMN tag, e.g. "userTask"')
    name = serializers.CharField()


class ElementChangeSerializer(ElementRefSerializer):
    changes = serializers.ListField(child=serializers.CharField())


class ProcessDiffSerializer(serializers.Serializer):
    # `from` is a Python keyword: declared below.
    to = serializers.IntegerField()
    added = ElementRefSerializer(many=True)
    removed = ElementRefSerializer(many=True)
    changed = ElementChangeSerializer(many=True)
    files_changed = serializers.ListField(child=serializers.CharField())


ProcessDiffSerializer._declared_fields = {
    "from": serializers.IntegerField(),
    **ProcessDiffSerializer._declared_fields,
}


class MigrationInputSerializer(serializers.Serializer):
    from_version = serializers.IntegerField(min_value=1)
    to_version = serializers.IntegerField(min_value=1)
    instances = serializers.JSONField(
        help_text='"all" (every running case of from_version) or a list of case ids',
    )
    mapping = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        default=dict,
        help_text="step of the old version -> step of the new version, for steps the new one removed",
    )
    dry_run = serializers.BooleanField(default=True, help_text="only check and report; move nothing")

    def validate_instances(self, value):
        if value == "all":
            return value
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(item, int) and not isinstance(item, bool) and item > 0 for item in value)
        ):
            raise serializers.ValidationError(
                '须为 "all" 或案件编号列表 / Must be "all" or a non-empty list of case ids.'
            )
        return value


class RemovedStepSerializer(serializers.Serializer):
    step = ElementRefSerializer()
    suggestion = serializers.CharField(
        allow_null=True, help_text="the new version's step at the same place in the flow, if any"
    )


class CaseMigrationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    business_key = serializers.CharField()
    stage = serializers.CharField()
    outcome = serializers.ChoiceField(choices=["movable", "moved", "refused", "failed"])
    reason = serializers.CharField(help_text="why the case cannot move, or what failed")
    current = ElementRefSerializer(many=True, help_text="the steps where the case stands")
    removed = RemovedStepSerializer(many=True, help_text="steps where it stands that the new version lacks")
    mapped = serializers.DictField(
        child=serializers.CharField(), help_text="steps the mapping moved it from/to"
    )
    changes = serializers.ListField(child=serializers.CharField(), help_text="what changes for this case")


class CaseOutcomeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reason = serializers.CharField()


class RemovedStepSummarySerializer(ElementRefSerializer):
    suggestion = serializers.CharField(allow_null=True)
    cases = serializers.ListField(child=serializers.IntegerField(), help_text="cases standing there")


class MigrationReportSerializer(serializers.Serializer):
    process = serializers.CharField(source="key")
    from_version = serializers.IntegerField()
    to_version = serializers.IntegerField()
    dry_run = serializers.BooleanField()
    mapping = serializers.DictField(child=serializers.CharField())
    cases = CaseMigrationSerializer(many=True)
    movable = serializers.SerializerMethodField(help_text="cases that can move (dry run)")
    moved = serializers.SerializerMethodField()
    refused = serializers.SerializerMethodField()
    failed = serializers.SerializerMethodField()
    removed_steps = serializers.SerializerMethodField(help_text="steps to map before those cases can move")
    targets = ElementRefSerializer(many=True, help_text="steps of the new version a step may be mapped to")

    def get_movable(self, report) -> list[int]:
        return [case.id for case in report.with_outcome("movable")]

    def get_moved(self, report) -> list[int]:
        return [case.id for case in report.with_outcome("moved")]

    @extend_schema_field(CaseOutcomeSerializer(many=True))
    def get_refused(self, report) -> list[dict]:
        return [{"id": case.id, "reason": case.reason} for case in report.with_outcome("refused")]

    @extend_schema_field(CaseOutcomeSerializer(many=True))
    def get_failed(self, report) -> list[dict]:
        return [{"id": case.id, "reason": case.reason} for case in report.with_outcome("failed")]

    @extend_schema_field(RemovedStepSummarySerializer(many=True))
    def get_removed_steps(self, report) -> list[dict]:
        steps: dict[str, dict] = {}
        for case in report.cases:
            for removed in case.removed:
                entry = steps.setdefault(
                    removed.step.id,
                    {
                        "id": removed.step.id,
                        "type": removed.step.type,
                        "name": removed.step.name,
                        "suggestion": removed.suggestion,
                        "cases": [],
                    },
                )
                entry["cases"].append(case.id)
        return list(steps.values())
