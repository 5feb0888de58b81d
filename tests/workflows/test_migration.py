"""Running instances move to a new version through SpiffWorkflow's diff and migrate utilities.

Each case is saved and restored between steps: before the move, after it, and after the next step.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.workflows.support import load_package
from workflows import Engine, ProcessPackage, Snapshot

V1 = load_package("migration")


def version(*changes: Callable[[str], str]) -> dict[str, bytes]:
    """Version 1 with `changes` made to its diagram; the forms stay as they are."""
    xml = V1["case.bpmn"].decode()
    for change in changes:
        xml = change(xml)
    return {**V1, "case.bpmn": xml.encode()}


def with_check(xml: str) -> str:
    """A reviewer's check between intake and review."""
    xml = xml.replace(
        "<bpmn:flowNodeRef>review</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>review</bpmn:flowNodeRef><bpmn:flowNodeRef>check</bpmn:flowNodeRef>",
    )
    return xml.replace(
        '<bpmn:sequenceFlow id="f_intake" sourceRef="intake" targetRef="review" />',
        '<bpmn:sequenceFlow id="f_intake" sourceRef="intake" targetRef="check" />'
        '<bpmn:userTask id="check" name="Check"><bpmn:incoming>f_intake</bpmn:incoming>'
        "<bpmn:outgoing>f_check</bpmn:outgoing></bpmn:userTask>"
        '<bpmn:sequenceFlow id="f_check" sourceRef="check" targetRef="review" />',
    ).replace(
        "<bpmn:incoming>f_intake</bpmn:incoming><bpmn:outgoing>f_review",
        "<bpmn:incoming>f_check</bpmn:incoming><bpmn:outgoing>f_review",
    )


def renamed_intake(xml: str) -> str:
    return re.sub(r"\bintake\b(?![_-])", "intake_v2", xml)


def without_intake(xml: str) -> str:
    for pattern in (
        r'<bpmn:userTask id="intake".*?</bpmn:userTask>',
        r'<bpmn:boundaryEvent id="intake_overdue".*?</bpmn:boundaryEvent>',
        r'<bpmn:(sequenceFlow|endEvent) id="(f_overdue|escalated|f_intake)".*?(/>|</bpmn:endEvent>)',
        r"<bpmn:flowNodeRef>intake</bpmn:flowNodeRef>",
    ):
        xml = re.sub(pattern, "", xml, flags=re.S)
    xml = xml.replace('targetRef="intake"', 'targetRef="review"')
    return xml.replace("<bpmn:incoming>f_intake</bpmn:incoming>", "<bpmn:incoming>f_start</bpmn:incoming>")


def longer_timer(xml: str) -> str:
    return xml.replace('"P30D"', '"P60D"')


def without_timer(xml: str) -> str:
    for pattern in (
        r'<bpmn:boundaryEvent id="intake_overdue".*?</bpmn:boundaryEvent>',
        r'<bpmn:(sequenceFlow|endEvent) id="(f_overdue|escalated)".*?(/>|</bpmn:endEvent>)',
    ):
        xml = re.sub(pattern, "", xml, flags=re.S)
    return xml


def start(engine: Engine, package: ProcessPackage, data: dict | None = None) -> Snapshot:
    return engine.start(package, "case", data or {"applicant": "ana"}).snapshot()


def complete(engine: Engine, package: ProcessPackage, state: str, bpmn_id: str, data: dict) -> Snapshot:
    running = engine.restore(package, state)
    [task] = [task for task in running.ready_tasks() if task.bpmn_id == bpmn_id]
    running.complete(task.task_id, data)
    return running.snapshot()


def moved(engine: Engine, old: ProcessPackage, new: ProcessPackage, state: str, mapping=None):
    outcome = engine.migrate(old, new, state, mapping)
    assert outcome.movable, outcome.reason
    snapshot = outcome.instance.snapshot()
    return outcome, engine.restore(new, snapshot.state).snapshot()  # saved and restored once more


def test_a_case_moves_onto_a_version_with_a_new_step_ahead_keeping_its_task_and_timer(engine: Engine) -> None:
    old, new = engine.compile(V1), engine.compile(version(with_check))
    before = start(engine, old)
    outcome, after = moved(engine, old, new, before.state)
    assert [ref.id for ref in outcome.current] == ["intake_overdue", "intake"]
    assert outcome.changes == ("check: 新步骤 / new step ahead",)
    assert [t.task_id for t in after.ready_tasks] == [t.task_id for t in before.ready_tasks]
    assert after.timers == before.timers  # same timer, same due moment
    done = complete(engine, new, after.state, "intake", {"name": "Ana"})
    assert [t.bpmn_id for t in done.ready_tasks] == ["check"] and done.timers == ()
    assert done.data["name"] == "Ana"


