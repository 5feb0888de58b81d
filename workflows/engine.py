"""The engine facade: compile packages, start/restore instances, complete tasks, fire timers.

Everything SpiffWorkflow-specific stays behind `Engine` and `Instance`; callers get the
plain dataclasses of `workflows.api`.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit, StartEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition as _AnyMessage
from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.inclusive_gateway import InclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.parallel_gateway import ParallelGateway
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import EventSubprocess
from SpiffWorkflow.bpmn.util.task import BpmnTaskFilter
from SpiffWorkflow.exceptions import SpiffWorkflowException, TaskNotFoundException, WorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from workflows import dmn, events, fields, juel, metadata, migration, serialization, validation
from workflows.api import (
    BpmnError,
    CannotReset,
    DeployError,
    DeployFailed,
    DocumentDue,
    ElementRef,
    ElementStates,
    EngineError,
    FlowAnnotation,
    HumanTaskSpec,
    MigrationOutcome,
    MilestoneReached,
    NotWaiting,
    ProcessInfo,
    ProcessPackage,
    ReadyTask,
    ReturnTarget,
    SentEvent,
    ServiceParams,
    Snapshot,
    Subscription,
    TaskNotReady,
    UndeclaredFields,
    WaitingTimer,
    correlation_text,
)
from workflows.scripting import DEFAULT_MEMORY_MIB, RestrictedScriptEngine, ScriptError, element_error

CACHE_SIZE = 64
APPLICANT_GROUP = "applicant"
DEFAULT_PRIORITY = 50
# SpiffWorkflow's task iterator stops at depth 1000 and then misses READY tasks and
# reports completion (trap 6). Refuse to go on well before that.
MAX_TREE_DEPTH = 800
# What a diagram's scripts and expressions may produce where the server keeps it in integer and
# date columns and strict JSON: outside, the step that produced it fails, naming itself, and
# nothing is stored (the server's own bounds, `server.core.bounds`, are the same).
PRIORITY_RANGE = (-(2**31), 2**31 - 1)
YEAR_RANGE = (1900, 2999)
MAX_DURATION = timedelta(days=100 * 366)
_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
_CURRENT = _ACTIVE | TaskState.ERROR
_PREDICTED = TaskState.FUTURE | TaskState.LIKELY | TaskState.MAYBE
# The message a diagram's withdrawal path starts with: an event subprocess whose message start
# event catches it (bpmn/README.md). Its payload is {"reason": ..., "by": username}.
WITHDRAWAL_MESSAGE = "withdrawal"

Shift = Callable[[datetime], datetime]


class LexflowParser(SpiffBpmnParser):
    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        **events.PARSER_CLASSES,
        # Lexflow's DMN hit policies; also accepts `camunda:decisionRef` as drawn in Camunda.
        f"{{{metadata.BPMN_NS}}}businessRuleTask": (dmn.LexflowBusinessRuleTaskParser, dmn.BusinessRuleTask),
    }

    def get_engine(self, decision_ref: str, node: etree._Element) -> dmn.LexflowDMNEngine:
        stock = super().get_engine(decision_ref, node)
        return dmn.with_extras(stock, self.dmn_parsers[decision_ref].node, decision_ref)


@dataclass
class _Compiled:
    """What the engine keeps per package besides the public ProcessPackage."""

    package: ProcessPackage
    specs: dict[str, tuple[Any, dict[str, Any]]]  # process id -> (spec, subprocess specs)
    spec_json: dict[str, str]  # process id -> serialized spec + subprocess specs (JSON)
    human_tasks: dict[tuple[str, str], HumanTaskSpec]  # (process id, bpmn id) -> metadata
    # Start events of event subprocesses that interrupt the case (isInterrupting is not "false").
    interrupting_starts: frozenset[str] = frozenset()


def package_digest(files: Mapping[str, bytes], default_group: str | None = None) -> str:
    """sha256 over the files and, when tasks needed it, the deploy's default group (which
    changes who gets them, so the same files with another default group are a new version)."""
    h = hashlib.sha256()
    for name in sorted(files):
        content = files[name]
        h.update(name.encode("utf-8"))
        h.update(b"\0")
        h.update(len(content).to_bytes(8, "big"))
        h.update(content)
    if default_group:
        h.update(b"\0default_group\0" + default_group.encode("utf-8"))
    return h.hexdigest()


class Engine:
    """Compiles process packages and runs instances with restricted scripts.

    Thread-safe for compile/start/restore; an `Instance` belongs to one thread at a time.
    """

    def __init__(
        self,
        *,
        services: Mapping[str, Callable[[dict], Any]] | None = None,
        service_params: Mapping[str, ServiceParams] | None = None,
        functions: Mapping[str, Callable[..., Any]] | None = None,
        script_time_limit: float = 1.0,
        script_memory_limit: int = DEFAULT_MEMORY_MIB,
    ) -> None:
        """`services` answer service tasks by operator name; `service_params` are the parameters
        each reads (a service without an entry has its parameters left unchecked); `functions`
        are callables scripts and expressions may call by name, each receiving the task data as
        its first argument (so a `deadline("x")` helper can read the case's organisation without
        the designer passing it). A script runs for at most `script_time_limit` seconds in a
        sandbox process of at most `script_memory_limit` MiB (see `workflows.scripting`).
        """
        self.script_engine = RestrictedScriptEngine(
            services=services,
            functions=functions,
            time_limit=script_time_limit,
            memory_limit=script_memory_limit,
        )
        self._service_params = dict(service_params or {})
        self._cache: OrderedDict[str, _Compiled] = OrderedDict()
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ compile

    def compile(
        self,
        files: Mapping[str, bytes],
        *,
        dry_run: bool = False,
        deploying: bool = False,
        default_group: str | None = None,
    ) -> ProcessPackage:
        """Validate and compile a package; raises DeployFailed listing every problem found.

        `deploying` adds the checks only a new deploy must pass: every service task calls a
        service this engine answers, with the parameters it reads, each a valid Python
        expression; no script or expression names a way out of the sandbox's ordinary errors
        or a literal size it would refuse (`validation.check_sandbox_rules`). Packages
        deployed before keep loading without them (a service withdrawn since fails its task
        when a case reaches it, as an EngineError).

        `dry_run` checks the files exactly as a deploy would but keeps nothing: a designer
        validating draft after draft must not push deployed packages out of the cache.

        Files drawn in other tools are translated where the meaning is clear (`workflows.juel`);
        `default_group` is the group for human tasks with no lane and no candidate group. Both
        are listed in the package's `notes`.
        """
        call_errors = (
            [*self.service_call_errors(files), *validation.check_sandbox_rules(files)] if deploying else []
        )
        try:
            # A package refused for its service calls must not take a place in the cache either.
            compiled = self._compiled(files, default_group, keep=not dry_run and not call_errors)
        except DeployFailed as exc:
            if not call_errors:
                raise
            raise DeployFailed(_dedupe([*exc.errors, *call_errors])) from None
        if call_errors:
            raise DeployFailed(_dedupe(call_errors))
        return compiled.package

    def service_call_errors(self, files: Mapping[str, bytes]) -> list[DeployError]:
        """The service tasks of `files` that this engine's services cannot answer as written, and
        what else only a new deploy refuses (other tools' attributes Lexflow cannot honour)."""
        known = {name: self._service_params.get(name) for name in self.script_engine.services}
        read = validation.read_files(files)
        return [
            *validation.check_service_calls(files, known),
            *juel.deploy_errors(read.bpmn, set(read.forms)),
        ]

    def _compiled(
        self, files: Mapping[str, bytes], default_group: str | None = None, *, keep: bool = True
    ) -> _Compiled:
        key = package_digest(files, default_group)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        compiled = _compile(dict(files), default_group)
        if not keep:
            return compiled
        with self._lock:
            self._cache[key] = compiled
            self._cache.move_to_end(key)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return compiled

    # ------------------------------------------------------------------ instances

    def start(
        self,
        package: ProcessPackage,
        process_id: str,
        data: dict | None = None,
        *,
        start_event: str | None = None,
        payload: Any = None,
        correlation: Mapping[str, Any] | None = None,
    ) -> Instance:
        """A new instance: initial data on the start task, engine steps run until it waits.

        Without `start_event` the case begins at the process's plain (none) start event; with
        it, at that start event, as if its message, signal or timer had just happened:
        `payload` is the message's or signal's data, `correlation` its correlation values. The
        other start events are dropped, so a started case never waits for its own start
        message, and a timer start's expression (a cron line, say) is never evaluated by the
        engine: the server schedules those itself.
        """
        compiled = self._compiled(package.files, package.default_group)
        if process_id not in compiled.specs:
            raise EngineError(f"process {process_id!r} is not a top-level executable process of this package")
        spec, subs = compiled.specs[process_id]
        wf = BpmnWorkflow(spec, subs, script_engine=self.script_engine)
        start = wf.get_next_task(spec_name="Start")
        if start is not None and data:
            start.data.update(_copy(data))
        instance = Instance(self, compiled, process_id, wf)
        instance._choose_start(start, start_event, payload, dict(correlation or {}))
        instance._operate(lambda: None)
        return instance

    def restore(self, package: ProcessPackage, state: str) -> Instance:
        compiled = self._compiled(package.files, package.default_group)
        try:
            saved = json.loads(state)
            process_id = saved.get("lexflow_process_id")
        except (ValueError, AttributeError) as exc:
            raise EngineError(f"saved state is not valid JSON: {exc}") from exc
        if process_id not in compiled.spec_json:
            raise EngineError(f"saved state names process {process_id!r}, which this package does not hold")
        try:
            wf = serialization.loads(saved, compiled.spec_json[process_id], self.script_engine)
        except Exception as exc:
            raise EngineError(f"saved state could not be restored: {exc}") from exc
        return Instance(self, compiled, process_id, wf)

    def migrate(
        self, old: ProcessPackage, new: ProcessPackage, state: str, mapping: Mapping[str, str] | None = None
    ) -> MigrationOutcome:
        """Whether a saved instance of `old` can move to `new`, and, if so, the moved instance.

        `mapping` sends steps where the case stands to steps of `new` (old id -> new id); see
        `workflows.migration`. Nothing is saved: snapshot `outcome.instance` to keep the move.
        Raises EngineError when the move itself fails.
        """
        return migration.migrate(
            self.restore(old, state), self._compiled(new.files, new.default_group), mapping
        )

    def mapping_errors(
        self, old: ProcessPackage, new: ProcessPackage, process_id: str, mapping: Mapping[str, str]
    ) -> dict[str, str]:
        """What is wrong with a designer's step mapping from `old` to `new`, by old step id."""
        return migration.check_mapping(
            self._compiled(old.files, old.default_group),
            self._compiled(new.files, new.default_group),
            process_id,
            mapping,
        )

    def migration_targets(self, package: ProcessPackage, process_id: str) -> tuple[ElementRef, ...]:
        """The steps of a process a case may be sent to by a migration mapping."""
        return migration.targets(self._compiled(package.files, package.default_group), process_id)

    def element_states(self, package: ProcessPackage, state: str) -> ElementStates:
        """Completed, current and waiting BPMN element ids of a saved instance (read only)."""
        return self.restore(package, state).element_states()


def _copy(data: Any) -> Any:
    """Deep copy through JSON: task data must be JSON anyway, and callers must not share it."""
    return json.loads(json.dumps(data))


class Instance:
    """One running workflow. Operations raise EngineError and leave this object unusable on failure."""

    def __init__(self, engine: Engine, compiled: _Compiled, process_id: str, wf: BpmnWorkflow) -> None:
        self._engine = engine
        self._compiled = compiled
        self.process_id = process_id
        self._wf = wf
        self._steps: list[str] = []
        self._milestones: list[MilestoneReached] = []
        self._documents: list[DocumentDue] = []
        self._sent: list[SentEvent] = []
        info = compiled.package.processes.get(process_id)
        self._notes = info.annotations if info is not None else {}
        self._done: set[Any] = {t.id for t in self._all_tasks() if t.state == TaskState.COMPLETED}

    # ------------------------------------------------------------------ operations

    @property
    def completed(self) -> bool:
        return self._wf.is_completed()

    def complete(self, task_id: str, data: dict) -> None:
        """Set the form data on a READY human task, run it, and run engine steps.

        Only the fields the task's form declares are written, nested objects merged field by
        field (`workflows.fields`); anything else — the `case` block, a field the form does not
        name, any data for a task without a form — raises UndeclaredFields and writes nothing.
        """
        task = self._ready_task(task_id)
        data = data or {}
        meta = self._human_spec(task)
        schema = self._compiled.package.forms.get(meta.form) if meta is not None and meta.form else None
        undeclared = fields.undeclared_fields(schema, data)
        if undeclared:
            raise UndeclaredFields(undeclared, element_id=task.task_spec.bpmn_id)

        def run() -> None:
            task.set_data(**fields.merge_declared(task.data, _copy(data)))
            task.run()

        self._operate(run)

    def fire_due_timers(self) -> None:
        """Fire the timers that are due, one at a time, earliest first.

        Refresh before stepping: do_engine_steps only refreshes at its end (trap 2), and then
        all due timers at once in no particular order. Timers that came due together (after a
        suspension, or while the worker was stopped) must act in the order they fell due: a
        reminder before the expiry it warns of, and a timer whose task an earlier one withdrew
        not at all.
        """

        def fire() -> None:
            now = datetime.now(UTC)
            for due, task in self._timer_tasks():
                if due > now:
                    break
                if task.id not in self._wf.event_manager.tasks:
                    continue  # withdrawn by a timer that fired before it
                task.task_spec._update(task)
                self._run_engine_tasks()
            self._wf.refresh_timers()

        self._operate(fire)

    def return_targets(self, task_id: str) -> list[ReturnTarget]:
        """The earlier human steps the ready task `task_id` can send the case back to, nearest first.

        The walk goes back along the path the case took (the task's ancestors in the tree);
        each completed human step on it is a target once, at its latest run. A parallel or
        inclusive gateway bounds it: not back across a fork whose branches are still open
        (their work would be thrown away unseen), while a join the case has already left is
        crossed to the fork that opened it, past the branches in between, whose steps are not
        targets. Steps of a called process lead on to those before the call activity; an event
        subprocess or a multi-instance task ends the walk.
        """
        task = self._ready_task(task_id)
        return [
            ReturnTarget(task_id=str(step.id), bpmn_id=step.task_spec.bpmn_id, name=self._step_name(step))
            for step in self._serial_steps(task)
        ]

    def reset_to(self, task_id: str) -> tuple[str, ...]:
        """Send the case back to the completed human step `task_id` (退回, 撤回).

        The step is ready again with the data it had when the case first reached it; all that
        followed it on its path (open tasks, waiting timers, finished steps) is dropped, and
        runs again once the step is completed. Deadlines and timers of the step are set anew.
        Returns the bpmn ids of the human steps done after it that this undoes. Callers decide
        which steps may be reset to (see `return_targets`).
        """
        task = self._task(task_id)
        if task is None or task.state != TaskState.COMPLETED or self._human_spec(task) is None:
            raise CannotReset(task_id)
        undone: list[str] = []

        def reset() -> None:
            dropped = self._wf.reset_from_task_id(task.id)
            undone.extend(
                t.task_spec.bpmn_id
                for t in dropped
                if t.state == TaskState.COMPLETED and self._human_spec(t) is not None
            )
            self._forget_dropped_events()

        self._operate(reset)
        return tuple(undone)

    def cancel(self) -> None:
        """End the case where it stands: every open task and waiting event is cancelled."""
        self._operate(self._wf.cancel, steps=False)

    def withdraw(self, payload: dict[str, Any]) -> bool:
        """The applicant withdraws the case. Returns whether the diagram has a withdrawal path.

        With a path (an event subprocess started by the message `withdrawal`), the message is
        delivered with `payload` and the path runs (its scripts, milestones and notices);
        everything else the case was doing is cancelled, interrupting or not. Without one, the
        case is cancelled.
        """
        start = self._withdrawal_start()

        def run() -> None:
            if start is None:
                self._wf.cancel()
                return
            self._trigger(start, payload, {})
            self._wf.do_engine_steps()
            withdrawal = {
                sub.parent_task_id
                for sub in self._wf.subprocesses.values()
                if sub.parent_task_id in self._wf.tasks
                and isinstance(self._wf.tasks[sub.parent_task_id].task_spec, EventSubprocess)
            }
            for task in list(self._wf.tasks.values()):
                if (
                    task.id not in withdrawal
                    and task.task_spec.bpmn_id is not None
                    and task.has_state(TaskState.NOT_FINISHED_MASK)
                    and self._wf.tasks.get(task.id) is task
                ):
                    task.cancel()
            self._forget_dropped_events()

        self._operate(run)
        return start is not None

    def shift_moments(self, *, variables: Mapping[str, Shift], timers: Mapping[str, Shift]) -> dict[str, Any]:
        """Move date-time data variables and waiting timers (a suspension stops the clock).

        `variables`: data name -> how to move its ISO date-time, in the case's current data and
        that of every step not finished yet (so later steps, milestones and notices see the
        new value); `timers`: bpmn id -> how to move that waiting timer's due moment. Nothing
        else runs: timers now due fire on the next sweep, in order. Returns the variables that
        moved, name -> [before, after].
        """
        moved: dict[str, Any] = {}

        def shift() -> None:
            holders = [t for t in self._all_tasks() if t.has_state(TaskState.NOT_FINISHED_MASK)]
            last = self._last_completed()
            if last is not None:
                holders.append(last)
            for task in holders:
                for name, move in variables.items():
                    before = task.data.get(name)
                    after = _shifted(before, move)
                    if after is not None and after != before:
                        task.data[name] = after
                        moved.setdefault(name, [before, after])
            for _, task in self._timer_tasks():
                move = timers.get(task.task_spec.bpmn_id)
                value = task.internal_data.get("event_value")
                if move is None or value is None:
                    continue
                if isinstance(value, dict):  # a cycle: move its next occurrence
                    shifted = _shifted(value.get("next"), move)
                    if shifted is not None:
                        task.internal_data["event_value"] = {**value, "next": shifted}
                elif (shifted := _shifted(value, move)) is not None:
                    task.internal_data["event_value"] = shifted

        self._operate(shift, steps=False)
        return moved

    def set_data(self, changes: Mapping[str, Any]) -> None:
        """Correct case variables (an administrator's fix), in the current data and every step not
        finished yet. Nothing runs; what the new values decide is decided when the case moves on."""

        def apply() -> None:
            holders = [t for t in self._all_tasks() if t.has_state(TaskState.NOT_FINISHED_MASK)]
            last = self._last_completed()
            if last is not None:
                holders.append(last)
            for task in holders:
                task.data.update(_copy(dict(changes)))

        self._operate(apply, steps=False)

    def subscriptions(self) -> list[Subscription]:
        """Every message and signal the instance waits for now, with the correlation it expects."""
        found: list[Subscription] = []
        for task in list(self._wf.event_manager.tasks.values()):
            if isinstance(task.task_spec, BoundaryEvent) and task.state != TaskState.WAITING:
                continue
            for bpmn_id, definition in events.event_definitions_of(task):
                kind = events.kind_of(definition)
                if kind is None:
                    continue
                expected = (
                    self._expected_correlation(definition, task, bpmn_id) if kind == events.MESSAGE else {}
                )
                found.append(Subscription(str(task.id), bpmn_id or "", kind, definition.name, expected))
        for spec_name, start in self._trigger_starts():
            kind = events.kind_of(start.event_definition)
            if kind is None:
                continue
            definition = start.event_definition
            expected = (
                self._expected_correlation(definition, None, start.bpmn_id) if kind == events.MESSAGE else {}
            )
            found.append(
                Subscription(_trigger_id(spec_name, start), start.bpmn_id, kind, definition.name, expected)
            )
        return found

    def deliver(
        self,
        task_id: str,
        kind: str,
        name: str,
        payload: Any = None,
        correlation: Mapping[str, Any] | None = None,
    ) -> None:
        """Hand a message or signal to the task that waits for it (a subscription's `task_id`).

        Raises NotWaiting when that task does not wait for it (any more): nothing happened.
        Correlation was matched by the caller; `correlation` is what the instance holds from now
        on (a later reply is expected with the same values).
        """
        values = dict(correlation or {})
        if task_id.startswith(_TRIGGER):
            found = self._find_trigger(task_id, kind, name)
            if found is None:
                raise NotWaiting(task_id)
            _, start = found
            self._operate(lambda: self._trigger(start, payload, values))
            return
        task = next((t for t in self._wf.event_manager.tasks.values() if str(t.id) == str(task_id)), None)
        if task is None or (isinstance(task.task_spec, BoundaryEvent) and task.state != TaskState.WAITING):
            raise NotWaiting(task_id)
        definition = next(
            (d for _, d in events.event_definitions_of(task) if events.kind_of(d) == kind and d.name == name),
            None,
        )
        if definition is None:
            raise NotWaiting(task_id)

        def catch() -> None:
            event = BpmnEvent(definition, payload=_copy(payload), correlations=values)
            task.task_spec.catch(task, event)
            task.task_spec._update(task)
            if isinstance(task.task_spec, BoundaryEvent) and not task.task_spec.cancel_activity:
                _rearm(task)

        self._operate(catch)

    def ready_tasks(self) -> list[ReadyTask]:
        return [self._ready(t) for t in self._ready_spiff_tasks()]

    def snapshot(self) -> Snapshot:
        return Snapshot(
            state=serialization.dumps(self._wf, extra={"lexflow_process_id": self.process_id}),
            serializer_version=serialization.VERSION,
            completed=self.completed,
            ready_tasks=tuple(self.ready_tasks()),
            timers=tuple(self._timers()),
            data=self._data(),
            steps=tuple(self._steps),
            milestones=tuple(self._milestones),
            documents=tuple(self._documents),
            subscriptions=tuple(self.subscriptions()),
            sent=tuple(self._sent),
        )

    def element_states(self) -> ElementStates:
        """Where the instance stands, by BPMN element id; see `ElementStates`.

        SpiffWorkflow keeps one task per element visit: COMPLETED ones were run, READY,
        WAITING and STARTED ones (and ERROR) are in hand, FUTURE/LIKELY/MAYBE ones are
        predicted. Internal specs (the workflow's Start, End, end joins) have no bpmn id and
        are skipped. Called processes' tasks live in their own subworkflows, kept after they
        finish, so `_all_tasks` covers them.
        """
        completed: dict[str, None] = {}
        current: dict[str, None] = {}
        waiting: dict[str, None] = {}
        tasks = sorted(self._all_tasks(), key=lambda t: t.last_state_change or 0)
        for task in tasks:
            bpmn_id = task.task_spec.bpmn_id
            if bpmn_id is None:
                continue
            if task.state & _CURRENT:
                current[bpmn_id] = None
            elif task.state == TaskState.COMPLETED:
                completed[bpmn_id] = None
            elif task.state & _PREDICTED:
                waiting[bpmn_id] = None
        return ElementStates(
            completed=tuple(i for i in completed if i not in current),
            current=tuple(current),
            waiting=tuple(i for i in waiting if i not in current and i not in completed),
        )

    # ------------------------------------------------------------------ internals

    def _all_tasks(self) -> list[Any]:
        tasks = list(self._wf.tasks.values())
        for sub in self._wf.subprocesses.values():
            tasks.extend(sub.tasks.values())
        return tasks

    def _ready_spiff_tasks(self) -> list[Any]:
        return self._wf.get_tasks(task_filter=BpmnTaskFilter(state=TaskState.READY, manual=True))

    def _ready_task(self, task_id: str) -> Any:
        for task in self._ready_spiff_tasks():
            if str(task.id) == str(task_id):
                return task
        raise TaskNotReady(task_id)

    def _task(self, task_id: str) -> Any:
        try:
            return self._wf.get_task_from_id(uuid.UUID(str(task_id)))
        except (ValueError, KeyError, TaskNotFoundException):
            return None

    def _step_name(self, task: Any) -> str:
        meta = self._human_spec(task)
        return (meta.name if meta else None) or task.task_spec.bpmn_name or task.task_spec.bpmn_id

    def _serial_steps(self, task: Any) -> list[Any]:
        """Completed human steps on the path back from `task` (see `return_targets`)."""
        steps: dict[str, Any] = {}
        joins = 0  # joins crossed whose fork is still ahead
        current = task.parent
        while current is not None:
            spec = current.task_spec
            if isinstance(spec, LoopTask):
                break
            if isinstance(spec, ParallelGateway | InclusiveGateway):
                if len(spec.outputs) > 1:  # we came out of one of its branches
                    if joins == 0:
                        break
                    joins -= 1
                if len(spec.inputs) > 1:  # going back into one of the branches it joined
                    joins += 1
            elif (
                joins == 0
                and current.state == TaskState.COMPLETED
                and self._human_spec(current) is not None
                and spec.bpmn_id not in steps
                and not isinstance(current.parent.task_spec if current.parent else None, LoopTask)
            ):
                steps[spec.bpmn_id] = current
            parent = current.parent
            if parent is None and current.workflow.parent_task_id is not None:
                caller = self._task(str(current.workflow.parent_task_id))
                if caller is None or isinstance(caller.task_spec, EventSubprocess):
                    break
                parent = caller.parent  # a called or embedded process: on to the steps before it
            current = parent
        return list(steps.values())

    def _forget_dropped_events(self) -> None:
        """SpiffWorkflow 3.2 leaves the catching events of a reset or cancelled branch in its event
        manager, whose next timer refresh then fails on them: forget those no longer in the tree."""
        manager = self._wf.event_manager
        for task in list(manager.tasks.values()):
            if task.workflow.tasks.get(task.id) is not task or not task.has_state(
                TaskState.NOT_FINISHED_MASK
            ):
                manager.remove_task(task)

    def _withdrawal_start(self) -> Any:
        """The message start event of the diagram's withdrawal path, if it has one."""
        for _, start in self._trigger_starts():
            definition = start.event_definition
            if isinstance(definition, _AnyMessage) and definition.name == WITHDRAWAL_MESSAGE:
                return start
        return None

    def _timer_tasks(self) -> list[tuple[datetime, Any]]:
        """Waiting timer tasks with their due moments, earliest first."""
        found = []
        for task in list(self._wf.event_manager.tasks.values()):
            definition = task.task_spec.event_definition
            if isinstance(definition, TimerEventDefinition):
                due = _due_at(definition.details(task).value, task.task_spec)
                if due is not None:
                    found.append((due, task))
        found.sort(key=lambda entry: entry[0])
        return found

    def _run_engine_tasks(self) -> None:
        """do_engine_steps without its closing timer refresh (see `fire_due_timers`)."""
        while self._wf._do_engine_steps():
            pass

    def _operate(self, action: Callable[[], None], *, steps: bool = True) -> None:
        """Run one operation plus engine steps, translating every failure into EngineError.

        A BPMN error a service raises goes to the error boundary event that catches its code,
        and the engine steps go on from there; one nothing catches fails the operation.
        """
        try:
            for _ in range(MAX_CAUGHT_ERRORS):
                try:
                    action()
                    if steps:
                        self._wf.do_engine_steps()
                    break
                except BpmnError as exc:
                    self._catch_bpmn_error(exc)
                    action = _nothing
            else:
                raise EngineError(f"BPMN errors were caught more than {MAX_CAUGHT_ERRORS} times in one step")
        except EngineError:
            raise
        except ScriptError as exc:  # from code SpiffWorkflow evaluates on its own (e.g. correlations)
            raise EngineError(f"a script or expression failed: {exc}") from None
        except WorkflowException as exc:
            raise _engine_error(exc) from exc
        except SpiffWorkflowException as exc:
            raise EngineError(str(exc)) from exc
        except RecursionError as exc:
            raise EngineError("the process is nested too deeply to run") from exc
        except Exception as exc:
            spec = _failing_spec(exc)
            if spec is not None:
                raise element_error(spec, f"{spec.bpmn_id}: {type(exc).__name__}: {exc}") from exc
            raise EngineError(f"{type(exc).__name__}: {exc}") from exc
        except (KeyboardInterrupt, SystemExit):
            # Scripts cannot raise these here (they run in the sandbox, or are plain
            # expressions): one that arrives is the server being stopped, and must stop it.
            raise
        except BaseException as exc:  # GeneratorExit and the like: still only this case's failure
            raise EngineError(f"{type(exc).__name__} in the engine: {exc}") from None
        self._record_steps()
        self._record_sent()
        self._check_depth()

    def _record_sent(self) -> None:
        for event in self._wf.get_events():
            kind = events.kind_of(event.event_definition)
            source = getattr(event, "lexflow_source", None)
            if kind is None or source is None:
                continue  # an uncaught escalation or error: SpiffWorkflow's own business
            self._sent.append(
                SentEvent(
                    kind=kind,
                    name=event.event_definition.name,
                    bpmn_id=source,
                    payload=_copy(event.payload),
                    correlation={
                        key: correlation_text(value) for key, value in (event.correlations or {}).items()
                    },
                )
            )

    # ------------------------------------------------------------------ events

    def _choose_start(self, start: Any, start_event: str | None, payload: Any, correlation: dict) -> None:
        """Keep the one start event this case begins at (see `Engine.start`) and drop the others."""
        if start is None:
            return
        holder = next((c for c in start.children if isinstance(c.task_spec, StartEventSplit)), start)
        starts = [c for c in holder.children if isinstance(c.task_spec, StartEvent)]
        if start_event is None:
            chosen = [c for c in starts if isinstance(c.task_spec.event_definition, NoneEventDefinition)]
            if starts and not chosen:
                raise EngineError(
                    f"process {self.process_id!r} has no plain start event: its cases begin by a message, "
                    "signal or timer"
                )
        else:
            chosen = [c for c in starts if c.task_spec.bpmn_id == start_event]
            if not chosen:
                raise EngineError(f"process {self.process_id!r} has no start event {start_event!r}")
            task = chosen[0]
            definition = task.task_spec.event_definition
            now = datetime.now(UTC).isoformat()
            task._set_internal_data(event_fired=True, event_value=now)
            if isinstance(definition, CycleTimerEventDefinition) and not task.children:
                # SpiffWorkflow adds a cycle's path only as each cycle passes; this case is one
                # occurrence, so it takes the path once.
                for output in task.task_spec.outputs:
                    task._add_child(output, TaskState.MAYBE)
            if events.kind_of(definition) is not None:
                task.internal_data[definition.name] = _copy(payload) if payload is not None else {}
                if events.kind_of(definition) == events.MESSAGE:
                    events.record_correlation(self._wf, definition.correlation_properties, correlation)
        for child in starts:
            if child not in chosen:
                self._wf._remove_task(child.id)

    def _expected_correlation(self, definition: Any, task: Any, bpmn_id: str | None) -> dict[str, str]:
        """What a waiting message event expects of each correlation property, as text.

        In order: the event's own `spiffworkflow:processVariableCorrelation` expression on the
        case data; such an expression another waiting event of the case gives for the property
        (a case reads its case number one way, whichever message it waits for); the value the
        case already holds (from a message it sent or received); the message's retrieval
        expression on the case data (a court sends `case_number`, the case holds `case_number`).
        A property none of these can give is a modelling error.
        """
        own = {prop.name: prop.retrieval_expression for prop in definition.process_correlations}
        retrieval = {prop.name: prop.retrieval_expression for prop in definition.correlation_properties}
        expected: dict[str, str] = {}
        for name in dict.fromkeys([*retrieval, *own]):
            expression = own.get(name) or self._instance_correlation_rules().get(name)
            held, value = events.held_correlation(self._wf, name)
            if expression is None and not held:
                expression = retrieval.get(name)
            if expression is not None:
                try:
                    if task is not None:
                        value = self._engine.script_engine.evaluate(task, expression)
                    else:
                        value = self._engine.script_engine.environment.evaluate(expression, self._data())
                except Exception as exc:
                    raise EngineError(
                        f"{bpmn_id}: message {definition.name!r} waits for correlation property "
                        f"{name}, whose value {expression!r} could not be read from the case data "
                        f"({exc}); give the event a processVariableCorrelation for it",
                        element_id=bpmn_id,
                    ) from exc
            expected[name] = correlation_text(value)
        return expected

    def _instance_correlation_rules(self) -> dict[str, str]:
        """Property id -> expression, from every processVariableCorrelation of the process's events."""
        rules: dict[str, str] = {}
        for spec in self._wf.spec.task_specs.values():
            definition = getattr(spec, "event_definition", None)
            for sub in getattr(definition, "event_definitions", None) or [definition]:
                for prop in getattr(sub, "process_correlations", None) or []:
                    rules.setdefault(prop.name, prop.retrieval_expression)
        return rules

    def _trigger_starts(self) -> list[tuple[str, Any]]:
        """(subprocess spec name, start event spec) of the event subprocesses a message or signal starts."""
        if self.completed:
            return []
        found = []
        for spec_name in self._wf.spec.start.trigger_specs:
            sub = self._wf.subprocess_specs.get(spec_name)
            for start in getattr(sub, "bpmn_start_events", []) if sub is not None else []:
                found.append((spec_name, start))
        return found

    def _find_trigger(self, task_id: str, kind: str, name: str) -> tuple[str, Any] | None:
        for spec_name, start in self._trigger_starts():
            definition = start.event_definition
            if (
                _trigger_id(spec_name, start) == task_id
                and events.kind_of(definition) == kind
                and definition.name == name
            ):
                return spec_name, start
        return None

    def _trigger(self, start: Any, payload: Any, correlation: dict) -> None:
        """Start an event subprocess by its message or signal start event.

        An interrupting one (the default) first cancels everything else the case was doing,
        as BPMN says and Camunda does; SpiffWorkflow would run both side by side.
        """
        definition = start.event_definition
        event = BpmnEvent(definition, payload=_copy(payload), correlations=correlation)
        self._wf.event_manager.update_collaboration(event)
        for task in list(self._wf.event_manager.tasks.values()):
            if task.task_spec is start:
                if start.bpmn_id in self._compiled.interrupting_starts:
                    self._interrupt(keep=self._wf.get_task_from_id(task.workflow.parent_task_id))
                task.task_spec.catch(task, event)
                task.task_spec._update(task)
                return
        raise NotWaiting(start.bpmn_id)

    def _interrupt(self, keep: Any) -> None:
        """Cancel every unfinished task of the case but `keep` (the event subprocess) and its line."""
        spared = {keep.id}
        parent = keep.parent
        while parent is not None:
            spared.add(parent.id)
            parent = parent.parent
        for task in self._wf.get_tasks(state=TaskState.NOT_FINISHED_MASK):
            if (
                task.id not in spared
                and task.workflow is self._wf
                and task.has_state(TaskState.NOT_FINISHED_MASK)
            ):
                task.cancel()

    def _catch_bpmn_error(self, exc: BpmnError) -> None:
        """Send a service's BPMN error to the error boundary event that catches its code.

        Looks on the task itself, then on each subprocess or call activity around it, taking
        an event naming that code before one that catches every code. Raises EngineError,
        located on the task, when nothing catches it.
        """
        failed = self._wf.get_task_from_id(exc.task_id) if exc.task_id is not None else None
        if failed is None:
            raise EngineError(f"BPMN error {exc.code} was raised outside a service task")
        current, boundary = failed, None
        while current is not None and boundary is None:
            boundary = _error_boundary(current, exc.code)
            workflow = current.workflow
            parent_id = workflow.parent_task_id if workflow is not self._wf else None
            current = self._wf.get_task_from_id(parent_id) if parent_id is not None else None
        spec = failed.task_spec
        if boundary is None:
            detail = f" ({exc.message})" if exc.message else ""
            raise element_error(
                spec,
                f"{spec.bpmn_id}: the service raised BPMN error {exc.code}{detail}, and no error boundary "
                "event catches that code",
            )
        failed._set_state(TaskState.CANCELLED)
        failed._drop_children(force=True)
        error = {"code": exc.code, "message": exc.message, "data": _copy(exc.data)}
        definition = boundary.task_spec.event_definition
        boundary.task_spec.catch(boundary, BpmnEvent(definition, payload=error))
        boundary.task_spec._update(boundary)
        boundary.data["bpmn_error"] = error

    def _record_steps(self) -> None:
        new = [t for t in self._all_tasks() if t.state == TaskState.COMPLETED and t.id not in self._done]
        new.sort(key=lambda t: t.last_state_change)
        for task in new:
            self._done.add(task.id)
            bpmn_id = task.task_spec.bpmn_id
            if bpmn_id is None:
                continue
            _check_finite(task)
            self._steps.append(bpmn_id)
            note = self._notes.get(bpmn_id)
            if note is not None and note.milestone:
                recorded = {name: _copy(task.data.get(name)) for name in note.milestone_data}
                self._milestones.append(MilestoneReached(bpmn_id, note.milestone, recorded))
            if note is not None and note.document:
                self._documents.append(DocumentDue(bpmn_id, note.document, _copy(task.data)))

    def _check_depth(self) -> None:
        for task in self._all_tasks():
            if task.state & _ACTIVE and task.depth > MAX_TREE_DEPTH:
                spec = task.task_spec
                raise element_error(
                    spec,
                    f"the process has looped too often (task tree depth {task.depth} at {spec.bpmn_id}); "
                    "loops of more than a few hundred iterations are not supported, remodel it with "
                    "a multi-instance task or a new instance per iteration",
                )

    def _human_spec(self, task: Any) -> HumanTaskSpec | None:
        spec = task.task_spec
        return self._compiled.human_tasks.get((spec._wf_spec.name, spec.bpmn_id))

    def _ready(self, task: Any) -> ReadyTask:
        spec = task.task_spec
        meta = self._human_spec(task)
        lane = spec.lane if spec.lane is not None else (meta.lane if meta else None)
        groups = meta.candidate_groups if meta else ((lane,) if lane else ())
        if meta and meta.candidate_groups_expression:
            groups = self._names(task, meta.candidate_groups_expression, "candidate groups") or groups
        users = meta.candidate_users if meta else ()
        if meta and meta.candidate_users_expression:
            users = self._names(task, meta.candidate_users_expression, "candidate users")
        priority = DEFAULT_PRIORITY
        if meta and meta.priority_expression:
            value = self._evaluate(task, meta.priority_expression, "priority")
            if value is not None:
                try:
                    priority = int(value)
                except (TypeError, ValueError, OverflowError) as exc:
                    raise element_error(
                        spec,
                        f"priority of {spec.bpmn_id} evaluated to {value!r}, not a number",
                    ) from exc
                low, high = PRIORITY_RANGE
                if not low <= priority <= high:
                    raise element_error(
                        spec,
                        f"priority of {spec.bpmn_id} evaluated to {_short(value)}, outside {low}…{high}",
                    )
        return ReadyTask(
            task_id=str(task.id),
            bpmn_id=spec.bpmn_id,
            name=spec.bpmn_name or spec.bpmn_id,
            lane=lane,
            candidate_groups=tuple(groups),
            form=meta.form if meta else None,
            ui_form=meta.ui_form if meta else None,
            priority=priority,
            assignee=self._assignee(task, meta),
            due=self._date_expr(task, meta.due_expression if meta else None, "due date"),
            follow_up=self._date_expr(task, meta.follow_up_expression if meta else None, "follow-up date"),
            data=_copy(task.data),
            candidate_users=tuple(users),
        )

    def _names(self, task: Any, expression: str, label: str) -> tuple[str, ...]:
        """Groups or usernames an expression gives: a list, or one comma-separated string."""
        value = self._evaluate(task, expression, label)
        if value is None:
            return ()
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple | set):
            raise element_error(
                task.task_spec, f"{label} of {task.task_spec.bpmn_id} evaluated to {value!r}, not names"
            )
        return tuple(str(item).strip() for item in items if str(item).strip())

    def _evaluate(self, task: Any, expression: str, label: str) -> Any:
        try:
            return self._engine.script_engine.evaluate(task, expression)
        except EngineError:
            raise
        except Exception as exc:
            spec = task.task_spec
            raise element_error(
                spec,
                f"{label} expression {expression!r} of {spec.bpmn_id} failed: {exc}",
            ) from exc

    def _assignee(self, task: Any, meta: HumanTaskSpec | None) -> str | None:
        if meta is None or not meta.assignee_expression:
            return None
        value = self._evaluate(task, meta.assignee_expression, "assignee")
        return str(value).strip() or None if value is not None else None

    def _date_expr(self, task: Any, expression: str | None, label: str) -> str | None:
        if not expression:
            return None
        value = self._evaluate(task, expression, label)
        if value is None:
            return None
        text = value.isoformat() if isinstance(value, datetime) else str(value)
        _check_moment(task.task_spec, text, f"{label} of {task.task_spec.bpmn_id}")
        return text

    def _timers(self) -> list[WaitingTimer]:
        """Every timer the instance waits on: timer events, boundary timers and the timer branch
        of an event-based gateway (reported under the branch's id; the gateway waits for it)."""
        timers = []
        for task in list(self._wf.event_manager.tasks.values()):
            for bpmn_id, definition in events.event_definitions_of(task):
                if not isinstance(definition, TimerEventDefinition):
                    continue
                due = _due_at(definition.details(task).value, task.task_spec)
                if due is not None:
                    timers.append(WaitingTimer(task_id=str(task.id), bpmn_id=bpmn_id or "", due_at=due))
        timers.sort(key=lambda t: t.due_at)
        return timers

    def _data(self) -> dict[str, Any]:
        if self.completed:
            data = dict(self._wf.data)
            data.pop("data_objects", None)
            if not data:
                last = self._last_completed()
                data = last.data if last is not None else {}
            return _copy(data)
        last = self._last_completed()
        return _copy(last.data) if last is not None else {}

    def _last_completed(self) -> Any:
        # Equal `last_state_change` stamps (a frozen or coarse clock: demo seeding travels with
        # tick=False) go to the task created later, i.e. further along the flow; `max` alone
        # would pick the earliest of them and lose what the later steps wrote.
        done = [
            (t.last_state_change, n, t)
            for n, t in enumerate(self._all_tasks())
            if t.state == TaskState.COMPLETED
        ]
        return max(done, key=lambda entry: entry[:2], default=(None, None, None))[2]


