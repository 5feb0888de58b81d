"""Diagrams from Camunda, Flowable and Activiti: their JUEL/EL expressions and attributes in Lexflow's terms.

Lexflow's expressions are Python. A file drawn in another tool says `${approved}` or
`${amount > 1000}` and puts `camunda:assignee="demo"` on its user tasks. At compile time
`translate_package` rewrites what has one clear meaning, in the parsed XML only (the deployed
files stay as uploaded), and reports each rewrite as a `DeployNote`:

- EL conditions and expressions of the simple kinds: variables, `a.b` / `a["b"]` (a key of a
  dict), literals (`'ok'`, `42`, `true`, `null`), `!`/`not`, `&&`/`and`, `||`/`or`,
  `==`/`eq`, `!=`/`ne`, `<`/`lt`, `>`/`gt`, `<=`/`le`, `>=`/`ge`, `+ - * / div % mod`,
  `empty x`, `c ? a : b` and parentheses. EL precedence is kept (`!a == b` is `(not a) == b`).
- `camunda:`/`flowable:`/`activiti:` `assignee`, `candidateGroups`, `candidateUsers`,
  `dueDate`, `followUpDate`, `priority` on user tasks: literals become Python literals (a
  Camunda attribute without `${}` is text, a Lexflow expression is Python), `${...}` is
  translated as above. `formKey` naming a JSON-schema form of the package is that form.
- Timer values other tools write unquoted (`P7D`, `R3/PT1H`, an ISO date) become Python strings
  (in files not drawn for SpiffWorkflow, where a timer is Python and an unquoted one an error).
- A user task with no lane and no candidate group gets the deploy's default group, if one is named.

Anything else stays as it is and the deploy refuses it, with the expression and what to write
instead (`refusal`): method calls, functions, `execution`/`task` objects, composite text,
FEEL (`= ...`), other script languages.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from workflows import metadata
from workflows.api import DeployError, DeployNote

BPMN_NS = metadata.BPMN_NS
# Attributes Lexflow writes on the parsed tree for what a translation produced and no file
# attribute can hold (candidate groups and users that are expressions).
TRANSLATED_NS = metadata.TRANSLATED_NS
FOREIGN_NAMESPACES = (*metadata.VENDOR_NAMESPACES, "http://camunda.org/schema/zeebe/1.0")

_EL = re.compile(r"^\s*[$#]\{(?P<body>.*)\}\s*$", re.S)
_ANY_EL = re.compile(r"[$#]\{")
_ISO_LITERAL = re.compile(
    r"^(R\d*/)?P[0-9TYMWDHS.,]+$|^\d{4}-\d{2}-\d{2}([T ][0-9:.]+)?(Z|[+-]\d{2}:?\d{2})?$", re.I
)
_CONTEXT_OBJECTS = {"execution", "task", "authenticatedUserId", "variables", "processEngine"}
_EL_WORDS = {
    "and": "and", "or": "or", "not": "not", "eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=",
    "ge": ">=", "div": "/", "mod": "%", "empty": "empty", "true": "True", "false": "False", "null": "None",
    "instanceof": "instanceof",
}  # fmt: skip


class Untranslatable(ValueError):
    """An EL expression with no one clear meaning in Python."""

    def __init__(self, reason: str, suggestion: str = "amount > 1000 and approved") -> None:
        self.reason = reason
        self.suggestion = suggestion
        super().__init__(reason)


def is_el(text: str) -> bool:
    return bool(_ANY_EL.search(text or ""))


def translate(text: str) -> str:
    """The Python for an EL expression `${...}` (or `#{...}`); raises Untranslatable."""
    found = _EL.match(text or "")
    if found is None or _ANY_EL.search(found.group("body")):
        raise Untranslatable(
            "it mixes text and expressions", "one expression for the whole value, e.g. amount > 1000"
        )
    parser = _Parser(_tokens(found.group("body")))
    tree = parser.expression()
    parser.expect_end()
    return _python(tree)


def refusal(label: str, expression: str) -> str:
    """What a deploy says of an expression Lexflow cannot run: what it is, why, what to write."""
    text = expression.strip()
    if text.startswith("=") and not text.startswith("=="):
        return (
            f"{label} {expression!r} is a FEEL expression (Camunda 8), which Lexflow does not translate; "
            "write it in Python, e.g. approved == True"
        )
    try:
        translate(text)
    except Untranslatable as exc:
        return (
            f"{label} {expression!r}: this JUEL/EL expression cannot be translated ({exc.reason}); "
            f"Lexflow conditions are Python, write e.g. {exc.suggestion}"
        )
    return f"{label} {expression!r} uses a JUEL/FEEL expression; Lexflow conditions are Python, e.g. x == 1"


# ---------------------------------------------------------------------------------------------
# Tokens and parser


@dataclass(frozen=True)
class _Token:
    kind: str  # "num", "str", "name", "op", "end"
    text: str


_TOKEN = re.compile(
    r"""\s*(?:
      (?P<num>\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+(?:[eE][+-]?\d+)?)
    | (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    | (?P<name>[A-Za-z_$][A-Za-z0-9_$]*)
    | (?P<op>&&|\|\||==|!=|<=|>=|->|\+=|[-+*/%!<>?:.()\[\],;={}])
    )""",
    re.X,
)


def _tokens(body: str) -> list[_Token]:
    tokens, position = [], 0
    while position < len(body):
        if body[position:].strip() == "":
            break
        found = _TOKEN.match(body, position)
        if found is None:
            raise Untranslatable(
                f"it has a character EL translation does not know: {body[position:].strip()[:1]!r}"
            )
        kind = found.lastgroup or "op"
        tokens.append(_Token(kind, found.group(kind)))
        position = found.end()
    tokens.append(_Token("end", ""))
    return tokens


# Nodes are tuples: ("lit", python), ("name", n), ("key", obj, key-node), ("not", x), ("neg", x),
# ("empty", x), ("bin", op, a, b) for arithmetic, ("cmp", op, a, b), ("and", a, b), ("or", a, b),
# ("if", condition, then, otherwise).


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.at = 0

    def peek(self) -> _Token:
        return self.tokens[self.at]

    def word(self) -> str:
        """The current token as an operator: symbols as written, EL words by their meaning."""
        token = self.peek()
        if token.kind == "op":
            return token.text
        if token.kind == "name" and token.text in _EL_WORDS:
            return token.text
        return ""

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def expect(self, text: str) -> None:
        if self.word() != text:
            raise Untranslatable(f"{text!r} expected near {self.peek().text or 'the end'!r}")
        self.take()

    def expect_end(self) -> None:
        if self.peek().kind != "end":
            self._refuse_here()

    def _refuse_here(self) -> None:
        token = self.peek()
        if token.text in ("=", "+=", ";"):
            raise Untranslatable("assignments and statements have no translation", "a condition, e.g. x == 1")
        if token.text == "->":
            raise Untranslatable("lambda expressions have no translation")
        raise Untranslatable(f"unexpected {token.text!r}")

    def expression(self) -> tuple:
        condition = self._binary(0)
        if self.word() == "?":
            self.take()
            then = self.expression()
            self.expect(":")
            otherwise = self.expression()
            return ("if", condition, then, otherwise)
        return condition

    _LEVELS = (
        (("||", "or"), "or"),
        (("&&", "and"), "and"),
        (("==", "eq", "!=", "ne"), "cmp"),
        (("<", "lt", ">", "gt", "<=", "le", ">=", "ge"), "cmp"),
        (("+", "-"), "bin"),
        (("*", "/", "div", "%", "mod"), "bin"),
    )

    def _binary(self, level: int) -> tuple:
        if level == len(self._LEVELS):
            return self._unary()
        words, kind = self._LEVELS[level]
        left = self._binary(level + 1)
        while self.word() in words:
            written = self.take().text
            op = _EL_WORDS.get(written, written)  # eq -> ==, div -> /; && and || make and/or nodes
            right = self._binary(level + 1)
            left = (kind, op, left, right) if kind in ("cmp", "bin") else (kind, left, right)
        return left

    def _unary(self) -> tuple:
        word = self.word()
        if word in ("!", "not"):
            self.take()
            return ("not", self._unary())
        if word == "-":
            self.take()
            return ("neg", self._unary())
        if word == "empty":
            self.take()
            return ("empty", self._unary())
        return self._postfix(self._primary())

    def _primary(self) -> tuple:
        token = self.take()
        if token.kind == "num":
            return ("lit", token.text)
        if token.kind == "str":
            return ("lit", repr(_unescape(token.text)))
        if token.kind == "name":
            if token.text in ("true", "false", "null"):
                return ("lit", _EL_WORDS[token.text])
            if token.text in _EL_WORDS:
                raise Untranslatable(f"the operator {token.text!r} stands where a value should")
            if (
                self.peek().text == ":"
                and self.tokens[self.at + 1].kind == "name"
                and self.tokens[self.at + 2].text == "("
            ):
                raise Untranslatable(
                    f"EL functions such as {token.text}:{self.tokens[self.at + 1].text}() have no "
                    "translation",
                    "a Python expression, e.g. len(items) > 0",
                )
            return ("name", _variable(token.text))
        if token.text == "(":
            inner = self.expression()
            self.expect(")")
            return inner
        if token.text in ("[", "{"):
            raise Untranslatable(
                "EL collection literals have no translation", "a Python list, e.g. x in ['a', 'b']"
            )
        self.at -= 1
        self._refuse_here()
        raise AssertionError  # unreachable

    def _postfix(self, node: tuple) -> tuple:
        while True:
            word = self.word()
            if word == ".":
                self.take()
                name = self.take()
                if name.kind != "name":
                    raise Untranslatable("a property name must follow '.'")
                if self.word() == "(":
                    raise Untranslatable(
                        f"method calls such as {name.text}() have no translation",
                        "a Python expression over the case data, e.g. len(items) > 0",
                    )
                node = ("key", node, ("lit", repr(name.text)))
            elif word == "[":
                self.take()
                node = ("key", node, self.expression())
                self.expect("]")
            elif word == "(":
                raise Untranslatable(
                    "function calls have no translation", "a Python expression, e.g. len(items) > 0"
                )
            else:
                return node


def _unescape(literal: str) -> str:
    body = literal[1:-1]
    return re.sub(r"\\(.)", lambda found: found.group(1), body)


def _variable(name: str) -> str:
    if name in _CONTEXT_OBJECTS:
        raise Untranslatable(
            f"{name!r} is an object of the Java engine, which Lexflow does not have",
            'the case variable itself, e.g. approved (the case\'s own facts are in case["..."])',
        )
    if "$" in name or name.startswith("_") or keyword.iskeyword(name):
        raise Untranslatable(
            f"the variable name {name!r} is not allowed in Lexflow's Python expressions",
            "rename the variable (letters, digits and _ not at the start)",
        )
    return name


# Python precedence levels of what the printer writes (higher binds tighter).
_PRECEDENCE = {"if": 1, "or": 2, "and": 3, "not": 4, "cmp": 5, "empty": 5, "+": 6, "-": 6, "*": 7, "/": 7,
               "%": 7, "neg": 8, "atom": 10}  # fmt: skip


def _level(node: tuple) -> int:
    kind = node[0]
    if kind == "bin":
        return _PRECEDENCE[node[1]]
    if kind in ("lit", "name", "key"):
        return _PRECEDENCE["atom"]
    return _PRECEDENCE[kind]


def _wrap(node: tuple, at_least: int) -> str:
    text = _python(node)
    return f"({text})" if _level(node) < at_least else text


def _python(node: tuple) -> str:
    kind = node[0]
    if kind in ("lit", "name"):
        return node[1]
    if kind == "key":
        return f"{_wrap(node[1], 10)}[{_python(node[2])}]"
    if kind == "not":
        return f"not {_wrap(node[1], 4)}"
    if kind == "neg":
        return f"-{_wrap(node[1], 8)}"
    if kind == "empty":
        return f"{_wrap(node[1], 6)} in (None, '', [], {{}})"
    if kind == "cmp":
        op, left, right = node[1], node[2], node[3]
        if op in ("==", "!=") and right == ("lit", "None"):
            return f"{_wrap(left, 6)} {'is' if op == '==' else 'is not'} None"
        return f"{_wrap(left, 6)} {op} {_wrap(right, 6)}"
    if kind == "bin":
        level = _PRECEDENCE[node[1]]
        return f"{_wrap(node[2], level)} {node[1]} {_wrap(node[3], level + 1)}"
    if kind in ("and", "or"):
        level = _PRECEDENCE[kind]
        return f"{_wrap(node[1], level)} {kind} {_wrap(node[2], level + 1)}"
    if kind == "if":
        return f"{_wrap(node[2], 2)} if {_wrap(node[1], 2)} else {_wrap(node[3], 1)}"
    raise AssertionError(kind)


# ---------------------------------------------------------------------------------------------
# A package's parsed BPMN files


_CONDITIONS = ("conditionExpression", "completionCondition", "loopCardinality")
_TIMERS = ("timeDuration", "timeDate", "timeCycle")
# Task attributes that hold expressions in Lexflow; literals in another tool's file are text.
_EXPRESSION_ATTRS = ("assignee", "dueDate", "followUpDate", "priority")
_LIST_ATTRS = ("candidateGroups", "candidateUsers")


def translate_package(
    bpmn: dict[str, etree._ElementTree], default_group: str | None = None
) -> tuple[list[DeployNote], list[str]]:
    """Rewrite, in place, what the parsed BPMN files say in other tools' terms; returns the notes
    (one per translation) and the human tasks that got `default_group`.

    Expressions that cannot be translated are left as they are, for the deploy to refuse.
    """
    notes: list[DeployNote] = []
    defaulted: list[str] = []
    for name, tree in bpmn.items():
        root = tree.getroot()
        declared = set(root.nsmap.values())
        foreign = bool(declared & set(FOREIGN_NAMESPACES)) or metadata.SPIFF_NS not in declared
        for process in root.iter(f"{{{BPMN_NS}}}process"):
            if process.get("isExecutable") != "true":
                continue
            pid = process.get("id") or ""
            for node in process.iter():
                if not isinstance(node.tag, str) or etree.QName(node).namespace != BPMN_NS:
                    continue
                tag = etree.QName(node).localname
                if tag in _CONDITIONS:
                    notes.extend(_condition(name, pid, node, tag))
                elif tag in _TIMERS:
                    notes.extend(_timer(name, pid, node, tag, foreign))
                elif tag in metadata.HUMAN_TAGS:
                    notes.extend(_task_attributes(name, pid, node, tag))
                    if default_group and _needs_group(node):
                        node.set(f"{{{TRANSLATED_NS}}}defaultGroup", default_group)
                        defaulted.append(node.get("id", ""))
                        message = (
                            f"无泳道、无候选组：交给默认组 {default_group} / no lane and no candidate "
                            f"group: offered to the default group {default_group}"
                        )
                        notes.append(_note(name, pid, node, tag, message))
    return notes, defaulted


def _note(
    file: str, pid: str, node: etree._Element, tag: str, message: str, line: int | None = None
) -> DeployNote:
    owner = node
    while owner is not None and (
        not owner.get("id") or etree.QName(owner).localname.endswith("EventDefinition")
    ):
        owner = owner.getparent()
    element = owner if owner is not None else node
    return DeployNote(
        file=file,
        line=line or node.sourceline,
        element_id=element.get("id"),
        tag=etree.QName(element).localname,
        message=message,
        process_id=pid,
    )


def _translated(original: str, python: str) -> str:
    return f"{original.strip()} → {python}"


def _condition(file: str, pid: str, node: etree._Element, tag: str) -> Iterator[DeployNote]:
    text = (node.text or "").strip()
    if not is_el(text):
        return
    try:
        python = translate(text)
    except Untranslatable:
        return
    node.text = python
    language = (node.get("language") or "").lower()
    if language and ("juel" in language or language in ("el", "uel")):
        del node.attrib["language"]
    label = {
        "conditionExpression": "条件 / condition",
        "completionCondition": "完成条件 / completion condition",
        "loopCardinality": "循环次数 / loop cardinality",
    }[tag]
    yield _note(file, pid, node, tag, f"{label}: {_translated(text, python)}")


def _timer(file: str, pid: str, node: etree._Element, tag: str, foreign: bool) -> Iterator[DeployNote]:
    text = (node.text or "").strip()
    if is_el(text):
        try:
            python = translate(text)
        except Untranslatable:
            return
    elif foreign and _ISO_LITERAL.match(text):
        python = repr(text)
    else:
        return
    node.text = python
    yield _note(file, pid, node, tag, f"定时器 / timer {tag}: {_translated(text, python)}")


def _task_attributes(file: str, pid: str, node: etree._Element, tag: str) -> Iterator[DeployNote]:
    spiff = metadata.spiff_properties(node)
    for attr in _EXPRESSION_ATTRS:
        if spiff.get(attr, "").strip():
            continue  # the spiff property wins, and is Python already
        for namespace in metadata.VENDOR_NAMESPACES:
            raw = node.get(f"{{{namespace}}}{attr}")
            if raw is None or not raw.strip():
                continue
            text = raw.strip()
            if is_el(text):
                try:
                    python = translate(text)
                except Untranslatable:
                    continue
            elif attr == "priority" and re.fullmatch(r"-?\d+", text):
                continue  # a number means the same in both
            else:
                python = repr(text)
            node.set(f"{{{namespace}}}{attr}", python)
            yield _note(file, pid, node, tag, f"{_prefix(namespace)}:{attr}: {_translated(text, python)}")
    for attr in _LIST_ATTRS:
        if spiff.get(attr, "").strip():
            continue
        for namespace in metadata.VENDOR_NAMESPACES:
            raw = node.get(f"{{{namespace}}}{attr}")
            if raw is None or not is_el(raw):
                continue
            try:
                python = translate(raw.strip())
            except Untranslatable:
                continue
            node.set(f"{{{TRANSLATED_NS}}}{attr}Expression", python)
            del node.attrib[f"{{{namespace}}}{attr}"]
            yield _note(
                file, pid, node, tag,
                f"{_prefix(namespace)}:{attr}: {_translated(raw, python)} (evaluated when the task opens)",
            )  # fmt: skip


def _prefix(namespace: str) -> str:
    return {metadata.CAMUNDA_NS: "camunda", metadata.FLOWABLE_NS: "flowable"}.get(namespace, "activiti")


def _needs_group(node: etree._Element) -> bool:
    spec = metadata.human_task_spec(node, metadata.lane_of(node))
    return not spec.candidate_groups and not spec.candidate_groups_expression


def deploy_errors(bpmn: dict[str, etree._ElementTree], forms: set[str]) -> list[DeployError]:
    """What a new deploy refuses of other tools' task attributes (packages deployed before keep
    loading): Camunda external tasks, and a `formKey` that is not a JSON-schema form file (an
    embedded, app or Camunda form Lexflow cannot show, or an expression)."""
    errors = []
    for name, tree in bpmn.items():
        for process in tree.getroot().iter(f"{{{BPMN_NS}}}process"):
            if process.get("isExecutable") != "true":
                continue
            for node in process.iter():
                if not isinstance(node.tag, str) or metadata.camunda_attr(node, "type") != "external":
                    continue
                topic = metadata.camunda_attr(node, "topic") or "?"
                errors.append(
                    DeployError(
                        name,
                        node.sourceline,
                        node.get("id"),
                        etree.QName(node).localname,
                        f"Camunda 外部任务（主题 {topic}）不受支持 / Camunda external tasks (topic {topic}) "
                        "are not supported: nothing would do the work; make it a service task with a "
                        "spiffworkflow service operator",
                    )
                )
            for node in process.iter(
                *(f"{{{BPMN_NS}}}{tag}" for tag in (*metadata.HUMAN_TAGS, "startEvent"))
            ):
                if metadata.spiff_properties(node).get("formJsonSchemaFilename", "").strip():
                    continue
                key = metadata.camunda_attr(node, "formKey")
                if key is None or (key.endswith(".schema.json") and not is_el(key)):
                    continue  # none, or a form file (a missing one is reported with the others)
                what = (
                    "是表达式 / is an expression"
                    if is_el(key)
                    else "不是本包中的表单 / is not a form of the package"
                )
                errors.append(
                    DeployError(
                        name,
                        node.sourceline,
                        node.get("id"),
                        etree.QName(node).localname,
                        f"formKey {key!r} {what}: Lexflow shows JSON-schema forms; add one to the package "
                        f'and name it, e.g. formKey="{node.get("id") or "task"}.schema.json" (or the '
                        "spiffworkflow property formJsonSchemaFilename)",
                    )
                )
    return errors
