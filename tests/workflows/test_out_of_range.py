"""A value no column or strict JSON can hold fails the step that produced it, on the timer
worker's path too (there the server turns the EngineError into an incident)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from workflows import Engine, EngineError

AFTER_A_TIMER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs" targetNamespace="https://lexflow.dev/tests">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition id="t">
        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"PT1H"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:scriptTask id="ratio" name="Ratio" scriptFormat="python">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>ratio = float("inf") - float("inf")</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="ratio" />
    <bpmn:sequenceFlow id="f3" sourceRef="ratio" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_nan_a_script_writes_after_a_timer_fails_that_script_by_name(engine: Engine) -> None:
    package = engine.compile({"p.bpmn": AFTER_A_TIMER.encode()})
    state = engine.start(package, "p", {}).snapshot().state
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=2)), pytest.raises(EngineError) as failed:
        engine.restore(package, state).fire_due_timers()
    assert failed.value.element_id == "ratio"
    assert "set ratio to nan" in str(failed.value)
