"""Moving a running instance to another version of its process, with SpiffWorkflow's diff utilities.

`SpiffWorkflow.bpmn.util.diff.diff_workflow` aligns the instance's tasks with the new version's
task specs (by BPMN id, then by position) and `migrate_workflow` re-points them and resets the
READY branches so they are predicted afresh. Lexflow adds what people working a case rely on:

- A case moves only when every step where it stands (a ready task, a waiting event, a running
  called process) has the same id in the new version, or the designer maps it to a step of the
  new version. SpiffWorkflow's guess by position (or a new step with the same name) is offered
  as a suggestion, never applied on its own: a case must not silently land on another step.
- A mapped step is entered afresh, as if the case had just arrived there (its boundary events
  armed); the boundary events of the step it left are withdrawn.
- Waiting timers keep their due moment: a legal deadline does not restart because a new
  version was deployed. A boundary event the new version no longer has is withdrawn; one it
  adds to the step where the case stands is armed from now.
- Steps the case has done that the new version lacks are taken out of the task tree (their
  children hang on their parent, which takes over their data): the engine cannot restore a
  task whose spec does not exist. What the case did there stays in the audit log.
- The moved workflow is saved and restored once before it is handed back, so a state the new
  version cannot hold fails here, inside the caller's transaction, not on the next request.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from copy import deepcopy
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from workflows import serialization
from workflows.api import ElementRef, EngineError, MigrationOutcome, RemovedStep
from workflows.diff import diff_packages, element_refs

if TYPE_CHECKING:  # pragma: no cover
    from workflows.engine import Instance, _Compiled

_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
_PREDICTED = TaskState.FUTURE | TaskState.LIKELY | TaskState.MAYBE
# What a person sees as a step: internal specs (Start, joins around boundary events, end
# joins) have no BPMN id and follow the step they belong to.
_VISIBLE = {"userTask", "manualTask", "task", "scriptTask", "serviceTask", "businessRuleTask", "sendTask",
            "receiveTask", "callActivity", "subProcess", "intermediateCatchEvent", "boundaryEvent",
            "eventBasedGateway", "intermediateThrowEvent"}  # fmt: skip


def check_mapping(
    old: _Compiled, new: _Compiled, process_id: str, mapping: Mapping[str, str]
) -> dict[str, str]:
    """Problems of a designer's mapping, by old step id: it must go from a step of the old version
    to a step of the new one, of the same kind."""
    old_refs, new_refs = _refs(old, process_id), _refs(new, process_id)
    problems: dict[str, str] = {}
    for source, target in mapping.items():
        if source not in old_refs:
            problems[source] = f"旧版本没有步骤 {source} / the old version has no step {source}"
        elif target not in new_refs:
            problems[source] = f"新版本没有步骤 {target} / the new version has no step {target}"
        elif old_refs[source].type != new_refs[target].type:
            problems[source] = (
                f"{source} 是 {old_refs[source].type}，不能对应到 {new_refs[target].type} {target} / "
                f"{source} is a {old_refs[source].type} and cannot map to the "
                f"{new_refs[target].type} {target}"
            )
    return problems


def migrate(instance: Instance, new: _Compiled, mapping: Mapping[str, str] | None = None) -> MigrationOutcome:
    """Move `instance` (restored on its own version) to the compiled package `new`.

    The instance passed in is consumed: on success the outcome carries a fresh `Instance` on the
    new version; a refusal leaves nothing the caller keeps.
    """
    from workflows.engine import Instance

    mapping = dict(mapping or {})
    process_id = instance.process_id
    wf = instance._wf
    old = instance._compiled
    if process_id not in new.specs:
        raise EngineError(f"the new version has no process {process_id!r}")
    new_spec, new_subs = new.specs[process_id]
    old_refs, new_refs = _refs(old, process_id), _refs(new, process_id)
    before = instance.element_states()
    current = tuple(old_refs.get(i) or ElementRef(i, "", "") for i in before.current)

    top_diff, sub_diffs = diff_workflow(serialization.SERIALIZER.registry, wf, new_spec, new_subs)
    plans = [_Plan(wf, top_diff, new_spec)]
    missing: dict[str, RemovedStep] = {}
    for sub_id, sub in wf.subprocesses.items():
        if sub_diffs.get(sub_id) is not None:
            plans.append(_Plan(sub, sub_diffs[sub_id], new_subs[sub.spec.name]))
        elif not sub.completed:
            task = wf.get_task_from_id(sub_id)
            step = task.task_spec.bpmn_id or task.task_spec.name
            missing[step] = RemovedStep(old_refs.get(step) or ElementRef(step, "", ""))
    for plan in plans:
        for step, suggestion in plan.survey(mapping):
            ref = old_refs.get(step) or ElementRef(step, "", "")
            missing.setdefault(step, RemovedStep(ref, suggestion or _same_name(ref, old_refs, new_refs)))
    if missing:
        steps = ", ".join(step.step.id for step in missing.values())
        return MigrationOutcome(
            movable=False,
            current=current,
            reason=(
                f"新版本没有案件所在的步骤 {steps}，请为其指定新步骤 / the new version has no step {steps} "
                "where the case stands; map each to a step of the new version"
            ),
            removed=tuple(missing.values()),
        )
    blocked = [reason for plan in plans for reason in plan.blocked()]
    if blocked:
        return MigrationOutcome(movable=False, current=current, reason="; ".join(blocked))

    try:
        for plan in plans:
            plan.apply()
        wf.subprocess_specs = new_subs
        saved = serialization.dumps(wf, extra={"lexflow_process_id": process_id})
        restored = serialization.loads(
            json.loads(saved), new.spec_json[process_id], instance._engine.script_engine
        )
        moved = Instance(instance._engine, new, process_id, restored)
        moved._operate(lambda: None)  # what the new version runs at once (a new script task, say)
    except EngineError:
        raise
    except Exception as exc:  # a state this version cannot hold: nothing is kept
        raise EngineError(f"the case could not be moved: {type(exc).__name__}: {exc}") from exc

    applied = tuple(dict.fromkeys(pair for plan in plans for pair in plan.applied))
    changes = [f"{source} → {target}" for source, target in applied]
    changes += [
        f"{step}: 随原步骤撤销 / withdrawn with its step" for plan in plans for step in plan.withdrawn
    ]
    changes += [
        f"{step}: 新的边界事件，自现在起计 / new boundary event, armed now"
        for plan in plans
        for step in plan.armed
    ]
    at = set(before.current) | {target for _, target in applied}
    for change in diff_packages(old.package.files, new.package.files).changed:
        if change.id in at:
            changes.extend(f"{change.id}: {line}" for line in change.changes)
    after = moved.element_states()
    for element in after.waiting:
        ref = new_refs.get(element)
        if ref is not None and ref.type in _VISIBLE and element not in old_refs:
            changes.append(f"{element}: 新步骤 / new step ahead")
    for element in before.waiting:
        ref = old_refs.get(element)
        if ref is not None and ref.type in _VISIBLE and element not in new_refs:
            changes.append(f"{element}: 已删除，不再经过 / removed, no longer ahead")
    for element in before.completed:
        ref = old_refs.get(element)
        if ref is not None and ref.type in _VISIBLE and element not in new_refs:
            changes.append(f"{element}: 已办理，新版本中已删除 / done, and not in the new version")
    return MigrationOutcome(
        movable=True, current=current, mapped=applied, changes=tuple(changes), instance=moved
    )


_SPLIT = ".BoundaryEventSplit"


class _Plan:
    """How one (sub)workflow's tasks move to its new spec.

    `survey` sorts the active tasks: kept (same id), moved (the designer's mapping), withdrawn
    (a boundary event the new version no longer attaches to a kept step) or missing. `apply`
    does it with SpiffWorkflow's `migrate_workflow`, around which Lexflow:

    - replaces a moved step by a fresh task of the target step, entered as if the case had
      just arrived there (its boundary events armed), carrying the case's data;
    - takes finished tasks of steps the new version lacks out of the tree (children hung on
      the parent; the engine cannot restore a task whose spec does not exist), and drops
      predicted ones;
    - keeps each READY task's own data (SpiffWorkflow's reset copies the parent's, which lacks
      what a pruned step wrote), and rebuilds only the predictions of waiting tasks, so a
      timer keeps its due moment.
    """

    def __init__(self, workflow: Any, diff: Any, spec: Any) -> None:
        self.workflow, self.diff, self.spec = workflow, diff, spec
        self.moves: list[tuple[Any, Any]] = []  # (task, target spec)
        self.withdraw: list[Any] = []
        self.applied: list[tuple[str, str]] = []
        self.withdrawn: list[str] = []
        self.armed: list[str] = []

    def survey(self, mapping: Mapping[str, str]) -> list[tuple[str, str | None]]:
        missing = []
        for task in [t for t in self.workflow.tasks.values() if t.state & _ACTIVE]:
            name, bpmn_id = task.task_spec.name, task.task_spec.bpmn_id
            host = _host(task)
            if host is not None:  # a boundary event: it goes where its step goes
                if host in mapping or host not in self.spec.task_specs:
                    continue
                if name not in self.spec.task_specs:
                    self.withdraw.append(task)
                    continue
            target = self.spec.task_specs.get(mapping[bpmn_id]) if bpmn_id in mapping else None
            if target is not None:
                self.moves.append((task, target))
                self.applied.append((bpmn_id, mapping[bpmn_id]))
            elif name in self.spec.task_specs:
                self.diff.alignment[task] = self.spec.task_specs[name]
            else:
                guess = self.diff.alignment.get(task)
                owner = bpmn_id or name.split(".")[0]
                missing.append((owner, guess.bpmn_id if guess is not None and guess.bpmn_id else None))
        return missing

    def blocked(self) -> list[str]:
        reasons = []
        for task, _ in self.moves:
            root = _root(task)
            others = [t for t in _subtree(root) if t.state & _ACTIVE and t is not task and _host(t) is None]
            if others:
                steps = ", ".join(sorted({t.task_spec.bpmn_id or t.task_spec.name for t in others}))
                reasons.append(
                    f"{task.task_spec.bpmn_id} 的边界事件路径 {steps} 尚未完成，无法移动 / "
                    f"{task.task_spec.bpmn_id} cannot be moved while the path of its boundary event "
                    f"({steps}) is open"
                )
        return reasons

    def apply(self) -> None:
        workflow = self.workflow
        entries = []
        for task, target in self.moves:
            root = _root(task)
            entries.append((root.parent, target, deepcopy(task.data)))
            for other in _subtree(root):
                if other is not task and other.state & _ACTIVE:
                    self.withdrawn.append(other.task_spec.bpmn_id or other.task_spec.name)
            workflow._remove_task(root.id)
        for task in self.withdraw:
            if task.id in workflow.tasks:
                self.withdrawn.append(task.task_spec.bpmn_id or task.task_spec.name)
                workflow._remove_task(task.id)
        self._prune()
        ready = {t.id: deepcopy(t.data) for t in workflow.tasks.values() if t.state == TaskState.READY}
        waiting = [t for t in workflow.tasks.values() if t.state & (TaskState.WAITING | TaskState.STARTED)]
        migrate_workflow(self.diff, workflow, self.spec, reset_mask=TaskState.READY)
        for task_id, data in ready.items():
            if task_id in workflow.tasks:
                workflow.tasks[task_id].data = data
        for task in waiting:
            if task.id in workflow.tasks and all(t.state & _PREDICTED for t in _subtree(task)[1:]):
                task._drop_children(force=True)
                task.task_spec._predict(task, mask=_PREDICTED | TaskState.WAITING | TaskState.STARTED)
        self._arm_boundary_events()
        for anchor, target, data in entries:
            while anchor.id not in workflow.tasks:  # its own step was pruned: hang on the one before
                anchor = anchor.parent
            entry = self.spec.task_specs.get(f"{target.name}{_SPLIT}", target)
            arrived = anchor._add_child(entry, TaskState.FUTURE)
            entry._update(arrived)
            arrived.data = data
        # The serializer stores a task's data as a change from its parent's and restores tasks in
        # this order: a split put in above a task must come before it.
        workflow.tasks = {task.id: task for task in _subtree(workflow.task_tree)} | workflow.tasks

    def _arm_boundary_events(self) -> None:
        """Boundary events the new version attaches to a step a case is at are armed there (a
        timer from now), as if the case had just arrived: where the step had none before, the
        split that carries them is put in above it; the task itself, its claim and data stay."""
        workflow = self.workflow
        for task in [t for t in workflow.tasks.values() if t.state & (TaskState.READY | TaskState.STARTED)]:
            if _host(task) is not None or not task.task_spec.bpmn_id:
                continue
            split_spec = self.spec.task_specs.get(f"{task.task_spec.name}{_SPLIT}")
            if split_spec is None:
                continue
            split = task.parent
            if split is None or split.task_spec is not split_spec:
                split = self._insert_split(task, split_spec)
            present = {child.task_spec for child in split.children}
            for output in split_spec.outputs:
                if output in present:
                    continue
                armed = split._add_child(output, TaskState.FUTURE)
                output._update(armed)
                output._predict(armed, mask=_PREDICTED | TaskState.WAITING)
                self.armed.append(output.bpmn_id or output.name)

    def _insert_split(self, task: Any, split_spec: Any) -> Any:
        parent = task.parent
        split = parent._add_child(split_spec, TaskState.COMPLETED)
        parent._children.remove(split.id)
        parent._children[parent._children.index(task.id)] = split.id
        split._children = [task.id]
        task._parent = split.id
        split.data = deepcopy(parent.data)
        split.last_state_change = parent.last_state_change
        return split

    def _prune(self) -> None:
        workflow = self.workflow
        kept = set(self.spec.task_specs.values())
        for task in list(workflow.tasks.values()):
            if task.id not in workflow.tasks or task.parent is None:
                continue
            target = self.diff.alignment.get(task)
            if target is not None and target in kept:
                continue
            if task.state & _PREDICTED:
                workflow._remove_task(task.id)
            elif task.state & (TaskState.COMPLETED | TaskState.CANCELLED):
                parent = task.parent
                if task.state == TaskState.COMPLETED:
                    # The case's data as it stood after this step lives on in its parent: it is
                    # what a reset child inherits and what the case shows as its current data.
                    parent.data = {**parent.data, **task.data}
                    parent.last_state_change = max(parent.last_state_change, task.last_state_change)
                position = parent._children.index(task.id)
                parent._children[position : position + 1] = list(task._children)
                for child in task.children:
                    child._parent = parent.id
                workflow.tasks.pop(task.id)


def _same_name(step: ElementRef, old: Mapping[str, ElementRef], new: Mapping[str, ElementRef]) -> str | None:
    """A step new in this version with the removed step's name and type: likely the same step renamed."""
    found = [i for i, ref in new.items() if i not in old and (ref.type, ref.name) == (step.type, step.name)]
    return found[0] if len(found) == 1 and step.name else None


