"""The script sandbox holds whatever a script does: every payload below is refused at deploy or
fails its own case with an ordinary EngineError, while the server carries on.

PAYLOADS is the list the lead quotes: each entry is (script, where it is stopped, what the
designer reads). "deploy" means `Engine.compile(..., deploying=True)` refuses the package;
"run" means the package deploys and a case reaching the script fails with an EngineError.
A message "a | b" means either (the memory or the time limit, whichever the script meets first).
"""

from __future__ import annotations

import threading
import time
from xml.sax.saxutils import escape, quoteattr

import pytest

from workflows import DeployFailed, Engine, EngineError

MEMORY_MIB = 128
# Scripts that grow step by step meet whichever limit comes first on a busy machine.
LIMIT = "MiB of memory | ran longer than 0.5 s"

PAYLOADS: list[tuple[str, str, str]] = [
    # Ways to an exception that is not an ordinary error
    ("raise Exception.mro()[1]('x')", "deploy", ".mro is not available"),
    ("raise SystemExit", "deploy", "SystemExit is not available"),
    ("raise KeyboardInterrupt()", "deploy", "KeyboardInterrupt is not available"),
    ("raise GeneratorExit", "deploy", "GeneratorExit is not available"),
    ("raise BaseException('x')", "deploy", "BaseException is not available"),
    ("e = ValueError\nb = e.mro", "deploy", ".mro is not available"),
    ("class Quit(BaseException):\n    pass", "deploy", "BaseException is not available"),
    ("def g():\n    yield 1\nit = g()\nnext(it)\nit.throw(ValueError)", "deploy", ".throw is not available"),
    ("x = ().__class__.__base__.__subclasses__()", "deploy", "attribute __class__ is not allowed"),
    ("import os", "deploy", "import statements are not allowed"),
    ("try:\n    x = 1\nexcept:\n    pass", "deploy", "catch specific exceptions only"),
    # One C-level operation that would allocate or compute past any limit: literal sizes
    ("x = (10**1000)**10000", "deploy", "numbers are limited to"),
    ("x = 'a'.ljust(10**10)", "deploy", ".ljust(10000000000) makes a string longer"),
    ("x = 'a'.rjust(10**10)", "deploy", ".rjust(10000000000) makes a string longer"),
    ("x = 'a'.center(10**10)", "deploy", ".center(10000000000) makes a string longer"),
    ("x = '1'.zfill(10**10)", "deploy", ".zfill(10000000000) makes a string longer"),
    ("x = '\\t'.expandtabs(10**9)", "deploy", ".expandtabs(1000000000) makes a string longer"),
    ("x = f'{1:{10**10}}'", "deploy", "asks for more than"),
    ("x = 'a' * 10**10", "deploy", "result longer than"),
    ("x = 1 << 10**10", "deploy", "numbers are limited to"),
    ("x = pow(10, 10**8)", "deploy", "numbers are limited to"),
    ("x = list(range(10**9))", "deploy", "range() larger than"),
    # The same with sizes a deploy cannot see: refused or stopped when the case runs
    ("n = 10**10\nx = 'a'.ljust(n)", "run", "MiB of memory"),
    ("n = 10**10\nx = 'a'.center(n)", "run", "MiB of memory"),
    ("x = '%*s' % (10**10, 'a')", "run", "MiB of memory"),
    ("n = 10**10\nx = f'{1:{n}}'", "run", "MiB of memory"),
    ("x = ('a' * 10**6).replace('a', 'a' * 10**6)", "run", "MiB of memory"),
    ("x = ''.join('a' * 10**6 for i in range(1000))", "run", LIMIT),
    ("x = ('\\t' * 1000).expandtabs(10**6)", "run", "MiB of memory"),
    ("x = [0] * 10**10", "run", "result longer than 10000000 items"),
    ("n = 10**10\nx = 'a' * n", "run", "result longer than 10000000 items"),
    ("n = 10**10\nx = 1 << n", "run", "numbers are limited to"),
    ("n = 30000\nx = 10**n\ny = x * x", "run", "numbers are limited to"),
    ("n = 10**9\nx = list(range(n))", "run", "range() larger than"),
    ("x = [1] * 10**7\nx.extend(x)\nx.extend(x)\nx.extend(x)", "run", LIMIT),
    ("s = 'a'\nfor i in range(40):\n    s = s + s", "run", LIMIT),
    ("x = sum([[0] * 10**4] * 10**4, [])", "run", "ran longer than 0.5 s"),
    ("x = str(Decimal('1e999999999') + 1)", "run", "Overflow"),
    ("x = f'{Decimal(\"1e999999999\"):f}'", "run", "MiB of memory"),
    # One C-level operation that would hold the CPU (and, in process, the GIL) for seconds
    ("x = floor(Decimal('1e300000'))", "run", "ran longer than 0.5 s"),
    ("x = pow(7, 10**4000, 10**5000)", "run", "ran longer than 0.5 s"),
    ("y = [1]\nfor i in range(100):\n    y = [y, y]", "run", "ran longer than 0.5 s"),
    # Loops and recursion
    ("while True:\n    pass", "run", "ran longer than 0.5 s"),
    ("x = [c for c in range(10**6) for d in range(10**6)]", "run", "ran longer than 0.5 s"),
    ("def f(n):\n    return f(n + 1)\nx = f(0)", "run", "RecursionError"),
    (
        "while True:\n    try:\n        x = 1\n    except Exception:\n        pass",
        "run",
        "ran longer than 0.5 s",
    ),
    # Ordinary errors stay ordinary, and tell the designer what went wrong
    ("x = bytes(10**10)", "run", "name 'bytes' is not defined"),
    ("x = str(10**5000)", "run", "Exceeds the limit"),
    ("x = int('9' * 100000)", "run", "Exceeds the limit"),
    ("x = timedelta(days=10**10)", "run", "OverflowError"),
    ("x = datetime.max + timedelta(days=1)", "run", "OverflowError"),
    ("s = '{0.__class__}'.format(1)", "run", "format*() methods of `str` is not safe"),
    ("f = 'x'.format\ns = f(1)", "run", "format"),
    ("x = 1 / 0", "run", "ZeroDivisionError: division by zero"),
    ("x = {}['missing']", "run", "KeyError"),
    ("x = datetime.now()", "run", "cannot be saved as task data"),
]


