"""An applicant's own open work (supplying missing material) is in their task queue and case view."""

from __future__ import annotations

from server.portal.models import Attachment
from tests.server.legal_aid.conftest import apply_online
from tests.server.portal.conftest import JPEG, uploaded

MISSING = [{"material": "hardship_statement", "detail": "家庭经济困难状况说明表 / Signed hardship statement"}]


def ask_for_material(client_for, case_id: int) -> None:
    from tests.server.conftest import do_task

    do_task(
        client_for("caseworker"),
        case_id,
        "check_completeness",
        {"materials_complete": False, "missing_materials": MISSING},
    )


def test_the_applicant_finds_the_supplement_in_their_queue_and_supplies_files(client_for, legal_aid, clock):
    applicant = client_for("applicant")
    first_file = uploaded(applicant, "身份证.pdf")
    case = apply_online(client_for, materials=["id_document"], documents=[first_file])
    assert applicant.get("/api/v1/tasks").json()["results"] == []
    ask_for_material(client_for, case["id"])

    queue = applicant.get("/api/v1/tasks").json()["results"]
    assert [(task["bpmn_id"], task["instance"], task["status"]) for task in queue] == [
        ("supplement", case["id"], "open")
    ]
    assert queue[0]["due_at"] is not None
    mine = applicant.get(f"/api/v1/instances/{case['id']}").json()
    assert [task["bpmn_id"] for task in mine["tasks"]] == ["supplement"]
    assert mine["data"]["missing_materials"] == MISSING  # told what is missing, in full
    detail = applicant.get(f"/api/v1/tasks/{queue[0]['id']}").json()
    assert detail["form_schema"]["properties"]["supplied_files"]["items"]["format"] == "uuid"
    assert detail["ui_schema"]["supplied_files"] == {"ui:widget": "attachments"}

    # Not another applicant's work (a caseworker may record it too, for someone at the window).
    assert client_for("applicant2").get("/api/v1/tasks").json()["results"] == []

    statement = uploaded(applicant, "困难说明.jpg", JPEG)
    done = applicant.post(
        f"/api/v1/tasks/{queue[0]['id']}/complete",
        {"data": {"supplied_materials": ["hardship_statement"], "supplied_files": [statement]}},
        format="json",
    )
    assert done.status_code == 200, done.content
    assert Attachment.objects.get(pk=statement).instance_id == case["id"]
    assert applicant.get("/api/v1/tasks").json()["results"] == []
    files = client_for("caseworker").get(f"/api/v1/instances/{case['id']}/attachments").json()
    assert [row["name"] for row in files] == ["身份证.pdf", "困难说明.jpg"]


def test_a_supplement_with_someone_elses_file_is_refused_and_stays_open(client_for, legal_aid, clock):
    applicant = client_for("applicant")
    case = apply_online(client_for)
    ask_for_material(client_for, case["id"])
    task = applicant.get("/api/v1/tasks").json()["results"][0]
    theirs = uploaded(client_for("applicant2"))
    refused = applicant.post(
        f"/api/v1/tasks/{task['id']}/complete",
        {"data": {"supplied_materials": ["hardship_statement"], "supplied_files": [theirs]}},
        format="json",
    )
    assert refused.status_code == 400 and list(refused.json()["errors"]) == ["data.supplied_files"]
    assert [row["bpmn_id"] for row in applicant.get("/api/v1/tasks").json()["results"]] == ["supplement"]
