"""The caseworker workbench in a real browser: the queue with its counts and highlighted rows,
worked from the keyboard; a task beside its case data; the case on its diagram."""

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from server.processes.models import HumanTask, TaskStatus
from tests.browser.conftest import axe_violations, log_in
from tests.server.conftest import start_case
from tests.server.legal_aid.conftest import application as legal_aid_application
from tests.server.notary.conftest import ELDERLY_ID
from tests.server.notary.conftest import application as notary_application

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def api_client(username: str) -> APIClient:
    client = APIClient()
    response = client.post(
        "/api/v1/auth/login", {"username": username, "password": "lexflow-demo"}, format="json"
    )
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def elements_named(bpmn: str) -> dict[str, str]:
    return dict(re.findall(r'<bpmn:\w+ id="([^"]+)"[^>]*? name="([^"]+)"', bpmn))


def open_task_of(case_id: int) -> HumanTask:
    return HumanTask.objects.get(instance_id=case_id, status=TaskStatus.OPEN)


@pytest.fixture
def cases(site):
    """Started through the API: a legal-aid application made 20 days ago (its completeness check
    is overdue), one made today with the applicant's uploaded proof, and today's green-channel
    notary appointment of a 76-year-old on a low income."""
    applicant = api_client("applicant")
    with time_machine.travel(timezone.now() - timedelta(days=20), tick=False):
        late = start_case(api_client("applicant2"), "legal_aid_application", legal_aid_application())
    upload = applicant.post(
        "/api/v1/attachments", {"file": SimpleUploadedFile("收入证明.pdf", PDF)}, format="multipart"
    )
    assert upload.status_code == 201, upload.content
    fresh = start_case(
        applicant, "legal_aid_application", legal_aid_application(documents=[upload.json()["id"]])
    )
    notary = notary_application(id_number=ELDERLY_ID, low_income=True)
    notary["preferred_date"] = (date.today() + timedelta(days=7)).isoformat()
    green = start_case(api_client("applicant2"), "notary_intake", notary)
    assert green["data"]["green_channel"] is True
    return {"late": late, "fresh": fresh, "green": green}


def queue_rows(page):
    return page.locator(".wb-table tbody tr.wb-row")


def settled(page):
    """Wait for the table's loading veil to fade, so a screenshot shows what people see."""
    page.wait_for_function("!document.querySelector('.ant-spin-blur')")
    page.wait_for_timeout(400)


