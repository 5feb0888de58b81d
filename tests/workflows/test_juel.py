"""Diagrams from Camunda, Flowable and Activiti: simple JUEL becomes Python, the rest is refused."""

from __future__ import annotations

import pytest

from tests.workflows.support import load_package
from workflows import DeployFailed, Engine
from workflows.juel import Untranslatable, translate

LEAVE = load_package("camunda")


@pytest.mark.parametrize(
    ("el", "python"),
    [
        ("${approved}", "approved"),
        ("${!approved}", "not approved"),
        ("#{ not approved }", "not approved"),
        ("${amount > 1000}", "amount > 1000"),
        ("${a && b || c}", "a and b or c"),
        ("${a and b or c}", "a and b or c"),
        ("${a || b && c}", "a or b and c"),
        ("${(a || b) && c}", "(a or b) and c"),
        ("${status == 'ok'}", "status == 'ok'"),
        ('${status eq "ok"}', "status == 'ok'"),
        ("${status ne 'ok'}", "status != 'ok'"),
        ("${amount lt 5 or amount gt 10}", "amount < 5 or amount > 10"),
        ("${amount le 5 and amount ge 1}", "amount <= 5 and amount >= 1"),
        ("${empty reason}", "reason in (None, '', [], {})"),
        ("${not empty reason}", "not reason in (None, '', [], {})"),
        ("${!a == b}", "(not a) == b"),  # EL's ! binds tighter than ==, Python's not does not
        ("${a == b == c}", "(a == b) == c"),
        ("${x == null}", "x is None"),
        ("${x != null}", "x is not None"),
        ("${decision.outcome eq 'granted'}", "decision['outcome'] == 'granted'"),
        ("${applicant['age'] >= 70}", "applicant['age'] >= 70"),
        ("${urgent ? 90 : 50}", "90 if urgent else 50"),
        ("${days div 2 + 1 mod 3}", "days / 2 + 1 % 3"),
        ("${-(a - b) * 2}", "-(a - b) * 2"),
        ("${a - (b - c)}", "a - (b - c)"),
        ("${true && flag != false}", "True and flag != False"),
        ("${'it\\'s'}", '"it\'s"'),
    ],
)
def test_simple_el_becomes_the_equivalent_python(el: str, python: str) -> None:
    assert translate(el) == python


@pytest.mark.parametrize(
    ("el", "reason"),
    [
        ("${order.items.size() > 0}", "method calls such as size()"),
        ("${fn:contains(name, 'x')}", "EL functions such as fn:contains()"),
        ("${execution.getVariable('x')}", "object of the Java engine"),
        ("Hello ${name}", "mixes text and expressions"),
        ("${a} and ${b}", "mixes text and expressions"),
        ("${x = 1}", "assignments"),
        ("${[1, 2]}", "collection literals"),
        ("${class == 1}", "not allowed"),
        ("${x -> x}", "lambda"),
        ("${a +}", "expected"),
    ],
)
def test_anything_else_is_untranslatable_with_a_reason(el: str, reason: str) -> None:
    with pytest.raises(Untranslatable) as refused:
        translate(el)
    assert reason in refused.value.reason


def test_a_camunda_diagram_deploys_with_a_note_for_each_translation(engine: Engine) -> None:
    package = engine.compile(LEAVE, default_group="caseworker")
    notes = {(note.element_id, note.message) for note in package.notes}
    assert (
        "f_big",
        "条件 / condition: ${days > 10 && !urgent || empty reason} → "
        "days > 10 and not urgent or reason in (None, '', [], {})",
    ) in notes
    assert (
        "f_granted",
        "条件 / condition: ${decision.outcome eq 'granted'} → decision['outcome'] == 'granted'",
    ) in notes
    assert ("review", "camunda:assignee: demo → 'demo'") in notes
    assert ("review", "camunda:dueDate: ${review_due} → review_due") in notes
    assert ("review_late", "定时器 / timer timeDuration: PT1H → 'PT1H'") in notes
    assert ("approve", "camunda:followUpDate: P2D → 'P2D'") in notes
    assert any(
        element == "approve" and "candidateGroups: ${approvers} → approvers" in text
        for element, text in notes
    )
    assert package.default_group_tasks == ("review", "record")
    assert package.default_group == "caseworker"


