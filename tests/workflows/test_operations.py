"""Operations on a running case through the engine: send back (退回), take back (撤回), cancel,
withdraw, move its moments, fire due timers in order. Each case also runs with a save/restore
between steps, as the server does between requests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from tests.workflows.support import load_package
from workflows import CannotReset, DeployFailed, Engine, Instance, ProcessPackage

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
ROUNDTRIP = pytest.mark.parametrize("roundtrip", [False, True], ids=["in-memory", "restored-between-steps"])


def shipped(name: str) -> dict[str, bytes]:
    folder = BPMN_DIR / name
    return {
        p.name: p.read_bytes() for p in sorted(folder.rglob("*")) if p.suffix in {".bpmn", ".dmn", ".json"}
    }


def _deadline(data: dict, key: str, since: object = None) -> str:
    start = datetime.fromisoformat(str(since)) if since else datetime.now(UTC)
    return (start + timedelta(days=7)).isoformat()


def _warn_at(data: dict, key: str, due: object) -> str:
    return (datetime.fromisoformat(str(due)) - timedelta(days=2)).isoformat()


@pytest.fixture
def lines() -> Engine:
    """The shipped processes' services answered by stand-ins, and their deadline functions."""
    services = {
        "identity.check": lambda p: {"valid": True, "message": "", "birth_date": "1980-05-12", "age": 45},
        "legal_aid.assign_lawyer": lambda p: {"lawyer": "lawyer"},
        "legal_aid.hardship_threshold": lambda p: {"region_code": "210100", "monthly_income": 1500},
        "legal_aid.subsidy": lambda p: {"amount": 2000},
        "notary.acceptance_number": lambda p: {"number": 1, "year": 2026},
        "notary.assign_notary": lambda p: {"notary": "notary", "open_tasks": 0},
        "notary.count_quota": lambda p: {"counted": True},
    }
    functions = {
        "deadline": _deadline,
        "warn_at": _warn_at,
        "now": lambda data: datetime.now(UTC).isoformat(),
        "working_days_left": lambda data, due: 1,
    }
    return Engine(services=services, functions=functions)


class Case:
    """One instance driven step by step, optionally saved and restored after every step."""

    def __init__(self, engine: Engine, package: ProcessPackage, instance: Instance, roundtrip: bool) -> None:
        self.engine, self.package, self.instance, self.roundtrip = engine, package, instance, roundtrip

    def step(self) -> Instance:
        if self.roundtrip:
            state = self.instance.snapshot().state
            json.loads(state)
            self.instance = self.engine.restore(self.package, state)
        return self.instance

    def ready(self) -> list[str]:
        return [task.bpmn_id for task in self.step().ready_tasks()]

    def task(self, bpmn_id: str):
        [task] = [task for task in self.step().ready_tasks() if task.bpmn_id == bpmn_id]
        return task

    def do(self, bpmn_id: str, data: dict) -> None:
        task_id = self.task(bpmn_id).task_id
        self.instance.complete(task_id, data)


def legal_aid_case(engine: Engine, roundtrip: bool, **data) -> Case:
    package = engine.compile(shipped("legal_aid_application"))
    application = {
        "channel": "online",
        "applicant": {"name": "张三", "id_number": "210102198005121234", "phone": "13800000000"},
        "region_code": "210102",
        "family_size": 3,
        "monthly_income_per_capita": 1000,
        "exemption_category": "none",
        "case_type": "civil",
        "matter": "押金纠纷 / A deposit dispute",
        "opposing_parties": [],
        "preservation_urgent": False,
        "materials": [],
        "case": {"organisation": "LN-SY-HP"},
        **data,
    }
    return Case(engine, package, engine.start(package, "legal_aid_application", application), roundtrip)


def notary_case(engine: Engine, roundtrip: bool) -> Case:
    package = engine.compile(shipped("notary_intake"))
    application = {
        "matter_domain": "civil",
        "matter": "继承权公证 / A right of inheritance",
        "preferred_date": "2026-03-12",
        "legal_aid_matter": False,
        "applicant": {"name": "张三", "id_number": "21010219900517123X", "phone": "024-12345678"},
        "case": {"organisation": "LN-SY-HP"},
    }
    return Case(engine, package, engine.start(package, "notary_intake", application), roundtrip)


@ROUNDTRIP
def test_a_reviewer_returns_the_completeness_check_and_the_case_runs_on_from_there(lines, roundtrip):
    case = legal_aid_case(lines, roundtrip)
    case.do("check_completeness", {"materials_complete": True, "completeness_note": "齐全 / Complete"})
    assert case.ready() == ["decide"]
    assert {timer.bpmn_id for timer in case.step().snapshot().timers} == {
        "decision_warning",
        "decision_overdue",
    }

    targets = case.step().return_targets(case.task("decide").task_id)
    assert [(t.bpmn_id, t.name) for t in targets] == [
        ("check_completeness", "审查材料是否齐全 / Check the materials are complete")
    ]
    undone = case.step().reset_to(targets[0].task_id)
    assert undone == ()
    snapshot = case.step().snapshot()
    assert [task.bpmn_id for task in snapshot.ready_tasks] == ["check_completeness"]
    assert snapshot.timers == ()  # the decision's timers went with the decision
    assert "completeness_note" not in snapshot.ready_tasks[0].data  # as it stood when first reached

    case.do("check_completeness", {"materials_complete": True})
    assert case.ready() == ["decide"]
    assert {timer.bpmn_id for timer in case.step().snapshot().timers} == {
        "decision_warning",
        "decision_overdue",
    }
    case.do("decide", {"outcome": "grant", "decision_number": "HP-1"})
    assert case.ready() == ["issue_assignment"]