def _shifted(value: Any, move: Shift) -> str | None:
    """`value` (an ISO date-time, or a bare date) moved by `move`, in the same form; None if not a moment."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if len(text) == 10:  # a date: move the day
        return move(moment).date().isoformat()
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    after = move(aware).astimezone(aware.tzinfo)
    return (after if moment.tzinfo is not None else after.replace(tzinfo=None)).isoformat()


MAX_CAUGHT_ERRORS = 20
_TRIGGER = "trigger:"


def _nothing() -> None:
    pass


def _trigger_id(spec_name: str, start: Any) -> str:
    return f"{_TRIGGER}{spec_name}:{start.bpmn_id}"


def _rearm(boundary: Any) -> None:
    """A non-interrupting boundary event listens again while its activity runs (as in Camunda;
    SpiffWorkflow would take one message only)."""
    split = boundary.parent
    main = next((c for c in split.children if not isinstance(c.task_spec, BoundaryEvent)), None)
    if main is not None and not main.has_state(TaskState.FINISHED_MASK):
        again = split._add_child(boundary.task_spec, TaskState.WAITING)
        again.task_spec._update(again)


def _error_boundary(task: Any, code: str) -> Any:
    """The waiting error boundary event on `task` that catches `code`, if any."""
    split = task.parent
    if split is None or not isinstance(split.task_spec, BoundaryEventSplit):
        return None
    waiting = [
        child
        for child in split.children
        if isinstance(child.task_spec, BoundaryEvent)
        and child.state == TaskState.WAITING
        and isinstance(child.task_spec.event_definition, ErrorEventDefinition)
    ]
    exact = [child for child in waiting if child.task_spec.event_definition.code == code]
    any_code = [child for child in waiting if child.task_spec.event_definition.code in (None, "")]
    return (exact or any_code or [None])[0]


def _due_at(value: Any, spec: Any) -> datetime | None:
    """The due moment of a timer's pending event value: ISO string, or a cycle dict with `next`."""
    if isinstance(value, dict):
        value = value.get("next")
    if value is None:
        return None
    try:
        moment = value if isinstance(value, datetime) else TimerEventDefinition.get_datetime(str(value))
    except Exception:  # not a date (yet); the timer has not been evaluated
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    low, high = YEAR_RANGE
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        moment = None
    if moment is None or not low <= moment.year <= high:
        raise element_error(
            spec, f"timer of {spec.bpmn_id} is due at {_short(value)}, outside the years {low}…{high}"
        )
    return moment