def test_the_translated_diagram_runs_as_camunda_would_across_save_and_restore(engine: Engine) -> None:
    package = engine.compile(LEAVE, default_group="caseworker")
    data = {
        "days": 3,
        "urgent": False,
        "reason": "family",
        "review_due": "P5D",
        "approvers": "director, reviewer",
    }
    started = engine.start(package, "leave", data).snapshot()
    running = engine.restore(package, started.state)
    [review] = running.ready_tasks()
    assert (review.bpmn_id, review.assignee, review.priority, review.due) == ("review", "demo", 70, "P5D")
    assert review.candidate_groups == ("caseworker",) and review.candidate_users == ("mary", "peter")
    assert [timer.bpmn_id for timer in started.timers] == ["review_late"]
    running.complete(review.task_id, {"decision": {"outcome": "granted"}})
    [approve] = engine.restore(package, running.snapshot().state).ready_tasks()
    assert approve.candidate_groups == ("director", "reviewer") and approve.follow_up == "P2D"

    long_leave = engine.start(package, "leave", {**data, "days": 12}).snapshot()
    assert [task.bpmn_id for task in long_leave.ready_tasks] == ["approve"]  # the translated condition


def test_a_camunda_task_without_lane_or_group_needs_a_default_group(engine: Engine) -> None:
    with pytest.raises(DeployFailed) as failed:
        engine.compile(LEAVE)
    refused = {
        error.element_id for error in failed.value.errors if "no lane and no candidate group" in error.message
    }
    assert refused == {"review", "record"}
    assert "name a default group" in failed.value.errors[0].message


def test_the_same_files_with_and_without_a_needed_default_group_are_different_versions(
    engine: Engine,
) -> None:
    with_group = engine.compile(LEAVE, default_group="caseworker")
    other_group = engine.compile(LEAVE, default_group="reviewer")
    assert with_group.digest != other_group.digest
    spiff = load_package("approval")  # every task in a lane: the default group changes nothing
    assert engine.compile(spiff, default_group="caseworker").digest == engine.compile(spiff).digest


def test_untranslatable_el_and_other_tools_forms_are_refused_at_deploy_with_a_suggestion(
    engine: Engine,
) -> None:
    xml = LEAVE["leave.bpmn"].decode()
    xml = xml.replace("${decision.outcome eq 'granted'}", "${decision.getOutcome() == 'granted'}")
    xml = xml.replace(
        'camunda:formKey="review.schema.json"', 'camunda:formKey="embedded:app:forms/review.html"'
    )
    with pytest.raises(DeployFailed) as failed:
        engine.compile({"leave.bpmn": xml.encode()}, default_group="caseworker", deploying=True)
    by_element = {error.element_id: error for error in failed.value.errors}
    condition = by_element["f_granted"]
    assert "${decision.getOutcome() == 'granted'}" in condition.message
    assert "method calls such as getOutcome()" in condition.message and "write e.g." in condition.message
    assert condition.line == xml[: xml.index("${decision.getOutcome()")].count("\n") + 1
    assert "formKey 'embedded:app:forms/review.html'" in by_element["review"].message
    assert "JSON-schema forms" in by_element["review"].message


def test_flowable_and_activiti_attributes_are_read_too(engine: Engine) -> None:
    for prefix, namespace in (
        ("flowable", "http://flowable.org/bpmn"),
        ("activiti", "http://activiti.org/bpmn"),
    ):
        xml = LEAVE["leave.bpmn"].decode().replace("camunda:", f"{prefix}:")
        xml = xml.replace(
            'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"', f'xmlns:{prefix}="{namespace}"'
        )
        package = engine.compile({**LEAVE, "leave.bpmn": xml.encode()}, default_group="caseworker")
        [review] = engine.start(
            package, "leave", {"days": 1, "urgent": False, "reason": "x", "review_due": "P1D"}
        ).ready_tasks()
        assert (review.assignee, review.candidate_users) == ("demo", ("mary", "peter")), prefix