def test_a_case_on_a_step_the_new_version_lacks_is_refused_with_the_step_and_a_suggestion(
    engine: Engine,
) -> None:
    old, new = engine.compile(V1), engine.compile(version(renamed_intake))
    outcome = engine.migrate(old, new, start(engine, old).state)
    assert not outcome.movable and outcome.instance is None
    assert "intake" in outcome.reason
    [removed] = outcome.removed
    assert (removed.step.id, removed.step.type, removed.suggestion) == ("intake", "userTask", "intake_v2")


def test_a_mapped_step_moves_the_case_there_and_withdraws_its_boundary_timer(engine: Engine) -> None:
    old, new = engine.compile(V1), engine.compile(version(without_intake))
    outcome, after = moved(
        engine, old, new, start(engine, old, {"applicant": "ana"}).state, {"intake": "review"}
    )
    assert outcome.mapped == (("intake", "review"),)
    assert "intake_overdue: 随原步骤撤销 / withdrawn with its step" in outcome.changes
    assert [t.bpmn_id for t in after.ready_tasks] == ["review"] and after.timers == ()
    assert after.ready_tasks[0].data["applicant"] == "ana"
    assert complete(engine, new, after.state, "review", {"ok": True}).completed


def test_a_step_already_done_that_the_new_version_lacks_is_dropped_with_its_data_kept(engine: Engine) -> None:
    old, new = engine.compile(V1), engine.compile(version(without_intake))
    at_review = complete(engine, old, start(engine, old).state, "intake", {"name": "Ana"})
    outcome, after = moved(engine, old, new, at_review.state)
    assert "intake: 已办理，新版本中已删除 / done, and not in the new version" in outcome.changes
    assert after.data["name"] == "Ana" and [t.bpmn_id for t in after.ready_tasks] == ["review"]
    assert engine.restore(new, after.state).element_states().completed == ("start",)
    finished = complete(engine, new, after.state, "review", {"ok": True})
    assert finished.completed and finished.data["name"] == "Ana"


def test_a_waiting_timer_keeps_its_due_moment_when_the_new_version_changes_it(engine: Engine) -> None:
    old, new = engine.compile(V1), engine.compile(version(longer_timer))
    before = start(engine, old)
    outcome, after = moved(engine, old, new, before.state)
    assert after.timers == before.timers
    assert "intake_overdue: timer duration: '\"P30D\"' → '\"P60D\"'" in outcome.changes
    later = start(engine, new)  # a new case gets the new duration
    assert (later.timers[0].due_at - before.timers[0].due_at).days >= 29


def test_a_boundary_timer_the_new_version_removed_is_withdrawn_and_the_task_stays(engine: Engine) -> None:
    old, new = engine.compile(V1), engine.compile(version(without_timer))
    before = start(engine, old)
    outcome, after = moved(engine, old, new, before.state)
    assert "intake_overdue: 随原步骤撤销 / withdrawn with its step" in outcome.changes
    assert after.timers == () and [t.task_id for t in after.ready_tasks] == [
        t.task_id for t in before.ready_tasks
    ]
    assert [t.bpmn_id for t in complete(engine, new, after.state, "intake", {}).ready_tasks] == ["review"]


def test_a_case_inside_a_called_process_moves_with_it(engine: Engine) -> None:
    files = load_package("called")
    old = engine.compile(files)
    xml = files["called.bpmn"].decode()
    xml = xml.replace(
        '<bpmn:sequenceFlow id="s2" sourceRef="handle" targetRef="check" />',
        '<bpmn:sequenceFlow id="s2" sourceRef="handle" targetRef="double_check" />'
        '<bpmn:userTask id="double_check" name="Double check"><bpmn:incoming>s2</bpmn:incoming>'
        "<bpmn:outgoing>s2b</bpmn:outgoing></bpmn:userTask>"
        '<bpmn:sequenceFlow id="s2b" sourceRef="double_check" targetRef="check" />',
    ).replace(
        "<bpmn:incoming>s2</bpmn:incoming><bpmn:outgoing>s3",
        "<bpmn:incoming>s2b</bpmn:incoming><bpmn:outgoing>s3",
    )
    xml = xml.replace(
        "<bpmn:flowNodeRef>handle</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>handle</bpmn:flowNodeRef><bpmn:flowNodeRef>double_check</bpmn:flowNodeRef>",
    )
    new = engine.compile({"called.bpmn": xml.encode()})
    state = engine.start(old, "called_main", {}).snapshot().state
    in_handling = complete(engine, old, state, "intake", {})
    assert [t.bpmn_id for t in in_handling.ready_tasks] == ["handle"]
    outcome, after = moved(engine, old, new, in_handling.state)
    assert "double_check: 新步骤 / new step ahead" in outcome.changes
    assert [t.bpmn_id for t in complete(engine, new, after.state, "handle", {}).ready_tasks] == [
        "double_check"
    ]


