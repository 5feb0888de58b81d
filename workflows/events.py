"""Messages, signals, event-based gateways and start events, the way Lexflow routes them.

SpiffWorkflow matches a message to a waiting event by name and, only when the catch event
declares a correlation property, by a loose "any key matches" rule (ENGINE-NOTES trap 3):
two instances waiting for the same message both accept it. Lexflow keeps correlation in the
server's own indexed subscription table and always delivers to one named task, so the
event definitions here drop SpiffWorkflow's correlation checks and do three things
differently:

- a caught message or signal merges its (already validated) fields into the case data, or
  stores them under the variable the diagram names (`spiffworkflow:messageVariable`);
- a thrown message never short-cuts inside the instance: it leaves as an outgoing event for
  the server to deliver to another process's instance (BPMN messages cross pools);
- a thrown signal reaches the instance's own waiting events and leaves for every other
  instance as well (signals are broadcasts);

and the event-based gateway takes the first event only: SpiffWorkflow would also take a
timer that fell due while a message was being delivered, running two branches.
"""

from __future__ import annotations

from copy import deepcopy
from datetime import UTC
from typing import Any

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.event_parsers import EventBasedGatewayParser
from SpiffWorkflow.bpmn.serializer.default.event_definition import MultipleEventDefinitionConverter
from SpiffWorkflow.bpmn.specs.defaults import (
    BoundaryEvent,
    EndEvent,
    EventBasedGateway,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
    StartEvent,
)
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.spiff.parser.event_parsers import (
    SpiffBoundaryEventParser,
    SpiffEndEventParser,
    SpiffIntermediateCatchEventParser,
    SpiffIntermediateThrowEventParser,
    SpiffReceiveTaskParser,
    SpiffSendTaskParser,
    SpiffStartEventParser,
)
from SpiffWorkflow.spiff.serializer.event_definition import (
    ItemAwareEventDefinitionConverter,
    MessageEventDefinitionConverter,
)
from SpiffWorkflow.spiff.specs.defaults import ReceiveTask, SendTask
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition as SpiffMessageEventDefinition
from SpiffWorkflow.spiff.specs.event_definitions import SignalEventDefinition as SpiffSignalEventDefinition

MESSAGE = "message"
SIGNAL = "signal"


def record_correlation(workflow: Any, properties: list[Any], values: dict[str, Any]) -> None:
    """Remember correlation values on the instance, in SpiffWorkflow's {key: {property: value}} shape,
    so that a reply to a message this instance sent (or a second message about the same thing)
    is expected with the same values."""
    by_name = {prop.name: prop for prop in properties}
    for name, value in values.items():
        keys = by_name[name].correlation_keys if name in by_name else ["MainCorrelationKey"]
        for key in keys or ["MainCorrelationKey"]:
            workflow.correlations.setdefault(key, {})[name] = value


def held_correlation(workflow: Any, name: str) -> tuple[bool, Any]:
    """The value the instance already holds for a correlation property, if any."""
    for values in workflow.correlations.values():
        if isinstance(values, dict) and name in values:
            return True, values[name]
    return False, None


class LexflowMessageEventDefinition(SpiffMessageEventDefinition):
    """A message: caught only when the server delivers it to this task, thrown only outwards."""

    def catches(self, my_task: Any, event: BpmnEvent) -> bool:
        other = event.event_definition
        return isinstance(other, LexflowMessageEventDefinition) and other.name == self.name

    def catch(self, my_task: Any, event: BpmnEvent | None = None) -> None:
        if event is not None:
            my_task.internal_data[self.name] = event.payload
            record_correlation(my_task.workflow, self.correlation_properties, event.correlations)
        my_task._set_internal_data(event_fired=True)

    def throw(self, my_task: Any) -> None:
        engine = my_task.workflow.script_engine
        payload = engine.evaluate(my_task, self.expression) if self.expression else {}
        if payload is None:
            payload = {}
        values = outgoing_correlation(engine, my_task, self, payload)
        record_correlation(my_task.workflow, self.correlation_properties, values)
        event = BpmnEvent(self, payload=deepcopy(payload), correlations=values)
        event.lexflow_source = my_task.task_spec.bpmn_id
        my_task.workflow.top_workflow.bpmn_events.append(event)

    def update_task(self, my_task: Any) -> None:
        pass  # expected correlation values are the facade's business (`expected_correlation`)

    def update_task_data(self, my_task: Any) -> None:
        payload = my_task.internal_data.pop(self.name, None)
        if payload is None:
            return
        if self.message_var:
            my_task.data[self.message_var] = payload
        elif isinstance(payload, dict):
            my_task.data.update(payload)


