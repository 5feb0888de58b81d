"""DMN decision tables with the hit policies DMN 1.3 defines (SpiffWorkflow 3.2 has two of them).

SpiffWorkflow's `DMNEngine` knows UNIQUE (and stops at the first match, so two matching rules
go unnoticed) and COLLECT (a plain list, no aggregation); every other policy silently means
"first match". Lexflow's engine follows DMN 1.3, section 8.2.11:

- single hit: UNIQUE (at most one rule may match; two are an error), ANY (several may match
  if their outputs are equal; differing outputs are an error), PRIORITY (the match whose
  outputs come first in the outputs' ordered `outputValues` lists), FIRST (rule order);
- multiple hit: COLLECT (every match, in rule order), optionally aggregated with SUM, COUNT,
  MIN or MAX (one output only, as DMN 1.3 allows), RULE ORDER (every match, in rule order),
  OUTPUT ORDER (every match, by decreasing output priority).

A single-hit table with no match sets nothing, as before; a multiple-hit one sets each output
to an empty list (COUNT: 0; SUM, MIN, MAX: None, as FEEL's `sum([])` is null). A decision's
outputs replace what the task data held under those names: SpiffWorkflow merges lists item by
item, which would keep a previous run's values and drop repeated ones.

The parts SpiffWorkflow's parser drops (`aggregation`, `outputValues`) are read from the XML in
`table_extras` and carried through serialization by `BusinessRuleTaskConverter`.
"""

from __future__ import annotations

import ast
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.task_spec import BusinessRuleTaskParser
from SpiffWorkflow.spiff.serializer.task_spec import (
    BusinessRuleTaskConverter as SpiffBusinessRuleTaskConverter,
)
from SpiffWorkflow.spiff.specs.defaults import BusinessRuleTask as SpiffBusinessRuleTask
from SpiffWorkflow.util.deep_merge import DeepMerge

from workflows import metadata

SINGLE_HIT = ("UNIQUE", "ANY", "PRIORITY", "FIRST")
MULTIPLE_HIT = ("COLLECT", "RULE ORDER", "OUTPUT ORDER")
HIT_POLICIES = SINGLE_HIT + MULTIPLE_HIT
AGGREGATIONS = ("SUM", "COUNT", "MIN", "MAX")
_BY_PRIORITY = ("PRIORITY", "OUTPUT ORDER")


def _local(node: etree._Element) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _children(node: etree._Element, tag: str) -> list[etree._Element]:
    return [child for child in node if _local(child) == tag]


def _text(node: etree._Element) -> str:
    found = _children(node, "text")
    return (found[0].text or "").strip() if found else ""


def parse_output_values(text: str) -> tuple[Any, ...]:
    """An output's `outputValues` (`"high","medium","low"`, or numbers) as a tuple, first = highest.

    Raises ValueError when the list is not made of literals.
    """
    value = ast.literal_eval(text)
    return value if isinstance(value, tuple) else (value,)


def table_extras(table_node: etree._Element, decision_id: str) -> dict[str, Any]:
    """What SpiffWorkflow's DMN parser leaves out of a decision table, as plain JSON data."""
    values: list[list[Any] | None] = []
    for output in _children(table_node, "output"):
        listed = _children(output, "outputValues")
        text = _text(listed[0]) if listed else ""
        try:
            values.append(list(parse_output_values(text)) if text else None)
        except (ValueError, SyntaxError):
            values.append(None)  # refused at deploy (`table_errors`); never reached at run time
    return {
        "decision_id": decision_id,
        "aggregation": (table_node.get("aggregation") or "").upper() or None,
        "output_values": values,
    }