def _host(task: Any) -> str | None:
    """The step a boundary event task is attached to (its parent is `<step>.BoundaryEventSplit`)."""
    parent = task.parent
    if parent is None or not parent.task_spec.name.endswith(_SPLIT):
        return None
    host = parent.task_spec.name.removesuffix(_SPLIT)
    return host if task.task_spec.name != host else None


def _root(task: Any) -> Any:
    """The task to replace when a step moves: its boundary-event split if it has one, else itself."""
    parent = task.parent
    if parent is not None and parent.task_spec.name == f"{task.task_spec.name}{_SPLIT}":
        return parent
    return task


def _subtree(task: Any) -> list[Any]:
    """The task and everything below it, parents before children (iterative: trees run deep)."""
    found, stack = [], [task]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(reversed(current.children))
    return found


def targets(compiled: _Compiled, process_id: str) -> tuple[ElementRef, ...]:
    """Steps a mapping may send a case to: tasks and catching events, not boundary events (those
    go with the step they are attached to)."""
    return tuple(
        ref
        for ref in _refs(compiled, process_id).values()
        if ref.type in _VISIBLE and ref.type != "boundaryEvent"
    )


def _refs(compiled: _Compiled, process_id: str) -> dict[str, ElementRef]:
    refs = element_refs(compiled.package.files)
    _, subs = compiled.specs.get(process_id, (None, {}))
    wanted = {process_id, *subs}
    return {element: ref for (pid, element), ref in refs.items() if pid in wanted}
