"""Service tasks in the designer: the services the server answers, with their parameters, and a
validate or deploy that refuses a service task naming an unknown service or passing the wrong
parameters, on the task and its line, storing nothing."""

import ast
import inspect
import re
import textwrap
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from server.audit.models import Event
from server.processes.engine import register_service, service_operators
from server.processes.models import ProcessDefinition
from tests.server.conftest import BPMN_DIR, shipped_files, upload

URL = "/api/v1/processes/service-operators"
SERVICES = {
    "complaints.ineligibility_notice",
    "complaints.repeat_check",
    "identity.check",
    "legal_aid.assign_lawyer",
    "legal_aid.hardship_threshold",
    "legal_aid.subsidy",
    "mediation.assign_mediator",
    "notary.acceptance_number",
    "notary.assign_notary",
    "notary.count_quota",
}


def validate(client, files: dict[str, bytes]):
    uploads = [SimpleUploadedFile(name, content) for name, content in files.items()]
    return client.post("/api/v1/processes/validate", {"files": uploads}, format="multipart")


# ---------------------------------------------------------------------------------------------
# The services a designer can choose from


def test_designers_and_admins_see_every_service_with_its_parameters(client_for):
    for username in ("designer", "admin"):
        response = client_for(username).get(URL)
        assert response.status_code == 200, response.content
        body = response.json()
        assert [service["name"] for service in body] == sorted(SERVICES)
        by_name = {service["name"]: service for service in body}
        assert by_name["identity.check"] == {
            "name": "identity.check",
            "description": "核验身份证号码 / Check a resident ID number: shape, birth date and check digit.",
            "required": ["id_number"],
            "optional": [],
        }
        assert by_name["complaints.repeat_check"]["required"] == ["target_name"]
        assert by_name["complaints.repeat_check"]["optional"] == ["id_number", "contact_phone"]
        assert by_name["legal_aid.assign_lawyer"]["optional"] == ["preferred"]


def test_only_designers_and_admins_may_list_the_services(client_for):
    for username in ("applicant", "caseworker", "reviewer", "supervisor"):
        response = client_for(username).get(URL)
        assert response.status_code == 403, username
        assert "Only process designers" in response.json()["detail"]
    assert APIClient().get(URL).status_code in (401, 403)