def table_errors(table_node: etree._Element) -> Iterator[tuple[etree._Element, str]]:
    """Deploy-time problems of one decision table, as (element, message) pairs."""
    policy = (table_node.get("hitPolicy") or "UNIQUE").upper()
    aggregation = (table_node.get("aggregation") or "").upper() or None
    outputs = _children(table_node, "output")
    if policy not in HIT_POLICIES:
        yield (
            table_node,
            f"hit policy {policy} is not a DMN 1.3 hit policy; use one of {', '.join(HIT_POLICIES)}",
        )
        return
    if aggregation is not None:
        if aggregation not in AGGREGATIONS:
            yield table_node, f"aggregation {aggregation} is not one of {', '.join(AGGREGATIONS)}"
        elif policy != "COLLECT":
            yield table_node, f"aggregation {aggregation} only applies to hit policy COLLECT, not {policy}"
        elif len(outputs) != 1:
            yield (
                table_node,
                f"COLLECT {aggregation} needs exactly one output column (DMN 1.3 does not aggregate "
                f"compound outputs); this table has {len(outputs)}",
            )
    priorities: list[tuple[Any, ...] | None] = []
    for output in outputs:
        listed = _children(output, "outputValues")
        text = _text(listed[0]) if listed else ""
        if not text:
            priorities.append(None)
            continue
        try:
            priorities.append(parse_output_values(text))
        except (ValueError, SyntaxError):
            priorities.append(None)
            yield (
                output,
                f"output values {text!r} of output {output.get('name') or output.get('id')} must be a "
                'list of literals, e.g. "high","medium","low"',
            )
    if policy not in _BY_PRIORITY:
        return
    if not any(priorities):
        yield (
            table_node,
            f"hit policy {policy} orders matches by the outputs' output values (first = highest "
            'priority); give at least one output its list, e.g. "high","medium","low"',
        )
        return
    for rule in _children(table_node, "rule"):
        for index, entry in enumerate(_children(rule, "outputEntry")):
            listed = priorities[index] if index < len(priorities) else None
            text = _text(entry)
            if listed is None or not text:
                continue
            try:
                value = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                continue  # an expression: checked when it is evaluated
            if value not in listed:
                output = outputs[index]
                yield (
                    entry,
                    f"output {text} of rule {rule.get('id')} is not among the output values of "
                    f"{output.get('name') or output.get('id')} ({', '.join(map(repr, listed))}), which "
                    f"set its priority under {policy}",
                )


class DecisionFailed(WorkflowTaskException):
    """A decision table's hit policy was violated (raised at the business rule task)."""


