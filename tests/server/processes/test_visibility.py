from tests.server.conftest import start_approval


def test_applicant_cannot_see_another_applicants_instance(client_for, approval):
    mine = start_approval(client_for("applicant"))
    other = client_for("applicant2")
    response = other.get(f"/api/v1/instances/{mine['id']}")
    assert response.status_code == 404 and response.json()["status"] == 404
    assert other.get("/api/v1/instances").json()["results"] == []
    listed = client_for("applicant").get("/api/v1/instances").json()["results"]
    assert [instance["id"] for instance in listed] == [mine["id"]]


def test_applicant_cannot_see_or_work_staff_tasks(client_for, approval):
    instance = start_approval(client_for("applicant"))
    applicant = client_for("applicant")
    assert applicant.get("/api/v1/tasks").json()["results"] == []
    task_id = instance["tasks"][0]["id"]
    assert applicant.post(f"/api/v1/tasks/{task_id}/claim").status_code == 403


def test_unauthenticated_requests_get_401_problem_json(db):
    from rest_framework.test import APIClient

    response = APIClient().get("/api/v1/tasks")
    assert response.status_code == 401
    assert response.json()["title"].startswith("未登录")


def test_non_public_process_cannot_be_started_by_an_applicant(client_for, demo):
    from tests.conftest import fixture_files
    from tests.server.conftest import upload

    assert upload(client_for("designer"), fixture_files("approval")).status_code == 201
    response = client_for("applicant").post(
        "/api/v1/instances", {"process": "test_approval", "data": {}}, format="json"
    )
    assert response.status_code == 400 and "process" in response.json()["errors"]
    unknown = client_for("caseworker").post("/api/v1/instances", {"process": "nope"}, format="json")
    assert unknown.status_code == 400 and unknown.json()["errors"] == {"process": ["Unknown process."]}


def test_cases_follow_their_organisation_when_it_moves(client_for, approval, demo):
    from server.accounts.models import Organisation

    township = Organisation.objects.get(code="LN-SY-HP-NH")
    response = client_for("applicant").post(
        "/api/v1/instances",
        {
            "process": "test_approval",
            "data": {"urgent": False, "review_timeout": "P30D"},
            "organisation": township.pk,
        },
        format="json",
    )
    task_id = response.json()["tasks"][0]["id"]
    caseworker = client_for("caseworker")  # 和平区: the station is below it
    assert any(task["id"] == task_id for task in caseworker.get("/api/v1/tasks").json()["results"])
    township.parent = Organisation.objects.get(code="LN-SY-SH")
    township.save()
    assert all(task["id"] != task_id for task in caseworker.get("/api/v1/tasks").json()["results"])
    assert caseworker.get(f"/api/v1/instances/{response.json()['id']}").status_code == 404


def test_applicants_see_only_processes_open_to_them(client_for, demo):
    from tests.conftest import fixture_files
    from tests.server.conftest import upload

    designer = client_for("designer")
    assert upload(designer, fixture_files("approval"), public="true").status_code == 201
    assert upload(designer, fixture_files("scripted")).status_code == 201  # internal only
    applicant, caseworker = client_for("applicant"), client_for("caseworker")
    assert [p["key"] for p in applicant.get("/api/v1/processes").json()] == ["test_approval"]
    assert [p["key"] for p in caseworker.get("/api/v1/processes").json()] == [
        "test_approval",
        "test_scripted",
    ]
    assert applicant.get("/api/v1/processes/test_scripted").status_code == 404
    assert applicant.get("/api/v1/processes/test_scripted/versions/1/bpmn").status_code == 404
    assert caseworker.get("/api/v1/processes/test_scripted/versions/1/bpmn").status_code == 200
