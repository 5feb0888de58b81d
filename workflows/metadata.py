"""Human-task metadata SpiffWorkflow does not parse: candidate groups, due/follow-up dates, priority, forms.

Read from spiff extension properties (`task_spec.extensions["properties"]`) or, for files
drawn in the Camunda modeler, from `camunda:` attributes on the XML element.
"""

from __future__ import annotations

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


def human_task_spec(node: etree._Element, lane: str | None) -> HumanTaskSpec:
    groups = _names(task_property(node, "candidateGroups"))
    groups_expression = translated_attr(node, "candidateGroupsExpression")
    if not groups and not groups_expression:
        default = translated_attr(node, "defaultGroup")
        groups = (lane,) if lane else ((default,) if default else ())
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
    )


def flow_annotation(node: etree._Element) -> FlowAnnotation | None:
    """Stage and milestone properties of a flow node, or None when it has neither."""
    props = spiff_properties(node)
    stage = (props.get("stage") or "").strip() or None
    milestone = (props.get("milestone") or "").strip() or None
    recorded = tuple(name.strip() for name in (props.get("milestoneData") or "").split(",") if name.strip())
    document = (props.get("document") or "").strip() or None
    if stage is None and milestone is None and document is None:
        return None
    return FlowAnnotation(stage=stage, milestone=milestone, milestone_data=recorded, document=document)