def _script_package(script: str) -> dict[str, bytes]:
    bpmn = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="hostile" name="Hostile script" scriptFormat="python">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{escape(script)}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="hostile" />
    <bpmn:sequenceFlow id="f2" sourceRef="hostile" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""
    return {"hostile.bpmn": bpmn.encode()}


@pytest.fixture(scope="module")
def sandboxed() -> Engine:
    return Engine(script_time_limit=0.5, script_memory_limit=MEMORY_MIB)


def outcome(engine: Engine, script: str) -> tuple[str, str]:
    """Where a script is stopped and what the designer reads; anything but these two fails the test."""
    files = _script_package(script)
    try:
        package = engine.compile(files, deploying=True)
    except DeployFailed as failed:
        return "deploy", " | ".join(error.message for error in failed.errors)
    try:
        engine.start(package, "p", {})
    except EngineError as error:
        assert error.element_id == "hostile"
        return "run", str(error)
    return "completed", ""


@pytest.mark.parametrize(("script", "where", "message"), PAYLOADS, ids=[p[0][:40] for p in PAYLOADS])
def test_a_hostile_script_is_refused_at_deploy_or_fails_its_case_with_an_ordinary_error(
    sandboxed: Engine, script: str, where: str, message: str
) -> None:
    stopped, said = outcome(sandboxed, script)
    assert (stopped, any(m in said for m in message.split(" | "))) == (where, True), said


# ---------------------------------------------------------------------------- every kind of site