class LexflowDMNEngine(DMNEngine):
    """SpiffWorkflow's rule matching, with DMN 1.3's hit policies applied to the matches."""

    def __init__(self, decision_table: Any, extras: dict[str, Any] | None = None) -> None:
        super().__init__(decision_table)
        self.extras = dict(extras or {})
        self.extras.setdefault("output_values", [None] * len(decision_table.outputs))

    @property
    def policy(self) -> str:
        return (self.decision_table.hit_policy or "UNIQUE").upper()

    def decide(self, task: Any) -> list[Any]:
        rules = []
        for rule in self.decision_table.rules:
            if self._DMNEngine__check_rule(rule, task):  # SpiffWorkflow's cell matching, kept as is
                rules.append(rule)
                if self.policy == "FIRST":
                    break  # later rules are never looked at, as before
        return rules

    def result(self, task: Any) -> dict[str, Any]:
        matched = self.decide(task)
        rows = [(rule, self._values(rule, task)) for rule in matched]
        policy = self.policy
        if policy in MULTIPLE_HIT:
            if policy == "OUTPUT ORDER":
                rows.sort(key=lambda row: self._priority(row, task))
            aggregation = self.extras.get("aggregation")
            if aggregation and policy == "COLLECT":
                return self._aggregate(aggregation, [values for _, values in rows], task)
            collected: dict[str, Any] = OrderedDict((key, []) for key in self._keys())
            for _, values in rows:
                for key, value in self._as_dict(values).items():
                    collected.setdefault(key, []).append(value)
            return collected
        if not rows:
            return {}
        if policy == "UNIQUE" and len(rows) > 1:
            raise self._failed(
                task,
                f"决策 {self._name} 的命中策略为 UNIQUE，但第 {_rows_zh(rows)} 条规则同时满足 / decision "
                f"{self._name} has hit policy UNIQUE but rules {_rows(rows)} all match; make the rules "
                "exclusive, or choose FIRST, PRIORITY or COLLECT",
            )
        if policy == "ANY":
            distinct = {repr(values) for _, values in rows}
            if len(distinct) > 1:
                raise self._failed(
                    task,
                    f"决策 {self._name} 的命中策略为 ANY，但满足的第 {_rows_zh(rows)} 条规则输出不同 / "
                    f"decision {self._name} has hit policy ANY but matching rules {_rows(rows)} give "
                    "different outputs; make them agree, or choose PRIORITY or FIRST",
                )
        if policy == "PRIORITY":
            rows.sort(key=lambda row: self._priority(row, task))
        return self._as_dict(rows[0][1])

    # ------------------------------------------------------------------ internals

    @property
    def _name(self) -> str:
        return self.extras.get("decision_id") or self.decision_table.id

    def _keys(self) -> list[str]:
        return list(OrderedDict.fromkeys(self._as_dict([None] * len(self.decision_table.outputs))))

    def _values(self, rule: Any, task: Any) -> list[Any]:
        script_engine = task.workflow.script_engine
        values = []
        for entry in rule.outputEntries:
            values.append(script_engine.evaluate(task, entry.text) if entry.text else "")
        return values

    def _as_dict(self, values: list[Any]) -> dict[str, Any]:
        """Output values by output name, dotted names nested ("fee.amount"), as SpiffWorkflow does."""
        out: dict[str, Any] = OrderedDict()
        for output, value in zip(self.decision_table.outputs, values, strict=False):
            key = output.name or output.label
            if "." not in key:
                out[key] = value
                continue
            *parents, leaf = key.split(".")
            nested: Any = {leaf: value}
            for parent in reversed(parents[1:]):
                nested = {parent: nested}
            out[parents[0]] = DeepMerge.merge(out.get(parents[0], {}), nested)
        return out

    def _priority(self, row: tuple[Any, list[Any]], task: Any) -> tuple[int, ...]:
        """Sort key of a matched rule: the position of each output's value in its list (0 first)."""
        rule, values = row
        key = []
        for output, listed, value in zip(
            self.decision_table.outputs, self.extras["output_values"], values, strict=False
        ):
            if listed is None:
                continue
            if value not in listed:
                raise self._failed(
                    task,
                    f"决策 {self._name} 第 {rule.row_number} 条规则的输出 {value!r} 不在 {output.name} "
                    f"的输出值列表中 / decision {self._name}: rule {rule.row_number} gives {output.name} = "
                    f"{value!r}, which is not among its output values {listed}, so it has no priority",
                )
            key.append(listed.index(value))
        return tuple(key)

    def _aggregate(self, aggregation: str, rows: list[list[Any]], task: Any) -> dict[str, Any]:
        keys = self._keys()
        values = [row[0] for row in rows if row and row[0] is not None]
        if aggregation == "COUNT":
            result: Any = len(rows)
        elif not values:
            result = None
        else:
            try:
                if aggregation == "SUM":
                    result = sum(values)
                elif aggregation == "MIN":
                    result = min(values)
                else:
                    result = max(values)
            except TypeError as exc:
                raise self._failed(
                    task,
                    f"决策 {self._name} 的 COLLECT {aggregation} 无法汇总输出 {values!r} / decision "
                    f"{self._name}: COLLECT {aggregation} cannot combine the outputs {values!r} ({exc})",
                ) from exc
        return OrderedDict((key, result) for key in keys[:1])

    def _failed(self, task: Any, message: str) -> DecisionFailed:
        return DecisionFailed(message, task=task)