def _keys_read(handler: Callable) -> set[str]:
    """The keys a handler reads from its params dict: params.get("x"), params["x"], f(params, "x")."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(handler)))
    function = tree.body[0]
    assert isinstance(function, ast.FunctionDef)
    name = function.args.args[0].arg
    keys, uses = set(), 0

    def is_params(node: ast.AST) -> bool:
        return isinstance(node, ast.Name) and node.id == name

    def key(node: ast.AST) -> str:
        assert isinstance(node, ast.Constant) and isinstance(node.value, str), ast.dump(node)
        return node.value

    for node in ast.walk(function):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and is_params(node.func.value):
            assert node.func.attr == "get", ast.dump(node)
            keys.add(key(node.args[0]))
            uses += 1
        elif isinstance(node, ast.Subscript) and is_params(node.value):
            keys.add(key(node.slice))
            uses += 1
        elif isinstance(node, ast.Call) and len(node.args) == 2 and is_params(node.args[0]):
            keys.add(key(node.args[1]))  # a helper reading one key, e.g. _text(params, "x")
            uses += 1
    every_use = sum(1 for node in ast.walk(function) if is_params(node))
    assert uses == every_use, f"{handler.__name__} passes its params on whole: cannot tell what it reads"
    return keys


@pytest.mark.parametrize("service", service_operators(), ids=lambda service: service.name)
def test_each_service_declares_exactly_the_parameters_its_handler_reads(service):
    assert set(service.required) | set(service.optional) == _keys_read(service.handler)
    assert re.search(r"[\u4e00-\u9fff].* / [A-Z]", service.description), service.description


def test_a_registration_must_name_its_parameters_one_by_one():
    with pytest.raises(TypeError):
        register_service("broken.one", params="id_number")
    with pytest.raises(ValueError, match="distinct identifiers"):
        register_service("broken.two", params=("id_number",), optional=("id_number",))
    with pytest.raises(ValueError, match="distinct identifiers"):
        register_service("broken.three", params=("id number",))
    assert "broken.one" not in {service.name for service in service_operators()}


# ---------------------------------------------------------------------------------------------
# Validate and deploy refuse what a service task gets wrong, on the task and its line

OPERATOR_START = b'<spiffworkflow:serviceTaskOperator id="identity.check" resultVariable="id_check">'
PARAMETER = b'<spiffworkflow:parameter id="id_number" type="str" value="id_number"/>'
NO_OPERATOR = re.compile(
    rb"<spiffworkflow:serviceTaskOperator id=\"identity.check\".*?</spiffworkflow:serviceTaskOperator>", re.S
)


def _line(text: bytes, needle: bytes, nth: int = 0) -> int:
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    return text[:at].count(b"\n") + 1


CASES = [
    pytest.param(
        lambda bpmn: NO_OPERATOR.sub(b"", bpmn, count=1),
        [
            (
                b'<bpmn:serviceTask id="check_id"',
                0,
                "服务任务没有指定服务：请在属性面板的 Lexflow 分组中选择服务",
            )
        ],
        id="no service",
    ),
    pytest.param(
        lambda bpmn: bpmn.replace(b'id="identity.check"', b'id="identity.chek"'),
        [
            (
                b'<spiffworkflow:serviceTaskOperator id="identity.chek"',
                0,
                "service 'identity.chek' is not registered on this server; did you mean identity.check?",
            )
        ],
        id="misspelt service",
    ),
    pytest.param(
        lambda bpmn: bpmn.replace(PARAMETER, PARAMETER.replace(b'id="id_number"', b'id="idnumber"'), 1),
        [
            (OPERATOR_START, 0, "缺少服务 identity.check 的必填参数 id_number"),
            (
                b'id="idnumber"',
                0,
                "service identity.check does not read parameter idnumber (it reads: "
                "id_number); did you mean id_number?",
            ),
        ],
        id="required parameter misspelt",
    ),
    pytest.param(
        lambda bpmn: bpmn.replace(
            PARAMETER, PARAMETER.replace(b'value="id_number"', b'value="id_number +"'), 1
        ),
        [(b'value="id_number +"', 0, "parameter id_number: 'id_number +' is not a valid Python expression")],
        id="value not Python",
    ),
    pytest.param(
        lambda bpmn: bpmn.replace(PARAMETER, PARAMETER + b"\n            " + PARAMETER, 1),
        [
            (
                PARAMETER,
                1,
                "参数 id_number 重复出现，只会使用最后一个 / parameter id_number is given more than once",
            )
        ],
        id="parameter twice",
    ),
    pytest.param(
        lambda bpmn: bpmn.replace(
            PARAMETER, PARAMETER + b'<spiffworkflow:parameter id="strict" type="any" value="True"/>', 1
        ),
        [(b'id="strict"', 0, "service identity.check does not read parameter strict (it reads: id_number)")],
        id="parameter the service does not read",
    ),
]


@pytest.mark.parametrize(("edit", "expected"), CASES)
def test_a_bad_service_task_is_refused_on_its_element_by_validate_and_deploy(client_for, edit, expected):
    designer = client_for("designer")
    files = shipped_files("complaint")
    files["complaint.bpmn"] = edit(files["complaint.bpmn"])
    bpmn = files["complaint.bpmn"]

    checked = validate(designer, files)
    assert checked.status_code == 200, checked.content
    body = checked.json()
    assert body["ok"] is False
    found = [(e["file"], e["line"], e["element_id"], e["tag"], e["message"]) for e in body["errors"]]
    assert len(found) == len(expected), found
    for needle, nth, message in expected:
        line = _line(bpmn, needle, nth)
        assert [
            f
            for f in found
            if f[:4] == ("complaint.bpmn", line, "check_id", "serviceTask") and message in f[4]
        ], (
            line,
            message,
            found,
        )

    deployed = upload(designer, files)
    assert deployed.status_code == 400
    assert deployed.json()["deploy_errors"] == body["errors"]  # the same checks, the same words
    line = _line(bpmn, *expected[0][:2])
    assert any(
        text.startswith(f"complaint.bpmn:{line} <serviceTask id=check_id>: ")
        for text in deployed.json()["errors"]["files"]
    )
    assert not ProcessDefinition.objects.exists()
    assert not Event.objects.filter(action="process.deployed").exists()


@pytest.mark.parametrize("folder", sorted(p.name for p in BPMN_DIR.iterdir() if any(p.glob("*.bpmn"))))
def test_every_shipped_process_validates_and_deploys_with_its_service_tasks(client_for, folder):
    designer = client_for("designer")
    files = shipped_files(folder)
    assert validate(designer, files).json() == {
        "ok": True,
        "errors": [],
        "notes": [],
        "default_group_tasks": [],
    }
    response = upload(designer, files)
    assert response.status_code == 201, response.content