class LexflowSignalEventDefinition(SpiffSignalEventDefinition):
    """A signal: thrown to the instance's own waiting events and out to every other instance."""

    def throw(self, my_task: Any) -> None:
        engine = my_task.workflow.script_engine
        payload = engine.evaluate(my_task, self.expression) if self.expression is not None else None
        event = BpmnEvent(self, payload=deepcopy(payload))
        top = my_task.workflow.top_workflow
        top.event_manager.catch(event, internal=False)
        outgoing = BpmnEvent(self, payload=deepcopy(payload))
        outgoing.lexflow_source = my_task.task_spec.bpmn_id
        top.bpmn_events.append(outgoing)

    def catches(self, my_task: Any, event: BpmnEvent) -> bool:
        other = event.event_definition
        return isinstance(other, SpiffSignalEventDefinition) and other.name == self.name

    def update_task_data(self, my_task: Any) -> None:
        payload = my_task.internal_data.pop(self.name, None)
        if self.variable is not None:
            my_task.data[self.variable] = payload
        elif isinstance(payload, dict):
            my_task.data.update(payload)


class FirstEventDefinition(MultipleEventDefinition):
    """An event-based gateway's events: the first one to happen wins, the rest are withdrawn.

    SpiffWorkflow checks the gateway's timers again after a message was caught; a timer that
    had fallen due a moment earlier then counts too, and both branches run.
    """

    def has_fired(self, my_task: Any) -> bool:
        if not self.parallel and my_task.internal_data.get("seen_events"):
            return True
        return super().has_fired(my_task)

    def catch(self, my_task: Any, event: BpmnEvent | None = None) -> None:
        if not self.parallel and my_task.internal_data.get("seen_events"):
            return
        super().catch(my_task, event)


def outgoing_correlation(engine: Any, my_task: Any, definition: Any, payload: Any) -> dict[str, Any]:
    """The correlation values of a message this task sends.

    A property the event itself defines on the sender's data (spiffworkflow:processVariableCorrelation)
    comes from the task data; the others from the message's retrieval expression on the payload.
    """
    from workflows.scripting import element_error

    own = {prop.name: prop.retrieval_expression for prop in definition.process_correlations}
    values: dict[str, Any] = {}
    for prop in definition.correlation_properties:
        try:
            if prop.name in own:
                values[prop.name] = engine.evaluate(my_task, own[prop.name])
            else:
                context = payload if isinstance(payload, dict) else {}
                values[prop.name] = engine.environment.evaluate(prop.retrieval_expression, dict(context))
        except Exception as exc:
            raise element_error(
                my_task.task_spec,
                f"message {definition.name!r}: correlation property {prop.name} could not be read from "
                f"the message ({prop.retrieval_expression!r}: {exc}); put it in the message payload",
            ) from exc
    return values


def event_definitions_of(task: Any) -> list[tuple[str | None, Any]]:
    """(branch bpmn id, event definition) of everything a waiting task waits for.

    An event-based gateway waits for its branches' events itself (SpiffWorkflow moves them
    onto the gateway); each is reported under its branch event's id.
    """
    spec = task.task_spec
    definition = spec.event_definition
    if isinstance(definition, MultipleEventDefinition):
        if isinstance(spec, EventBasedGateway):
            return [
                (spec.outputs[index].bpmn_id if index < len(spec.outputs) else spec.bpmn_id, sub)
                for index, sub in enumerate(definition.event_definitions)
            ]
        return [(spec.bpmn_id, sub) for sub in definition.event_definitions]
    return [(spec.bpmn_id, definition)]


def is_timer(definition: Any) -> bool:
    return isinstance(definition, TimerEventDefinition)


def kind_of(definition: Any) -> str | None:
    if isinstance(definition, SpiffMessageEventDefinition):
        return MESSAGE
    if isinstance(definition, SpiffSignalEventDefinition):
        return SIGNAL
    return None


# ---------------------------------------------------------------------- parser and serializer


class _LexflowEvents:
    """Parser mixin: message and signal events become Lexflow's definitions."""

    def parse_message_event(self, message_event: Any) -> LexflowMessageEventDefinition:
        parsed = super().parse_message_event(message_event)
        return LexflowMessageEventDefinition(
            parsed.name,
            parsed.correlation_properties,
            parsed.expression,
            parsed.message_var,
            parsed.process_correlations,
            description=parsed.description,
        )

    def parse_signal_event(self, signal_event: Any) -> LexflowSignalEventDefinition:
        parsed = super().parse_signal_event(signal_event)
        return LexflowSignalEventDefinition(
            parsed.name,
            expression=parsed.expression,
            variable=parsed.variable,
            description=parsed.description,
        )