def _rows(rows: Iterable[tuple[Any, list[Any]]]) -> str:
    return ", ".join(str(rule.row_number) for rule, _ in rows)


def _rows_zh(rows: Iterable[tuple[Any, list[Any]]]) -> str:
    return "、".join(str(rule.row_number) for rule, _ in rows)


def merge_outputs(data: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """A decision's outputs into task data: each output replaces what was there; nested dotted
    outputs ("fee.amount") merge into an existing dict of that name."""
    for key, value in result.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            DeepMerge.merge(data[key], value)
        else:
            data[key] = value
    return data


class BusinessRuleTask(SpiffBusinessRuleTask):
    """SpiffWorkflow's business rule task, with outputs replacing task data instead of merging lists."""

    def _run_hook(self, my_task: Any) -> bool:
        try:
            merge_outputs(my_task.data, self.dmnEngine.result(my_task))
        except SpiffWorkflowException as exc:
            exc.add_note(f"Business Rule Task '{my_task.task_spec.bpmn_name}'.")
            raise
        except Exception as exc:
            error = WorkflowTaskException(str(exc), task=my_task, exception=exc)
            error.add_note(f"Business Rule Task '{my_task.task_spec.bpmn_name}'.")
            raise error from exc
        # Skip the mixin's own hook, which would decide again and merge the old way.
        return super(BusinessRuleTaskMixin, self)._run_hook(my_task)


class BusinessRuleTaskConverter(SpiffBusinessRuleTaskConverter):
    """Serializes the extras (aggregation, output values) beside SpiffWorkflow's table."""

    def to_dict(self, spec: Any) -> dict[str, Any]:
        dct = super().to_dict(spec)
        engine = spec.dmnEngine
        dct["decision_table"]["lexflow"] = dict(getattr(engine, "extras", {}))
        return dct

    def from_dict(self, dct: dict[str, Any]) -> Any:
        extras = dct["decision_table"].pop("lexflow", None)
        table = self.decision_table_from_dict(dct.pop("decision_table"))
        dct["dmnEngine"] = LexflowDMNEngine(table, extras)
        return self.task_spec_from_dict(dct)


class LexflowBusinessRuleTaskParser(BusinessRuleTaskParser):
    """Builds Lexflow's business rule task; also accepts `camunda:decisionRef`."""

    @staticmethod
    def get_decision_ref(node: etree._Element) -> str | None:
        ref = BusinessRuleTaskParser.get_decision_ref(node)
        return ref or metadata.camunda_attr(node, "decisionRef")

    def create_task(self) -> BusinessRuleTask:
        decision_ref = self.get_decision_ref(self.node)
        extensions = self.parse_extensions()
        return BusinessRuleTask(
            self.spec,
            self.bpmn_id,
            dmnEngine=self.process_parser.parser.get_engine(decision_ref, self.node),
            prescript=extensions.get("preScript"),
            postscript=extensions.get("postScript"),
            **self.bpmn_attributes,
        )


def with_extras(stock: DMNEngine, root: etree._Element, decision_ref: str) -> LexflowDMNEngine:
    """SpiffWorkflow's parsed engine for `decision_ref`, as Lexflow's, with what its DMN file
    (`root`) says beyond what SpiffWorkflow reads."""
    found = root.xpath(
        "//*[local-name()='decision' and @id=$id]/*[local-name()='decisionTable']", id=decision_ref
    )
    extras = table_extras(found[0], decision_ref) if found else {"decision_id": decision_ref}
    return LexflowDMNEngine(stock.decision_table, extras)


def configure(config: dict[type, Any]) -> dict[type, Any]:
    """A serializer config with Lexflow's business rule task in place of SpiffWorkflow's."""
    config = dict(config)
    config.pop(SpiffBusinessRuleTask, None)
    config[BusinessRuleTask] = BusinessRuleTaskConverter
    return config
