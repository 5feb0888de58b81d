import hashlib
import json
from collections.abc import Mapping
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from server.accounts.models import Organisation

# Sort key for tasks without a due date: after every real one, on every database.
NO_DUE_DATE = datetime.fromisoformat("9999-12-31T00:00:00+00:00")


class ProcessDefinition(models.Model):
    """One deployed version of a process. Files are kept as deployed; versions never change."""

    key = models.CharField(max_length=128)
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=255)
    digest = models.CharField(max_length=64, help_text="sha256 of the deployed files")
    files = models.JSONField(help_text="file name -> text content, as deployed")
    is_public = models.BooleanField(default=False, help_text="applicants may start it")
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="default organisation for new instances",
    )
    deployed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    deployed_at = models.DateTimeField(auto_now_add=True)
    default_group = models.CharField(
        max_length=64,
        blank=True,
        help_text="the deploy's group for human tasks with no lane and no candidate group (diagrams from "
        "other tools)",
    )
    retired = models.BooleanField(
        default=False,
        help_text="a retired version starts no new cases; running ones go on",
    )

    class Meta:
        ordering = ["key", "-version"]
        constraints = [models.UniqueConstraint(fields=["key", "version"], name="definition_unique_version")]

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"

    def file_bytes(self) -> dict[str, bytes]:
        return {name: text.encode("utf-8") for name, text in self.files.items()}


class InstanceStatus(models.TextChoices):
    RUNNING = "running", "进行中 / Running"
    SUSPENDED = "suspended", "已中止 / Suspended"
    COMPLETED = "completed", "已办结 / Completed"
    CANCELLED = "cancelled", "已撤销 / Cancelled"
    WITHDRAWN = "withdrawn", "已撤回 / Withdrawn"
    # Cases stopped by a failure before incidents existed; migration 0005 turned them into
    # running cases with an open incident, so no case has this status any more.
    ERROR = "error", "出错 / Error"


# A case that has ended: nothing more may be done to it.
ENDED_STATUSES = frozenset({InstanceStatus.COMPLETED, InstanceStatus.CANCELLED, InstanceStatus.WITHDRAWN})


class ProcessInstance(models.Model):
    definition = models.ForeignKey(ProcessDefinition, on_delete=models.PROTECT, related_name="instances")
    business_key = models.CharField(max_length=128, blank=True, db_index=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="instances")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=16, choices=InstanceStatus.choices, default=InstanceStatus.RUNNING)
    state = models.TextField(help_text="SpiffWorkflow state JSON")
    serializer_version = models.CharField(max_length=16)
    data = models.JSONField(default=dict)
    error = models.TextField(blank=True)
    lock_version = models.PositiveIntegerField(default=0, help_text="bumped on every save of the state")
    next_timer_at = models.DateTimeField(null=True, blank=True, help_text="earliest waiting timer, if any")
    stage = models.CharField(
        max_length=120, blank=True, help_text="plain-language stage the applicant sees, 中文 / English"
    )
    next_deadline = models.DateTimeField(null=True, blank=True, help_text="earliest due date of open tasks")
    has_subscriptions = models.BooleanField(
        default=False, editable=False, help_text="waits for a message or signal (a subscription row)"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.TextField(
        blank=True, help_text="why the case was cancelled or withdrawn, as the applicant is told"
    )
    withdrawn_at = models.DateTimeField(
        null=True, blank=True, help_text="when the applicant withdrew it (the case ends as withdrawn)"
    )

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["applicant", "-id"], name="instance_applicant_idx"),
            # The timer workers' "what falls due next": only cases that wait on a timer.
            models.Index(
                fields=["next_timer_at"],
                name="instance_next_timer_idx",
                condition=models.Q(next_timer_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.definition.key}#{self.pk}"


class TaskStatus(models.TextChoices):
    OPEN = "open", "待办 / Open"
    COMPLETED = "completed", "已完成 / Completed"
    CANCELLED = "cancelled", "已取消 / Cancelled"
    RETURNED = "returned", "已退回 / Returned"


class Delegation(models.TextChoices):
    NONE = "", "—"
    PENDING = "pending", "委派中 / With the delegate"
    RESOLVED = "resolved", "已交回 / Handed back"


class HumanTask(models.Model):
    """The task queue: one row per human task the engine made ready."""

    instance = models.ForeignKey(ProcessInstance, on_delete=models.PROTECT, related_name="tasks")
    engine_task_id = models.CharField(max_length=64)
    bpmn_id = models.CharField(max_length=255)
    name = models.CharField(max_length=255)
    candidate_groups = models.JSONField(default=list)
    candidate_users = models.JSONField(default=list, help_text="usernames who may take it besides the groups")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, editable=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_tasks",
    )
    priority = models.IntegerField(default=50)
    due_at = models.DateTimeField(null=True, blank=True)
    due_sort = models.DateTimeField(default=NO_DUE_DATE, editable=False)
    follow_up_at = models.DateTimeField(null=True, blank=True)
    form = models.CharField(max_length=255, blank=True)
    ui_form = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    # 委派: the owner handed the work to a delegate (the assignee meanwhile) and completes it
    # once the delegate resolves it; `draft` holds what the delegate filled in.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    delegation = models.CharField(max_length=16, choices=Delegation.choices, default="", blank=True)
    draft = models.JSONField(null=True, blank=True, help_text="form data the delegate handed back")
    # 退回: the task came back to this step, from whom and why.
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_reason = models.TextField(blank=True)
    # 催办: the last reminder, shown as a flag in the queue (at most one a day).
    urged_at = models.DateTimeField(null=True, blank=True)
    urged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    urge_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-priority", "due_sort", "id"]
        constraints = [
            # A step sent back (or taken back) reopens under its old engine task id: one open
            # row per engine task, any number of finished ones.
            models.UniqueConstraint(
                fields=["instance", "engine_task_id"],
                name="task_unique_open_engine_task",
                condition=Q(status="open"),
            ),
        ]
        indexes = [
            models.Index(
                fields=["org_path", "-priority", "due_sort", "id"],
                name="task_queue_idx",
                condition=Q(status="open"),
            ),
            models.Index(fields=["assignee", "status"], name="task_assignee_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.instance})"

    def save(self, *args, **kwargs) -> None:
        self.due_sort = self.due_at or NO_DUE_DATE
        super().save(*args, **kwargs)


CANDIDATE_USER_PREFIX = "user:"


class TaskCandidate(models.Model):
    """One candidate of a task, as its own indexed row so the queue query can join on it: a group
    (a role), or a candidate user as `user:<username>`."""

    task = models.ForeignKey(HumanTask, on_delete=models.CASCADE, related_name="candidates")
    group = models.CharField(max_length=160)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "task"], name="candidate_unique")]

    def __str__(self) -> str:
        return self.group


