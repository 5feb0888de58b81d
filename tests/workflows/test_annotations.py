"""Stages, milestones, start forms, applicant fields and process functions, read from a diagram."""

from workflows import Engine

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="annotated" isExecutable="true">
    <bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="applicantData" value="notice, due" />
    </spiffworkflow:properties></bpmn:extensionElements>
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="caseworker">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>first</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>passed</bpmn:flowNodeRef><bpmn:flowNodeRef>later</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>work</bpmn:flowNodeRef><bpmn:flowNodeRef>end</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="apply.schema.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:outgoing>f1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:scriptTask id="first"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>level = "people"
due = deadline("x.reply")</bpmn:script></bpmn:scriptTask>
    <bpmn:intermediateThrowEvent id="passed">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="milestone" value="x.passed" />
        <spiffworkflow:property name="milestoneData" value="level, due" />
        <spiffworkflow:property name="stage" value="处理中 / Being handled" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:intermediateThrowEvent>
    <bpmn:scriptTask id="later"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:script>level = "administrative"</bpmn:script></bpmn:scriptTask>
    <bpmn:userTask id="work"><bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="first" />
    <bpmn:sequenceFlow id="f2" sourceRef="first" targetRef="passed" />
    <bpmn:sequenceFlow id="f3" sourceRef="passed" targetRef="later" />
    <bpmn:sequenceFlow id="f4" sourceRef="later" targetRef="work" />
    <bpmn:sequenceFlow id="f5" sourceRef="work" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
""".encode()
APPLY = b'{"type": "object", "properties": {"name": {"type": "string"}, "phone": {"type": "string"}}}'


def _deadline(data: dict, key: str, since: object = None) -> str:
    return f"{key}@{data['case']['organisation']}"


def test_annotations_start_form_and_applicant_fields_are_read_from_the_diagram():
    package = Engine().compile({"a.bpmn": DIAGRAM, "apply.schema.json": APPLY})
    info = package.processes["annotated"]
    assert info.start_form == "apply.schema.json"
    assert info.annotations["passed"].milestone == "x.passed"
    assert info.annotations["passed"].milestone_data == ("level", "due")
    assert info.annotations["passed"].stage == "处理中 / Being handled"
    assert info.applicant_fields == {"case", "name", "phone", "notice", "due"}


def test_a_milestone_records_its_data_as_it_stood_at_the_node_and_functions_see_the_case():
    engine = Engine(functions={"deadline": _deadline})
    package = engine.compile({"a.bpmn": DIAGRAM, "apply.schema.json": APPLY})
    snapshot = engine.start(package, "annotated", {"case": {"organisation": "LN-SY"}}).snapshot()
    assert [(m.bpmn_id, m.milestone) for m in snapshot.milestones] == [("passed", "x.passed")]
    # `level` changed after the milestone; the event keeps the value it had there
    assert snapshot.milestones[0].data == {"level": "people", "due": "x.reply@LN-SY"}
    assert snapshot.data["level"] == "administrative"