class _StartEventParser(_LexflowEvents, SpiffStartEventParser):
    pass


class _EndEventParser(_LexflowEvents, SpiffEndEventParser):
    pass


class _BoundaryEventParser(_LexflowEvents, SpiffBoundaryEventParser):
    pass


class _IntermediateCatchEventParser(_LexflowEvents, SpiffIntermediateCatchEventParser):
    pass


class _IntermediateThrowEventParser(_LexflowEvents, SpiffIntermediateThrowEventParser):
    pass


class _SendTaskParser(_LexflowEvents, SpiffSendTaskParser):
    pass


class _ReceiveTaskParser(_LexflowEvents, SpiffReceiveTaskParser):
    pass


class _EventBasedGatewayParser(EventBasedGatewayParser):
    def create_task(self) -> Any:
        return self._create_task(FirstEventDefinition())


PARSER_CLASSES = {
    full_tag("startEvent"): (_StartEventParser, StartEvent),
    full_tag("endEvent"): (_EndEventParser, EndEvent),
    full_tag("boundaryEvent"): (_BoundaryEventParser, BoundaryEvent),
    full_tag("intermediateCatchEvent"): (_IntermediateCatchEventParser, IntermediateCatchEvent),
    full_tag("intermediateThrowEvent"): (_IntermediateThrowEventParser, IntermediateThrowEvent),
    full_tag("sendTask"): (_SendTaskParser, SendTask),
    full_tag("receiveTask"): (_ReceiveTaskParser, ReceiveTask),
    full_tag("eventBasedGateway"): (_EventBasedGatewayParser, EventBasedGateway),
}

SERIALIZER_CLASSES = {
    LexflowMessageEventDefinition: MessageEventDefinitionConverter,
    LexflowSignalEventDefinition: ItemAwareEventDefinitionConverter,
    FirstEventDefinition: MultipleEventDefinitionConverter,
}


# ---------------------------------------------------------------------- what a diagram declares

_BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_TIMER_KINDS = ("timeDate", "timeCycle", "timeDuration")


def _properties(node: Any) -> dict[str, str]:
    from workflows.metadata import spiff_properties

    return spiff_properties(node)


def message_declarations(root: Any) -> dict[str, Any]:
    """Every `bpmn:message` of a file by its id: name, correlation property ids, schema, variable."""
    from workflows.api import MessageDeclaration

    correlation: dict[str, list[str]] = {}
    for prop in root.iter(f"{{{_BPMN}}}correlationProperty"):
        for expression in prop.iter(f"{{{_BPMN}}}correlationPropertyRetrievalExpression"):
            ref = expression.get("messageRef")
            if ref and prop.get("id"):
                correlation.setdefault(ref, []).append(prop.get("id"))
    declared = {}
    for message in root.iter(f"{{{_BPMN}}}message"):
        ref = message.get("id")
        if not ref:
            continue
        declared[ref] = MessageDeclaration(
            name=message.get("name") or ref,
            correlation=tuple(dict.fromkeys(correlation.get(ref, []))),
            schema=(_properties(message).get("formJsonSchemaFilename") or "").strip() or None,
        )
    return declared


def signal_declarations(root: Any) -> dict[str, Any]:
    """Every `bpmn:signal` of a file by its id."""
    from workflows.api import SignalDeclaration

    return {
        signal.get("id"): SignalDeclaration(
            name=signal.get("name") or signal.get("id"),
            schema=(_properties(signal).get("formJsonSchemaFilename") or "").strip() or None,
        )
        for signal in root.iter(f"{{{_BPMN}}}signal")
        if signal.get("id")
    }


