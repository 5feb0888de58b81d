"""The engine writes only the fields a step's form declares, and a deploy refuses forms that
would let other fields through (issue 10, item 1)."""

from __future__ import annotations

import json

import pytest

from tests.workflows.support import load_package
from workflows import DeployFailed, Engine, UndeclaredFields
from workflows.fields import form_leaks, json_lines, line_of, undeclared_fields

TWO_STEPS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs" targetNamespace="https://lexflow.dev/tests">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="lane" name="caseworker">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>phone</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>close</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="phone" name="Correct the phone">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="phone.schema.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:userTask id="close" name="Close, no form">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="phone" />
    <bpmn:sequenceFlow id="f2" sourceRef="phone" targetRef="close" />
    <bpmn:sequenceFlow id="f3" sourceRef="close" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""
PHONE_FORM = {
    "type": "object",
    "properties": {
        "applicant": {"type": "object", "properties": {"phone": {"type": "string"}}},
        "note": {"type": "string"},
    },
}


def _package(engine: Engine, form: dict = PHONE_FORM):
    files = {"p.bpmn": TWO_STEPS.encode(), "phone.schema.json": json.dumps(form, indent=2).encode()}
    return engine.compile(files)


def test_a_completion_writes_declared_fields_and_merges_nested_objects_field_by_field(engine: Engine) -> None:
    package = _package(engine)
    start = {"case": {"organisation": "LN-SY-HP"}, "applicant": {"name": "张三", "phone": "1"}}
    start["approved"] = False
    instance = engine.start(package, "p", start)
    [task] = instance.ready_tasks()
    instance.complete(task.task_id, {"applicant": {"phone": "024-1234567"}, "note": "called"})
    data = instance.snapshot().data
    # the form names only applicant.phone: the name stays, the rest of the case too
    assert data["applicant"] == {"name": "张三", "phone": "024-1234567"}
    assert data["note"] == "called" and data["approved"] is False
    assert data["case"] == {"organisation": "LN-SY-HP"}


@pytest.mark.parametrize(
    ("submitted", "paths"),
    [
        ({"case": {"organisation": "FORGED"}}, ["data.case"]),
        ({"approved": True, "note": "x"}, ["data.approved"]),
        ({"applicant": {"phone": "1", "name": "李四"}}, ["data.applicant.name"]),
    ],
)
def test_the_engine_refuses_fields_the_form_does_not_declare_and_writes_nothing(
    engine: Engine, submitted: dict, paths: list[str]
) -> None:
    package = _package(engine)
    instance = engine.start(package, "p", {"case": {"organisation": "LN-SY-HP"}, "approved": False})
    [task] = instance.ready_tasks()
    with pytest.raises(UndeclaredFields) as refused:
        instance.complete(task.task_id, submitted)
    assert refused.value.fields == paths and refused.value.element_id == "phone"
    assert instance.snapshot().data == {"case": {"organisation": "LN-SY-HP"}, "approved": False}


def test_a_task_without_a_form_takes_no_data(engine: Engine) -> None:
    package = _package(engine)
    instance = engine.start(package, "p", {})
    [task] = instance.ready_tasks()
    instance.complete(task.task_id, {"note": "ok"})
    [close] = instance.ready_tasks()
    with pytest.raises(UndeclaredFields):
        instance.complete(close.task_id, {"note": "changed"})
    instance.complete(close.task_id, {})
    assert instance.completed and instance.snapshot().data["note"] == "ok"


@pytest.mark.parametrize(
    ("form", "line", "says"),
    [
        (
            {"type": "object", "additionalProperties": True, "properties": {"a": {"type": "string"}}},
            3,
            "additionalProperties",
        ),
        ({"type": "object", "properties": {"a": {"title": "anything"}}}, 4, "field a has no type"),
        (
            {
                "type": "object",
                "properties": {"a": {"type": "object", "additionalProperties": {"type": "string"}}},
            },
            6,
            "field a lets undeclared fields through",
        ),
        ({"type": "object", "properties": {"a": {"type": "object"}}}, 4, "declares none of its fields"),
        ({"type": "object", "properties": {"a": {"type": "array"}}}, 4, "list field a"),
        (
            {"type": "object", "properties": {"a": {"type": "array", "items": {"type": "object"}}}},
            6,
            "field a[] may hold an object",
        ),
        ({"type": "object", "properties": {"case": {"type": "string"}}}, 4, "field case is the case block"),
        ({"type": "object", "patternProperties": {"^x": {"type": "string"}}}, 3, "patternProperties"),
    ],
)
def test_a_deploy_refuses_a_form_that_would_let_an_undeclared_field_through(
    engine: Engine, form: dict, line: int, says: str
) -> None:
    with pytest.raises(DeployFailed) as refused:
        _package(engine, form)
    [error] = [error for error in refused.value.errors if says in error.message]
    assert error.file == "phone.schema.json" and " / " in error.message  # Chinese / English
    assert error.line == line, json.dumps(form, indent=2)


