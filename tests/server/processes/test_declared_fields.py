"""Case data only changes through the fields a step's form declares (issue 10, item 1).

Every shipped form is probed: a completion (or start) posting forged fields — the `case` block,
a decision the step does not make, a field inside a nested object or list entry — is refused
with a 400 naming each one, and the case data stays as it was.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from server.processes.models import HumanTask, ProcessInstance
from tests.conftest import fixture_files
from tests.server.conftest import do_task, start_case, upload

BPMN_DIR = Path(__file__).resolve().parents[3] / "bpmn"
SHIPPED_FORMS = sorted(BPMN_DIR.glob("*/forms/*.schema.json"))
FORGED_CASE = {"organisation": "FORGED", "organisation_name": "伪造 / Forged"}


def _start_forms() -> dict[Path, str]:
    """Shipped start forms -> the process that starts with them."""
    found = {}
    for bpmn in BPMN_DIR.glob("*/*.bpmn"):
        tree = etree.parse(str(bpmn))
        for process in tree.getroot().iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}process"):
            for value in process.xpath(
                "./*[local-name()='startEvent']//*[local-name()='property' and "
                "@name='formJsonSchemaFilename']/@value"
            ):
                found[bpmn.parent / "forms" / value] = process.get("id")
    return found


START_FORMS = _start_forms()


def forged_fields(schema: dict) -> tuple[dict, set[str]]:
    """Data with a forged field at every level the form has, and the paths the 400 must name."""
    properties = schema.get("properties", {})
    data: dict = {"case": FORGED_CASE, "forged_field": "x"}
    expected = {"data.case", "data.forged_field"}
    if "approved" not in properties:
        data["approved"] = True
        expected.add("data.approved")
    for name, field in properties.items():
        if field.get("type") == "object" and field.get("properties"):
            data[name] = {"forged_nested": "x"}
            expected.add(f"data.{name}.forged_nested")
        items = field.get("items") if field.get("type") == "array" else None
        if isinstance(items, dict) and items.get("type") == "object":
            data[name] = [{"forged_nested": "x"}]
            expected.add(f"data.{name}.0.forged_nested")
    return data, expected


PROBE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs" targetNamespace="https://lexflow.dev/tests">
  <bpmn:process id="{pid}" name="Probe" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="lane" name="caseworker">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>step</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="step" name="Probe">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="{form}" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="step" />
    <bpmn:sequenceFlow id="f2" sourceRef="step" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.mark.parametrize("form", SHIPPED_FORMS, ids=lambda path: f"{path.parent.parent.name}/{path.name}")
def test_a_completion_posting_forged_fields_to_a_shipped_form_is_refused_and_changes_nothing(
    client_for, form
):
    pid = f"probe_{form.parent.parent.name}_{form.name.split('.')[0]}"
    files = {"probe.bpmn": PROBE.format(pid=pid, form=form.name).encode(), form.name: form.read_bytes()}
    assert upload(client_for("designer"), files).status_code == 201
    caseworker = client_for("caseworker")
    case = start_case(caseworker, pid, {})
    before = ProcessInstance.objects.get(pk=case["id"]).data
    data, expected = forged_fields(json.loads(form.read_text(encoding="utf-8")))

    task_id = case["tasks"][0]["id"]
    response = caseworker.post(f"/api/v1/tasks/{task_id}/complete", {"data": data}, format="json")

    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert expected <= set(errors), errors
    assert "server" in " ".join(errors["data.case"])  # the case block is the server's
    assert ProcessInstance.objects.get(pk=case["id"]).data == before
    assert before["case"]["organisation"] == "LN-SY-HP"
    assert HumanTask.objects.get(pk=task_id).status == "open"


@pytest.mark.parametrize("form", sorted(START_FORMS), ids=lambda path: path.parent.parent.name)
def test_a_start_posting_forged_fields_to_a_shipped_start_form_is_refused_and_opens_no_case(
    client_for, deploy_shipped, form
):
    deploy_shipped(form.parent.parent.name)
    data, expected = forged_fields(json.loads(form.read_text(encoding="utf-8")))
    refused = start_case(client_for("applicant"), START_FORMS[form], data, status=400)
    assert expected <= set(refused["errors"]), refused["errors"]
    assert not ProcessInstance.objects.exists()


def test_a_caseworker_cannot_forge_the_organisation_or_the_review_in_a_consultation(
    client_for, deploy_shipped
):
    """What the review saw: an answer posting `case.organisation` and `approved`."""
    from server.processes.deadlines import process_deadline

    deploy_shipped("legal_consultation")
    # The calendar's first read, outside the script's time limit (a loaded machine is slow at it).
    process_deadline({"case": {"organisation": "LN-SY-HP"}}, "consultation.answer")
    question = {"question": "劳动合同纠纷如何申请仲裁？"}
    case = start_case(client_for("applicant"), "legal_consultation", question)
    answer = {"answer": "可以向劳动争议仲裁委员会申请仲裁。", "request_review": False}
    forged = {**answer, "case": FORGED_CASE, "approved": True}
    refused = do_task(client_for("caseworker"), case["id"], "answer", forged, status=400)
    assert refused["data"]["case"]["organisation"] == "LN-SY-HP" and "approved" not in refused["data"]
    assert refused["status"] == "running"
    done = do_task(client_for("caseworker"), case["id"], "answer", answer)
    assert done["status"] == "completed"
    assert done["data"]["case"]["organisation"] == "LN-SY-HP" and "approved" not in done["data"]


def test_a_step_without_a_form_takes_no_data(client_for):
    assert upload(client_for("designer"), fixture_files("scripted")).status_code == 201
    caseworker = client_for("caseworker")
    case = start_case(caseworker, "test_scripted", {})
    case = do_task(caseworker, case["id"], "enter", {"divisor": 4})
    confirm = next(task for task in case["tasks"] if task["bpmn_id"] == "confirm")
    refused = caseworker.post(
        f"/api/v1/tasks/{confirm['id']}/complete", {"data": {"share": 1}}, format="json"
    )
    assert refused.status_code == 400
    no_form = "此步骤没有表单，不接收数据 / This step has no form and takes no data."
    assert refused.json()["errors"] == {"data": [no_form]}
    assert ProcessInstance.objects.get(pk=case["id"]).data["share"] == 25
    assert do_task(caseworker, case["id"], "confirm", {})["status"] == "completed"


def test_a_start_without_a_start_form_takes_no_data(client_for):
    assert upload(client_for("designer"), fixture_files("scripted")).status_code == 201
    refused = start_case(client_for("caseworker"), "test_scripted", {"divisor": 0}, status=400)
    assert set(refused["errors"]) == {"data"}
    assert not ProcessInstance.objects.exists()


def test_nobody_can_edit_case_data_in_the_admin_behind_the_engine(client_for, approval):
    # The instance admin is read only as a whole (no change permission, not a list of
    # read-only fields): even the superuser posting the change form is refused, nothing written.
    from django.contrib import admin
    from django.test import Client

    from tests.server.conftest import start_approval

    case = start_approval(client_for("applicant"))
    before = ProcessInstance.objects.get(pk=case["id"])
    superuser = Client()
    login = {"username": "admin", "password": "lexflow-demo", "next": "/admin/"}
    assert superuser.post("/admin/login/", login).status_code == 302
    model_admin = admin.site._registry[ProcessInstance]
    request = superuser.get("/admin/").wsgi_request
    assert request.user.is_superuser and not model_admin.has_change_permission(request, before)
    forged = {"data": json.dumps({**before.data, "approved": True}), "status": "completed"}
    posted = superuser.post(f"/admin/processes/processinstance/{before.pk}/change/", forged)
    assert posted.status_code == 403
    after = ProcessInstance.objects.get(pk=before.pk)
    assert (after.data, after.status, after.state) == (before.data, before.status, before.state)
