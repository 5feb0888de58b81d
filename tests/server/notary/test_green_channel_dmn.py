"""The green-channel decision table (green_channel.dmn), run by the engine as the process runs it."""

import re
from pathlib import Path

import pytest

from workflows import Engine

DMN = Path(__file__).resolve().parents[3] / "bpmn" / "notary_intake" / "green_channel.dmn"

BILINGUAL = re.compile(r"^[^A-Za-z]*[\u4e00-\u9fff][^A-Za-z]*/ [A-Z]")  # 中文 / English

# A one-task process calling the decision, so the table runs exactly as in notary_intake.
CALLER = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="classify_only" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:businessRuleTask id="classify">
      <bpmn:extensionElements>
        <spiffworkflow:calledDecisionId>notary_green_channel</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:businessRuleTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="classify" />
    <bpmn:sequenceFlow id="f2" sourceRef="classify" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>"""

ORDINARY = {
    "age": 40,
    "legal_aid_case": False,
    "low_income": False,
    "seriously_ill": False,
    "disabled": False,
    "military_family": False,
}


@pytest.fixture(scope="module")
def classify():
    engine = Engine()
    package = engine.compile({"caller.bpmn": CALLER, "green_channel.dmn": DMN.read_bytes()})

    def run(**circumstances) -> dict:
        data = engine.start(package, "classify_only", {**ORDINARY, **circumstances}).snapshot().data
        keys = ("green_channel", "fee_waiver", "visit_eligible", "green_reason", "fee_reason")
        return {key: data[key] for key in keys}

    return run


@pytest.mark.parametrize(
    ("circumstances", "green", "fee", "visit"),
    [
        ({}, False, "none", False),
        ({"age": 69}, False, "none", False),
        ({"age": 70}, True, "reduced", True),
        ({"age": 88}, True, "reduced", True),
        ({"disabled": True}, True, "reduced", True),
        ({"seriously_ill": True}, True, "reduced", True),
        ({"military_family": True}, True, "reduced", False),
        ({"low_income": True}, True, "waived", False),
        ({"legal_aid_case": True}, True, "waived", False),
    ],
    ids=[
        "ordinary",
        "69-not-yet-elderly",
        "70-elderly",
        "88-elderly",
        "disabled",
        "seriously-ill",
        "military-family",
        "low-income",
        "legal-aid",
    ],
)
def test_each_special_group_gets_the_green_channel_and_its_fee_treatment(
    classify, circumstances, green, fee, visit
):
    result = classify(**circumstances)
    assert (result["green_channel"], result["fee_waiver"], result["visit_eligible"]) == (green, fee, visit)
    if green:
        assert all(BILINGUAL.match(result[key]) for key in ("green_reason", "fee_reason"))
    else:
        assert result["green_reason"] == result["fee_reason"] == ""


def test_the_most_generous_fee_treatment_wins_when_several_groups_apply(classify):
    result = classify(age=80, disabled=True, low_income=True, legal_aid_case=True)
    assert result["fee_waiver"] == "waived"
    assert result["green_reason"] == "法律援助受援人 / Legal-aid recipient"


def test_a_waived_applicant_who_cannot_travel_may_still_ask_for_a_visit(classify):
    assert classify(low_income=True, age=75)["visit_eligible"] is True
    assert classify(legal_aid_case=True, seriously_ill=True)["visit_eligible"] is True
    assert classify(military_family=True, disabled=True)["fee_waiver"] == "reduced"