_DAYS_PER_UNIT = {
    "years": 366,
    "months": 31,
    "weeks": 7,
    "days": 1,
    "hours": 1 / 24,
    "minutes": 1 / 1440,
    "seconds": 1 / 86400,
}


def _failing_spec(exc: BaseException) -> Any:
    """The BPMN element SpiffWorkflow was working on when `exc` escaped it unwrapped (a timer
    date that overflows, say): the innermost frame with a task of an element."""
    found = None
    trace = exc.__traceback__
    while trace is not None:
        for name in ("my_task", "task"):
            spec = getattr(trace.tb_frame.f_locals.get(name), "task_spec", None)
            if getattr(spec, "bpmn_id", None):
                found = spec
        trace = trace.tb_next
    return found


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:40]}…({len(text)} characters)"


def _check_finite(task: Any) -> None:
    """Case data is strict JSON: a NaN or infinity a step wrote fails that step, by name."""
    stack: list[tuple[str, Any]] = [(name, value) for name, value in task.data.items()]
    while stack:
        path, value = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            spec = task.task_spec
            raise element_error(
                spec, f"{spec.bpmn_id} set {path} to {value!r}, which is not a number data can hold"
            )
        if isinstance(value, dict):
            stack.extend((f"{path}.{key}", item) for key, item in value.items())
        elif isinstance(value, (list, tuple)):
            stack.extend((f"{path}.{index}", item) for index, item in enumerate(value))