@ROUNDTRIP
def test_a_director_returns_the_spot_check_to_the_notary_inside_the_called_process(lines, roundtrip):
    case = notary_case(lines, roundtrip)
    case.do("accept", {"acceptance_decision": "accept", "appointment_date": "2026-03-12"})
    case.do("handle", {"handling_summary": "核实 / Checked", "materials_verified": True})
    case.do("self_check", {"self_check_result": "pass"})
    case.do("review", {"review_result": "pass"})
    timers = {timer.bpmn_id: timer.due_at for timer in case.step().snapshot().timers}

    targets = case.step().return_targets(case.task("spot_check").task_id)
    assert [t.bpmn_id for t in targets] == ["review", "self_check", "handle", "accept"]
    handle = next(t for t in targets if t.bpmn_id == "handle")
    assert case.step().reset_to(handle.task_id) == ("self_check", "review")
    assert case.ready() == ["handle"]
    # The certificate clock runs on: the call activity's timers keep their moments.
    assert {timer.bpmn_id: timer.due_at for timer in case.step().snapshot().timers} == timers

    case.do("handle", {"handling_summary": "补签 / Signed now", "materials_verified": True})
    case.do("self_check", {"self_check_result": "pass"})
    case.do("review", {"review_result": "pass"})
    case.do("spot_check", {"spot_check_result": "pass"})
    assert case.ready() == ["issue"]
    assert case.step().snapshot().data["handling_summary"] == "补签 / Signed now"


@ROUNDTRIP
def test_no_return_across_a_fork_whose_other_branch_is_still_open(lines, roundtrip):
    # Urgent preservation: advance aid runs beside the review (a parallel fork).
    case = legal_aid_case(lines, roundtrip, preservation_urgent=True)
    assert sorted(case.ready()) == ["advance_aid", "check_completeness"]
    case.do("check_completeness", {"materials_complete": True})
    targets = case.step().return_targets(case.task("decide").task_id)
    assert [t.bpmn_id for t in targets] == ["check_completeness"]
    assert case.step().return_targets(case.task("advance_aid").task_id) == []


@ROUNDTRIP
def test_taking_back_a_completion_reopens_the_step_with_the_data_before_it(lines, roundtrip):
    case = legal_aid_case(lines, roundtrip)
    check = case.task("check_completeness")
    case.do("check_completeness", {"materials_complete": True})
    assert case.step().reset_to(check.task_id) == ()
    snapshot = case.step().snapshot()
    assert [(t.bpmn_id, t.task_id) for t in snapshot.ready_tasks] == [("check_completeness", check.task_id)]
    assert "materials_complete" not in snapshot.data


def test_only_a_completed_human_step_can_be_reset_to(lines):
    case = legal_aid_case(lines, False)
    with pytest.raises(CannotReset):
        case.step().reset_to(case.task("check_completeness").task_id)  # not done yet
    with pytest.raises(CannotReset):
        case.step().reset_to("00000000-0000-0000-0000-000000000000")


@ROUNDTRIP
def test_a_cancelled_case_has_no_open_tasks_and_no_timers_left(lines, roundtrip):
    case = legal_aid_case(lines, roundtrip)
    case.do("check_completeness", {"materials_complete": True})
    case.step().cancel()
    snapshot = case.step().snapshot()
    assert snapshot.completed and snapshot.ready_tasks == () and snapshot.timers == ()


@ROUNDTRIP
def test_withdrawal_runs_the_diagrams_withdrawal_path_and_ends_the_rest(engine, roundtrip):
    package = engine.compile(load_package("withdrawal"))
    info = package.processes["withdrawable"]
    assert info.withdrawable and info.withdrawable_until == ("decided",)
    case = Case(engine, package, engine.start(package, "withdrawable", {}), roundtrip)
    assert case.ready() == ["review"] and len(case.step().snapshot().timers) == 1

    instance = case.step()
    assert instance.withdraw({"reason": "已和解 / Settled", "by": "applicant"}) is True
    assert "record_withdrawal" in instance.snapshot().steps
    snapshot = case.step().snapshot()
    assert snapshot.completed and snapshot.ready_tasks == () and snapshot.timers == ()
    assert snapshot.data["withdrawal_reason"] == "已和解 / Settled"


