"""Human-task metadata SpiffWorkflow does not parse: candidate groups, due/follow-up dates, priority, forms.

Read from spiff extension properties (`task_spec.extensions["properties"]`) or, for files
drawn in the Camunda modeler, from `camunda:` attributes on the XML element.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping

from lxml import etree

from workflows.api import FlowAnnotation, HumanTaskSpec

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
FLOWABLE_NS = "http://flowable.org/bpmn"
ACTIVITI_NS = "http://activiti.org/bpmn"  # also Camunda 7's older files
VENDOR_NAMESPACES = (CAMUNDA_NS, FLOWABLE_NS, ACTIVITI_NS)
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
# What `workflows.juel` writes on a parsed tree (never in a file): candidate groups and users
# that are expressions, and the deploy's default group for a task with neither lane nor group.
TRANSLATED_NS = "urn:lexflow:translated"

# SpiffWorkflow waits for a person at these (a plain `task` is a manual NoneTask).
HUMAN_TAGS = ("userTask", "manualTask", "task")

# property name -> camunda attribute name
_PROPERTY_ATTRS = {
    "candidateGroups": "candidateGroups",
    "candidateUsers": "candidateUsers",
    "assignee": "assignee",
    "dueDate": "dueDate",
    "followUpDate": "followUpDate",
    "priority": "priority",
    "formJsonSchemaFilename": "formKey",
    "formUiSchemaFilename": None,
}


def camunda_attr(node: etree._Element, name: str) -> str | None:
    """An attribute as Camunda, Flowable or Activiti write it (`camunda:assignee`, `flowable:assignee`)."""
    for namespace in VENDOR_NAMESPACES:
        value = node.get(f"{{{namespace}}}{name}")
        if value and value.strip():
            return value.strip()
    return None


def translated_attr(node: etree._Element, name: str) -> str | None:
    value = node.get(f"{{{TRANSLATED_NS}}}{name}")
    return value.strip() if value and value.strip() else None


def _names(raw: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (raw or "").split(",") if part.strip())


def spiff_properties(node: etree._Element) -> dict[str, str]:
    """spiffworkflow:property name/value pairs of an element, read from the XML."""
    props: dict[str, str] = {}
    for prop in node.xpath(
        "./*[local-name()='extensionElements']/*[local-name()='properties']/*[local-name()='property']"
    ):
        name = prop.get("name")
        if name:
            props[name] = prop.get("value", "")
    return props


def task_property(node: etree._Element, name: str) -> str | None:
    """A spiff property, falling back to the matching camunda attribute."""
    value = spiff_properties(node).get(name)
    if value is not None and value.strip():
        return value.strip()
    attr = _PROPERTY_ATTRS.get(name)
    if attr is None:
        return None
    value = camunda_attr(node, attr)
    if name == "formJsonSchemaFilename" and value is not None and not value.endswith(".schema.json"):
        return None  # an embedded/deployed camunda form key, not one of our files
    return value


def lane_of(node: etree._Element) -> str | None:
    """Name of the lane listing this node, or the embedded subprocess that contains it."""
    ids: list[str] = []
    current: etree._Element | None = node
    while current is not None and etree.QName(current).localname != "process":
        if current.get("id"):
            ids.append(current.get("id"))
        current = current.getparent()
    if current is None:
        return None
    lanes: dict[str, str] = {}
    for lane in current.iter(f"{{{BPMN_NS}}}lane"):
        for ref in lane.findall(f"{{{BPMN_NS}}}flowNodeRef"):
            lanes.setdefault((ref.text or "").strip(), lane.get("name") or lane.get("id") or "")
    for node_id in ids:
        if lanes.get(node_id):
            return lanes[node_id]
    return None


def _flag(value: str | None) -> bool | None:
    """A yes/no property: "true"/"false" (also yes/no, 1/0); None when absent or unreadable."""
    text = (value or "").strip().lower()
    if text in ("true", "yes", "1"):
        return True
    if text in ("false", "no", "0"):
        return False
    return None


def task_actions(node: etree._Element) -> tuple[str, ...] | None:
    """The `actions` property as written: a comma-separated list ("none" or empty: no operations)."""
    props = spiff_properties(node)
    if "actions" not in props:
        return None
    names = [name.strip() for name in props["actions"].split(",") if name.strip()]
    return tuple(name for name in names if name.lower() != "none")


def human_task_spec(node: etree._Element, lane: str | None) -> HumanTaskSpec:
    groups = _names(task_property(node, "candidateGroups"))
    groups_expression = translated_attr(node, "candidateGroupsExpression")
    if not groups and not groups_expression:
        default = translated_attr(node, "defaultGroup")
        groups = (lane,) if lane else ((default,) if default else ())
    props = spiff_properties(node)
    return HumanTaskSpec(
        bpmn_id=node.get("id", ""),
        name=node.get("name") or node.get("id", ""),
        lane=lane,
        candidate_groups=groups,
        candidate_groups_expression=groups_expression,
        candidate_users=_names(task_property(node, "candidateUsers")),
        candidate_users_expression=translated_attr(node, "candidateUsersExpression"),
        assignee_expression=task_property(node, "assignee"),
        due_expression=task_property(node, "dueDate"),
        follow_up_expression=task_property(node, "followUpDate"),
        priority_expression=task_property(node, "priority"),
        form=task_property(node, "formJsonSchemaFilename"),
        ui_form=task_property(node, "formUiSchemaFilename"),
        actions=task_actions(node),
        opinion_required=bool(_flag(props.get("opinionRequired"))),
        opinion_field=(props.get("opinionField") or "").strip() or None,
    )


def flow_annotation(node: etree._Element) -> FlowAnnotation | None:
    """Stage and milestone properties of a flow node, or None when it has neither."""
    props = spiff_properties(node)
    stage = (props.get("stage") or "").strip() or None
    milestone = (props.get("milestone") or "").strip() or None
    recorded = tuple(name.strip() for name in (props.get("milestoneData") or "").split(",") if name.strip())
    document = (props.get("document") or "").strip() or None
    withdrawable = _flag(props.get("withdrawable"))
    if stage is None and milestone is None and document is None and withdrawable is None:
        return None
    return FlowAnnotation(
        stage=stage,
        milestone=milestone,
        milestone_data=recorded,
        document=document,
        withdrawable=withdrawable,
    )


def process_withdrawal(process: etree._Element) -> tuple[bool, tuple[str, ...]]:
    """The process's `withdrawable` flag and its `withdrawableUntil` node ids."""
    props = spiff_properties(process)
    until = tuple(name.strip() for name in (props.get("withdrawableUntil") or "").split(",") if name.strip())
    return bool(_flag(props.get("withdrawable"))), until


