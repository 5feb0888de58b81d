"""What an applicant can read: the office tree before registering, the answer to their question."""

from rest_framework.test import APIClient

from tests.server.conftest import do_task, start_case


def test_a_visitor_sees_the_office_tree_to_choose_where_to_register(demo):
    response = APIClient().get("/api/v1/organisations")
    assert response.status_code == 200
    codes = [row["code"] for row in response.json()]
    assert codes[0] == "LN" and "LN-SY-HP-NH" in codes


def test_the_applicant_reads_the_answer_to_their_question_but_not_the_reviewers_comment(
    client_for, deploy_shipped
):
    deploy_shipped("legal_consultation")
    applicant = client_for("applicant")
    case = start_case(applicant, "legal_consultation", {"question": "欠薪如何维权？", "category": "labour"})
    answer = {
        "answer": "可向劳动监察大队投诉，或申请劳动仲裁。",
        "legal_basis": "《劳动争议调解仲裁法》第五条",
        "request_review": True,
    }
    do_task(client_for("caseworker"), case["id"], "answer", answer)
    do_task(
        client_for("reviewer"), case["id"], "check", {"approved": True, "comment": "内部：答复可以更具体"}
    )

    seen = applicant.get(f"/api/v1/instances/{case['id']}").json()["data"]
    assert seen["answer"] == answer["answer"] and seen["legal_basis"] == answer["legal_basis"]
    assert seen["question"] == "欠薪如何维权？"
    assert "comment" not in seen and "approved" not in seen
    # ...and the case says in words what the office told them, titled as the caseworker's form.
    told = applicant.get(f"/api/v1/instances/{case['id']}").json()["told_applicant"]
    assert told == [
        {"key": "answer", "title": "解答 / Answer", "text": answer["answer"]},
        {"key": "legal_basis", "title": "法律依据 / Legal basis", "text": answer["legal_basis"]},
    ]


def test_a_refused_complaint_tells_the_complainant_why_in_words(client_for, deploy_shipped):
    from tests.server.complaints.conftest import COMPLAINT

    deploy_shipped("complaint")
    case = start_case(client_for("applicant"), "complaint", COMPLAINT)
    reason = "投诉事项已由人民法院受理，依法不予受理。"
    do_task(
        client_for("caseworker"),
        case["id"],
        "check_eligibility",
        {"eligible": False, "ineligible_ground": "in_proceedings", "ineligible_reason": reason},
    )
    told = client_for("applicant").get(f"/api/v1/instances/{case['id']}").json()["told_applicant"]
    assert [(item["key"], item["text"]) for item in told] == [("ineligible_reason", reason)]
