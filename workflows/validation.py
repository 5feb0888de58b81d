"""Deploy-time checks, steps 1-3: safe XML, XSD, and Lexflow's own structural rules.

Each check reports every problem it finds as a `DeployError` with file, line and element,
and a message that tells a designer what to change. SpiffWorkflow's own parse (step 4)
runs afterwards in `workflows.engine`, only for files that passed these.
"""

from __future__ import annotations

import ast
import difflib
import json
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS as DMN_SCHEMAS
from SpiffWorkflow.spiff.parser.process import VALIDATOR

from workflows import dmn, events, fields, juel, metadata
from workflows.api import TASK_ACTIONS, DeployError, ServiceParams
from workflows.patterns import pattern_problem
from workflows.restricted import check_source
from workflows.xmlsafe import MAX_PACKAGE_BYTES, parse_xml, utf8_error

BPMN_NS = metadata.BPMN_NS
CAMUNDA_NS = metadata.CAMUNDA_NS
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"

_JUEL = re.compile(r"[$#]\{")
_PYTHON_FORMATS = {"", "python", "text/python", "text/x-python", "py", "python3"}

_xsd_lock = threading.Lock()  # lxml XMLSchema objects are shared; serialize their use
_dmn_validators: dict[str, BpmnValidator] = {}


@dataclass
class CheckedPackage:
    """Outcome of steps 1-3."""

    bpmn: dict[str, etree._ElementTree] = field(default_factory=dict)
    dmn: dict[str, etree._ElementTree] = field(default_factory=dict)
    forms: dict[str, Any] = field(default_factory=dict)
    errors: list[DeployError] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)  # files with step 1-3 errors

    def add(self, errors: Iterable[DeployError]) -> None:
        for error in errors:
            self.errors.append(error)
            self.failed.add(error.file)


def _localname(node: etree._Element) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _err(file: str, node: etree._Element | None, message: str, line: int | None = None) -> DeployError:
    """An error located at `node`; `line` points at a child (the expression) when more precise."""
    if node is None:
        return DeployError(file, line, None, None, message)
    return DeployError(file, line or node.sourceline, node.get("id"), _localname(node), message)


def _owner(node: etree._Element) -> etree._Element:
    """The flow element an expression belongs to (skipping event definitions), for error locations."""
    current: etree._Element | None = node
    while current is not None and (not current.get("id") or _localname(current).endswith("EventDefinition")):
        current = current.getparent()
    return current if current is not None else node


# ---------------------------------------------------------------------------- step 1


def read_files(files: Mapping[str, bytes]) -> CheckedPackage:
    """Step 1: size caps, safe XML parse, JSON forms, known extensions."""
    pkg = CheckedPackage()
    total = sum(len(c) for c in files.values())
    if total > MAX_PACKAGE_BYTES:
        pkg.add([DeployError("(package)", None, None, None, "package is larger than 20 MiB")])
        return pkg
    for name in sorted(files):
        content = files[name]
        lower = name.lower()
        if lower.endswith((".bpmn", ".bpmn20.xml", ".dmn")):
            tree, errors = parse_xml(name, content)
            pkg.add(errors)
            if tree is not None:
                (pkg.dmn if lower.endswith(".dmn") else pkg.bpmn)[name] = tree
        elif lower.endswith(".json"):
            not_utf8 = utf8_error(name, content)
            if not_utf8 is not None:
                pkg.add([not_utf8])
                continue
            try:
                pkg.forms[name] = json.loads(content.decode("utf-8"))
            except json.JSONDecodeError as exc:
                pkg.add([DeployError(name, exc.lineno, None, None, f"invalid JSON: {exc.msg}")])
        else:
            pkg.add(
                [
                    DeployError(
                        name,
                        None,
                        None,
                        None,
                        "unsupported file type; a package holds .bpmn, .dmn, .schema.json and "
                        ".uischema.json files",
                    )
                ]
            )
    for name, tree in pkg.bpmn.items():
        if _localname(tree.getroot()) != "definitions" or etree.QName(tree.getroot()).namespace != BPMN_NS:
            pkg.add([_err(name, tree.getroot(), "not a BPMN 2.0 file (root must be bpmn:definitions)")])
    return pkg


# ---------------------------------------------------------------------------- step 2


def _dmn_validator(namespace: str | None) -> BpmnValidator | None:
    path = DMN_SCHEMAS.get(namespace or "")
    if path is None:
        return None
    if path not in _dmn_validators:
        _dmn_validators[path] = BpmnValidator(path)
    return _dmn_validators[path]


def _schema_errors(name: str, tree: etree._ElementTree, validator: BpmnValidator) -> list[DeployError]:
    with _xsd_lock:
        validator.preprocess(tree)
        schema = validator.validator
        if schema.validate(tree):
            return []
        log = list(schema.error_log)
    errors = []
    for entry in log[:50]:
        errors.append(DeployError(name, entry.line or None, None, None, f"schema: {entry.message}"))
    return errors