# ---------------------------------------------------------------------------------------------
# Which named deadlines a diagram's moments come from (so a suspension can move them)

DEADLINE_FUNCTIONS = ("deadline", "warn_at")


def _deadline_call_key(node: ast.AST) -> str | None:
    """ "k" of `deadline("k", ...)` or `warn_at("k", ...)`, else None."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in DEADLINE_FUNCTIONS
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return node.args[0].value
    return None


def _parse(source: str, mode: str) -> ast.AST | None:
    try:
        return ast.parse(source.strip(), mode=mode)
    except (SyntaxError, ValueError):
        return None


def expression_deadlines(expression: str | None, variables: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Deadline keys an expression's value derives from: direct calls, or variables that hold one."""
    tree = _parse(expression or "", "eval")
    if tree is None:
        return ()
    keys: dict[str, None] = {}
    for node in ast.walk(tree):
        if (key := _deadline_call_key(node)) is not None:
            keys[key] = None
        elif isinstance(node, ast.Name) and node.id in variables:
            keys.update(dict.fromkeys(variables[node.id]))
    return tuple(keys)


def script_deadline_variables(scripts: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """`x = deadline("k", ...)` / `x = warn_at("k", ...)` in any script: x -> ("k",)."""
    found: dict[str, dict[str, None]] = {}
    for script in scripts:
        tree = _parse(script, "exec")
        if tree is None:
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Assign):
                continue
            keys = [key for sub in ast.walk(node.value) if (key := _deadline_call_key(sub)) is not None]
            if not keys:
                continue
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, {}).update(dict.fromkeys(keys))
    return {name: tuple(keys) for name, keys in found.items()}


def scripts_of(process: etree._Element) -> list[str]:
    """Every script of a process: script tasks and spiff pre/post scripts."""
    scripts = [
        node.text or ""
        for node in process.iter()
        if isinstance(node.tag, str) and etree.QName(node).localname in ("script", "preScript", "postScript")
    ]
    return [script for script in scripts if script.strip()]


def timer_expressions(process: etree._Element) -> dict[str, str]:
    """bpmn id of each timer event -> its date, duration or cycle expression."""
    kinds = ("timeDate", "timeDuration", "timeCycle")
    found: dict[str, str] = {}
    for definition in process.iter(f"{{{BPMN_NS}}}timerEventDefinition"):
        owner = definition.getparent()
        if owner is None or not owner.get("id"):
            continue
        for child in definition:
            text = (child.text or "").strip() if isinstance(child.tag, str) else ""
            if text and etree.QName(child).localname in kinds:
                found[owner.get("id")] = text
    return found
