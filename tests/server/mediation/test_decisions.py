"""The shipped decision tables on their own: risk screening (民转刑) and complexity / mediator grade."""

from pathlib import Path

import pytest

from workflows import Engine

FOLDER = Path(__file__).resolve().parents[3] / "bpmn" / "mediation"
HARNESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs_{decision}"
    targetNamespace="https://lexflow.dev/test">
  <bpmn:process id="decide_{decision}" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="decide" />
    <bpmn:businessRuleTask id="decide" name="Decide">
      <bpmn:extensionElements>
        <spiffworkflow:calledDecisionId>{decision}</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:businessRuleTask>
    <bpmn:sequenceFlow id="f2" sourceRef="decide" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture(scope="module")
def decide():
    """decide("risk_screening", **inputs) -> the task data after the shipped table ran."""
    engine = Engine()

    def run(decision: str, **inputs) -> dict:
        dmn = next(p for p in FOLDER.glob("*.dmn") if f'id="{decision}"' in p.read_text())
        files = {"harness.bpmn": HARNESS.format(decision=decision).encode(), dmn.name: dmn.read_bytes()}
        package = engine.compile(files)
        return engine.start(package, f"decide_{decision}", inputs).snapshot().data

    return run


NO_RISK = {
    "threats_of_violence": False,
    "prior_violence": False,
    "weapons_mentioned": False,
    "mental_distress": False,
    "group_size": 2,
    "staff_risk_flag": False,
}


@pytest.mark.parametrize(
    ("signs", "level", "reason"),
    [
        ({}, "low", "未见风险迹象"),
        ({"weapons_mentioned": True}, "high", "提及凶器"),
        ({"threats_of_violence": True, "prior_violence": True}, "high", "暴力威胁且曾发生暴力冲突"),
        ({"threats_of_violence": True, "mental_distress": True}, "high", "暴力威胁且情绪失控"),
        ({"staff_risk_flag": True}, "high", "工作人员研判为高风险"),
        ({"group_size": 30}, "high", "大规模群体性纠纷"),
        ({"threats_of_violence": True}, "medium", "有暴力威胁"),
        ({"prior_violence": True}, "medium", "曾发生暴力冲突"),
        ({"mental_distress": True}, "medium", "当事人情绪激动或精神困扰"),
        ({"group_size": 10}, "medium", "群体性纠纷"),
        ({"group_size": 9}, "low", "未见风险迹象"),
        ({"prior_violence": True, "mental_distress": True}, "medium", "曾发生暴力冲突"),
    ],
)
def test_risk_screening_flags_what_may_turn_into_violence_or_crime(decide, signs, level, reason):
    data = decide("risk_screening", **{**NO_RISK, **signs})
    assert data["risk_level"] == level
    assert data["risk_reason"].startswith(reason) and " / " in data["risk_reason"]


def test_weapons_outrank_every_milder_sign_in_the_risk_screening(decide):
    everything = {key: True for key in NO_RISK if key != "group_size"} | {"group_size": 12}
    assert decide("risk_screening", **everything)["risk_reason"].startswith("提及凶器")


@pytest.mark.parametrize(
    ("facts", "complexity", "grade"),
    [
        ({}, "simple", 1),
        ({"dispute_type": "contract", "amount": 20000}, "ordinary", 2),
        ({"dispute_type": "contract", "amount": 9999}, "simple", 1),
        ({"dispute_type": "labour", "amount": 0}, "ordinary", 2),
        ({"dispute_type": "medical"}, "complex", 3),
        ({"risk_level": "medium"}, "complex", 3),
        ({"amount": 100000}, "complex", 3),
        ({"group_size": 5}, "complex", 3),
        ({"party_count": 4}, "complex", 3),
        ({"amount": 1000000}, "major", 4),
        ({"group_size": 20}, "major", 4),
    ],
)
def test_complexity_sets_the_minimum_mediator_grade(decide, facts, complexity, grade):
    inputs = {
        "dispute_type": "neighbour",
        "amount": 3000,
        "group_size": 2,
        "party_count": 2,
        "risk_level": "low",
    } | facts
    data = decide("mediation_complexity", **inputs)
    assert (data["complexity"], data["min_grade"]) == (complexity, grade)
