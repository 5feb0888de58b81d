"""What changed between two versions of a process package, element by element.

A designer about to deploy version n+1 (or a reviewer reading what was deployed) wants the
changes that alter behaviour, not a text diff of the XML: which steps were added or
removed, and for each step kept, which of the parts Lexflow acts on differ — its name and
type, who gets it (lane, candidate groups, assignee), its form, due and follow-up dates and
priority, the spiff properties (stage, milestone, document, ...), timers, scripts,
conditions, decision references, service operators and called processes. Diagram layout
(`bpmndi`) is not behaviour: a moved shape only shows up in `files_changed`.

Elements are matched by process id and element id, as the modeler keeps ids stable.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from lxml import etree

from workflows import metadata
from workflows.api import ElementChange, ElementRef, PackageDiff
from workflows.layout import EVENTS, GATEWAYS, TASKS
from workflows.xmlsafe import parse_xml

BPMN_NS = metadata.BPMN_NS
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"

# The elements a diff speaks of; event definitions, expressions and extension elements are
# aspects of the element that holds them.
TRACKED = frozenset(
    {"process", "lane", "sequenceFlow", "boundaryEvent", "transaction", "adHocSubProcess", "complexGateway"}
    | TASKS
    | EVENTS
    | GATEWAYS
)
# Human-task properties reported under their own labels (and not again as raw properties).
_HUMAN_PROPERTIES = frozenset(
    {
        "candidateGroups",
        "assignee",
        "dueDate",
        "followUpDate",
        "priority",
        "formJsonSchemaFilename",
        "formUiSchemaFilename",
    }
)
_LONG = 80  # values longer than this (or spanning lines) are reported as "changed", not quoted

Key = tuple[str, str]  # (process id, element id)


def _local(node: etree._Element) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _is_bpmn(node: etree._Element) -> bool:
    return isinstance(node.tag, str) and etree.QName(node).namespace == BPMN_NS


def _children(node: etree._Element, *tags: str) -> list[etree._Element]:
    return [child for child in node if _is_bpmn(child) and _local(child) in tags]


def _text(node: etree._Element | None) -> str | None:
    if node is None or node.text is None:
        return None
    return node.text.strip() or None


def _spiff(node: etree._Element, tag: str) -> list[etree._Element]:
    return node.xpath(
        f"./*[local-name()='extensionElements']/*[local-name()='{tag}' and namespace-uri()='{SPIFF_NS}']"
    )


def _elements(files: Mapping[str, bytes]) -> dict[Key, etree._Element]:
    found: dict[Key, etree._Element] = {}
    for name in sorted(files):
        if not name.lower().endswith((".bpmn", ".bpmn20.xml")):
            continue
        tree, _errors = parse_xml(name, files[name])
        if tree is None:
            continue  # deployed files always parse; a broken one simply contributes nothing
        for process in tree.getroot().iter(f"{{{BPMN_NS}}}process"):
            pid = process.get("id") or ""
            for node in process.iter():
                if _is_bpmn(node) and _local(node) in TRACKED and node.get("id"):
                    found.setdefault((pid, node.get("id")), node)
    return found


def _aspects(node: etree._Element) -> dict[str, str]:
    """The behaviour-relevant parts of one element, as label -> canonical text."""
    tag = _local(node)
    aspects: dict[str, str | None] = {"name": node.get("name")}
    properties = metadata.spiff_properties(node)
    if tag in metadata.HUMAN_TAGS:
        spec = metadata.human_task_spec(node, metadata.lane_of(node))
        aspects.update(
            {
                "lane": spec.lane,
                "candidate groups": ", ".join(spec.candidate_groups) or None,
                "assignee": spec.assignee_expression,
                "form": spec.form,
                "ui form": spec.ui_form,
                "due date": spec.due_expression,
                "follow-up date": spec.follow_up_expression,
                "priority": spec.priority_expression,
            }
        )
        properties = {k: v for k, v in properties.items() if k not in _HUMAN_PROPERTIES}
    for key, value in properties.items():
        aspects[f"property {key}"] = value
    if tag == "process":
        aspects["executable"] = node.get("isExecutable")
    elif tag == "lane":
        refs = sorted(_text(ref) or "" for ref in _children(node, "flowNodeRef"))
        aspects["members"] = ", ".join(refs) or None
    elif tag == "sequenceFlow":
        aspects["from"] = node.get("sourceRef")
        aspects["to"] = node.get("targetRef")
        condition = _children(node, "conditionExpression")
        aspects["condition"] = _text(condition[0]) if condition else None
    elif tag.endswith("Gateway"):
        aspects["default flow"] = node.get("default")
    elif tag == "boundaryEvent":
        aspects["attached to"] = node.get("attachedToRef")
        aspects["interrupting"] = node.get("cancelActivity", "true")
    elif tag == "scriptTask":
        script = _children(node, "script")
        aspects["script"] = _text(script[0]) if script else None
        aspects["script format"] = node.get("scriptFormat")
    elif tag == "businessRuleTask":
        called = _spiff(node, "calledDecisionId")
        aspects["decision"] = _text(called[0]) if called else metadata.camunda_attr(node, "decisionRef")
    elif tag == "callActivity":
        aspects["called process"] = node.get("calledElement")
    for definition in node:
        if not (_is_bpmn(definition) and _local(definition).endswith("EventDefinition")):
            continue
        kind = _local(definition).removesuffix("EventDefinition")
        if kind == "timer":
            for part in definition:
                if _is_bpmn(part) and _local(part) in ("timeDuration", "timeDate", "timeCycle"):
                    label = {"timeDuration": "duration", "timeDate": "date", "timeCycle": "cycle"}
                    aspects[f"timer {label[_local(part)]}"] = _text(part)
        else:
            ref = next((definition.get(a) for a in ("messageRef", "signalRef", "errorRef", "escalationRef")
                        if definition.get(a)), None)  # fmt: skip
            aspects[f"{kind} event"] = ref or "yes"
    for extension in ("preScript", "postScript"):
        found = _spiff(node, extension)
        aspects[extension] = _text(found[0]) if found else None
    operator = _spiff(node, "serviceTaskOperator")
    if operator:
        aspects["service operator"] = operator[0].get("id")
        aspects["service result"] = operator[0].get("resultVariable")
        for param in operator[0].xpath(".//*[local-name()='parameter']"):
            aspects[f"service parameter {param.get('id')}"] = param.get("value")
    for loop in _children(node, "multiInstanceLoopCharacteristics", "standardLoopCharacteristics"):
        parts = [_local(loop)] + [f"{k}={v}" for k, v in sorted(loop.attrib.items())]
        parts += [f"{_local(c)}={_text(c)}" for c in loop if _is_bpmn(c)]
        aspects["loop"] = "; ".join(parts)
    return {label: value for label, value in aspects.items() if value is not None}


def element_refs(files: Mapping[str, bytes]) -> dict[Key, ElementRef]:
    """Every tracked element of a package's BPMN files, by (process id, element id)."""
    return {key: _ref(node) for key, node in _elements(files).items()}