def test_forms_that_name_every_field_deploy_including_refs_and_conditions(engine: Engine) -> None:
    form = {
        "type": "object",
        "$defs": {"person": {"type": "object", "properties": {"name": {"type": "string"}}}},
        "properties": {
            "who": {"$ref": "#/$defs/person"},
            "parties": {"type": "array", "items": {"$ref": "#/$defs/person"}},
            "kind": {"enum": ["a", "b"]},
            "choice": {"oneOf": [{"const": 1}, {"const": 2}]},
        },
        "if": {"properties": {"kind": {"const": "a"}}},
        "then": {"properties": {"reason": {"type": "string"}}, "required": ["reason"]},
    }
    assert form_leaks(form) == []
    package = _package(engine, form)
    assert "phone.schema.json" in package.forms
    submitted = {"who": {"name": "x", "age": 3}, "reason": "r", "parties": [{"x": 1}]}
    assert undeclared_fields(form, submitted) == ["data.parties.0.x", "data.who.age"]


def test_every_fixture_form_of_the_engine_tests_names_its_fields(engine: Engine) -> None:
    for folder in ("approval", "loop", "hit_policies", "migration", "events", "camunda"):
        for name, content in load_package(folder).items():
            if name.endswith(".schema.json"):
                assert form_leaks(json.loads(content)) == [], name


def test_data_nested_thousands_deep_is_walked_without_recursion() -> None:
    deep: dict = {}
    node = deep
    for _ in range(5000):
        node["x"] = {}
        node = node["x"]
    assert undeclared_fields({"type": "object", "properties": {"x": {"$ref": "#"}}}, deep) == []
    assert undeclared_fields({"type": "object", "properties": {}}, {"a": deep}) == ["data.a"]


def test_json_lines_point_at_each_key_and_list_entry() -> None:
    text = '{\n  "a": 1,\n  "b": [\n    {"c": 2},\n    3\n  ],\n  "d": {"e\\"": {}}\n}\n'
    lines = json_lines(text)
    assert lines[("a",)] == 2 and lines[("b",)] == 3 and lines[("b", 0)] == 4 and lines[("b", 0, "c")] == 4
    assert lines[("b", 1)] == 5 and lines[("d", 'e"')] == 7
    assert line_of(lines, ("d", 'e"', "missing")) == 7


@pytest.mark.parametrize("declared", [True, False])
def test_a_deploy_refuses_an_opinion_field_the_tasks_form_does_not_declare(engine: Engine, declared) -> None:
    """The opinions are copied into `opinionField` with the completion: a field like any other."""
    text = TWO_STEPS.replace(
        '<spiffworkflow:property name="formJsonSchemaFilename" value="phone.schema.json" />',
        '<spiffworkflow:property name="formJsonSchemaFilename" value="phone.schema.json" />'
        '<spiffworkflow:property name="opinionField" value="phone_opinion" />',
    ).replace(
        '<bpmn:userTask id="close" name="Close, no form">',
        '<bpmn:userTask id="close" name="Close, no form"><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="opinionField" value="close_opinion" />'
        "</spiffworkflow:properties></bpmn:extensionElements>",
    )
    form = {**PHONE_FORM, "properties": {**PHONE_FORM["properties"], "phone_opinion": {"type": "string"}}}
    chosen = form if declared else PHONE_FORM
    files = {"p.bpmn": text.encode(), "phone.schema.json": json.dumps(chosen).encode()}
    with pytest.raises(DeployFailed) as refused:
        engine.compile(files)
    errors = {error.element_id: error for error in refused.value.errors if "opinionField" in error.message}
    assert set(errors) == ({"close"} if declared else {"phone", "close"})
    assert "has no form" in errors["close"].message and " / " in errors["close"].message
    if not declared:
        assert "phone.schema.json does not declare it" in errors["phone"].message
        line = text[: text.index("phone_opinion")].count("\n") + 1
        assert errors["phone"].file == "p.bpmn" and errors["phone"].line == line
