"""The engine's public types: plain dataclasses and exceptions, no SpiffWorkflow objects.

Everything the server gets back from `workflows` is one of these. They are frozen so a
caller cannot mutate engine state by accident; `data` dicts are copies.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class DeployError:
    """One problem found while deploying process files, located for a designer to fix."""

    file: str
    line: int | None
    element_id: str | None
    tag: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "element_id": self.element_id,
            "tag": self.tag,
            "message": self.message,
        }


@dataclass(frozen=True)
class DeployNote:
    """Something a deploy did to a file drawn in another tool (a JUEL expression it translated,
    a default group it gave), located like a `DeployError`, for the designer to check."""

    file: str
    line: int | None
    element_id: str | None
    tag: str | None
    message: str
    process_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "element_id": self.element_id,
            "tag": self.tag,
            "message": self.message,
        }


class DeployFailed(Exception):
    """Raised by `Engine.compile` with every problem found, not just the first."""

    def __init__(self, errors: list[DeployError]):
        self.errors = errors
        super().__init__("; ".join(f"{e.file}:{e.line} {e.element_id}: {e.message}" for e in errors))


@dataclass(frozen=True)
class ServiceParams:
    """The parameters a service reads, by name, as its handler declares them.

    A deploy refuses a service task that leaves out a required one or passes one the service
    does not read (a misspelt optional parameter would otherwise be dropped without a word).
    """

    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()


class EngineError(Exception):
    """A running instance could not go on: a script, condition, service or timer failed.

    Nothing is saved when this is raised; the caller keeps the state it had.
    """

    def __init__(self, message: str, *, element_id: str | None = None, element_name: str | None = None):
        self.element_id = element_id
        self.element_name = element_name
        super().__init__(message)


class UndeclaredFields(EngineError):
    """Data for fields the step's form does not declare (or the `case` block, or any data at
    all for a step without a form): nothing was written. `fields` are their paths."""

    def __init__(self, fields: list[str], *, element_id: str | None = None):
        self.fields = list(fields)
        super().__init__(f"not fields of this step's form: {', '.join(self.fields)}", element_id=element_id)


class TaskNotReady(Exception):
    """The task id names no READY human task of this instance (already done, or never was)."""


class CannotReset(Exception):
    """A return or withdrawal names a step the case cannot be sent back to (see `Instance.reset_to`)."""


# What a person can do to a task besides claiming and completing it; a user task's `actions`
# property lists the ones its node offers (see bpmn/README.md). The server enforces them.
TASK_ACTIONS = ("transfer", "delegate", "return", "withdraw", "consult", "copy", "comment", "urge")


class NotWaiting(Exception):
    """The instance no longer waits for that message or signal at that task (it moved on)."""


class BpmnError(Exception):
    """Raised by a service handler: a business error the diagram handles by its code.

    An error boundary event on the service task whose error has this `errorCode` (or one
    naming no error, which catches every code) takes the case on along its own flow; the
    case data there holds `bpmn_error` = {code, message, data}. A code nothing catches fails
    the step like any other error. Any other exception from a handler stays an error.
    """

    def __init__(self, code: str, message: str = "", data: Mapping[str, Any] | None = None):
        self.code = str(code)
        self.message = message
        self.data = dict(data or {})
        self.task_id: Any = None  # the engine task that raised it, set by the script engine
        super().__init__(f"{self.code}: {message}" if message else self.code)


def correlation_text(value: Any) -> str:
    """A correlation value as the text it is matched by: strings as they are, anything else as JSON.

    So `5` sent by a court's system and `"5"` read from the case data are the same key.
    """
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class HumanTaskSpec:
    """What Lexflow reads of one user task beyond what SpiffWorkflow parses.

    `candidate_groups` defaults to the lane name (a lane named `caseworker` means the
    caseworker role); a `candidateGroups` extension property (spiff) or attribute
    (camunda) overrides it. The expressions are Python, evaluated against task data when
    the task becomes ready.
    """

    bpmn_id: str
    name: str
    lane: str | None
    candidate_groups: tuple[str, ...]
    candidate_groups_expression: str | None = None  # evaluated when the task opens (a translated JUEL one)
    candidate_users: tuple[str, ...] = ()  # usernames who may take the task besides the groups
    candidate_users_expression: str | None = None
    assignee_expression: str | None = None  # evaluates to a username: the task goes straight to them
    due_expression: str | None = None
    follow_up_expression: str | None = None
    priority_expression: str | None = None
    form: str | None = None  # JSON-schema file name in the package
    ui_form: str | None = None  # ui-schema file name in the package
    # The operations this node offers (a subset of TASK_ACTIONS), or None for the defaults.
    actions: tuple[str, ...] | None = None
    opinion_required: bool = False  # completing needs an opinion (审批意见) on the task
    opinion_field: str | None = None  # data variable the opinions are copied into on completion


@dataclass(frozen=True)
class FlowAnnotation:
    """What Lexflow reads off any flow node's spiff properties, for people rather than the engine.

    - `stage`: the plain-language stage an applicant sees while the case is at (or has just
      passed) this node, written "中文 / English", e.g. "审查中 / Under review".
    - `milestone`: a named business event recorded in the audit log when the node completes
      (e.g. "complaint.accepted"); figures such as acceptance rates are counted from these.
    - `milestone_data`: names of task-data variables copied into that event (e.g. due dates),
      so on-time figures need nothing but the event log.
    - `document`: the template of an official notice (e.g. "complaint/ineligible") issued when
      the node completes, from the case data as it stood there.
    - `withdrawable`: whether the applicant may withdraw the case while it is at this node,
      overriding the process's `withdrawable` (None: the process decides).
    """

    stage: str | None = None
    milestone: str | None = None
    milestone_data: tuple[str, ...] = ()
    document: str | None = None  # an official notice issued when the node completes (template key)
    withdrawable: bool | None = None


@dataclass(frozen=True)
class MessageDeclaration:
    """A `bpmn:message` a process catches or throws, as Lexflow reads it.

    `correlation`: ids of the correlation properties whose retrieval expressions name this
    message; a delivery gives a value for each. `schema`: the JSON-schema file its data must
    satisfy (`formJsonSchemaFilename` property on the message); only the fields it declares
    reach the case. `variable`: where the data goes (`spiffworkflow:messageVariable`), else
    its fields are merged into the case data.
    """

    name: str
    correlation: tuple[str, ...] = ()
    schema: str | None = None
    variable: str | None = None


@dataclass(frozen=True)
class SignalDeclaration:
    """A `bpmn:signal` a process catches or throws; `schema` as for messages."""

    name: str
    schema: str | None = None


@dataclass(frozen=True)
class StartEventInfo:
    """A start event of a process: how a case of it begins.

    `kind` is "none" (a person starts it), "message", "signal" or "timer"; `name` the message
    or signal name; for a timer, `timer` is "timeDate" or "timeCycle" and `expression` the
    literal as written (ISO 8601 date, ISO repeat, or a cron expression from Camunda files).
    """

    bpmn_id: str
    kind: str
    name: str | None = None
    timer: str | None = None
    expression: str | None = None


@dataclass(frozen=True)
class ProcessInfo:
    """One executable process of a deployed package."""

    process_id: str
    name: str
    human_tasks: Mapping[str, HumanTaskSpec]
    annotations: Mapping[str, FlowAnnotation] = field(default_factory=dict)  # by bpmn id
    start_form: str | None = None  # JSON-schema file the start data must satisfy (start event property)
    start_ui_form: str | None = None
    # Data an applicant may see of their own case: the fields of the forms they fill in (the
    # start form, applicant-lane tasks), what the process's `applicantData` property names
    # (notices: reasons, missing-material lists, replies) and `case`. Staff notes stay internal.
    applicant_fields: frozenset[str] = frozenset({"case"})
    # Of the `applicantData` names, those a staff form fills in as text (an answer, reasons, a
    # reply), with the form field's title: what the office has told the applicant in words.
    applicant_notices: tuple[tuple[str, str], ...] = ()
    # Withdrawal by the applicant (撤回申请): allowed at all, and no longer once the case has
    # passed one of `withdrawable_until` (bpmn ids, e.g. the decision); nodes may override.
    withdrawable: bool = False
    withdrawable_until: tuple[str, ...] = ()
    # Named deadlines the diagram's moments derive from, read off its scripts and expressions:
    # data variable -> deadline keys (`x_due = deadline("k", ...)`, `x_warn = warn_at("k", x_due)`),
    # timer bpmn id -> keys, user task bpmn id -> keys of its due date. Suspension moves them.
    deadline_variables: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    timer_deadlines: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    due_deadlines: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    start_events: tuple[StartEventInfo, ...] = ()
    messages: Mapping[str, MessageDeclaration] = field(default_factory=dict)  # by name, caught or thrown
    signals: Mapping[str, SignalDeclaration] = field(default_factory=dict)

    def starts_by(self, kind: str, name: str | None = None) -> StartEventInfo | None:
        """The start event of that kind (and message or signal name), if the process has one."""
        for start in self.start_events:
            if start.kind == kind and (name is None or start.name == name):
                return start
        return None


@dataclass(frozen=True)
class ProcessPackage:
    """A validated, compiled set of files (`.bpmn`, `.dmn`, `*.schema.json`, `*.uischema.json`).

    `digest` is the sha256 over the sorted file names and contents; identical files give
    the same digest, which is how the server knows a re-deploy is a no-op.
    """

    digest: str
    files: Mapping[str, bytes]
    processes: Mapping[str, ProcessInfo]  # by process id: the top-level executable ones
    forms: Mapping[str, dict[str, Any]]  # file name -> parsed JSON (schema or ui schema)
    # The deploy's group for human tasks with no lane and no candidate group, when one needed
    # it (then part of the digest), and the tasks that got it.
    default_group: str | None = None
    default_group_tasks: tuple[str, ...] = ()
    notes: tuple[DeployNote, ...] = ()  # what was translated from other tools' terms


@dataclass(frozen=True)
class ReadyTask:
    """A human task waiting for a person, with its queue metadata evaluated."""

    task_id: str  # the SpiffWorkflow task UUID as a string; stable across save/restore
    bpmn_id: str
    name: str
    lane: str | None
    candidate_groups: tuple[str, ...]
    form: str | None
    ui_form: str | None
    priority: int  # 50 when the task names none; higher is more urgent
    assignee: str | None  # username the task is assigned to from the start, if the diagram names one
    due: str | None  # evaluated due expression: ISO 8601 datetime or duration, as written
    follow_up: str | None
    data: dict[str, Any] = field(default_factory=dict)
    candidate_users: tuple[str, ...] = ()  # usernames who may take it besides the candidate groups


@dataclass(frozen=True)
class ReturnTarget:
    """An earlier human step a ready task can send the case back to (退回), the nearest first."""

    task_id: str  # the engine task of that step's last run; pass it to `Instance.reset_to`
    bpmn_id: str
    name: str


@dataclass(frozen=True)
class WaitingTimer:
    """A timer the instance waits on (timer catch events and boundary timers alike)."""

    task_id: str
    bpmn_id: str
    due_at: datetime  # timezone-aware UTC


@dataclass(frozen=True)
class Subscription:
    """A message or signal the instance waits for: a catch event, receive task, boundary
    event, event-based gateway branch or event-subprocess start.

    `task_id` names the waiting engine task (for an event-subprocess start, a stable
    "trigger:" id); `bpmn_id` the catching element (a gateway's branch event). A message's
    `correlation` holds the value expected for each correlation property, as text.
    """

    task_id: str
    bpmn_id: str
    kind: str  # "message" | "signal"
    name: str
    correlation: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SentEvent:
    """A message or signal the instance threw (throw event, send task, end event), for the
    server to deliver to other instances."""

    kind: str  # "message" | "signal"
    name: str
    bpmn_id: str
    payload: Any
    correlation: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MilestoneReached:
    """A milestone node this operation passed, with the data it names as it stood at that node."""

    bpmn_id: str
    milestone: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DocumentDue:
    """An official notice a node asks for, with the case data as it stood at that node."""

    bpmn_id: str
    template: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ElementStates:
    """Where an instance stands on its diagram, by BPMN element id (for highlighting it).

    `completed`: elements run at least once; `current`: elements with work in hand (a ready
    or started task, a waiting event or timer, a running call activity); `waiting`: elements
    the engine predicts further along a path but has not reached. An element is in one list
    only, the first of current, completed, waiting that applies (a task done once and open
    again after a send-back is current). Elements of called processes are included under
    their own ids; paths not taken are in none of the lists.
    """

    completed: tuple[str, ...]
    current: tuple[str, ...]
    waiting: tuple[str, ...]


@dataclass(frozen=True)
class ElementRef:
    """A BPMN element named in a diff: its id, its tag (e.g. "userTask") and its name."""

    id: str
    type: str
    name: str


@dataclass(frozen=True)
class ElementChange:
    """An element present in both versions whose behaviour-relevant parts differ."""

    id: str
    type: str
    name: str
    changes: tuple[str, ...]  # one readable line per changed aspect, e.g. "priority: '50' → '95'"


@dataclass(frozen=True)
class PackageDiff:
    """What changed between two versions of a process package (see `workflows.diff`)."""

    added: tuple[ElementRef, ...]
    removed: tuple[ElementRef, ...]
    changed: tuple[ElementChange, ...]
    files_changed: tuple[str, ...]  # added, removed or edited files, by name


@dataclass(frozen=True)
class Snapshot:
    """The instance after an operation: what to save and what to sync into the queue."""

    state: str  # JSON; pass back to `Engine.restore` as is
    serializer_version: str
    completed: bool
    ready_tasks: tuple[ReadyTask, ...]
    timers: tuple[WaitingTimer, ...]
    data: dict[str, Any]  # the instance's current data (last completed task's data)
    steps: tuple[str, ...] = ()  # bpmn ids of the tasks completed by this operation, in order
    milestones: tuple[MilestoneReached, ...] = ()  # in the order they were passed
    documents: tuple[DocumentDue, ...] = ()  # notices to issue, in the order their nodes completed
    subscriptions: tuple[Subscription, ...] = ()  # messages and signals it waits for
    sent: tuple[SentEvent, ...] = ()  # messages and signals this operation threw, in order


@dataclass(frozen=True)
class RemovedStep:
    """A step where the case stands that the new version does not have, and what might replace it."""

    step: ElementRef
    suggestion: str | None = None  # the new version's step SpiffWorkflow aligns it with by position


@dataclass(frozen=True)
class MigrationOutcome:
    """Whether a case can move to the new version, and what changes for it if it does.

    `movable` False comes with `reason` and, when steps are missing, `removed` (map them to go on).
    `changes` are lines a designer reads: steps mapped, behaviour changed at the current steps,
    steps added or no longer ahead, timers that keep their due moment.
    """

    movable: bool
    current: tuple[ElementRef, ...]
    reason: str | None = None
    removed: tuple[RemovedStep, ...] = ()
    mapped: tuple[tuple[str, str], ...] = ()
    changes: tuple[str, ...] = ()
    instance: Any = field(default=None, compare=False, repr=False)  # the moved `Instance`, when movable