def referenced_events(process: Any, root: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The messages and signals (by name) a process's elements refer to, caught or thrown."""
    messages, signals = message_declarations(root), signal_declarations(root)
    used_messages: dict[str, Any] = {}
    used_signals: dict[str, Any] = {}
    for node in process.iter():
        if not isinstance(node.tag, str):
            continue
        ref = node.get("messageRef")
        if ref in messages:
            used_messages[messages[ref].name] = messages[ref]
        ref = node.get("signalRef")
        if ref in signals:
            used_signals[signals[ref].name] = signals[ref]
    return used_messages, used_signals


def start_events(process: Any, root: Any) -> tuple[Any, ...]:
    """How the process's cases begin: one entry per start event directly in the process."""
    from workflows.api import StartEventInfo

    messages, signals = message_declarations(root), signal_declarations(root)
    found = []
    for start in process.findall(f"{{{_BPMN}}}startEvent"):
        bpmn_id = start.get("id") or ""
        message = start.find(f"{{{_BPMN}}}messageEventDefinition")
        signal = start.find(f"{{{_BPMN}}}signalEventDefinition")
        timer = start.find(f"{{{_BPMN}}}timerEventDefinition")
        if message is not None:
            declared = messages.get(message.get("messageRef") or "")
            found.append(StartEventInfo(bpmn_id, MESSAGE, declared.name if declared else None))
        elif signal is not None:
            declared = signals.get(signal.get("signalRef") or "")
            found.append(StartEventInfo(bpmn_id, SIGNAL, declared.name if declared else None))
        elif timer is not None:
            kind, text = None, None
            for child in timer:
                if isinstance(child.tag, str) and child.tag.split("}")[-1] in _TIMER_KINDS:
                    kind, text = child.tag.split("}")[-1], (child.text or "").strip()
            found.append(StartEventInfo(bpmn_id, "timer", timer=kind, expression=text))
        else:
            found.append(StartEventInfo(bpmn_id, "none"))
    return tuple(found)


# ---------------------------------------------------------------------- deploy checks

_GATEWAY_BRANCHES = {"intermediateCatchEvent", "receiveTask"}
_BRANCH_EVENTS = {"messageEventDefinition", "timerEventDefinition", "signalEventDefinition"}


def _local(node: Any) -> str:
    return node.tag.split("}")[-1] if isinstance(node.tag, str) else ""


def _error(file: str, node: Any, message: str, line: int | None = None) -> Any:
    from workflows.api import DeployError

    return DeployError(file, line or node.sourceline, node.get("id"), _local(node), message)


def is_scheduled_start(node: Any) -> bool:
    """A timeDate/timeCycle/timeDuration of a timer start event of a process (not an event
    subprocess's, which SpiffWorkflow times within the running case)."""
    definition = node.getparent()
    start = definition.getparent() if definition is not None else None
    process = start.getparent() if start is not None else None
    return (
        definition is not None
        and _local(definition) == "timerEventDefinition"
        and start is not None
        and _local(start) == "startEvent"
        and process is not None
        and _local(process) == "process"
    )


def check_scheduled_start(file: str, owner: Any, node: Any) -> list[Any]:
    from workflows import schedule

    try:
        schedule.parse(_local(node), node.text or "", tz=UTC)
    except schedule.ScheduleError as exc:
        return [_error(file, owner, str(exc))]
    return []


def check_events(file: str, root: Any, forms: set[str]) -> list[Any]:
    """What a deploy refuses in a file's messages, signals and event-based gateways."""
    errors = []
    for tag in ("message", "signal"):
        for node in root.iter(f"{{{_BPMN}}}{tag}"):
            schema = (_properties(node).get("formJsonSchemaFilename") or "").strip()
            if schema and schema not in forms:
                errors.append(
                    _error(
                        file,
                        node,
                        f"{tag} {node.get('name') or node.get('id')!r} 的数据模式 {schema} 不在包中 / the "
                        f"schema file {schema!r} of this {tag} is not in the package",
                    )
                )
    nodes = {node.get("id"): node for node in root.iter() if isinstance(node.tag, str) and node.get("id")}
    for gateway in root.iter(f"{{{_BPMN}}}eventBasedGateway"):
        timers = 0
        for flow in root.iter(f"{{{_BPMN}}}sequenceFlow"):
            if flow.get("sourceRef") != gateway.get("id"):
                continue
            target = nodes.get(flow.get("targetRef") or "")
            if target is None:
                continue  # reported with the flow
            kinds = {_local(child) for child in target} & _BRANCH_EVENTS
            if _local(target) not in _GATEWAY_BRANCHES or (_local(target) != "receiveTask" and not kinds):
                errors.append(
                    _error(
                        file,
                        gateway,
                        "基于事件的网关之后只能是消息、定时、信号事件或接收任务 / an event-based gateway "
                        "leads only to message, timer or signal catch events and "
                        f"receive tasks; {target.get('id')} is a {_local(target)}",
                    )
                )
            timers += "timerEventDefinition" in kinds
        if timers > 1:
            errors.append(
                _error(
                    file,
                    gateway,
                    "基于事件的网关最多只能有一个定时分支 / an event-based gateway may have one timer "
                    "branch; put the earlier deadline on it",
                )
            )
    return errors
