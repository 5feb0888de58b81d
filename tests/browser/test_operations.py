"""Case and task operations in a real browser: a caseworker transfers a task to a colleague, a
reviewer sends a case back with a reason and the caseworker sees it back with the reason, an
administrator cancels a case and the applicant sees why."""

import re

import pytest
from playwright.sync_api import expect

from server.processes.models import HumanTask, ProcessInstance, TaskStatus
from tests.browser.conftest import axe_violations, log_in, wait_for_animations
from tests.browser.test_workbench import api_client
from tests.server.conftest import start_case
from tests.server.legal_aid.conftest import application as legal_aid_application


@pytest.fixture
def application(site) -> dict:
    """Today's legal-aid application, at its completeness check (the caseworkers' queue)."""
    return start_case(api_client("applicant"), "legal_aid_application", legal_aid_application())


def open_task(case_id: int, bpmn_id: str) -> HumanTask:
    return HumanTask.objects.get(instance_id=case_id, bpmn_id=bpmn_id, status=TaskStatus.OPEN)


def button(page, text: str):
    """antd puts a space between the two characters of a two-character Chinese button."""
    spaced = r"\s?".join(text) if len(text) == 2 else re.escape(text)
    return page.get_by_role("button", name=re.compile(f"^{spaced}$"))


def choose_person(dialog, page, search: str, label: str) -> None:
    """Type into the person picker; Enter takes the match once the list has drawn it."""
    dialog.get_by_label("交给").click()
    page.keyboard.type(search)
    page.locator(".ant-select-item-option-active").filter(has_text=label).wait_for()
    page.keyboard.press("Enter")
    # While the option list (#to_list) fades out it is on screen, and it needs a name too.
    assert axe_violations(page) == []


def test_a_caseworker_transfers_a_task_to_a_colleague_who_has_it_at_once(new_page, shots, application):
    check = open_task(application["id"], "check_completeness")
    assert api_client("caseworker").post(f"/api/v1/tasks/{check.pk}/claim").status_code == 200
    page = new_page()
    log_in(page, "caseworker")
    page.goto(f"/workbench/tasks/{check.pk}")
    page.get_by_role("heading", level=1, name="审查材料是否齐全").wait_for()
    button(page, "转办").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("任务转给同一角色的同事办理").wait_for()
    wait_for_animations(page)
    choose_person(dialog, page, "caseworker2", "赵磊")
    dialog.get_by_label("理由").fill("本周休假，请代为审查 / On leave this week")
    shots(page, "transfer-dialog")
    assert axe_violations(page) == []
    dialog.get_by_role("button", name=re.compile(r"^转\s?办$")).click()
    page.get_by_text("已转办给 caseworker2").wait_for()
    check.refresh_from_db()
    assert check.assignee.username == "caseworker2"

    colleague = new_page()
    log_in(colleague, "caseworker2")
    colleague.get_by_role("link", name="我的 1").click()
    row = colleague.locator(".wb-table tbody tr.wb-row").filter(has_text=application["business_key"])
    expect(row).to_have_count(1)
    row.get_by_role("link", name=re.compile("审查材料是否齐全")).click()
    colleague.get_by_role("heading", level=1, name="审查材料是否齐全").wait_for()
    colleague.get_by_role("button", name="提交并完成").wait_for()
    expect(colleague.get_by_role("button", name="提交并完成")).to_be_enabled()
    shots(colleague, "transferred-task")
    case = colleague.goto(f"/workbench/cases/{application['id']}")
    assert case.ok
    history = colleague.get_by_role("region", name=re.compile("办理记录"))
    history.get_by_text("→ caseworker2 · 本周休假，请代为审查", exact=False).wait_for()  # zh half
    assert page.js_errors == [] and colleague.js_errors == []


def test_a_reviewer_sends_the_case_back_and_the_caseworker_sees_it_back_with_the_reason(
    new_page, shots, application
):
    caseworker = api_client("caseworker")
    check = open_task(application["id"], "check_completeness")
    done = caseworker.post(
        f"/api/v1/tasks/{check.pk}/complete", {"data": {"materials_complete": True}}, format="json"
    )
    assert done.status_code == 200, done.content
    decide = open_task(application["id"], "decide")

    page = new_page()
    log_in(page, "reviewer")
    page.goto(f"/workbench/tasks/{decide.pk}")
    page.get_by_role("heading", level=1, name="作出审查决定").wait_for()
    button(page, "认领").first.click()
    button(page, "退回").wait_for()
    button(page, "退回").click()
    dialog = page.get_by_role("dialog")
    wait_for_animations(page)
    dialog.get_by_label("退回到").click()
    page.locator(".ant-select-item-option").filter(has_text="审查材料是否齐全").click()
    dialog.get_by_label("理由").fill("缺少家庭经济困难状况说明 / The hardship statement is missing")
    shots(page, "return-dialog")
    dialog.get_by_role("button", name=re.compile(r"^退\s?回$")).click()
    page.get_by_text("已退回").first.wait_for()
    page.wait_for_url(re.compile(r"/workbench(\?.*)?$"))
    back = open_task(application["id"], "check_completeness")
    assert back.assignee.username == "caseworker"

    desk = new_page()
    log_in(desk, "caseworker")
    desk.get_by_role("link", name="我的 1").click()
    row = desk.locator(".wb-table tbody tr.wb-row").filter(has_text=application["business_key"])
    row.get_by_text("退回件").wait_for()
    row.get_by_role("link", name=re.compile("审查材料是否齐全")).click()
    reason = desk.get_by_test_id("return-reason")
    expect(reason).to_contain_text("缺少家庭经济困难状况说明 / The hardship statement is missing")
    expect(reason).to_contain_text("陈静")
    shots(desk, "returned-task")
    assert axe_violations(desk) == []
    assert page.js_errors == [] and desk.js_errors == []


def test_an_administrator_cancels_a_case_and_the_applicant_sees_the_reason(new_page, shots, application):
    page = new_page()
    log_in(page, "admin")
    page.goto(f"/workbench/cases/{application['id']}")
    page.get_by_role("heading", level=1, name=re.compile(application["business_key"])).wait_for()
    page.get_by_test_id("case-cancel").click()
    dialog = page.get_by_role("dialog")
    wait_for_animations(page)
    dialog.get_by_role("button", name="撤销案件").click()
    dialog.get_by_text("请说明理由").wait_for()  # the reason is required
    dialog.get_by_label("理由").fill("与 2026 年 3 月的申请重复 / A duplicate of the March application")
    shots(page, "cancel-dialog")
    dialog.get_by_role("button", name="撤销案件").click()
    page.get_by_text("案件已撤销").first.wait_for()
    expect(page.get_by_text("结束原因：与 2026 年 3 月的申请重复", exact=False)).to_be_visible()
    assert ProcessInstance.objects.get(pk=application["id"]).status == "cancelled"

    applicant = new_page(mobile=True)
    log_in(applicant, "applicant")
    applicant.goto(f"/portal/cases/{application['id']}")
    notice = applicant.get_by_test_id("end-reason")
    expect(notice).to_contain_text(
        "案件已撤销：与 2026 年 3 月的申请重复 / A duplicate of the March application"
    )
    expect(applicant.get_by_test_id("case-stage")).to_have_text("已撤销")
    shots(applicant, "applicant-sees-why")
    assert axe_violations(applicant) == []
    assert page.js_errors == [] and applicant.js_errors == []
