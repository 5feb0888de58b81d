"""A complainant may withdraw a complaint until it is answered; the figures do not count a
withdrawn complaint as one left unaccepted or unanswered."""

from tests.server.complaints.conftest import accept_on_time, complain, reply


def _withdraw(client, case_id: int):
    return client.post(
        f"/api/v1/instances/{case_id}/withdraw", {"reason": "问题已解决 / Sorted out"}, format="json"
    )


def test_a_complaint_can_be_withdrawn_until_the_reply_and_is_not_held_against_the_rates(
    client_for, complaint_process, clock
):
    applicant, caseworker, reviewer = (
        client_for("applicant"),
        client_for("caseworker"),
        client_for("reviewer"),
    )
    accepted = complain(applicant)
    accept_on_time(caseworker, accepted["id"])
    assert _withdraw(applicant, accepted["id"]).json()["status"] == "withdrawn"

    answered = complain(applicant)
    accept_on_time(caseworker, answered["id"])
    reply(caseworker, reviewer, answered["id"])
    assert _withdraw(applicant, answered["id"]).status_code == 409  # replied: too late

    clock.shift(days=90)
    stats = client_for("director").get("/api/v1/complaints/stats").json()
    assert stats["counts"]["withdrawn"] == 1 and stats["counts"]["accepted"] == 2
    assert stats["rates"]["reply_rate"] == 100.0  # the withdrawn complaint needed no reply
    assert stats["overdue"] == []