class TimerStatus(models.TextChoices):
    WAITING = "waiting", "等待中 / Waiting"
    FIRED = "fired", "已触发 / Fired"
    CANCELLED = "cancelled", "已取消 / Cancelled"
    FAILED = "failed", "失败 / Failed"


class Timer(models.Model):
    """A timer the instance waits on. The worker sweeps due rows; a due moment survives restarts."""

    instance = models.ForeignKey(ProcessInstance, on_delete=models.PROTECT, related_name="timers")
    engine_task_id = models.CharField(max_length=64)
    bpmn_id = models.CharField(max_length=255)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=TimerStatus.choices, default=TimerStatus.WAITING)
    fired_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at"]
        indexes = [models.Index(fields=["due_at"], name="timer_due_idx", condition=Q(status="waiting"))]
        constraints = [
            models.UniqueConstraint(
                fields=["instance", "engine_task_id"],
                name="timer_unique_waiting",
                condition=Q(status="waiting"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bpmn_id} @ {self.due_at:%Y-%m-%d %H:%M:%S}"


class SubscriptionKind(models.TextChoices):
    MESSAGE = "message", "消息 / Message"
    SIGNAL = "signal", "信号 / Signal"


class SubscriptionStatus(models.TextChoices):
    WAITING = "waiting", "等待中 / Waiting"
    DELIVERED = "delivered", "已送达 / Delivered"
    WITHDRAWN = "withdrawn", "已撤回 / Withdrawn"


def correlation_key(correlation: Mapping[str, str]) -> str:
    """The indexed form of a set of correlation values (property id -> text): one sha256."""
    canonical = json.dumps(dict(sorted(correlation.items())), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class Subscription(models.Model):
    """A message or signal an instance waits for, synced from the engine like the timer rows.

    Delivering a message is one indexed lookup on (kind, name, correlation key) among the
    waiting rows; the instance lock then makes delivery exactly once.
    """

    instance = models.ForeignKey(ProcessInstance, on_delete=models.PROTECT, related_name="subscriptions")
    engine_task_id = models.CharField(max_length=300)
    bpmn_id = models.CharField(max_length=255)
    kind = models.CharField(max_length=16, choices=SubscriptionKind.choices)
    name = models.CharField(max_length=255)
    correlation = models.JSONField(default=dict, blank=True, help_text="property id -> expected value")
    correlation_key = models.CharField(max_length=64, editable=False)
    org_path = models.CharField(max_length=255, editable=False)
    status = models.CharField(
        max_length=16, choices=SubscriptionStatus.choices, default=SubscriptionStatus.WAITING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["kind", "name", "correlation_key"],
                name="subscription_lookup_idx",
                condition=Q(status="waiting"),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["instance", "engine_task_id", "kind", "name"],
                name="subscription_unique_waiting",
                condition=Q(status="waiting"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.name} → {self.instance_id}:{self.bpmn_id}"

    def save(self, *args, **kwargs) -> None:
        self.correlation_key = correlation_key(self.correlation or {})
        super().save(*args, **kwargs)


class ScheduledStart(models.Model):
    """A timer start event of a process: when it next starts a case, swept like the timers.

    One row per (process, start event) across versions, so a re-deploy with the same timer
    keeps its place; the case starts from the latest version that is not retired.
    """

    key = models.CharField(max_length=128)
    bpmn_id = models.CharField(max_length=255)
    timer = models.CharField(max_length=16, help_text="timeDate or timeCycle")
    expression = models.CharField(max_length=255)
    anchor = models.DateTimeField(
        help_text="when this expression was set up (a repeat without a start counts from it)"
    )
    next_at = models.DateTimeField(null=True, blank=True, help_text="the next occurrence; none when stopped")
    last_at = models.DateTimeField(null=True, blank=True, help_text="the last occurrence handled")
    started = models.PositiveIntegerField(default=0, help_text="cases started")
    error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key", "bpmn_id"]
        constraints = [models.UniqueConstraint(fields=["key", "bpmn_id"], name="scheduled_start_unique")]
        indexes = [
            models.Index(
                fields=["next_at"], name="scheduled_start_due_idx", condition=Q(next_at__isnull=False)
            )
        ]
        verbose_name = "定时启动 / scheduled start"
        verbose_name_plural = "定时启动 / scheduled starts"

    def __str__(self) -> str:
        return f"{self.key}:{self.bpmn_id} {self.expression}"


class DeadlineUnit(models.TextChoices):
    WORKING_DAYS = "working_days", "工作日 / working days"
    DAYS = "days", "自然日 / calendar days"
    HOURS = "hours", "小时 / hours"


class DeadlineSetting(models.Model):
    """An organisation's own figure for a named deadline (e.g. "legal_aid.decision").

    Applies to the organisation and everything below it unless a lower one sets its own;
    without any row the statutory default registered in code applies.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="deadline_settings")
    key = models.CharField(max_length=64)
    amount = models.PositiveIntegerField()
    unit = models.CharField(max_length=16, choices=DeadlineUnit.choices, default=DeadlineUnit.WORKING_DAYS)
    warn_before = models.PositiveIntegerField(
        default=2, help_text="预警提前量（与期限同单位）/ warning lead, in the deadline's unit"
    )
    pauses_when_suspended = models.BooleanField(
        default=True,
        help_text="案件中止期间暂停计算（程序规定的默认做法）/ the clock stops while the case is suspended",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "key"], name="deadline_setting_unique"),
        ]
        verbose_name = "期限设置 / deadline setting"
        verbose_name_plural = "期限设置 / deadline settings"

    def __str__(self) -> str:
        return f"{self.organisation.code} {self.key}: {self.amount} {self.unit}"


class SavedTaskFilter(models.Model):
    """A caseworker's named task-queue query ("my green-channel cases due today"), kept per user.

    `query` holds task-list filter parameters (`TaskFilter` names only), as the queue URL takes them.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="task_filters")
    name = models.CharField(max_length=60)
    query = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="task_filter_unique_name")]
        verbose_name = "保存的筛选 / saved task filter"
        verbose_name_plural = "保存的筛选 / saved task filters"

    def __str__(self) -> str:
        return f"{self.user} · {self.name}"


# ---------------------------------------------------------------------------------------------
# Case and task operations (issue 11): the records they leave beside the engine state


class CommentKind(models.TextChoices):
    OPINION = "opinion", "审批意见 / Opinion"
    ANSWER = "answer", "征询答复 / Answer to a consultation"
    RESOLUTION = "resolution", "委派办理意见 / Delegate's report"
    RETURN = "return", "退回理由 / Reason for the return"


class TaskComment(models.Model):
    """An opinion (审批意见) on a task, kept with the case for good: never edited or deleted."""

    instance = models.ForeignKey(ProcessInstance, on_delete=models.PROTECT, related_name="comments")
    task = models.ForeignKey(HumanTask, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=CommentKind.choices, default=CommentKind.OPINION)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "审批意见 / opinion"
        verbose_name_plural = "审批意见 / opinions"

    def __str__(self) -> str:
        return f"{self.author} on {self.task_id}: {self.text[:40]}"


class ConsultationStatus(models.TextChoices):
    OPEN = "open", "待答复 / Waiting for the answer"
    ANSWERED = "answered", "已答复 / Answered"
    CLOSED = "closed", "已关闭 / Closed without an answer"


class Consultation(models.Model):
    """加签 (before): a colleague's opinion the task needs before it can be completed."""

    task = models.ForeignKey(HumanTask, on_delete=models.PROTECT, related_name="consultations")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consultations"
    )
    question = models.TextField()
    status = models.CharField(
        max_length=16, choices=ConsultationStatus.choices, default=ConsultationStatus.OPEN
    )
    answer = models.ForeignKey(TaskComment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "consultant"], name="consultation_one_open", condition=Q(status="open")
            )
        ]
        verbose_name = "征询意见 / consultation"
        verbose_name_plural = "征询意见 / consultations"

    def __str__(self) -> str:
        return f"{self.consultant} on {self.task_id} ({self.status})"


