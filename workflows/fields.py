"""The fields a form declares: the only case data a start or a task completion may write.

A form (a JSON schema) declares a field by naming it under `properties` — of the form itself,
of a nested object field, or of the object entries of a list field. Subschemas that apply to
the same value (`allOf`, `anyOf`, `oneOf`, `then`, `else`, `dependentSchemas`, and `$ref`s to
`#/…` inside the same form) declare fields too; an `if` only tests them. Everything else in
the submitted data is undeclared: it is refused, whatever `additionalProperties` says, so a
caller can never write a process variable the diagram did not open to that step. The `case`
block belongs to the server (set at the start) and no form can open it.

`form_leaks` is the deploy-time side of the same rule: a form whose shape would let a field
through that it does not name (a property that may hold an object but lists none of its
fields, `additionalProperties`, `patternProperties`, a top-level `case`) is refused, so the
designer learns it from the deploy and not from a caller's 400.

Plain Python: no SpiffWorkflow, no Django.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

RESERVED_FIELDS = frozenset({"case"})

_SAME_VALUE_LISTS = ("allOf", "anyOf", "oneOf")
_SAME_VALUE_ONE = ("then", "else")
_MAX_BRANCHES = 2_000  # subschemas gathered for one value: a guard against pathological forms

Pointer = tuple[str | int, ...]


def _resolve(root: Any, ref: str) -> Any:
    """The subschema a local `$ref` ("#/$defs/person") points to, or None."""
    if ref == "#":
        return root
    if not ref.startswith("#/"):
        return None
    node = root
    for raw in ref[2:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isascii() and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _ref_pointer(ref: str) -> Pointer:
    if not ref.startswith("#/"):
        return ()
    parts = (raw.replace("~1", "/").replace("~0", "~") for raw in ref[2:].split("/"))
    return tuple(int(part) if part.isascii() and part.isdigit() else part for part in parts)


def _branches(schemas: list[tuple[Any, Pointer]], root: Any) -> list[tuple[dict, Pointer]]:
    """Each schema with every subschema that applies to the same value, with its location."""
    found: list[tuple[dict, Pointer]] = []
    seen: set[int] = set()
    stack = list(reversed(schemas))
    while stack and len(found) < _MAX_BRANCHES:
        node, at = stack.pop()
        if not isinstance(node, dict) or id(node) in seen:
            continue
        seen.add(id(node))
        found.append((node, at))
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            stack.append((_resolve(root, ref), _ref_pointer(ref)))
        for key in _SAME_VALUE_LISTS:
            members = node.get(key)
            if isinstance(members, list):
                stack.extend((member, (*at, key, i)) for i, member in reversed(list(enumerate(members))))
        for key in _SAME_VALUE_ONE:
            if key in node:
                stack.append((node[key], (*at, key)))
        dependent = node.get("dependentSchemas")
        if isinstance(dependent, dict):
            stack.extend((member, (*at, "dependentSchemas", name)) for name, member in dependent.items())
    return found


def _properties(branches: list[tuple[dict, Pointer]]) -> dict[str, list[tuple[Any, Pointer]]]:
    declared: dict[str, list[tuple[Any, Pointer]]] = {}
    for node, at in branches:
        properties = node.get("properties")
        if isinstance(properties, dict):
            for name, schema in properties.items():
                declared.setdefault(name, []).append((schema, (*at, "properties", name)))
    return declared


def _item_schemas(branches: list[tuple[dict, Pointer]], index: int | None) -> list[tuple[Any, Pointer]]:
    """The schemas of list entry `index`, or (None) every schema some entry may have to meet:
    `prefixItems` and `items` of draft 2020-12, and the `items` tuple + `additionalItems` of draft 7."""
    schemas: list[tuple[Any, Pointer]] = []
    for node, at in branches:
        items = node.get("items")
        if isinstance(items, list):
            prefix, rest = items, node.get("additionalItems")
            prefix_key, rest_key = "items", "additionalItems"
        else:
            prefix, rest = node.get("prefixItems"), items
            prefix_key, rest_key = "prefixItems", "items"
        prefix = prefix if isinstance(prefix, list) else []
        if index is None:
            schemas.extend((member, (*at, prefix_key, i)) for i, member in enumerate(prefix))
            if rest is not None:
                schemas.append((rest, (*at, rest_key)))
        elif index < len(prefix):
            schemas.append((prefix[index], (*at, prefix_key, index)))
        elif rest is not None:
            schemas.append((rest, (*at, rest_key)))
    return schemas


def undeclared_fields(schema: Any, data: Any, *, prefix: str = "data") -> list[str]:
    """Paths (`data.applicant.phone2`, `data.parties.0.x`) of every field in `data` that the form
    `schema` does not declare, and of a top-level `case`. Iterative: any nesting depth is fine."""
    found: list[str] = []
    if isinstance(data, dict):
        found.extend(f"{prefix}.{name}" for name in data if name in RESERVED_FIELDS)
    stack: list[tuple[list[tuple[Any, Pointer]], Any, str]] = [([(schema, ())], data, prefix)]
    while stack:
        schemas, value, path = stack.pop()
        if isinstance(value, dict):
            declared = _properties(_branches(schemas, schema))
            for name, item in value.items():
                if path == prefix and name in RESERVED_FIELDS:
                    continue  # already listed
                if name in declared:
                    stack.append((declared[name], item, f"{path}.{name}"))
                else:
                    found.append(f"{path}.{name}")
        elif isinstance(value, list):
            branches = _branches(schemas, schema)
            for index, item in enumerate(value):
                if isinstance(item, (dict, list)):
                    stack.append((_item_schemas(branches, index), item, f"{path}.{index}"))
    return sorted(found)


def merge_declared(current: Mapping[str, Any], submitted: Mapping[str, Any]) -> dict[str, Any]:
    """The top-level values a step writes: each submitted field, and for a nested object the
    submitted fields merged into what the case holds, so a form that declares only some fields
    of `applicant` neither writes nor erases the others."""

    def merged(old: Any, new: Any) -> Any:
        if isinstance(old, dict) and isinstance(new, dict):
            return {**old, **{key: merged(old.get(key), value) for key, value in new.items()}}
        return new

    return {key: merged(current.get(key), value) for key, value in submitted.items()}


# ---------------------------------------------------------------------------------------------
# Deploy: forms that would let an undeclared field through


@dataclass(frozen=True)
class FieldLeak:
    """Where a form would let a field through that it does not declare."""

    pointer: Pointer  # the place in the form file (JSON pointer parts)
    message: str  # "中文 / English"


_ANY = frozenset({"object", "array", "scalar"})


def _kinds(node: Any, root: Any, depth: int = 0) -> set[str]:
    """What a value of `node` may be: some of "object", "array", "scalar" (all three if unknown)."""
    anything = set(_ANY)
    if depth > 20 or not isinstance(node, dict):
        return anything if node is not False else set()

    def kind_of(value: Any) -> str:
        return "object" if isinstance(value, dict) else "array" if isinstance(value, list) else "scalar"

    if "const" in node:
        return {kind_of(node["const"])}
    if isinstance(node.get("enum"), list):
        return {kind_of(value) for value in node["enum"]}
    declared = node.get("type")
    if isinstance(declared, str):
        declared = [declared]
    if isinstance(declared, list) and declared:
        names = [name for name in declared if isinstance(name, str)]
        return {name if name in ("object", "array") else "scalar" for name in names}
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#"):
        return _kinds(_resolve(root, ref), root, depth + 1)
    for key in ("oneOf", "anyOf"):
        members = node.get(key)
        if isinstance(members, list) and members:
            return set().union(*(_kinds(member, root, depth + 1) for member in members))
    members = node.get("allOf")
    if isinstance(members, list) and members:
        kinds = anything
        for member in members:
            kinds = kinds & _kinds(member, root, depth + 1)
        return kinds
    return anything


def _remote_ref(node: Any) -> bool:
    ref = node.get("$ref") if isinstance(node, dict) else None
    return isinstance(ref, str) and not ref.startswith("#")


def _open_doors(branches: list[tuple[dict, Pointer]], where_zh: str, where_en: str) -> Iterator[FieldLeak]:
    for node, at in branches:
        for key in ("additionalProperties", "unevaluatedProperties"):
            if key in node and node[key] is not False:
                yield FieldLeak(
                    (*at, key),
                    f"{where_zh}允许表单没有声明的字段（{key}），请删除它或设为 false / {where_en} lets "
                    f"undeclared fields through ({key}); remove it or set it to false",
                )
        if node.get("patternProperties"):
            yield FieldLeak(
                (*at, "patternProperties"),
                f"{where_zh}按名称模式接收字段（patternProperties），请逐一声明字段 / {where_en} takes "
                "fields by name pattern (patternProperties); declare each field under properties",
            )


def form_leaks(schema: Any) -> list[FieldLeak]:
    """Every place where `schema` would let a field through that it does not declare."""
    leaks: list[FieldLeak] = []
    if not isinstance(schema, dict):
        return leaks
    seen: set[int] = set()
    # (subschemas of one value, dotted field name or "" for the form itself)
    stack: list[tuple[list[tuple[Any, Pointer]], str]] = [([(schema, ())], "")]
    while stack:
        schemas, field = stack.pop()
        if any(id(node) in seen for node, _ in schemas if isinstance(node, dict)):
            continue  # a recursive $ref: this shape was checked already
        seen.update(id(node) for node, _ in schemas if isinstance(node, dict))
        branches = _branches(schemas, schema)
        if any(_remote_ref(node) for node, _ in branches):
            continue  # what a remote $ref holds cannot be known; the $ref itself is refused
        at = schemas[0][1]
        constrained = [node for node, _ in schemas if node is not True]
        kinds = set(_ANY)
        for node in constrained:
            kinds &= _kinds(node, schema)
        name_zh, name_en = (f"字段 {field} ", f"field {field}") if field else ("表单", "the form")
        if "object" in kinds or not field:
            leaks.extend(_open_doors(branches, name_zh, name_en))
            declared = _properties(branches)
            if not field:
                leaks.extend(
                    FieldLeak(
                        declared[name][0][1],
                        "字段 case 是系统设置的案件信息，表单不能声明它 / field case is the case block "
                        "the server sets; a form cannot declare it",
                    )
                    for name in sorted(RESERVED_FIELDS & set(declared))
                )
            elif not declared and "array" in kinds:
                leaks.append(
                    FieldLeak(
                        at,
                        f"{name_zh}没有类型，可以是对象或列表而不声明其中的字段：请给出 type / {name_en} has "
                        "no type: it may hold an object or a list without declaring what is inside; give "
                        "it a type",
                    )
                )
                continue
            elif not declared:
                leaks.append(
                    FieldLeak(
                        at,
                        f"{name_zh}可以是对象，但没有声明其中的字段：请在 properties 中列出，或给出"
                        f"非对象的 type / {name_en} may hold an object but declares none of its fields; "
                        "list them under properties, or give it a type that is not an object",
                    )
                )
            for name, subschemas in sorted(declared.items(), reverse=True):
                stack.append((subschemas, f"{field}.{name}" if field else name))
        if "array" in kinds and field:
            items = _item_schemas(branches, None)
            if not items:
                leaks.append(
                    FieldLeak(
                        at,
                        f"列表字段 {field} 没有用 items 说明每一项是什么 / list field {field} does not say "
                        "what its entries hold (items)",
                    )
                )
            # Each entry schema on its own: an entry must meet one of them, not all at once.
            stack.extend(([member], f"{field}[]") for member in reversed(items))
    return leaks


# ---------------------------------------------------------------------------------------------
# Lines of a JSON file, for errors a designer can find

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.DOTALL)


def json_lines(text: str) -> dict[Pointer, int]:
    """The line (1-based) of every value in a JSON text, by its pointer: for an object member the
    line of its key. The text must be valid JSON (it was parsed before). Iterative."""
    import json

    lines: dict[Pointer, int] = {(): 1}
    stack: list[list[Any]] = []  # frames: [kind, pointer, next key or index, expecting a key]
    line = 1
    position = 0
    pending_key: str | None = None
    for match in _TOKEN.finditer(text):
        line += text.count("\n", position, match.start())
        position = match.start()
        token = match.group()
        frame = stack[-1] if stack else None
        if token in ("{", "["):
            pointer = _value_pointer(frame, pending_key)
            lines.setdefault(pointer, line)
            stack.append(["object" if token == "{" else "array", pointer, 0, token == "{"])
            pending_key = None
        elif token in ("}", "]"):
            stack.pop()
            if stack and stack[-1][0] == "array":
                stack[-1][2] += 1
        elif token == ":":
            continue
        elif token == ",":
            if frame is not None and frame[0] == "object":
                frame[3] = True
        elif frame is not None and frame[0] == "object" and frame[3]:
            pending_key = json.loads(token)
            lines.setdefault((*frame[1], pending_key), line)
            frame[3] = False
        else:
            lines.setdefault(_value_pointer(frame, pending_key), line)
            if frame is not None and frame[0] == "array":
                frame[2] += 1
            pending_key = None
    return lines


def _value_pointer(frame: list[Any] | None, key: str | None) -> Pointer:
    if frame is None:
        return ()
    if frame[0] == "array":
        return (*frame[1], frame[2])
    return (*frame[1], key if key is not None else "")


def line_of(lines: Mapping[Pointer, int], pointer: Pointer) -> int | None:
    """The line of `pointer`, or of the nearest enclosing value that has one."""
    for end in range(len(pointer), -1, -1):
        found = lines.get(tuple(pointer[:end]))
        if found is not None:
            return found
    return None