def _quote(value: str) -> str:
    return repr(value)


def _is_long(value: str | None) -> bool:
    return value is not None and (len(value) > _LONG or "\n" in value)


def _describe(label: str, old: str | None, new: str | None) -> str:
    if _is_long(old) or _is_long(new):
        if old is None:
            return f"{label}: added"
        if new is None:
            return f"{label}: removed"
        return f"{label}: changed"
    if old is None:
        return f"{label}: added {_quote(new)}"
    if new is None:
        return f"{label}: removed (was {_quote(old)})"
    return f"{label}: {_quote(old)} → {_quote(new)}"


def _ref(node: etree._Element) -> ElementRef:
    return ElementRef(id=node.get("id", ""), type=_local(node), name=node.get("name") or "")


def _changes(old: etree._Element, new: etree._Element) -> Iterator[str]:
    if _local(old) != _local(new):
        yield f"type: {_local(old)} → {_local(new)}"
    before, after = _aspects(old), _aspects(new)
    for label in list(dict.fromkeys([*before, *after])):
        if before.get(label) != after.get(label):
            yield _describe(label, before.get(label), after.get(label))


def diff_packages(old: Mapping[str, bytes], new: Mapping[str, bytes]) -> PackageDiff:
    """Elements added, removed and changed from `old` to `new`, and the files that differ."""
    before, after = _elements(old), _elements(new)
    added = tuple(_ref(after[key]) for key in after if key not in before)
    removed = tuple(_ref(before[key]) for key in before if key not in after)
    changed = []
    for key, node in after.items():
        if key in before:
            changes = tuple(_changes(before[key], node))
            if changes:
                ref = _ref(node)
                changed.append(ElementChange(id=ref.id, type=ref.type, name=ref.name, changes=changes))
    files = tuple(sorted(name for name in set(old) | set(new) if old.get(name) != new.get(name)))
    return PackageDiff(added=added, removed=removed, changed=tuple(changed), files_changed=files)