def _check_moment(spec: Any, text: str, label: str) -> None:
    """A due or follow-up date within the years the server keeps, or a duration of at most 100
    years. Other text is left to the server (it reads ISO dates and durations only)."""
    low, high = YEAR_RANGE
    if text.startswith("P"):
        try:
            parts = TimerEventDefinition.parse_iso_duration(text)
        except Exception:  # not a duration the server can read either; it ignores it
            return
        days = sum(float(parts.get(unit, 0)) * size for unit, size in _DAYS_PER_UNIT.items())
        if days > MAX_DURATION.days:
            raise element_error(spec, f"{label} is {_short(text)}, longer than 100 years")
        return
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return
    try:
        year = (moment.astimezone(UTC) if moment.tzinfo else moment).year
    except OverflowError:
        year = None
    if year is None or not low <= year <= high:
        raise element_error(spec, f"{label} is {_short(text)}, outside the years {low}…{high}")


def _engine_error(exc: WorkflowException) -> EngineError:
    spec = getattr(exc, "task_spec", None)
    element_id = getattr(spec, "bpmn_id", None)
    name = getattr(spec, "bpmn_name", None)
    cause = getattr(exc, "exception", None)
    message = str(exc)
    if element_id and element_id not in message:
        message = f"{element_id}: {message}"
    if isinstance(cause, ScriptError) and cause.kind == "timeout":
        message = f"{element_id}: script or expression {cause}"
    return EngineError(message, element_id=element_id, element_name=name)


