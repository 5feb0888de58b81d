"""Service tasks are checked at deploy against the services the engine answers: the operator
exists, the task passes the parameters the service reads and no others, each once, each a
Python expression. Every error names the service task and the line to fix."""

from __future__ import annotations

import pytest

from tests.workflows.support import FIXTURES, load_package
from workflows import DeployError, DeployFailed, Engine, EngineError, ServiceParams

BPMN = (FIXTURES / "service" / "lookup.bpmn").read_text()
OPERATOR = """<spiffworkflow:serviceTaskOperator id="echo" resultVariable="registry">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="name" type="str" value="applicant.upper()" />
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>"""
PARAMETER = '<spiffworkflow:parameter id="name" type="str" value="applicant.upper()" />'
assert OPERATOR in BPMN and PARAMETER in OPERATOR


@pytest.fixture
def declared() -> Engine:
    """An engine whose services declare their parameters, as the server's all do."""
    return Engine(
        services={"echo": lambda params: params, "identity.check": lambda params: params},
        service_params={
            "echo": ServiceParams(("name",), ("shout",)),
            "identity.check": ServiceParams(("id_number",)),
        },
    )


def _files(operator: str) -> dict[str, bytes]:
    return {"lookup.bpmn": BPMN.replace(OPERATOR, operator).encode()}


def _line(files: dict[str, bytes], needle: str, nth: int = 0) -> int:
    text = files["lookup.bpmn"].decode()
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    return text[:at].count("\n") + 1


def _refused(engine: Engine, files: dict[str, bytes], **options: bool) -> list[DeployError]:
    with pytest.raises(DeployFailed) as info:
        engine.compile(files, **options)
    return info.value.errors


def test_a_well_formed_call_of_a_known_service_deploys(declared: Engine) -> None:
    package = declared.compile(load_package("service"), deploying=True)
    snap = declared.start(package, "lookup", {"applicant": "ana"}).snapshot()
    assert snap.data["registry"] == {"name": "ANA"}


@pytest.mark.parametrize(
    ("operator", "needle", "nth", "message"),
    [
        pytest.param(
            OPERATOR.replace('id="echo"', 'id="ecoh"'),
            "<spiffworkflow:serviceTaskOperator",
            0,
            "此服务器没有服务 'ecoh'，是否应为 echo？ / service 'ecoh' is not registered on this server; "
            "did you mean echo?",
            id="misspelt service",
        ),
        pytest.param(
            OPERATOR.replace('id="echo"', 'id="registry.lookup"'),
            "<spiffworkflow:serviceTaskOperator",
            0,
            "(known: echo, identity.check)",
            id="unknown service",
        ),
        pytest.param(
            OPERATOR.replace(PARAMETER, ""),
            "<spiffworkflow:serviceTaskOperator",
            0,
            "缺少服务 echo 的必填参数 name / service echo needs parameter name",
            id="missing required parameter",
        ),
        pytest.param(
            OPERATOR.replace(
                PARAMETER, PARAMETER + '<spiffworkflow:parameter id="shuot" type="any" value="1"/>'
            ),
            'id="shuot"',
            0,
            "service echo does not read parameter shuot (it reads: name, shout); did you mean shout?",
            id="parameter the service does not read",
        ),
        pytest.param(
            OPERATOR.replace(PARAMETER, PARAMETER + PARAMETER),
            PARAMETER,
            1,
            "参数 name 重复出现",
            id="parameter given twice",
        ),
        pytest.param(
            OPERATOR.replace("applicant.upper()", "applicant.upper("),
            PARAMETER.replace("upper()", "upper("),
            0,
            "parameter name: 'applicant.upper(' is not a valid Python expression (syntax error",
            id="not Python",
        ),
        pytest.param(
            OPERATOR.replace("applicant.upper()", "${applicant}"),
            'id="name"',
            0,
            "JUEL/FEEL is not supported",
            id="JUEL",
        ),
        pytest.param(
            OPERATOR.replace("applicant.upper()", "applicant.__class__"),
            'id="name"',
            0,
            "the attribute __class__ is not allowed",
            id="restricted Python",
        ),
        pytest.param(
            OPERATOR.replace('value="applicant.upper()"', 'value=" "'),
            'id="name"',
            0,
            "参数 name 没有值：请填写 Python 表达式，例如 name / parameter name has no value",
            id="empty value",
        ),
        pytest.param(
            OPERATOR.replace(' value="applicant.upper()"', ""),
            'id="name"',
            0,
            "parameter name has no value",
            id="no value attribute",
        ),
        pytest.param(
            OPERATOR.replace('id="echo"', 'id=" "'),
            "<spiffworkflow:serviceTaskOperator",
            0,
            "the service task names no service",
            id="blank service name",
        ),
    ],
)
def test_a_deploy_refuses_a_call_the_services_cannot_answer(
    declared: Engine, operator: str, needle: str, nth: int, message: str
) -> None:
    files = _files(operator)
    errors = _refused(declared, files, deploying=True)
    matching = [error for error in errors if message in error.message]
    assert matching, errors
    [error] = matching
    assert (error.file, error.element_id, error.tag) == ("lookup.bpmn", "call_registry", "serviceTask")
    assert error.line == _line(files, needle, nth)
    # A package deployed before these checks (or before its service was withdrawn) still loads.
    assert declared.compile(files).processes