def test_a_caseworker_works_the_queue_from_the_keyboard_to_the_case_on_its_diagram(new_page, shots, cases):
    late, fresh, green = cases["late"], cases["fresh"], cases["green"]
    fresh_task, green_task = open_task_of(fresh["id"]), open_task_of(green["id"])
    assert fresh_task.bpmn_id == "check_completeness"
    page = new_page()
    log_in(page, "caseworker")
    page.wait_for_url(re.compile(r"/workbench$"))

    # Counts beside the quick filters; the green-channel case first and marked, the late one red.
    page.get_by_role("link", name="绿色通道 1").wait_for()
    for name in ("未认领 3", "已逾期 1", "今日到期 1", "我的 0"):
        assert page.get_by_role("link", name=name).is_visible(), name
    rows = queue_rows(page)
    rows.first.wait_for()
    assert [row.locator("td").first.inner_text() for row in rows.all()] == [
        green["business_key"],
        late["business_key"],
        fresh["business_key"],
    ]
    assert "wb-row-green" in rows.nth(0).get_attribute("class") and "绿色通道" in rows.nth(0).inner_text()
    assert "wb-row-overdue" in rows.nth(1).get_attribute("class") and "已逾期" in rows.nth(1).inner_text()
    assert re.search(r"逾期 \d+ 个工作日", rows.nth(1).inner_text())
    assert re.search(r"剩 \d+ 个工作日", rows.nth(2).inner_text())
    assert "wb-row-overdue" not in rows.nth(2).get_attribute("class")
    settled(page)
    shots(page, "queue")

    # Number keys switch the quick filters; the URL carries them through a reload.
    page.keyboard.press("5")
    page.wait_for_url(re.compile(r"overdue=true"))
    page.wait_for_function("document.querySelectorAll('.wb-table tbody tr.wb-row').length === 1")
    page.reload()
    page.get_by_role("link", name="已逾期 1").wait_for()
    assert page.get_by_role("link", name="已逾期 1").get_attribute("aria-current") == "true"
    assert queue_rows(page).count() == 1 and late["business_key"] in queue_rows(page).first.inner_text()
    settled(page)
    shots(page, "queue-overdue")
    page.keyboard.press("4")
    page.wait_for_url(re.compile(r"due_today=true"))
    page.wait_for_function("document.querySelectorAll('.wb-table tbody tr.wb-row').length === 1")
    assert late["business_key"] in queue_rows(page).first.inner_text()  # late work is due today too
    page.keyboard.press("0")
    page.wait_for_url(re.compile(r"/workbench$"))
    page.wait_for_function("document.querySelectorAll('.wb-table tbody tr.wb-row').length === 3")

    # j j selects today's application, c claims it, Enter opens it.
    page.locator("tr.wb-row-selected").wait_for()
    page.keyboard.press("j")
    page.keyboard.press("j")
    selected = page.locator("tr.wb-row-selected")
    assert fresh["business_key"] in selected.inner_text()
    page.keyboard.press("c")
    page.get_by_role("link", name="我的 1").wait_for()
    selected.locator("td").nth(2).get_by_text("我", exact=True).wait_for()  # the assignee column
    settled(page)
    shots(page, "queue-claimed")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/workbench/tasks/{fresh_task.id}$"))

    # The form beside the case: labelled application data and the applicant's upload.
    page.get_by_role("heading", level=1, name="审查材料是否齐全").wait_for()
    case_panel = page.get_by_role("complementary", name="案件信息")
    case_panel.get_by_text("张三 Zhang San").wait_for()
    for label in ("申请人", "案件类型", "申请事项及理由"):
        assert case_panel.get_by_text(label, exact=True).first.is_visible(), label
    assert case_panel.get_by_text("民事", exact=True).is_visible()  # "civil" shown by its title
    proof = case_panel.get_by_role("link", name=re.compile("收入证明.pdf"))
    assert proof.first.get_attribute("href").startswith("/api/v1/attachments/")
    shots(page, "task")

    # Ctrl+Enter submits from the keyboard; the next task of the queue opens.
    page.get_by_label("材料齐全").check()
    page.keyboard.press("Control+Enter")
    page.wait_for_url(re.compile(rf"/workbench/tasks/{green_task.id}$"))
    page.get_by_role("heading", level=1, name="受理审查").wait_for()
    page.get_by_text("认领后才能办理此任务").wait_for()
    page.get_by_role("complementary", name="案件信息").get_by_text("低收入群体", exact=True).wait_for()
    shots(page, "next-task")
    fresh_task.refresh_from_db()
    assert fresh_task.status == TaskStatus.COMPLETED

    # The case view: the diagram marks the steps, the history says who did what, timers ahead.
    diagram = api_client("caseworker").get(f"/api/v1/instances/{fresh['id']}/diagram").json()
    assert "check_completeness" in diagram["completed"] and diagram["current"]
    page.goto(f"/workbench/cases/{fresh['id']}")
    page.locator('[data-testid="bpmn-canvas"][data-ready="true"]').wait_for()
    classes = page.evaluate(
        """ids => Object.fromEntries(ids.map(id => {
             const shape = document.querySelector(`.djs-element[data-element-id="${id}"]`)
             return [id, shape?.getAttribute('class') ?? '']
           }))""",
        ["check_completeness", *diagram["current"], *diagram["waiting"][:3]],
    )
    assert "wb-completed" in classes["check_completeness"]
    for element_id in diagram["current"]:
        assert "wb-current" in classes[element_id], (element_id, classes[element_id])
    for element_id in diagram["waiting"][:3]:
        assert "wb-waiting" in classes[element_id], (element_id, classes[element_id])
    for legend in ("已完成", "当前", "待进行"):
        assert page.get_by_label("图例").get_by_text(legend).is_visible()
    history = page.get_by_role("region", name=re.compile("办理记录"))
    history.get_by_text("审查材料是否齐全").first.wait_for()
    completed = re.compile("王芳 Wang Fang.*完成任务.*审查材料是否齐全")
    assert history.get_by_role("row", name=completed).count() == 1
    assert history.get_by_role("row", name=re.compile("张三 Zhang San.*发起案件")).count() == 1
    timers = page.get_by_role("region", name="即将到来的计时")
    waiting = [timer for timer in diagram["timers"] if timer["status"] == "waiting"]
    assert waiting and timers.locator("li").count() == len(waiting)
    names = elements_named(diagram["bpmn"])
    for timer in waiting:
        assert timers.get_by_text(names[timer["bpmn_id"]].split(" / ")[0]).is_visible(), timer
    assert page.get_by_role("region", name="文书").is_visible()
    shots(page, "case")
    assert page.js_errors == []


def test_a_caseworker_saves_a_filter_sorts_and_reads_the_queue_in_english(new_page, shots, cases):
    page = new_page()
    log_in(page, "caseworker")
    queue_rows(page).first.wait_for()

    # Sorting by due date puts the one without a due date last; the URL says so.
    page.get_by_role("columnheader", name=re.compile("办理期限")).click()
    page.wait_for_url(re.compile(r"ordering=due"))
    page.wait_for_function(
        "document.querySelector('.wb-table tbody tr.wb-row')?.textContent.includes('逾期')"
    )

    # Search with "/" and save the filter under a name; it is there after a reload.
    page.keyboard.press("/")
    page.keyboard.type(cases["late"]["business_key"][-6:])
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=\d+"))
    page.wait_for_function("document.querySelectorAll('.wb-table tbody tr.wb-row').length === 1")
    page.get_by_role("button", name="保存当前筛选").click()
    page.get_by_label("名称", exact=True).fill("逾期法援")
    page.get_by_role("button", name=re.compile(r"^保\s?存$")).click()
    page.get_by_role("link", name="逾期法援").wait_for()
    page.goto("/workbench")
    page.get_by_role("link", name="逾期法援").click()
    page.wait_for_url(re.compile(r"ordering=due"))
    assert "q=" in page.url
    page.wait_for_function("document.querySelectorAll('.wb-table tbody tr.wb-row').length === 1")
    assert page.get_by_role("link", name="逾期法援").get_attribute("aria-current") == "true"
    settled(page)
    shots(page, "saved-filter")

    # The shortcut help, then the same queue in English.
    page.keyboard.press("?")
    page.get_by_role("dialog").get_by_text("键盘快捷键").wait_for()
    page.wait_for_timeout(500)  # the dialog's opening animation
    shots(page, "shortcut-help")
    page.keyboard.press("Escape")
    page.get_by_role("button", name=re.compile("切换语言")).click()
    page.get_by_role("heading", level=1, name="Task queue").wait_for()
    assert re.search(r"\d+ working days? overdue", queue_rows(page).first.inner_text())
    page.get_by_role("button", name="Clear filters").click()
    page.wait_for_function("document.querySelectorAll('.wb-table tbody tr.wb-row').length === 3")
    settled(page)
    shots(page, "queue-english")
    assert axe_violations(page) == []
    assert page.js_errors == []
