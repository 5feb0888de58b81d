"""The shipped decision tables decide as they did before DMN 1.3's hit policies were enforced.

Before, every table took its first matching rule (SpiffWorkflow stopped at the first match even
under UNIQUE). So a table decides the same when, for every input, its result equals the result
of the same rules under FIRST; for a UNIQUE table that also proves no two rules ever overlap.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from workflows import Engine

BPMN = Path(__file__).resolve().parents[2] / "bpmn"

WRAPPER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs" targetNamespace="x">
  <bpmn:process id="decide_only" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="decide" />
    <bpmn:businessRuleTask id="decide">
      <bpmn:extensionElements><spiffworkflow:calledDecisionId>{decision}</spiffworkflow:calledDecisionId></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:businessRuleTask>
    <bpmn:sequenceFlow id="f2" sourceRef="decide" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""


def _grid(**choices: list[Any]) -> list[dict[str, Any]]:
    names = list(choices)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*choices.values())]


BOOL = [True, False]
CASES = {
    ("legal_aid_application/hardship.dmn", "hardship_decision"): _grid(
        income_threshold=[{"monthly_income": None}, {"monthly_income": 1000}],
        monthly_income_per_capita=[None, 0, 999, 1000, 1001, 5000],
    ),
    ("complaint/prescreen.dmn", "complaint_prescreen"): _grid(
        anonymous=BOOL,
        has_contact=BOOL,
        proceedings=["court", "arbitration", "none", ""],
        target_type=["lawyer", "notary", "other"],
        repeat=[{}, {"answered": True}, {"answered": False}],
    ),
    ("mediation/risk_screening.dmn", "risk_screening"): _grid(
        weapons_mentioned=BOOL,
        threats_of_violence=BOOL,
        prior_violence=BOOL,
        mental_distress=BOOL,
        group_size=[1, 9, 10, 29, 30],
        staff_risk_flag=BOOL,
    ),
    ("mediation/mediation_complexity.dmn", "mediation_complexity"): _grid(
        dispute_type=["medical", "labour", "contract", "property", "neighbour"],
        amount=[0, 9999, 10000, 100000, 1000000],
        group_size=[1, 5, 20],
        party_count=[2, 4],
        risk_level=["low", "medium", "high"],
    ),
    ("notary_intake/green_channel.dmn", "notary_green_channel"): _grid(
        age=[30, 69, 70, 85],
        legal_aid_case=BOOL,
        low_income=BOOL,
        seriously_ill=BOOL,
        disabled=BOOL,
        military_family=BOOL,
    ),
}


def test_every_shipped_decision_table_is_checked_here() -> None:
    shipped = {
        (str(path.relative_to(BPMN)), decision)
        for path in BPMN.glob("*/*.dmn")
        for decision in [path.read_text().split('<decision id="', 1)[1].split('"', 1)[0]]
    }
    assert shipped == set(CASES)


@pytest.mark.parametrize(("dmn", "decision"), sorted(CASES), ids=lambda value: str(value))
def test_shipped_decision_decides_as_its_first_matching_rule(dmn: str, decision: str) -> None:
    engine = Engine()
    text = (BPMN / dmn).read_text()
    wrapper = WRAPPER.format(decision=decision).encode()
    as_shipped = engine.compile({"decide.bpmn": wrapper, "table.dmn": text.encode()})
    first_match = engine.compile(
        {
            "decide.bpmn": wrapper,
            "table.dmn": text.replace('hitPolicy="UNIQUE"', 'hitPolicy="FIRST"').encode(),
        }
    )
    for data in CASES[(dmn, decision)]:
        expected = engine.start(first_match, "decide_only", data).snapshot().data
        assert engine.start(as_shipped, "decide_only", data).snapshot().data == expected, data