def test_a_package_deployed_before_its_service_was_withdrawn_fails_only_at_the_task(declared: Engine) -> None:
    files = _files(OPERATOR.replace('id="echo"', 'id="withdrawn"'))
    assert _refused(declared, files, deploying=True)
    package = declared.compile(files)  # what the server does to load a deployed version
    with pytest.raises(EngineError) as info:
        declared.start(package, "lookup", {"applicant": "ana"})
    assert info.value.element_id == "call_registry" and "withdrawn" in str(info.value)


@pytest.mark.parametrize(
    ("operator", "needle", "message"),
    [
        pytest.param("", 'id="call_registry"', "the service task names no service", id="no operator"),
        pytest.param(
            OPERATOR.replace(' id="echo"', ""),
            "<spiffworkflow:serviceTaskOperator",
            "服务任务没有指定服务",
            id="operator without a service name",
        ),
        pytest.param(
            OPERATOR.replace(' id="name"', ""),
            "<spiffworkflow:parameter ",
            "a service parameter has no name (id)",
            id="parameter without a name",
        ),
        pytest.param(
            OPERATOR.replace(' type="str"', ""),
            "<spiffworkflow:parameter ",
            'service parameter name has no type attribute, e.g. type="any"',
            id="parameter without a type",
        ),
        pytest.param(
            OPERATOR + OPERATOR,
            "<spiffworkflow:serviceTaskOperator",
            "the service task has 2 serviceTaskOperator elements; keep one",
            id="two operators",
        ),
    ],
)
def test_a_service_task_spiffworkflow_cannot_read_is_refused_by_every_compile(
    engine: Engine, operator: str, needle: str, message: str
) -> None:
    files = _files(operator)
    errors = _refused(engine, files)
    assert [(e.element_id, e.line) for e in errors if message in e.message] == [
        ("call_registry", _line(files, needle, 1 if operator == OPERATOR + OPERATOR else 0))
    ], errors
    assert not [e for e in errors if "KeyError" in e.message or "must have an operator" in e.message]


def test_an_operator_without_its_parameters_element_is_located(engine: Engine) -> None:
    files = _files('<spiffworkflow:serviceTaskOperator id="echo" resultVariable="registry"/>')
    errors = _refused(engine, files)
    [located] = [e for e in errors if e.element_id == "call_registry"]
    assert "no spiffworkflow:parameters element" in located.message
    assert located.line == _line(files, "<spiffworkflow:serviceTaskOperator")


def test_services_that_declare_no_parameters_are_checked_by_name_only(engine: Engine) -> None:
    # The engine fixture's `echo` declares nothing: any parameters pass, an unknown name does not.
    extra = OPERATOR.replace(
        PARAMETER, PARAMETER + '<spiffworkflow:parameter id="more" type="any" value="1"/>'
    )
    assert engine.compile(_files(extra), deploying=True).processes
    errors = _refused(engine, _files(OPERATOR.replace('id="echo"', 'id="nope"')), deploying=True)
    assert [e.element_id for e in errors] == ["call_registry"]


def test_call_problems_come_with_the_other_problems_of_the_package(declared: Engine) -> None:
    files = _files(OPERATOR.replace('id="echo"', 'id="nope"'))
    files["lookup.bpmn"] = files["lookup.bpmn"].replace(
        b'<bpmn:serviceTask id="call_registry"',
        b'<bpmn:scriptTask id="bad_script" scriptFormat="python"><bpmn:script>import os</bpmn:script>'
        b'</bpmn:scriptTask>\n    <bpmn:serviceTask id="call_registry"',
    )
    errors = _refused(declared, files, deploying=True)
    assert {e.element_id for e in errors} == {"bad_script", "call_registry"}
    assert [e.line for e in errors] == sorted(e.line for e in errors)