class TaskCopy(models.Model):
    """抄送: someone who must know about a task, without acting on it ("抄送我的")."""

    instance = models.ForeignKey(ProcessInstance, on_delete=models.PROTECT, related_name="copies")
    task = models.ForeignKey(HumanTask, on_delete=models.PROTECT, related_name="copies")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="copies")
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["recipient", "-id"], name="copy_recipient_idx")]
        verbose_name = "抄送 / copy"
        verbose_name_plural = "抄送 / copies"

    def __str__(self) -> str:
        return f"{self.task_id} -> {self.recipient}"


class Substitute(models.Model):
    """代理人: while `user` is away (`starts_on` to `ends_on`, inclusive), tasks assigned to them
    reach `substitute` too, who may do them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="substitutes")
    substitute = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="standing_in"
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="substitute_period_order"),
            models.CheckConstraint(condition=~Q(user=F("substitute")), name="substitute_not_self"),
        ]
        verbose_name = "代理人 / substitute"
        verbose_name_plural = "代理人 / substitutes"

    def __str__(self) -> str:
        return f"{self.substitute} for {self.user} {self.starts_on}–{self.ends_on}"


class IncidentStatus(models.TextChoices):
    OPEN = "open", "待处理 / Open"
    RESOLVED = "resolved", "已解决 / Resolved"


class Incident(models.Model):
    """A failure where no user was waiting (a timer path, a background service, a script).

    The case keeps its state as it was before the failure and waits: the timer sweep leaves
    it alone until an operator retries the step (after fixing the cause) or resolves the
    incident by hand. `kind` says how a retry re-runs the step (see services.incidents).
    """

    instance = models.ForeignKey(ProcessInstance, on_delete=models.PROTECT, related_name="incidents")
    kind = models.CharField(max_length=32, default="timer")
    bpmn_id = models.CharField(max_length=255, blank=True, help_text="the step that failed")
    element_name = models.CharField(max_length=255, blank=True)
    error = models.TextField()
    attempts = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    last_attempt_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["instance"], name="incident_open_idx", condition=Q(status="open"))]
        verbose_name = "故障 / incident"
        verbose_name_plural = "故障 / incidents"

    def __str__(self) -> str:
        return f"{self.instance} {self.bpmn_id}: {self.error[:60]}"


class Suspension(models.Model):
    """One period a case was suspended (中止), with why and how many working days it lasted."""

    instance = models.ForeignKey(ProcessInstance, on_delete=models.PROTECT, related_name="suspensions")
    reason = models.TextField()
    until = models.DateField(
        null=True, blank=True, help_text="planned resumption; the worker resumes it then"
    )
    suspended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    working_days = models.IntegerField(null=True, blank=True, help_text="working days the clock stood still")

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["instance"], name="suspension_one_open", condition=Q(ended_at=None)
            )
        ]
        verbose_name = "中止 / suspension"
        verbose_name_plural = "中止 / suspensions"

    def __str__(self) -> str:
        return f"{self.instance} suspended {self.started_at:%Y-%m-%d}"