# ---------------------------------------------------------------------- compile


def _compile(files: dict[str, bytes], default_group: str | None) -> _Compiled:
    pkg = validation.read_files(files)
    validation.check_schemas(pkg)
    # Other tools' expressions and attributes in Lexflow's terms, before Lexflow's rules and
    # SpiffWorkflow see them; what cannot be translated is refused by check_structure.
    translations, defaulted = juel.translate_package(
        {name: tree for name, tree in pkg.bpmn.items() if name not in pkg.failed}, default_group
    )
    validation.check_structure(pkg)
    validation.check_form_fields(pkg, files)
    errors = list(pkg.errors)
    digest = package_digest(files, default_group if defaulted else None)

    parser = LexflowParser()  # XSD already checked (and listed in full) by step 2
    for name, tree in pkg.dmn.items():
        if name not in pkg.failed:
            _guard(errors, name, tree, lambda t=tree, n=name: parser.add_dmn_xml(t.getroot(), filename=n))
    bpmn_ok = {}
    for name, tree in pkg.bpmn.items():
        if name in pkg.failed:
            continue
        if _guard(errors, name, tree, lambda t=tree, n=name: parser.add_bpmn_xml(t.getroot(), filename=n)):
            bpmn_ok[name] = tree

    executable: dict[str, tuple[str, etree._Element]] = {}
    called: set[str] = set()
    for name, tree in pkg.bpmn.items():
        for process in tree.getroot().iter(f"{{{metadata.BPMN_NS}}}process"):
            if process.get("isExecutable") == "true" and process.get("id"):
                executable[process.get("id")] = (name, process)
        for call in tree.getroot().iter(f"{{{metadata.BPMN_NS}}}callActivity"):
            if call.get("calledElement"):
                called.add(call.get("calledElement"))
    top = [pid for pid in executable if pid not in called] or list(executable)
    if len(executable) == 1:
        top = list(executable)

    specs: dict[str, tuple[Any, dict[str, Any]]] = {}
    for pid in top:
        name, _ = executable[pid]
        if name not in bpmn_ok:
            continue

        def build(pid: str = pid) -> None:
            specs[pid] = (parser.get_spec(pid), parser.get_subprocess_specs(pid))

        _guard(errors, name, pkg.bpmn[name], build)

    if errors:
        raise DeployFailed(_dedupe(errors))

    human_tasks: dict[tuple[str, str], HumanTaskSpec] = {}
    by_process: dict[str, dict[str, HumanTaskSpec]] = {}
    annotations: dict[str, dict[str, FlowAnnotation]] = {}
    scripts: dict[str, list[str]] = {}
    timer_exprs: dict[str, dict[str, str]] = {}
    for tree in pkg.bpmn.values():
        for process in tree.getroot().iter(f"{{{metadata.BPMN_NS}}}process"):
            pid = process.get("id", "")
            scripts[pid] = metadata.scripts_of(process)
            timer_exprs[pid] = metadata.timer_expressions(process)
            for node in process.iter():
                if isinstance(node.tag, str) and node.get("id"):
                    note = metadata.flow_annotation(node)
                    if note is not None:
                        annotations.setdefault(pid, {})[node.get("id")] = note
            for node in process.iter(*(f"{{{metadata.BPMN_NS}}}{tag}" for tag in metadata.HUMAN_TAGS)):
                hts = metadata.human_task_spec(node, metadata.lane_of(node))
                human_tasks[(pid, hts.bpmn_id)] = hts
                by_process.setdefault(pid, {})[hts.bpmn_id] = hts

    processes: dict[str, ProcessInfo] = {}
    spec_json: dict[str, str] = {}
    for pid, (spec, subs) in specs.items():
        tasks: dict[str, HumanTaskSpec] = {}
        notes: dict[str, FlowAnnotation] = {}
        own_scripts: list[str] = []
        timers: dict[str, str] = {}
        for sub_id in [*subs, pid]:
            tasks.update(by_process.get(sub_id, {}))
            notes.update(annotations.get(sub_id, {}))
            own_scripts += scripts.get(sub_id, [])
            timers.update(timer_exprs.get(sub_id, {}))
        variables = metadata.script_deadline_variables(own_scripts)
        own_file, node = executable[pid]
        withdrawable, withdrawable_until = metadata.process_withdrawal(node)
        start_props: dict[str, str] = {}
        for start in node.findall(f"{{{metadata.BPMN_NS}}}startEvent"):
            start_props.update(metadata.spiff_properties(start))
        start_form = start_props.get("formJsonSchemaFilename") or next(
            (
                form
                for start in node.findall(f"{{{metadata.BPMN_NS}}}startEvent")
                if (form := metadata.task_property(start, "formJsonSchemaFilename"))
            ),
            None,
        )
        messages: dict[str, Any] = {}
        signals: dict[str, Any] = {}
        for part in [pid, *subs]:
            if part in executable:
                file_name, part_node = executable[part]
                found_messages, found_signals = events.referenced_events(
                    part_node, pkg.bpmn[file_name].getroot()
                )
                messages.update(found_messages)
                signals.update(found_signals)
        processes[pid] = ProcessInfo(
            process_id=pid,
            name=node.get("name") or pid,
            human_tasks=tasks,
            annotations=notes,
            start_form=start_form,
            start_ui_form=start_props.get("formUiSchemaFilename") or None,
            applicant_fields=_applicant_fields(node, start_form, tasks, pkg.forms),
            applicant_notices=_applicant_notices(node, pkg.forms),
            withdrawable=withdrawable,
            withdrawable_until=withdrawable_until,
            deadline_variables=variables,
            timer_deadlines=_nonempty(
                {bpmn_id: metadata.expression_deadlines(expr, variables) for bpmn_id, expr in timers.items()}
            ),
            due_deadlines=_nonempty(
                {
                    bpmn_id: metadata.expression_deadlines(task.due_expression, variables)
                    for bpmn_id, task in tasks.items()
                }
            ),
            start_events=events.start_events(node, pkg.bpmn[own_file].getroot()),
            messages=messages,
            signals=signals,
        )
        spec_json[pid] = serialization.spec_json(spec, subs)

    package = ProcessPackage(
        digest=digest,
        files=dict(files),
        processes=processes,
        forms=dict(pkg.forms),
        default_group=default_group if defaulted else None,
        default_group_tasks=tuple(defaulted),
        notes=tuple(translations),
    )
    interrupting = frozenset(
        start.get("id")
        for tree in pkg.bpmn.values()
        for sub in tree.getroot().iter(f"{{{metadata.BPMN_NS}}}subProcess")
        if sub.get("triggeredByEvent") == "true"
        for start in sub.findall(f"{{{metadata.BPMN_NS}}}startEvent")
        if start.get("isInterrupting", "true") != "false"
    )
    return _Compiled(
        package=package,
        specs=specs,
        spec_json=spec_json,
        human_tasks=human_tasks,
        interrupting_starts=interrupting,
    )


