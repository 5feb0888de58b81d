"""What changed between two versions of a package, as a designer reviewing a deploy reads it."""

from __future__ import annotations

from tests.workflows.support import load_package
from workflows import diff_packages


def _edit(files: dict[str, bytes], *replacements: tuple[bytes, bytes]) -> dict[str, bytes]:
    changed = dict(files)
    for old, new in replacements:
        assert old in changed["approval.bpmn"], old
        changed["approval.bpmn"] = changed["approval.bpmn"].replace(old, new)
    return changed


def _changes(diff, element_id: str) -> list[str]:
    return next(list(change.changes) for change in diff.changed if change.id == element_id)


def test_identical_packages_have_no_differences() -> None:
    files = load_package("approval")
    diff = diff_packages(files, files)
    assert diff.added == diff.removed == diff.changed == diff.files_changed == ()


def test_behaviour_changes_are_listed_per_element_in_words() -> None:
    old = load_package("approval")
    new = _edit(
        old,
        (b'name="Assess application"', b'name="Assess the application"'),
        (b'value="80 if urgent else 40"', b'value="95 if urgent else 40"'),
        (b'value="&quot;P7D&quot;"', b'value="&quot;P5D&quot;"'),
        (b"eligible == True", b"eligible == True and not blocked"),
        (b'candidateGroups" value="reviewer, supervisor"', b'candidateGroups" value="director"'),
        (b'outcome = "approved" if confirmed else "returned"', b'outcome = "approved"'),
    )
    diff = diff_packages(old, new)
    assert diff.added == diff.removed == ()
    assert diff.files_changed == ("approval.bpmn",)
    assess = _changes(diff, "assess_application")
    assert "name: 'Assess application' → 'Assess the application'" in assess
    assert "priority: '80 if urgent else 40' → '95 if urgent else 40'" in assess
    assert "due date: '\"P7D\"' → '\"P5D\"'" in assess
    assert _changes(diff, "flow_eligible") == [
        "condition: 'eligible == True' → 'eligible == True and not blocked'"
    ]
    assert _changes(diff, "review_decision") == ["candidate groups: 'reviewer, supervisor' → 'director'"]
    assert _changes(diff, "record_outcome") == ["script: changed"]  # multi-line scripts are not quoted
    changed = {change.id: change for change in diff.changed}
    assert changed["assess_application"].type == "userTask"
    assert changed["assess_application"].name == "Assess the application"
    assert set(changed) == {"assess_application", "flow_eligible", "review_decision", "record_outcome"}


def test_added_and_removed_elements_are_named_with_their_type() -> None:
    old = load_package("approval")
    new = _edit(
        old,
        (
            b'<bpmn:endEvent id="end_refused" name="Refused">',
            b'<bpmn:endEvent id="end_declined" name="Declined">',
        ),
        (b'targetRef="end_refused"', b'targetRef="end_declined"'),
        (b"<bpmn:flowNodeRef>end_refused<", b"<bpmn:flowNodeRef>end_declined<"),
        (b"</bpmn:laneSet>", b'</bpmn:laneSet>\n    <bpmn:manualTask id="file_it" name="File it" />'),
    )
    diff = diff_packages(old, new)
    assert [(ref.id, ref.type, ref.name) for ref in diff.removed] == [("end_refused", "endEvent", "Refused")]
    assert {(ref.id, ref.type) for ref in diff.added} == {
        ("end_declined", "endEvent"),
        ("file_it", "manualTask"),
    }
    assert "to: 'end_refused' → 'end_declined'" in _changes(diff, "flow_refused")
    # the lane lists its members by id
    assert any(change.startswith("members") for change in _changes(diff, "Lane_caseworker"))


def _edit_file(files: dict[str, bytes], name: str, old: bytes, new: bytes) -> dict[str, bytes]:
    assert old in files[name], old
    return {**files, name: files[name].replace(old, new)}


def test_timers_and_decision_references_are_compared() -> None:
    timer = load_package("timer")
    diff = diff_packages(timer, _edit_file(timer, "reminder.bpmn", b'"PT1S"', b'"PT9H"'))
    [change] = diff.changed
    assert change.changes == ("timer duration: '\"PT1S\"' → '\"PT9H\"'",)

    dmn = load_package("dmn")
    diff = diff_packages(dmn, _edit_file(dmn, "fee.bpmn", b">fee_decision<", b">fee_decision_2025<"))
    [change] = diff.changed
    assert change.type == "businessRuleTask"
    assert change.changes == ("decision: 'fee_decision' → 'fee_decision_2025'",)


def test_moving_a_user_task_to_another_lane_changes_who_gets_it() -> None:
    old = load_package("approval")
    new = _edit(
        old,
        (b"<bpmn:flowNodeRef>assess_application</bpmn:flowNodeRef>", b""),
        (
            b"<bpmn:flowNodeRef>review_decision</bpmn:flowNodeRef>",
            b"<bpmn:flowNodeRef>review_decision</bpmn:flowNodeRef>"
            b"<bpmn:flowNodeRef>assess_application</bpmn:flowNodeRef>",
        ),
    )
    diff = diff_packages(old, new)
    assert _changes(diff, "assess_application") == [
        "lane: 'caseworker' → 'reviewer'",
        "candidate groups: 'caseworker' → 'reviewer'",
    ]


def test_moving_a_shape_is_not_a_behaviour_change_but_the_file_changed() -> None:
    old = load_package("approval")
    bpmndi = (
        b'<bpmndi:BPMNDiagram id="D"><bpmndi:BPMNPlane id="P" bpmnElement="approval" />'
        b"</bpmndi:BPMNDiagram>\n</bpmn:definitions>"
    )
    new = _edit(
        old,
        (b"</bpmn:definitions>", bpmndi),
        (
            b"<bpmn:definitions xmlns:bpmn=",
            b'<bpmn:definitions xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:bpmn=',
        ),
    )
    new["assess.schema.json"] = old["assess.schema.json"] + b"\n"
    diff = diff_packages(old, new)
    assert diff.changed == diff.added == diff.removed == ()
    assert diff.files_changed == ("approval.bpmn", "assess.schema.json")