BPMN_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
    ' xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="t">\n'
    '<bpmn:process id="p" isExecutable="true">\n'
    '<bpmn:laneSet id="ls"><bpmn:lane id="lane" name="caseworker"><bpmn:flowNodeRef>site</bpmn:flowNodeRef>'
    "</bpmn:lane></bpmn:laneSet>\n"
    '<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>\n'
    '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="site" />\n'
)
BPMN_TAIL = (
    '<bpmn:sequenceFlow id="f2" sourceRef="site" targetRef="end" />\n'
    '<bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>\n'
    "</bpmn:process>\n</bpmn:definitions>\n"
)
PROPERTY = {
    "priority": "priority",
    "due date": "dueDate",
    "assignee": "assignee",
    "follow-up date": "followUpDate",
}


def _dmn(input_expression: str, cell: str, output: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="dd" name="D" namespace="t">
  <decision id="decision" name="Decision">
    <decisionTable id="table" hitPolicy="FIRST">
      <input id="in">
        <inputExpression id="in_expr"><text>{escape(input_expression)}</text></inputExpression>
      </input>
      <output id="out" name="result" />
      <rule id="rule"><inputEntry id="rule_in"><text>{escape(cell)}</text></inputEntry>
        <outputEntry id="rule_out"><text>{escape(output)}</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>
""".encode()


def _site_package(kind: str, expression: str) -> dict[str, bytes]:
    """A process whose one element `site` evaluates `expression` as a `kind` (a designer's word)."""
    statement = f"x = {expression}"
    files: dict[str, bytes] = {}
    if kind == "script":
        body = '<bpmn:scriptTask id="site" scriptFormat="python"><bpmn:incoming>f1</bpmn:incoming>'
        body += f"<bpmn:outgoing>f2</bpmn:outgoing><bpmn:script>{escape(statement)}</bpmn:script>"
        body += "</bpmn:scriptTask>"
    elif kind in ("pre-script", "post-script"):
        tag = "preScript" if kind == "pre-script" else "postScript"
        body = (  # SpiffWorkflow runs pre- and post-scripts of user, service and rule tasks
            f'<bpmn:userTask id="site"><bpmn:extensionElements><spiffworkflow:{tag}>'
            f"{escape(statement)}</spiffworkflow:{tag}></bpmn:extensionElements>"
            "<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>"
        )
    elif kind == "condition":
        body = (
            '<bpmn:exclusiveGateway id="site" default="f2"><bpmn:incoming>f1</bpmn:incoming>'
            "<bpmn:outgoing>f2</bpmn:outgoing><bpmn:outgoing>f3</bpmn:outgoing></bpmn:exclusiveGateway>"
            '<bpmn:sequenceFlow id="f3" sourceRef="site" targetRef="other">'
            f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{escape(expression)}'
            "</bpmn:conditionExpression></bpmn:sequenceFlow>"
            '<bpmn:endEvent id="other"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>'
        )
    elif kind == "timer":
        body = (
            '<bpmn:intermediateCatchEvent id="site">'
            "<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>"
            f'<bpmn:timerEventDefinition id="td"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">'
            f"{escape(expression)}</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
        )
    elif kind in PROPERTY:
        body = (
            '<bpmn:userTask id="site"><bpmn:extensionElements><spiffworkflow:properties>'
            f'<spiffworkflow:property name="{PROPERTY[kind]}" value={quoteattr(expression)} />'
            "</spiffworkflow:properties></bpmn:extensionElements>"
            "<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>"
        )
    elif kind == "service parameter":
        body = (
            '<bpmn:serviceTask id="site"><bpmn:extensionElements>'
            '<spiffworkflow:serviceTaskOperator id="echo" resultVariable="echo"><spiffworkflow:parameters>'
            f'<spiffworkflow:parameter id="value" type="any" value={quoteattr(expression)} />'
            "</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator></bpmn:extensionElements>"
            "<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:serviceTask>"
        )
    elif kind.startswith("DMN"):
        parts = {
            "DMN input expression": (expression, "True", "1"),
            "DMN cell": ("1", f"== {expression}", "1"),
        }
        files["d.dmn"] = _dmn(*parts.get(kind, ("1", "-", expression)))
        body = (
            '<bpmn:businessRuleTask id="site"><bpmn:extensionElements><spiffworkflow:calledDecisionId>'
            "decision</spiffworkflow:calledDecisionId></bpmn:extensionElements>"
            "<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:businessRuleTask>"
        )
    else:
        raise AssertionError(kind)
    files["p.bpmn"] = (BPMN_HEAD + body + "\n" + BPMN_TAIL).encode()
    return files


SITES = [
    "script",
    "pre-script",
    "post-script",
    "condition",
    "timer",
    "priority",
    "due date",
    "assignee",
    "follow-up date",
    "service parameter",
    "DMN input expression",
    "DMN cell",
    "DMN output entry",
]
HOLDS_THE_CPU = "floor(Decimal('1e300000')) > 0"  # one C call of about 6 s on this machine


@pytest.fixture(scope="module")
def with_echo() -> Engine:
    return Engine(
        services={"echo": lambda params: params}, script_time_limit=0.5, script_memory_limit=MEMORY_MIB
    )


@pytest.mark.parametrize("kind", SITES)
def test_every_kind_of_expression_refuses_base_exceptions_at_deploy_naming_the_element(
    with_echo: Engine, kind: str
) -> None:
    expression = "SystemExit == 1" if kind != "DMN cell" else "SystemExit"
    with pytest.raises(DeployFailed) as failed:
        with_echo.compile(_site_package(kind, expression), deploying=True)
    [error] = [e for e in failed.value.errors if "SystemExit" in e.message]
    assert error.element_id in ("site", "f3", "in_expr", "rule_in", "rule_out") and error.line
    assert "SystemExit is not available" in error.message


@pytest.mark.parametrize("kind", SITES)
def test_every_kind_of_expression_that_holds_the_cpu_fails_its_case_with_an_ordinary_error(
    with_echo: Engine, kind: str
) -> None:
    package = with_echo.compile(_site_package(kind, HOLDS_THE_CPU), deploying=True)
    with pytest.raises(EngineError) as failed:
        instance = with_echo.start(package, "p", {})
        instance.snapshot()  # queue expressions (priority, due date...) are read for the snapshot
        [task] = instance.ready_tasks()
        instance.complete(task.task_id, {})  # post-scripts run as the task completes
    assert "ran longer than 0.5 s" in str(failed.value)


# ---------------------------------------------------------------------------- the server carries on


def test_the_server_keeps_working_while_a_script_holds_the_cpu_in_one_c_call(sandboxed: Engine) -> None:
    package = sandboxed.compile(_script_package(f"x = {HOLDS_THE_CPU}"), deploying=True)
    caught: list[BaseException] = []

    def case() -> None:
        try:
            sandboxed.start(package, "p", {})
        except BaseException as exc:  # noqa: BLE001 - record whatever happens
            caught.append(exc)

    worker = threading.Thread(target=case)
    worker.start()
    time.sleep(0.05)  # the script is in its C call now
    done_meanwhile = 0
    while worker.is_alive() and done_meanwhile < 20:
        time.sleep(0.001)  # a request's worth of work for this (the server's) thread
        done_meanwhile += 1
    still_running = worker.is_alive()
    worker.join()
    # In process, the C call would hold the interpreter for seconds: this thread could not
    # have run at all until it was over.
    assert done_meanwhile == 20 and still_running
    assert len(caught) == 1 and isinstance(caught[0], EngineError)
    assert "ran longer than 0.5 s" in str(caught[0])


def test_a_killed_sandbox_is_replaced_and_the_next_case_runs(sandboxed: Engine) -> None:
    stopped, _ = outcome(sandboxed, "while True:\n    x = floor(Decimal('1e300000'))")
    assert stopped == "run"
    package = sandboxed.compile(_script_package("x = 6 * 7"), deploying=True)
    assert sandboxed.start(package, "p", {}).snapshot().data["x"] == 42


def test_the_engines_functions_run_in_the_server_with_the_case_data() -> None:
    seen: list[dict] = []

    def deadline(data: dict, name: str, since: str = "") -> str:
        seen.append(dict(data))
        if name == "unknown":
            raise ValueError(f"no deadline named {name}")
        return f"{name}:{since}:{data['case']['organisation']}"

    engine = Engine(functions={"deadline": deadline}, script_time_limit=0.5)
    script = "due = deadline('decision', since=received)\n"
    script += "try:\n    deadline('unknown')\nexcept ValueError:\n    ok = 1"
    package = engine.compile(_script_package(script), deploying=True)
    data = (
        engine.start(package, "p", {"case": {"organisation": "210102"}, "received": "2030-01-01"})
        .snapshot()
        .data
    )
    assert data["due"] == "decision:2030-01-01:210102" and data["ok"] == 1
    assert seen[0]["case"] == {"organisation": "210102"}


def test_a_bare_base_exception_inside_the_sandbox_comes_back_as_an_ordinary_error(monkeypatch) -> None:
    """Suppose a guard missed a way to BaseException: the sandbox still answers with words."""
    from workflows import restricted, sandbox_child

    monkeypatch.setattr(sandbox_child, "_limit_cpu", lambda seconds: None)  # not on the test process
    monkeypatch.setitem(restricted.GUARDS, "_getattr_", getattr)
    for script in ("raise Exception.mro()[1]('x')", "raise Exception.mro()[1].__subclasses__()[0]()"):
        request = {"mode": "exec", "source": script, "context": {}, "time_limit": 0.5}
        reply = sandbox_child._serve(restricted, None, request)
        assert reply["ok"] is False and reply["kind"] in ("refused", "error"), reply
    request = {"mode": "exec", "source": "raise Exception.mro()[1]('x')", "context": {}, "time_limit": 0.5}
    reply = sandbox_child._serve(restricted, None, request)
    assert reply["kind"] == "refused" and "raised BaseException" in reply["message"]


def test_what_a_service_raises_beyond_ordinary_errors_fails_only_its_case() -> None:
    def hostile(params: dict) -> dict:
        raise GeneratorExit("from a service")

    engine = Engine(services={"echo": hostile}, script_time_limit=0.5)
    package = engine.compile(_site_package("service parameter", "1"), deploying=True)
    with pytest.raises(EngineError) as failed:
        engine.start(package, "p", {})
    assert "GeneratorExit" in str(failed.value)


@pytest.mark.parametrize(
    ("source", "plain"),
    [
        ('risk_level == "high"', True),
        ("id_check['valid'] == True and not exempt", True),
        ("80 if advance_aid else 60", True),
        ('bool(repeat.get("answered"))', True),
        ("datetime.fromisoformat(a) < datetime.fromisoformat(b)", True),
        ('deadline("consultation.check")', True),
        ("dmninputexpr in ('court', 'arbitration')", True),
        ("quality_returns + 1", True),
        ("x * 2", False),
        ("x + y", False),
        ("'%s' % x", False),
        ("f'{x}'", False),
        ("x.ljust(10)", False),
        ("[c for c in x]", False),
        ("(lambda: 1)()", False),
        ("str(x)", False),
        ("x[1:]", True),  # a copy of part of x, never longer
        ("[x, x]", False),
        ("pow(x, 2)", False),
    ],
)
def test_only_expressions_that_cannot_grow_or_loop_run_in_process(source: str, plain: bool) -> None:
    from workflows.restricted import plain_expression

    assert plain_expression(source, frozenset({"deadline"})) is plain


@pytest.mark.parametrize(
    ("source", "plain"),
    [
        ("accepted_at = now()\ndue = deadline('mediation.duration', since=accepted_at)", True),
        ('if risk_level == "high":\n    reason = "risk"\nelse:\n    reason = "overrun"', True),
        ("try:\n    x\nexcept NameError:\n    x = None", True),
        ("quality_returns += 1\nclosing_date = closing_at[:10]\ndel draft", True),
        ("applicant['id_number'] = corrected", False),  # a store into a dict: could build shared data
        ("for i in range(3):\n    n = i", False),
        ("x = [y, y]", False),
        ("def f():\n    return 1", False),
        ("x = name.strip().upper()", False),
        ("try:\n    x\nexcept Exception as e:\n    y = e", False),
    ],
)
def test_only_scripts_that_cannot_grow_or_loop_run_in_process(source: str, plain: bool) -> None:
    from workflows.restricted import plain_script

    assert plain_script(source, frozenset({"now", "deadline"})) is plain