def with_review_deadline(xml: str) -> str:
    """A 10-day boundary timer on the review, which had none."""
    return xml.replace(
        '<bpmn:sequenceFlow id="f_review" sourceRef="review" targetRef="end" />',
        '<bpmn:sequenceFlow id="f_review" sourceRef="review" targetRef="end" />'
        '<bpmn:boundaryEvent id="review_late" attachedToRef="review" cancelActivity="false">'
        '<bpmn:outgoing>f_late</bpmn:outgoing><bpmn:timerEventDefinition id="review_late_timer">'
        '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P10D"</bpmn:timeDuration>'
        "</bpmn:timerEventDefinition></bpmn:boundaryEvent>"
        '<bpmn:sequenceFlow id="f_late" sourceRef="review_late" targetRef="late" />'
        '<bpmn:endEvent id="late"><bpmn:incoming>f_late</bpmn:incoming></bpmn:endEvent>',
    )


def with_intake_reminder(xml: str) -> str:
    """A second, non-interrupting timer on the intake."""
    return xml.replace(
        '<bpmn:sequenceFlow id="f_overdue"',
        '<bpmn:boundaryEvent id="intake_reminder" attachedToRef="intake" cancelActivity="false">'
        '<bpmn:outgoing>f_remind</bpmn:outgoing><bpmn:timerEventDefinition id="intake_reminder_timer">'
        '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P10D"</bpmn:timeDuration>'
        "</bpmn:timerEventDefinition></bpmn:boundaryEvent>"
        '<bpmn:sequenceFlow id="f_remind" sourceRef="intake_reminder" targetRef="reminded" />'
        '<bpmn:endEvent id="reminded"><bpmn:incoming>f_remind</bpmn:incoming></bpmn:endEvent>'
        '<bpmn:sequenceFlow id="f_overdue"',
    )


def test_a_boundary_timer_the_new_version_adds_to_the_current_step_is_armed_there(engine: Engine) -> None:
    old, new = engine.compile(V1), engine.compile(version(with_intake_reminder))
    before = start(engine, old)
    outcome, after = moved(engine, old, new, before.state)
    assert "intake_reminder: 新的边界事件，自现在起计 / new boundary event, armed now" in outcome.changes
    assert sorted(t.bpmn_id for t in after.timers) == ["intake_overdue", "intake_reminder"]
    assert [t for t in after.timers if t.bpmn_id == "intake_overdue"] == list(before.timers)
    assert [t.task_id for t in after.ready_tasks] == [t.task_id for t in before.ready_tasks]
    done = complete(engine, new, after.state, "intake", {})
    assert done.timers == () and [t.bpmn_id for t in done.ready_tasks] == ["review"]


def test_a_step_that_gets_its_first_boundary_timer_keeps_its_task_and_gets_the_timer(engine: Engine) -> None:
    old, new = engine.compile(V1), engine.compile(version(with_review_deadline))
    at_review = complete(engine, old, start(engine, old).state, "intake", {"name": "Ana"})
    outcome, after = moved(engine, old, new, at_review.state)
    assert "review_late: 新的边界事件，自现在起计 / new boundary event, armed now" in outcome.changes
    assert [t.bpmn_id for t in after.timers] == ["review_late"]
    assert [t.task_id for t in after.ready_tasks] == [t.task_id for t in at_review.ready_tasks]
    finished = complete(engine, new, after.state, "review", {"ok": True})
    assert finished.completed and finished.timers == () and finished.data["name"] == "Ana"


def test_a_step_cannot_be_mapped_into_a_called_process_the_case_is_not_in(engine: Engine) -> None:
    files = load_package("called")
    old = engine.compile(files)
    renamed = (
        files["called.bpmn"].decode().replace('"intake"', '"intake_v2"').replace(">intake<", ">intake_v2<")
    )
    new = engine.compile({"called.bpmn": renamed.encode()})
    state = engine.start(old, "called_main", {}).snapshot().state
    outcome = engine.migrate(old, new, state, {"intake": "handle"})  # handle is in called_sub
    assert not outcome.movable and [removed.step.id for removed in outcome.removed] == ["intake"]
    assert engine.migrate(old, new, state, {"intake": "intake_v2"}).movable
