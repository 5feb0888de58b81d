"""One legal-aid case through every screen that touches it, each person in their own browser:
the applicant registers and applies with a document, the caseworker checks the materials, the
reviewer grants aid, the applicant downloads the decision, and the supervisor's dashboard counts
it. (Changing and deploying a diagram is test_designer.py's story.)"""

from __future__ import annotations

import re

from server.accounts.models import Organisation
from server.processes.models import ProcessInstance
from tests.browser.conftest import log_in
from tests.browser.test_portal import PDF, id_number, next_step, step_heading


def register(page, username: str, password: str) -> None:
    page.goto("/register")
    page.get_by_label("姓名").fill("周小川")
    page.get_by_label("手机号码").fill("13700001111")
    page.get_by_label("身份证号码（选填）").fill(id_number())
    page.locator("#register-organisation").select_option(
        value=str(Organisation.objects.get(code="LN-SY-HP").pk)
    )
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_label("再次输入密码").fill(password)
    page.get_by_role("button", name="注册并登录").click()
    page.wait_for_url(re.compile(r"/portal$"))


def apply_for_legal_aid(page, document) -> str:
    """Fills the legal-aid application step by step with one upload; returns the case URL."""
    page.goto("/portal/apply/legal_aid_application")
    page.get_by_role("textbox", name=re.compile("居民身份证号码")).fill(id_number())
    next_step(page)
    page.get_by_label("劳动争议").check()
    page.get_by_role("textbox", name=re.compile("申请事项及理由")).fill("公司拖欠我三个月工资共一万二千元。")
    next_step(page)
    step_heading(page).filter(has_text="对方当事人").wait_for()
    next_step(page)
    step_heading(page).filter(has_text="免予核查").wait_for()
    page.get_by_label("无", exact=True).check()
    page.get_by_role("spinbutton", name=re.compile("家庭人口")).fill("3")
    page.get_by_role("spinbutton", name=re.compile("家庭人均月收入")).fill("900")
    next_step(page)
    step_heading(page).filter(has_text="已提交的材料").wait_for()
    page.get_by_label("身份证明").check()
    next_step(page)
    step_heading(page).filter(has_text="证明材料").wait_for()
    page.locator('input[type="file"]').set_input_files(str(document))
    page.get_by_role("link", name=re.compile("工资欠条.pdf")).wait_for()
    next_step(page)
    step_heading(page).filter(has_text="核对并提交").wait_for()
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(re.compile(r"/portal/cases/\d+$"))
    return page.url


def work_task(page, business_key: str, task_name: str) -> None:
    """From the queue: find the case's task, claim it, open it."""
    page.goto(f"/workbench?q={business_key}")
    row = page.locator("tr.wb-row").filter(has_text=business_key).filter(has_text=task_name)
    row.wait_for()
    row.get_by_role("button", name=re.compile("认领")).click()
    row.get_by_text("我", exact=True).wait_for()
    row.get_by_role("link", name=re.compile(task_name)).first.click()
    page.get_by_role("heading", level=1, name=task_name).wait_for()


def legal_aid_decided(page) -> int:
    """The supervisor's count of legal-aid decisions, as the dashboard shows it."""
    page.goto("/dashboard?tab=legal-aid")
    button = page.get_by_role("button", name=re.compile(r"^查看已作出决定的 \d+ 件案件$")).first
    button.wait_for()
    return int(button.inner_text())


def test_a_legal_aid_case_goes_from_registration_to_the_decision_and_into_the_figures(
    new_page, shots, tmp_path
):
    document = tmp_path / "工资欠条.pdf"
    document.write_bytes(PDF)
    supervisor = new_page()
    log_in(supervisor, "supervisor")
    decided_before = legal_aid_decided(supervisor)

    # The applicant, on a phone: a new account, the application, the case page.
    applicant = new_page(mobile=True)
    register(applicant, "zhouxiaochuan", "Lexflow-2026-zxc")
    case_url = apply_for_legal_aid(applicant, document)
    applicant.get_by_test_id("case-stage").filter(has_text="材料审查中").wait_for()
    business_key = ProcessInstance.objects.get(pk=int(case_url.rsplit("/", 1)[1])).business_key
    shots(applicant, "applicant-submitted")

    # The caseworker sees the upload beside the form and finds the materials complete.
    caseworker = new_page()
    log_in(caseworker, "caseworker")
    work_task(caseworker, business_key, "审查材料是否齐全")
    caseworker.get_by_role("complementary", name="案件信息").get_by_role(
        "link", name=re.compile("工资欠条.pdf")
    ).first.wait_for()  # in the form data and in the list of uploads
    caseworker.get_by_label("材料齐全").check()
    shots(caseworker, "caseworker-task")
    caseworker.get_by_role("button", name=re.compile(r"^提\s?交")).click()
    caseworker.get_by_text(re.compile("已提交|已完成")).first.wait_for()

    # The reviewer grants aid.
    reviewer = new_page()
    log_in(reviewer, "reviewer")
    work_task(reviewer, business_key, "作出审查决定")
    reviewer.get_by_label("给予法律援助").check()
    shots(reviewer, "reviewer-decision")
    reviewer.get_by_role("button", name=re.compile(r"^提\s?交")).click()
    reviewer.get_by_text(re.compile("已提交|已完成")).first.wait_for()

    # The applicant sees the new stage and downloads the decision, a real PDF.
    applicant.goto(case_url)
    applicant.get_by_test_id("case-stage").filter(has_text="指派律师").wait_for()
    with applicant.expect_download() as download:
        applicant.get_by_role("link", name=re.compile("下载 给予法律援助决定书")).click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF"), pdf[:20]
    shots(applicant, "applicant-decision")

    # The supervisor's figure has moved by exactly this case.
    assert legal_aid_decided(supervisor) == decided_before + 1
    shots(supervisor, "supervisor-figures")
    for page in (applicant, caseworker, reviewer, supervisor):
        assert page.js_errors == []
