"""Each service line issues its notices at the node where the decision is final."""

from __future__ import annotations

from server.documents.services import document_render
from tests.server.conftest import do_task, start_case
from tests.server.documents.conftest import documents_of, pdf_text, squeeze
from tests.server.legal_aid.conftest import apply_online, materials_complete, refuse
from tests.server.mediation.conftest import SUCCESS
from tests.server.notary.conftest import ACCEPT, PROCESS, application


def test_a_legal_aid_refusal_issues_its_decision_with_the_reasons_and_the_right_to_object(
    client_for, legal_aid, clock
):
    case = apply_online(client_for)
    assert documents_of(case["id"]) == []  # receipt alone issues nothing
    materials_complete(client_for, case["id"])
    after = refuse(client_for, case["id"])
    assert [task["bpmn_id"] for task in after["tasks"]] == ["object_refusal"]
    [document] = documents_of(case["id"])
    assert document.template == "legal_aid/refusal" and document.bpmn_id == "refused"
    assert document.title.startswith("不予法律援助决定书 / ")

    text = pdf_text(document_render(document))
    data = after["data"]
    for expected in (
        "不予法律援助决定书",
        data["refusal_reasons"],
        data["legal_basis"],
        "第四十九条",  # the right to object to the justice bureau
        "2026年3月24日",  # the objection window: 15 days from 9 March
        "张三",
        after["business_key"],
        document.verification_code,
    ):
        assert squeeze(expected) in text, expected


def test_a_missing_material_notice_lists_everything_missing_at_once(client_for, legal_aid, clock):
    case = apply_online(client_for)
    do_task(
        client_for("caseworker"),
        case["id"],
        "check_completeness",
        {
            "materials_complete": False,
            "missing_materials": [
                {"material": "hardship_statement"},
                {"material": "case_documents", "detail": "租赁合同及押金收据 / Lease and deposit receipt"},
            ],
        },
    )
    [document] = documents_of(case["id"])
    assert document.template == "legal_aid/supplement"
    text = pdf_text(document_render(document))
    for expected in (
        "补正材料通知书",
        "经济困难状况说明",
        "租赁合同及押金收据",
        "2026年3月24日",
        "第四十三条",
    ):
        assert squeeze(expected) in text, expected


def test_a_notary_acceptance_issues_its_notice_with_the_acceptance_number_and_due_date(
    client_for, notary_process, clock
):
    case = start_case(client_for("applicant"), PROCESS, application())
    accepted = do_task(client_for("caseworker"), case["id"], "accept", ACCEPT)
    [document] = documents_of(case["id"])
    assert (document.template, document.bpmn_id) == ("notary/acceptance", "accepted")
    assert document.title.startswith("受理通知书 / ")
    text = pdf_text(document_render(document))
    for expected in ("受理通知书", accepted["data"]["acceptance"]["number"], "2026年3月30日", "按规定收取"):
        assert squeeze(expected) in text, expected


def test_a_mediation_agreement_issues_the_agreement_with_the_confirmation_right(
    mediation, bring, accept, client_for, clock
):
    case = accept(bring())
    assert documents_of(case["id"]) == []
    after = do_task(client_for("mediator"), case["id"], "session", SUCCESS)
    [document] = documents_of(case["id"])
    assert (document.template, document.bpmn_id) == ("mediation/agreement", "agreement")
    assert document.title.startswith("人民调解协议书 / ")
    text = pdf_text(document_render(document))
    for expected in ("人民调解协议书", SUCCESS["agreement_terms"], "张三", "王五", "第三十三条", "三十日内"):
        assert squeeze(expected) in text, expected
    assert squeeze(after["data"]["confirmation_due"][:4] + "年") in text
    assert "11010519491231002X" not in text and "110105********002X" in text  # ID numbers masked