@ROUNDTRIP
def test_withdrawal_without_a_path_cancels_the_case(lines, roundtrip):
    case = legal_aid_case(lines, roundtrip)
    assert case.step().withdraw({"reason": "不需要了 / No longer needed"}) is False
    snapshot = case.step().snapshot()
    assert snapshot.completed and snapshot.ready_tasks == ()


@ROUNDTRIP
def test_moving_a_cases_moments_moves_its_deadline_variables_and_their_timers(lines, roundtrip):
    case = legal_aid_case(lines, roundtrip)
    case.do("check_completeness", {"materials_complete": True})
    before = case.step().snapshot()
    later = {"decision_due": lambda moment: moment + timedelta(days=3)}
    moved = case.step().shift_moments(
        variables=later, timers={"decision_overdue": lambda moment: moment + timedelta(days=3)}
    )
    assert list(moved) == ["decision_due"]
    old, new = (datetime.fromisoformat(value) for value in moved["decision_due"])
    assert new - old == timedelta(days=3) and new.utcoffset() == old.utcoffset()
    after = case.step().snapshot()
    assert after.data["decision_due"] == moved["decision_due"][1]  # the case's data ...
    assert after.ready_tasks[0].due == moved["decision_due"][1]  # ... and the open decision's due date
    timers = {t.bpmn_id: t.due_at for t in after.timers}
    was = {t.bpmn_id: t.due_at for t in before.timers}
    assert timers["decision_overdue"] - was["decision_overdue"] == timedelta(days=3)
    assert timers["decision_warning"] == was["decision_warning"]  # not asked to move


@ROUNDTRIP
def test_timers_due_together_fire_in_the_order_they_fell_due(engine, roundtrip):
    package = engine.compile(load_package("timers_in_order"))
    now = datetime.now(UTC)
    data = {
        "remind_at": (now + timedelta(hours=1)).isoformat(),
        "expire_at": (now + timedelta(hours=2)).isoformat(),
    }
    case = Case(engine, package, engine.start(package, "timers_in_order", data), roundtrip)
    with time_machine.travel(now + timedelta(hours=3)):  # the worker was stopped past both
        instance = case.step()
        instance.fire_due_timers()
        steps = instance.snapshot().steps
        assert case.step().snapshot().completed
    assert [step for step in steps if step in ("reminded", "expired")] == ["reminded", "expired"]


def test_a_diagram_says_which_named_deadlines_its_dates_and_timers_come_from(lines):
    info = lines.compile(shipped("legal_aid_application")).processes["legal_aid_application"]
    assert info.deadline_variables["decision_due"] == ("legal_aid.decision",)
    assert info.deadline_variables["decision_warn"] == ("legal_aid.decision",)
    assert info.timer_deadlines["decision_overdue"] == ("legal_aid.decision",)
    assert info.timer_deadlines["supplement_reminder"] == ("legal_aid.supplement",)
    assert info.due_deadlines["decide"] == ("legal_aid.decision",)
    assert info.withdrawable and info.withdrawable_until == ("decided",)


def test_a_node_naming_an_operation_lexflow_does_not_offer_is_refused_at_deploy(engine):
    files = load_package("withdrawal")
    text = files["withdrawal.bpmn"].decode()
    text = text.replace(
        '<bpmn:userTask id="review" name="Review">',
        '<bpmn:userTask id="review" name="Review"><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="actions" value="transfer,escalate" />'
        "</spiffworkflow:properties></bpmn:extensionElements>",
    ).replace('value="decided"', 'value="decision"')
    with pytest.raises(DeployFailed) as refused:
        engine.compile({"withdrawal.bpmn": text.encode()})
    messages = {error.element_id: error.message for error in refused.value.errors}
    assert "'escalate'" in messages["review"] and "transfer" in messages["review"]
    assert "withdrawableUntil names 'decision'" in messages["withdrawable"]


def test_a_nodes_operations_and_opinion_rule_are_read_from_its_properties(engine):
    files = load_package("withdrawal")
    text = (
        files["withdrawal.bpmn"]
        .decode()
        .replace(
            '<bpmn:userTask id="review" name="Review">',
            '<bpmn:userTask id="review" name="Review"><bpmn:extensionElements><spiffworkflow:properties>'
            '<spiffworkflow:property name="actions" value="return, comment" />'
            '<spiffworkflow:property name="opinionRequired" value="true" />'
            '<spiffworkflow:property name="opinionField" value="review_opinion" />'
            '<spiffworkflow:property name="formJsonSchemaFilename" value="review.schema.json" />'
            "</spiffworkflow:properties></bpmn:extensionElements>",
        )
    )
    # The opinions are copied into review_opinion on completion: the task's form declares it.
    form = b'{"type": "object", "properties": {"review_opinion": {"type": "string"}}}'
    compiled = engine.compile({"withdrawal.bpmn": text.encode(), "review.schema.json": form})
    tasks = compiled.processes["withdrawable"].human_tasks
    assert tasks["review"].actions == ("return", "comment")
    assert tasks["review"].opinion_required and tasks["review"].opinion_field == "review_opinion"
    assert tasks["archive"].actions is None and not tasks["archive"].opinion_required  # defaults
