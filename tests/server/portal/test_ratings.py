"""Rating a finished case: by its applicant, once, from 1 to 5."""

from __future__ import annotations

import pytest

from server.audit.models import Event
from server.portal.models import Rating
from tests.server.conftest import do_task, start_case


@pytest.fixture
def consultation(client_for, deploy_shipped):
    """A question of `applicant`'s, not answered yet."""
    deploy_shipped("legal_consultation")
    return start_case(client_for("applicant"), "legal_consultation", {"question": "欠薪如何维权？"})


def answer(client_for, case: dict) -> dict:
    return do_task(
        client_for("caseworker"),
        case["id"],
        "answer",
        {"answer": "可向劳动监察大队投诉，或申请劳动仲裁。", "request_review": False},
    )


def rate(client, case: dict, **body):
    return client.post(f"/api/v1/instances/{case['id']}/rating", body, format="json")


def test_the_applicant_rates_a_completed_case_once_and_the_case_shows_it(client_for, consultation):
    applicant = client_for("applicant")
    assert applicant.get(f"/api/v1/instances/{consultation['id']}").json()["rating"] is None
    answer(client_for, consultation)
    response = rate(applicant, consultation, score=5, comment="答复及时，解释清楚。")
    assert response.status_code == 201, response.content
    assert response.json()["score"] == 5 and response.json()["comment"] == "答复及时，解释清楚。"
    for who in ("applicant", "caseworker"):
        case = client_for(who).get(f"/api/v1/instances/{consultation['id']}").json()
        assert case["rating"]["score"] == 5 and case["rating"]["created_at"], who
    event = Event.objects.get(action="instance.rated")
    assert event.instance_id == consultation["id"] and event.actor.username == "applicant"
    assert event.detail == {"score": 5, "comment": "答复及时，解释清楚。"}

    again = rate(applicant, consultation, score=1)
    assert again.status_code == 409
    assert Rating.objects.get().score == 5


def test_a_comment_is_optional(client_for, consultation):
    answer(client_for, consultation)
    response = rate(client_for("applicant"), consultation, score=3)
    assert response.status_code == 201 and response.json()["comment"] == ""


def test_a_case_still_running_cannot_be_rated(client_for, consultation):
    response = rate(client_for("applicant"), consultation, score=4)
    assert response.status_code == 400
    assert "instance" in response.json()["errors"]
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    "body", [{"score": 0}, {"score": 6}, {"score": "good"}, {}, {"score": 3, "comment": "长" * 2001}]
)
def test_a_bad_rating_is_refused_naming_the_field(client_for, consultation, body):
    answer(client_for, consultation)
    response = rate(client_for("applicant"), consultation, **body)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) <= {"score", "comment"} and errors
    assert not Rating.objects.exists()


@pytest.mark.parametrize("who", ["applicant2", "caseworker", "supervisor"])
def test_only_the_cases_applicant_may_rate_it(client_for, consultation, who):
    answer(client_for, consultation)
    assert rate(client_for(who), consultation, score=1).status_code == 404
    assert client_for("applicant").post("/api/v1/instances/999999/rating", {"score": 5}).status_code == 404
    assert not Rating.objects.exists()
