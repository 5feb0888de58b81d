"""A director sends the spot check back to the notary (退回) outside the diagram's own
send-back paths: the notary gets the step back with the reason, the certificate clock runs on."""

from tests.server.conftest import do_task, open_task, start_case
from tests.server.notary.conftest import ACCEPT, HANDLED, PASS, PROCESS, application


def test_a_director_returns_the_spot_check_to_the_notary_with_the_reason(
    client_for, notary_process, clock, steps
):
    case_id = start_case(client_for("applicant"), PROCESS, application())["id"]
    accepted = do_task(client_for("caseworker"), case_id, "accept", ACCEPT)
    notary = accepted["data"]["assignment"]["notary"]
    do_task(client_for(notary), case_id, "handle", HANDLED)
    do_task(client_for(notary), case_id, "self_check", PASS["self_check"])
    do_task(client_for("reviewer"), case_id, "review", PASS["review"])
    director = client_for("director")
    spot = open_task(director, case_id, "spot_check")
    assert director.post(f"/api/v1/tasks/{spot['id']}/claim").status_code == 200
    targets = [t["bpmn_id"] for t in director.get(f"/api/v1/tasks/{spot['id']}/return-targets").json()]
    assert targets == ["review", "self_check", "handle", "accept"]

    returned = director.post(
        f"/api/v1/tasks/{spot['id']}/return",
        {"to": "handle", "reason": "遗产清单缺少房产 / The estate list leaves out the flat"},
        format="json",
    )
    assert returned.status_code == 200, returned.content
    back = open_task(client_for(notary), case_id, "handle")
    assert back["assignee"]["username"] == notary
    assert back["return_reason"] == "遗产清单缺少房产 / The estate list leaves out the flat"
    assert back["due_at"] == accepted["data"]["certificate_due"]  # the certificate clock runs on
    do_task(client_for(notary), case_id, "handle", HANDLED)
    do_task(client_for(notary), case_id, "self_check", PASS["self_check"])
    do_task(client_for("reviewer"), case_id, "review", PASS["review"])
    after = do_task(director, case_id, "spot_check", PASS["spot_check"])
    assert [task["bpmn_id"] for task in after["tasks"]] == ["issue"]