def check_schemas(pkg: CheckedPackage) -> None:
    """Step 2: XSD validation, every error listed (SpiffWorkflow's validator stops at the first)."""
    for name, tree in pkg.bpmn.items():
        if name not in pkg.failed:
            pkg.add(_schema_errors(name, tree, VALIDATOR))
    for name, tree in pkg.dmn.items():
        root = tree.getroot()
        validator = _dmn_validator(etree.QName(root).namespace)
        if validator is None:
            pkg.add([_err(name, root, f"unknown DMN version (namespace {etree.QName(root).namespace})")])
        elif name not in pkg.failed:
            pkg.add(_schema_errors(name, tree, validator))


# ---------------------------------------------------------------------------- step 3


def check_structure(pkg: CheckedPackage) -> None:
    """Step 3: Lexflow's rules, on files that parsed."""
    decisions = {
        d.get("id")
        for tree in pkg.dmn.values()
        for d in tree.getroot().iter()
        if _localname(d) == "decision" and d.get("id")
    }
    for name, tree in pkg.bpmn.items():
        root = tree.getroot()
        if _localname(root) != "definitions" or etree.QName(root).namespace != BPMN_NS:
            continue  # already reported: not BPMN at all
        pkg.add(_check_bpmn(name, tree.getroot(), set(pkg.forms), decisions))
        pkg.add(events.check_events(name, tree.getroot(), set(pkg.forms)))
    for name, tree in pkg.dmn.items():
        pkg.add(_check_dmn(name, tree.getroot()))


