"""A party may withdraw a dispute from mediation until an agreement is reached."""

from tests.server.conftest import do_task
from tests.server.mediation.conftest import SUCCESS


def _withdraw(client, case_id: int):
    return client.post(
        f"/api/v1/instances/{case_id}/withdraw", {"reason": "已私下和解 / Settled"}, format="json"
    )


def test_a_dispute_can_be_withdrawn_until_the_agreement(mediation, bring, accept, client_for, clock):
    applicant, mediator = client_for("applicant"), client_for("mediator")
    under_way = accept(bring())
    withdrawn = _withdraw(applicant, under_way["id"])
    assert withdrawn.status_code == 200, withdrawn.content
    assert withdrawn.json()["status"] == "withdrawn"

    agreed = accept(bring())
    do_task(mediator, agreed["id"], "session", SUCCESS)
    assert _withdraw(applicant, agreed["id"]).status_code == 409

    clock.shift(days=60)
    counts = client_for("supervisor").get("/api/v1/mediation/stats").json()["counts"]
    assert counts["withdrawn"] == 1 and counts["overdue"] == 0