def _nonempty(found: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    return {name: keys for name, keys in found.items() if keys}


def _applicant_fields(
    process: etree._Element,
    start_form: str | None,
    tasks: Mapping[str, HumanTaskSpec],
    forms: Mapping[str, Any],
) -> frozenset[str]:
    names = {"case"}
    own_forms = [start_form] + [t.form for t in tasks.values() if APPLICANT_GROUP in t.candidate_groups]
    for form in own_forms:
        schema = forms.get(form) if form else None
        if isinstance(schema, dict) and isinstance(schema.get("properties"), dict):
            names.update(schema["properties"])
    declared = metadata.spiff_properties(process).get("applicantData", "")
    names.update(name.strip() for name in declared.split(",") if name.strip())
    return frozenset(names)


def _applicant_notices(process: etree._Element, forms: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    titles: dict[str, str] = {}
    for schema in forms.values():
        properties = schema.get("properties") if isinstance(schema, dict) else None
        for name, field_schema in (properties or {}).items():
            if (
                isinstance(field_schema, dict)
                and field_schema.get("type") == "string"
                and "format" not in field_schema  # dates and times are deadlines, shown as such
                and "enum" not in field_schema
                and "oneOf" not in field_schema
                and isinstance(field_schema.get("title"), str)
            ):
                titles.setdefault(name, field_schema["title"])
    declared = metadata.spiff_properties(process).get("applicantData", "")
    names = [name.strip() for name in declared.split(",") if name.strip()]
    return tuple((name, titles[name]) for name in names if name in titles)


def _guard(errors: list[DeployError], name: str, tree: etree._ElementTree, fn: Callable[[], None]) -> bool:
    """Run one SpiffWorkflow parser call; any exception becomes a DeployError (trap 5)."""
    try:
        fn()
        return True
    except ValidationException as exc:
        errors.append(_validation_error(name, tree, exc))
    except RecursionError:
        errors.append(
            DeployError(name, None, None, None, "the diagram is too long/deeply nested to parse; split it up")
        )
    except Exception as exc:  # never let a parser bug escape compile()
        message = str(exc) or type(exc).__name__
        if isinstance(exc, KeyError):
            message = f"reference to {exc} that does not exist (check flows, messages and called processes)"
        errors.append(DeployError(name, None, None, None, message))
    return False


def _validation_error(name: str, tree: etree._ElementTree, exc: ValidationException) -> DeployError:
    element_id = getattr(exc, "id", "") or None
    line = getattr(exc, "line_number", "") or None
    tag = getattr(exc, "tag", "") or None
    if element_id and not line:
        found = tree.getroot().xpath("//*[@id=$id]", id=element_id)
        if found:
            line = found[0].sourceline
    message = str(exc).removesuffix(". ")
    if "RecursionError" in message:
        message = "the diagram is too long or deeply nested to parse; split it into called processes"
    if tag:
        tag = tag.split(":")[-1].split("}")[-1]
    return DeployError(
        getattr(exc, "file_name", "") or name, int(line) if line else None, element_id, tag, message
    )


def _dedupe(errors: list[DeployError]) -> list[DeployError]:
    """Drop repeats; order by file then line so a designer can walk down the list."""
    unique = list(dict.fromkeys(errors))
    return sorted(unique, key=lambda e: (e.file, e.line or 0))