def _check_bpmn(name: str, root: etree._Element, forms: set[str], decisions: set[str]) -> list[DeployError]:
    errors: list[DeployError] = []
    processes = [p for p in root.iter(f"{{{BPMN_NS}}}process")]
    executable = [p for p in processes if p.get("isExecutable") == "true"]
    if processes and not executable:
        errors.append(
            _err(
                name,
                processes[0],
                'no process is marked isExecutable="true"; set it in the modeler',
            )
        )
    elif not processes:
        errors.append(
            DeployError(name, root.sourceline, root.get("id"), "definitions", "the file has no process")
        )
    for process in executable:
        if not any(_localname(c) == "startEvent" for c in process):
            errors.append(_err(name, process, "executable process has no start event"))
        _, until = metadata.process_withdrawal(process)
        nodes = {el.get("id") for el in process.iter() if isinstance(el.tag, str) and el.get("id")}
        for node_id in until:
            if node_id not in nodes:
                errors.append(
                    _err(name, process, f"withdrawableUntil names {node_id!r}, which is not in the process")
                )

    ids = {el.get("id") for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    for flow in root.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        for attr in ("sourceRef", "targetRef"):
            ref = flow.get(attr)
            if not ref:
                errors.append(_err(name, flow, f"sequence flow has no {attr}"))
            elif ref not in ids:
                errors.append(
                    _err(name, flow, f"sequence flow {attr} points to {ref!r}, which does not exist")
                )

    # A gateway is a choice: with no way out, every case reaching it would stop there for good.
    # (A task without an outgoing flow is an implicit end in BPMN, which other tools produce.)
    sources = {flow.get("sourceRef") for flow in root.iter(f"{{{BPMN_NS}}}sequenceFlow")}
    for process in executable:
        for node in process.iter():
            if (
                isinstance(node.tag, str)
                and _localname(node).endswith("Gateway")
                and node.get("id") not in sources
            ):
                errors.append(
                    _err(name, node, "gateway has no outgoing sequence flow: cases would stop here")
                )

    # Only executable processes run; checking the rest would bury the real problems in noise.
    for process in executable:
        for node in process.iter():
            if isinstance(node.tag, str) and etree.QName(node).namespace == BPMN_NS:
                errors.extend(_check_element(name, node, _localname(node), forms, decisions))
    return errors


def _check_element(
    name: str, node: etree._Element, tag: str, forms: set[str], decisions: set[str]
) -> list[DeployError]:
    errors: list[DeployError] = []
    if tag in metadata.HUMAN_TAGS:
        lane = metadata.lane_of(node)
        spec = metadata.human_task_spec(node, lane)
        if not spec.candidate_groups and not spec.candidate_groups_expression:
            what = "user task" if tag == "userTask" else f"{tag} (a human step in Lexflow)"
            errors.append(
                _err(
                    name,
                    node,
                    f"{what} has no lane and no candidate group; put it in a lane (a role), or name a "
                    "default group for such tasks when deploying",
                )
            )
        for label, filename in (("form", spec.form), ("ui form", spec.ui_form)):
            if filename and filename not in forms:
                errors.append(_err(name, node, f"{label} file {filename!r} is not in the package"))
        unknown = [action for action in spec.actions or () if action not in TASK_ACTIONS]
        if unknown:
            errors.append(
                _err(
                    name,
                    node,
                    f"actions names {', '.join(map(repr, unknown))}, which Lexflow does not offer; "
                    f"choose from {', '.join(TASK_ACTIONS)} (or none)",
                )
            )
        if spec.opinion_field and not spec.opinion_field.isidentifier():
            errors.append(_err(name, node, f"opinionField {spec.opinion_field!r} is not a variable name"))
        for label, expr in (
            ("candidate groups", spec.candidate_groups_expression),
            ("candidate users", spec.candidate_users_expression),
            ("assignee", spec.assignee_expression),
            ("due date", spec.due_expression),
            ("follow-up date", spec.follow_up_expression),
            ("priority", spec.priority_expression),
        ):
            if expr:
                errors.extend(_check_expression(name, node, expr, label))
    elif tag == "startEvent":
        props = metadata.spiff_properties(node)
        for label, key in (("form", "formJsonSchemaFilename"), ("ui form", "formUiSchemaFilename")):
            filename = props.get(key)
            if filename and filename not in forms:
                errors.append(_err(name, node, f"start {label} file {filename!r} is not in the package"))
    elif tag == "businessRuleTask":
        ref = _spiff_extension_text(node, "calledDecisionId") or metadata.camunda_attr(node, "decisionRef")
        if not ref:
            errors.append(
                _err(name, node, "business rule task names no decision (spiffworkflow:calledDecisionId)")
            )
        elif ref not in decisions:
            errors.append(_err(name, node, f"decision {ref!r} is not in any DMN file of the package"))
    elif tag == "scriptTask":
        fmt = (node.get("scriptFormat") or "").strip().lower()
        if fmt not in _PYTHON_FORMATS:
            errors.append(
                _err(name, node, f"{fmt} scripts are not supported; rewrite in Python (scriptFormat python)")
            )
        elif metadata.camunda_attr(node, "resource"):
            errors.append(_err(name, node, "external script resources are not supported; inline the Python"))
        else:
            script = next((c.text for c in node if _localname(c) == "script"), None)
            if script and script.strip():
                errors.extend(_check_script(name, node, script, "script"))
    elif tag in ("conditionExpression", "completionCondition", "loopCardinality"):
        owner = _owner(node)
        lang = (node.get("language") or "").lower()
        if lang and lang not in _PYTHON_FORMATS:
            errors.append(
                _err(name, owner, f"{lang} expressions are not supported; write a Python expression")
            )
        elif node.text and node.text.strip():
            errors.extend(
                replace(e, line=node.sourceline)
                for e in _check_expression(name, owner, node.text.strip(), "condition")
            )
        elif tag == "conditionExpression":
            errors.append(_err(name, owner, "condition expression is empty"))
    elif tag in ("timeDuration", "timeDate", "timeCycle") and events.is_scheduled_start(node):
        errors.extend(
            replace(e, line=node.sourceline) for e in events.check_scheduled_start(name, _owner(node), node)
        )
    elif tag in ("timeDuration", "timeDate", "timeCycle"):
        errors.extend(
            replace(e, line=node.sourceline)
            for e in _check_timer(name, _owner(node), tag, (node.text or "").strip())
        )
    elif tag == "timerEventDefinition":
        if not any(_localname(c) in ("timeDuration", "timeDate", "timeCycle") for c in node):
            errors.append(
                _err(name, _owner(node), 'timer has no duration, date or cycle; set one, e.g. duration "P7D"')
            )
    elif tag == "serviceTask":
        errors.extend(_check_service_shape(name, node))
    elif tag == "complexGateway":
        errors.append(
            _err(name, node, "complex gateways are not supported; use exclusive/inclusive/parallel gateways")
        )
    elif tag == "compensateEventDefinition":
        errors.append(
            _err(
                name,
                _owner(node),
                "compensation events are not supported; model the undo step with an error boundary event",
            )
        )
    if tag in ("scriptTask", "userTask", "serviceTask", "task", "manualTask", "businessRuleTask",
               "callActivity", "subProcess", "sendTask", "receiveTask"):  # fmt: skip
        for ext in ("preScript", "postScript"):
            text = _spiff_extension_text(node, ext)
            if text and text.strip():
                errors.extend(_check_script(name, node, text, ext))
        if any(node.iter(f"{{{CAMUNDA_NS}}}executionListener", f"{{{CAMUNDA_NS}}}taskListener")):
            errors.append(
                _err(
                    name,
                    node,
                    "camunda listeners are not supported; use a script task or spiff pre/post script",
                )
            )
        for attr in ("class", "delegateExpression", "expression"):
            if metadata.camunda_attr(node, attr):
                errors.append(
                    _err(
                        name,
                        node,
                        f"camunda:{attr} (Java/JUEL implementation) is not supported; use a spiffworkflow "
                        "service task operator or a Python script task",
                    )
                )
    return errors


def _spiff_extension_text(node: etree._Element, ext: str) -> str | None:
    found = node.xpath(
        f"./*[local-name()='extensionElements']/*[local-name()='{ext}' and namespace-uri()='{SPIFF_NS}']"
    )
    return found[0].text if found else None


def _is_juel(expr: str) -> bool:
    return bool(_JUEL.search(expr)) or (expr.startswith("=") and not expr.startswith("=="))


def _check_expression(name: str, node: etree._Element, expr: str, label: str) -> list[DeployError]:
    if _is_juel(expr):  # what workflows.juel could translate is Python by now
        return [_err(name, node, juel.refusal(label, expr))]
    problems = check_source(expr, "eval")
    return [_err(name, node, f"{label} {expr!r}: {p}") for p in problems]


def _check_script(name: str, node: etree._Element, script: str, label: str) -> list[DeployError]:
    problems = check_source(script, "exec")
    return [_err(name, node, f"{label}: {p}") for p in problems]


_TIMER_PARSERS = {
    "timeDuration": TimerEventDefinition.parse_iso_duration,
    "timeDate": TimerEventDefinition.parse_time_or_duration,
    "timeCycle": TimerEventDefinition.parse_iso_recurring_interval,
}
_TIMER_HINTS = {
    "timeDuration": 'duration like "PT1H"',
    "timeDate": 'date-time like "2030-01-31T12:00:00Z"',
    "timeCycle": 'repeat like "R3/PT1H"',
}
_ISO_LIKE = re.compile(r"^(R\d*/)?P[0-9TYMWDHS.,]+$|^\d{4}-\d{2}-\d{2}", re.IGNORECASE)
_CRON = re.compile(r"^\S+(\s+\S+){4,6}$")


def _check_timer(name: str, node: etree._Element, kind: str, expr: str) -> list[DeployError]:
    """Timer expressions are Python (trap 1): `"PT1H"` with quotes; constants must be valid ISO 8601."""
    if not expr:
        return [_err(name, node, f"timer {kind} is empty")]
    if _JUEL.search(expr):
        return [_err(name, node, juel.refusal("timer expression", expr) + ', or a string like "PT1H"')]
    if kind == "timeCycle" and _CRON.match(expr.strip("\"'")):
        return [
            _err(
                name,
                node,
                f'cron timer cycle {expr!r} is not supported; write an ISO 8601 repeat like "R3/PT1H"',
            )
        ]
    if _ISO_LIKE.match(expr):
        return [_err(name, node, f'timer expression {expr} is not quoted; write "{expr}"')]
    problems = check_source(expr, "eval")
    if problems:
        return [_err(name, node, f"timer expression {expr!r}: {p}") for p in problems]
    try:
        value = ast.literal_eval(expr)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return []  # refers to variables: syntax-checked only
    if not isinstance(value, str):
        return [_err(name, node, f"timer expression {expr} must evaluate to an ISO 8601 string")]
    try:
        _TIMER_PARSERS[kind](value)
    except Exception as exc:  # the library raises bare Exception/ValueError for bad values
        what = _TIMER_HINTS[kind]
        return [_err(name, node, f"timer value {value!r} is not a valid ISO 8601 {what} ({exc})")]
    return []


def _check_dmn(name: str, root: etree._Element) -> list[DeployError]:
    errors: list[DeployError] = []
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        tag = _localname(node)
        if tag == "decisionTable":
            errors.extend(_err(name, _owner(at), message) for at, message in dmn.table_errors(node))
        elif tag in ("inputExpression", "outputEntry"):
            text_node = next((c for c in node if _localname(c) == "text"), None)
            text = (text_node.text or "").strip() if text_node is not None else ""
            if text and text != "-":
                errors.extend(_check_expression(name, _owner(node), text, "DMN expression"))
        elif tag == "inputEntry":
            text_node = next((c for c in node if _localname(c) == "text"), None)
            text = (text_node.text or "").strip() if text_node is not None else ""
            if text and text != "-":
                # Cells may be partial ("> 5", "? < 3"); check for the dangerous parts only.
                probe = text.replace("?", "x")
                problems = check_source(probe, "eval")
                if problems:
                    problems = check_source(f"x {probe}", "eval")
                if problems:
                    errors.extend(_err(name, _owner(node), f"DMN cell {text!r}: {p}") for p in problems)
    return errors


# ---------------------------------------------------------------------------- service tasks
#
# Step 3 refuses what SpiffWorkflow cannot read as a service task at all (it would fail with a
# bare KeyError). What a task asks of the services themselves is checked by
# `check_service_calls`, which only a deploy runs: packages deployed before these checks, or
# before a service was withdrawn, must still load; their task fails when a case reaches it.


def _service_operators(node: etree._Element) -> list[etree._Element]:
    return node.xpath(
        "./*[local-name()='extensionElements']/*[local-name()='serviceTaskOperator' and namespace-uri()=$ns]",
        ns=SPIFF_NS,
    )


def _service_parameters(operator: etree._Element) -> list[etree._Element]:
    # SpiffWorkflow reads every spiffworkflow:parameter below the operator, at any depth.
    return operator.xpath(".//*[local-name()='parameter' and namespace-uri()=$ns]", ns=SPIFF_NS)


_NO_OPERATOR = (
    "服务任务没有指定服务：请在属性面板的 Lexflow 分组中选择服务 / "
    "the service task names no service (spiffworkflow:serviceTaskOperator id); choose one in the "
    "properties panel"
)


def _check_service_shape(name: str, node: etree._Element) -> list[DeployError]:
    operators = _service_operators(node)
    if not operators:
        return [_err(name, node, _NO_OPERATOR)]
    if len(operators) > 1:
        return [
            _err(
                name,
                node,
                f"服务任务有 {len(operators)} 个 serviceTaskOperator，只能保留一个 / the service task has "
                f"{len(operators)} serviceTaskOperator elements; keep one",
                line=operators[1].sourceline,
            )
        ]
    operator = operators[0]
    if operator.get("id") is None:
        return [_err(name, node, _NO_OPERATOR, line=operator.sourceline)]
    errors = []
    if not operator.xpath("./*[local-name()='parameters' and namespace-uri()=$ns]", ns=SPIFF_NS):
        # The XSD says so too, but without saying which task.
        errors.append(
            _err(
                name,
                node,
                "serviceTaskOperator 缺少 spiffworkflow:parameters 元素（没有参数时可为空）/ "
                "the serviceTaskOperator has no spiffworkflow:parameters element (it may be empty)",
                line=operator.sourceline,
            )
        )
    for parameter in _service_parameters(operator):
        if parameter.get("value") is None:
            continue  # SpiffWorkflow skips it; a deploy refuses it (check_service_calls)
        if not parameter.get("id"):
            errors.append(
                _err(
                    name,
                    node,
                    "服务参数缺少名称（id）/ a service parameter has no name (id)",
                    line=parameter.sourceline,
                )
            )
        elif parameter.get("type") is None:
            pid = parameter.get("id")
            errors.append(
                _err(
                    name,
                    node,
                    f'服务参数 {pid} 缺少类型（type），例如 type="any" / '
                    f'service parameter {pid} has no type attribute, e.g. type="any"',
                    line=parameter.sourceline,
                )
            )
    return errors


def check_service_calls(
    files: Mapping[str, bytes], services: Mapping[str, ServiceParams | None]
) -> list[DeployError]:
    """What a deploy refuses in the service tasks of `files`, given the services that exist.

    `services` maps every service name this server answers to the parameters it reads (None:
    not declared, so only the name is checked). Each error is located on the service task,
    at the line of the operator or of the parameter concerned. Files that do not parse, and
    tasks step 3 already refuses, are left to the rest of the deploy to report.
    """
    errors: list[DeployError] = []
    for name, tree in read_files(files).bpmn.items():
        for process in tree.getroot().iter(f"{{{BPMN_NS}}}process"):
            if process.get("isExecutable") != "true":
                continue
            for node in process.iter(f"{{{BPMN_NS}}}serviceTask"):
                operators = _service_operators(node)
                if len(operators) == 1 and operators[0].get("id") is not None:
                    errors.extend(_check_service_call(name, node, operators[0], services))
    return errors


def _check_service_call(
    name: str,
    node: etree._Element,
    operator: etree._Element,
    services: Mapping[str, ServiceParams | None],
) -> list[DeployError]:
    errors: list[DeployError] = []
    service = (operator.get("id") or "").strip()
    if not service:
        return [_err(name, node, _NO_OPERATOR, line=operator.sourceline)]
    declared: ServiceParams | None = None
    if service not in services:
        errors.append(_err(name, node, _unknown_service(service, services), line=operator.sourceline))
    else:
        declared = services[service]
    seen: set[str] = set()
    for parameter in _service_parameters(operator):
        pid = parameter.get("id") or ""
        at = parameter.sourceline
        if not pid:
            if parameter.get("value") is None:  # with a value, step 3 has reported it
                errors.append(
                    _err(name, node, "服务参数缺少名称（id）/ a service parameter has no name (id)", line=at)
                )
            continue
        if pid in seen:
            errors.append(
                _err(
                    name,
                    node,
                    f"参数 {pid} 重复出现，只会使用最后一个 / parameter {pid} is given more than once; "
                    "only the last would be used",
                    line=at,
                )
            )
        seen.add(pid)
        errors.extend(_check_parameter_value(name, node, parameter, pid))
        if declared is not None and pid not in (*declared.required, *declared.optional):
            errors.append(_err(name, node, _unknown_parameter(service, pid, declared), line=at))
    if declared is not None:
        for missing in (p for p in declared.required if p not in seen):
            errors.append(
                _err(
                    name,
                    node,
                    f"缺少服务 {service} 的必填参数 {missing} / service {service} needs parameter {missing}",
                    line=operator.sourceline,
                )
            )
    return errors


def _check_parameter_value(
    name: str, node: etree._Element, parameter: etree._Element, pid: str
) -> list[DeployError]:
    value = (parameter.get("value") or "").strip()
    at = parameter.sourceline
    if not value:
        return [
            _err(
                name,
                node,
                f"参数 {pid} 没有值：请填写 Python 表达式，例如 {pid} / "
                f"parameter {pid} has no value; write a Python expression, e.g. {pid}",
                line=at,
            )
        ]
    if _is_juel(value):
        problems: tuple[str, ...] = ("JUEL/FEEL is not supported, write Python",)
    else:
        problems = check_source(value, "eval")
    return [
        _err(
            name,
            node,
            f"参数 {pid} 的值不是有效的 Python 表达式 / parameter {pid}: {value!r} is not a valid Python "
            f"expression ({problem})",
            line=at,
        )
        for problem in problems
    ]


def _did_you_mean(word: str, choices: Iterable[str]) -> tuple[str, str]:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return (f"，是否应为 {close[0]}？", f"; did you mean {close[0]}?") if close else ("", "")


def _unknown_service(service: str, services: Mapping[str, ServiceParams | None]) -> str:
    zh_hint, en_hint = _did_you_mean(service, services)
    if not zh_hint:
        known = ", ".join(sorted(services)) or "—"
        zh_hint, en_hint = f"（可用：{known}）", f" (known: {known})"
    return (
        f"此服务器没有服务 {service!r}{zh_hint} / service {service!r} is not registered on this server"
        f"{en_hint}"
    )


def _unknown_parameter(service: str, pid: str, declared: ServiceParams) -> str:
    known = (*declared.required, *declared.optional)
    zh_hint, en_hint = _did_you_mean(pid, known)
    listed = ", ".join(known) or "—"
    return (
        f"服务 {service} 不读取参数 {pid}（它读取：{listed}）{zh_hint} / "
        f"service {service} does not read parameter {pid} (it reads: {listed}){en_hint}"
    )


# ---------------------------------------------------------------------------- form fields


def check_form_fields(pkg: CheckedPackage, files: Mapping[str, bytes]) -> None:
    """A form may only let through the fields it declares (`workflows.fields`): refuse one whose
    shape would let others in, at the line of the property concerned."""
    named = {
        str(value)
        for tree in pkg.bpmn.values()
        for value in tree.getroot().xpath(
            "//*[local-name()='property' and @name='formJsonSchemaFilename']/@value"
        )
    }
    forms = named | {n for n in pkg.forms if n.endswith(".schema.json") and not n.endswith(".uischema.json")}
    for name in sorted(forms):
        schema = pkg.forms.get(name)
        if name in pkg.failed or not isinstance(schema, dict):
            continue
        leaks = fields.form_leaks(schema)
        if not leaks:
            continue
        lines = fields.json_lines(files[name].decode("utf-8"))
        pkg.add(
            DeployError(name, fields.line_of(lines, leak.pointer), None, None, leak.message) for leak in leaks
        )
    for name, tree in sorted(pkg.bpmn.items()):
        if name not in pkg.failed:
            pkg.add(_undeclared_opinion_fields(name, tree.getroot(), pkg.forms))


def _undeclared_opinion_fields(
    name: str, root: etree._Element, forms: Mapping[str, Any]
) -> list[DeployError]:
    """A task's `opinionField` is written with its completion, so its form must declare it like
    any other field: refused here rather than with a 400 to the one completing the task."""
    errors = []
    for prop in root.xpath(
        "//*[local-name()='userTask']/*[local-name()='extensionElements']/*[local-name()='properties']"
        "/*[local-name()='property' and @name='opinionField']"
    ):
        node = prop.getparent().getparent().getparent()
        opinion_field = (metadata.spiff_properties(node).get("opinionField") or "").strip()
        if not opinion_field or not opinion_field.isidentifier():
            continue  # none, or refused by check_structure
        form = metadata.task_property(node, "formJsonSchemaFilename")
        schema = forms.get(form) if form else None
        if not isinstance(schema, dict) or fields.undeclared_fields(schema, {opinion_field: ""}):
            where_zh, where_en = (
                (f"表单 {form} 未声明该字段", f"its form {form} does not declare it")
                if form
                else ("该任务没有表单", "the task has no form to declare it")
            )
            errors.append(
                _err(
                    name,
                    node,
                    f"审批意见字段 {opinion_field} 在办结时写入案件数据，但{where_zh} / opinionField "
                    f"{opinion_field!r} is copied into the case data on completion, but {where_en}; "
                    "declare it under the form's properties",
                    prop.sourceline,
                )
            )
    return errors


# ---------------------------------------------------------------------------- expression sites
#
# Every place the engine evaluates something a designer wrote, in one list: what the sandbox
# rules are checked against at deploy (`check_sandbox_rules`) and what its tests walk through.


@dataclass(frozen=True)
class ExpressionSite:
    """One script or expression of a package, located for a designer."""

    file: str
    node: etree._Element  # the element it belongs to (a task, a flow, a DMN rule)
    line: int | None  # the line of the expression itself
    source: str
    mode: str  # "exec" for scripts, "eval" for expressions
    label: str  # what it is, as a designer calls it: "script", "condition", "DMN cell"...


_EXPRESSION_TAGS = {
    "conditionExpression": "condition",
    "completionCondition": "completion condition",
    "loopCardinality": "loop cardinality",
    "timeDuration": "timer",
    "timeDate": "timer",
    "timeCycle": "timer",
    "condition": "conditional event",
    "messagePath": "message correlation",
    "formalExpression": "message correlation",
}
_SPIFF_SCRIPTS = {"preScript": "pre-script", "postScript": "post-script"}
_SPIFF_EXPRESSIONS = {"messagePayload": "message payload"}


def _text_site(name: str, node: etree._Element, owner: etree._Element, mode: str, label: str):
    text = (node.text or "").strip() if mode == "eval" else (node.text or "")
    if text.strip():
        yield ExpressionSite(name, owner, node.sourceline, text, mode, label)


def expression_sites(pkg: CheckedPackage) -> Iterable[ExpressionSite]:
    """Every script, condition, timer, queue expression, service parameter and DMN entry of a package."""
    for name, tree in pkg.bpmn.items():
        for node in tree.getroot().iter():
            if not isinstance(node.tag, str):
                continue
            tag, ns = _localname(node), etree.QName(node).namespace
            if ns == BPMN_NS and tag == "script":
                yield from _text_site(name, node, _owner(node), "exec", "script")
            elif ns == BPMN_NS and tag in _EXPRESSION_TAGS:
                parent = node.getparent()
                if (
                    tag == "formalExpression"
                    and _localname(parent) != "correlationPropertyRetrievalExpression"
                ):
                    continue
                yield from _text_site(name, node, _owner(node), "eval", _EXPRESSION_TAGS[tag])
            elif ns == SPIFF_NS and tag in _SPIFF_SCRIPTS:
                yield from _text_site(name, node, _owner(node), "exec", _SPIFF_SCRIPTS[tag])
            elif ns == SPIFF_NS and tag in _SPIFF_EXPRESSIONS:
                yield from _text_site(name, node, _owner(node), "eval", _SPIFF_EXPRESSIONS[tag])
            elif ns == SPIFF_NS and tag == "parameter" and (node.get("value") or "").strip():
                # The parameter has an id of its own; the designer looks for the service task.
                task = next((a for a in node.iterancestors() if etree.QName(a).namespace == BPMN_NS), node)
                value = node.get("value").strip()
                yield ExpressionSite(name, _owner(task), node.sourceline, value, "eval", "service parameter")
            elif ns == BPMN_NS and tag in metadata.HUMAN_TAGS:
                spec = metadata.human_task_spec(node, None)
                for label, expr in (
                    ("assignee", spec.assignee_expression),
                    ("due date", spec.due_expression),
                    ("follow-up date", spec.follow_up_expression),
                    ("priority", spec.priority_expression),
                ):
                    if expr and expr.strip():
                        yield ExpressionSite(name, node, node.sourceline, expr.strip(), "eval", label)
    for name, tree in pkg.dmn.items():
        for node in tree.getroot().iter():
            if not isinstance(node.tag, str):
                continue
            tag = _localname(node)
            if tag not in ("inputExpression", "inputEntry", "outputEntry"):
                continue
            text_node = next((c for c in node if _localname(c) == "text"), None)
            text = (text_node.text or "").strip() if text_node is not None else ""
            if text and text != "-":
                line = text_node.sourceline if text_node is not None else node.sourceline
                label = "DMN cell" if tag == "inputEntry" else "DMN expression"
                yield ExpressionSite(name, _owner(node), line, text, "eval", label)


MAX_DMN_CELL_CHARS = 2000  # SpiffWorkflow rewrites each `?` of a cell with a regex, quadratic in its length


def _strict_problems(site: ExpressionSite) -> tuple[str, ...]:
    """What only a deploy refuses in one source (see restricted.BASE_EXCEPTION_NAMES)."""
    sources = [site.source]
    if site.label == "DMN cell":
        # Cells may be partial ("> 5", "? < 3"): check the readings SpiffWorkflow may use.
        probe = site.source.replace("?", "x")
        sources = [probe, f"x {probe}"]
    for source in sources:
        lenient = check_source(source, site.mode)
        if lenient and lenient[0].startswith("syntax error") and source is not sources[-1]:
            continue
        strict = check_source(source, site.mode, strict=True)
        return tuple(p for p in strict if p not in lenient)
    return ()


def check_sandbox_rules(files: Mapping[str, bytes]) -> list[DeployError]:
    """What a new deploy refuses in scripts and expressions beyond what makes a package load.

    Ways to raise what is not an ordinary error (`BaseException`, `SystemExit`, `.mro()`),
    literal sizes the run time would refuse (`'a' * 10**10`, `(10**1000)**10000`,
    `f'{x:{10**10}}'`), DMN cells too long to evaluate, and forms that would reach outside
    the package or need a backtracking regex engine (`check_form_schemas`). Packages deployed before these
    rules keep loading; such a script then fails when a case reaches it, as an ordinary error.
    """
    pkg = read_files(files)
    errors = check_form_schemas(pkg, files)
    for site in expression_sites(pkg):
        if site.label == "DMN cell" and len(site.source) > MAX_DMN_CELL_CHARS:
            errors.append(
                _err(
                    site.file,
                    site.node,
                    f"DMN cell is longer than {MAX_DMN_CELL_CHARS} characters",
                    site.line,
                )
            )
            continue
        for problem in _strict_problems(site):
            errors.append(_err(site.file, site.node, f"{site.label}: {problem}", site.line))
    return errors


# ---------------------------------------------------------------------------- form schemas
#
# A form is checked offline (server/processes/services/forms.py): its references resolve only
# within the package's forms, its patterns run on RE2. What would need more is refused here.

_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_VALUES = (
    "additionalProperties", "additionalItems", "items", "contains", "not", "if", "then", "else",
    "propertyNames", "unevaluatedItems", "unevaluatedProperties", "contentSchema",
)  # fmt: skip
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems", "items")
_REF_KEYWORDS = ("$ref", "$dynamicRef", "$recursiveRef")


def _subschemas(schema: dict[str, Any], path: str) -> Iterable[tuple[str, Any]]:
    for keyword in _SCHEMA_MAPS:
        value = schema.get(keyword)
        if isinstance(value, dict):
            for name, sub in value.items():
                yield f"{path}/{keyword}/{name}", sub
    dependencies = schema.get("dependencies")
    if isinstance(dependencies, dict):
        for name, sub in dependencies.items():
            if isinstance(sub, dict):
                yield f"{path}/dependencies/{name}", sub
    for keyword in _SCHEMA_VALUES:
        if isinstance(schema.get(keyword), dict):
            yield f"{path}/{keyword}", schema[keyword]
    for keyword in _SCHEMA_LISTS:
        if isinstance(schema.get(keyword), list):
            for index, sub in enumerate(schema[keyword]):
                yield f"{path}/{keyword}/{index}", sub


def _schema_nodes(schema: Any) -> Iterable[tuple[str, dict[str, Any]]]:
    """Every (sub)schema of a form with its JSON pointer; data keywords (enum, const) are not walked."""
    stack: list[tuple[str, Any]] = [("", schema)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            yield path or "/", node
            stack.extend(reversed(list(_subschemas(node, path))))


def _ref_problem(ref: Any, forms: Mapping[str, Any]) -> str | None:
    if not isinstance(ref, str):
        return "must be a string"
    if ref.startswith("#"):
        return None
    parts = urlsplit(ref)
    if parts.scheme or parts.netloc or ref.startswith("/"):
        return (
            f"refers to {ref!r}, outside the package; Lexflow never fetches schemas from the network "
            "or the disk: copy what it needs into $defs, or into a form file of the package"
        )
    if parts.path not in forms:
        return f"refers to {parts.path!r}, which is not a form file of this package"
    return None


def _line_of(text: str, *needles: str) -> int | None:
    for needle in needles:
        at = text.find(needle)
        if at >= 0:
            return text.count("\n", 0, at) + 1
    return None


def check_form_schemas(pkg: CheckedPackage, files: Mapping[str, bytes]) -> list[DeployError]:
    """Forms whose references leave the package or whose patterns RE2 cannot match, located."""
    errors: list[DeployError] = []
    for name, schema in sorted(pkg.forms.items()):
        if name.lower().endswith(".uischema.json") or not isinstance(schema, dict):
            continue
        text = files[name].decode("utf-8", "replace")
        keywords: set[str] = set()

        def refuse(path: str, message: str, *needles: str, name: str = name, text: str = text) -> None:
            errors.append(DeployError(name, _line_of(text, *needles), None, "form", f"{path}: {message}"))

        for path, node in _schema_nodes(schema):
            keywords.update(node)
            for keyword in _REF_KEYWORDS:
                if keyword in node and (problem := _ref_problem(node[keyword], pkg.forms)):
                    refuse(f"{path} {keyword}", problem, json.dumps(node[keyword]), keyword)
            for keyword in ("$id", "id"):
                value = node.get(keyword)
                if keyword == "id" and (not isinstance(value, str) or path != "/"):
                    continue  # "id" is a plain property name in most schemas
                if value is not None and not (isinstance(value, str) and value.startswith("#")):
                    refuse(
                        f"{path} {keyword}",
                        f"{keyword} {value!r} would resolve references elsewhere; a form is named by its "
                        "file, remove it",
                        json.dumps(value),
                    )
            if "pattern" in node and (problem := pattern_problem(node["pattern"])):
                refuse(f"{path} pattern", problem, json.dumps(node["pattern"]))
            patterns = node.get("patternProperties")
            for pattern in patterns if isinstance(patterns, dict) else ():
                if problem := pattern_problem(pattern):
                    refuse(f"{path} patternProperties", problem, json.dumps(pattern))
        if {"unevaluatedProperties", "patternProperties"} <= keywords:
            refuse(
                "/",
                "unevaluatedProperties cannot be used together with patternProperties in Lexflow forms; "
                "use additionalProperties",
                '"unevaluatedProperties"',
            )
    return errors
