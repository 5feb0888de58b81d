"""Who is offered a task: the lane by default, an explicit candidate-group list, and the applicant lane."""

from tests.conftest import fixture_files
from tests.server.conftest import upload


def _queue_ids(client) -> list[int]:
    return [task["id"] for task in client.get("/api/v1/tasks").json()["results"]]


def test_applicant_lane_task_goes_to_that_cases_applicant_only(client_for, demo):
    assert upload(client_for("designer"), fixture_files("supplement"), public="true").status_code == 201
    applicant, other = client_for("applicant"), client_for("applicant2")
    instance = applicant.post("/api/v1/instances", {"process": "test_supplement"}, format="json").json()
    task_id = instance["tasks"][0]["id"]
    assert instance["tasks"][0]["candidate_groups"] == ["applicant"]
    assert _queue_ids(applicant) == [task_id]
    assert _queue_ids(other) == [] and other.get(f"/api/v1/tasks/{task_id}").status_code == 404
    assert other.post(f"/api/v1/tasks/{task_id}/claim").status_code == 404
    assert other.post(f"/api/v1/tasks/{task_id}/complete", {"data": {}}, format="json").status_code == 404
    assert task_id not in _queue_ids(client_for("caseworker"))
    done = applicant.post(f"/api/v1/tasks/{task_id}/complete", {"data": {"uploaded": True}}, format="json")
    assert done.status_code == 200, done.content


def test_candidate_groups_property_offers_the_task_to_each_listed_role(client_for, demo):
    assert upload(client_for("designer"), fixture_files("supplement"), public="true").status_code == 201
    applicant = client_for("applicant")
    instance = applicant.post("/api/v1/instances", {"process": "test_supplement"}, format="json").json()
    done = applicant.post(f"/api/v1/tasks/{instance['tasks'][0]['id']}/complete", {"data": {}}, format="json")
    decide = done.json()["instance"]["tasks"][0]
    assert decide["candidate_groups"] == ["reviewer", "supervisor"]
    assert decide["id"] in _queue_ids(client_for("reviewer"))
    assert decide["id"] in _queue_ids(client_for("supervisor"))  # the city supervisor, over the county
    assert decide["id"] not in _queue_ids(client_for("caseworker"))
