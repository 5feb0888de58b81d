"""The applicant portal on a phone (390 px): register, apply for legal aid step by step (a draft
saved on the way and resumed after a reload), upload a document, submit, follow the case, supply
missing material, rate a closed case and complain about it. Each screen is screenshotted and
checked with axe-core; the first page after logging in must stay under 300 kB gzipped."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from server.accounts.models import Organisation
from server.core.identity import check_digit
from tests.browser.conftest import axe_violations, log_in

PDF = (
    b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
)
FIRST_PAGE_BUDGET = 300 * 1024


def id_number(first17: str = "21010219900307123") -> str:
    return first17 + check_digit(first17)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads and notices go to a folder of this test, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def pdf_file(tmp_path) -> Path:
    path = tmp_path / "身份证明.pdf"
    path.write_bytes(PDF)
    return path


def api_as(username: str, password: str = "lexflow-demo") -> APIClient:
    client = APIClient()
    response = client.post("/api/v1/auth/login", {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def do_task(client: APIClient, instance_id: int, bpmn_id: str, data: dict) -> dict:
    case = client.get(f"/api/v1/instances/{instance_id}").json()
    task = next(task for task in case["tasks"] if task["bpmn_id"] == bpmn_id)
    if task["assignee"] is None:
        assert client.post(f"/api/v1/tasks/{task['id']}/claim").status_code == 200
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", {"data": data}, format="json")
    assert response.status_code == 200, response.content
    return client.get(f"/api/v1/instances/{instance_id}").json()


def no_axe_violations(page, where: str) -> None:
    found = axe_violations(page)
    assert found == [], f"{where}: {found}"


def step_heading(page):
    return page.locator("#lf-step-title")


def wait_saved(page) -> None:
    page.locator('[data-testid="save-state"][data-state="saved"]').wait_for()


def next_step(page) -> None:
    page.get_by_role("button", name=re.compile(r"^下一步$")).click()


def first_page_gzip_bytes(page, username: str, password: str) -> int:
    """Log in and open /portal; the gzip size of every JS and CSS file the browser fetched."""
    bodies: dict[str, bytes] = {}

    def keep(response) -> None:
        url = response.url.split("?")[0]
        if url.endswith((".js", ".css")) and response.ok:
            bodies[url] = response.body()

    page.on("response", keep)
    log_in(page, username, password)
    page.wait_for_url(re.compile(r"/portal$"))
    page.get_by_role("heading", level=1, name="我的服务").wait_for()
    page.wait_for_load_state("networkidle")
    sizes = {
        url.rsplit("/", 1)[-1]: len(gzip.compress(body, compresslevel=9)) for url, body in bodies.items()
    }
    for name, size in sorted(sizes.items(), key=lambda item: -item[1]):
        print(f"  {size / 1024:7.1f} kB  {name}")
    return sum(sizes.values())


def test_an_applicant_registers_applies_for_legal_aid_step_by_step_and_follows_the_case(
    new_page, shots, pdf_file
):
    page = new_page(mobile=True)

    # Register: a new account, logged in at once.
    page.goto("/register")
    page.get_by_role("heading", level=1, name="注册账号").wait_for()
    shots(page, "register")
    no_axe_violations(page, "register")
    page.get_by_role("button", name="注册并登录").click()
    page.get_by_text("请填写姓名").wait_for()  # told plainly what is missing
    page.get_by_label("姓名").fill("李小梅")
    page.get_by_label("手机号码").fill("13912345678")
    page.get_by_label("身份证号码（选填）").fill("210102199003071234")  # a wrong check digit
    organisation = page.locator("#register-organisation")
    if organisation.evaluate("element => element.tagName") == "SELECT":  # the tree, when it may be read
        organisation.select_option(value=str(Organisation.objects.get(code="LN-SY-HP").pk))
    page.get_by_label("用户名").fill("lixiaomei")
    page.get_by_label("密码", exact=True).fill("Lexflow-2026-mei")
    page.get_by_label("再次输入密码").fill("Lexflow-2026-mee")
    page.get_by_role("button", name="注册并登录").click()
    page.get_by_text("两次输入的密码不一样").wait_for()
    page.get_by_label("再次输入密码").fill("Lexflow-2026-mei")
    page.get_by_role("button", name="注册并登录").click()
    # The server's word about the ID number appears on that field.
    page.locator("#id_number_help, .ant-form-item-explain-error").filter(has_text="身份证").first.wait_for()
    shots(page, "register-server-error")
    page.get_by_label("身份证号码（选填）").fill(id_number())
    page.get_by_role("button", name="注册并登录").click()
    page.wait_for_url(re.compile(r"/portal$"))

    # Home: nothing yet, so the way to apply comes first.
    page.get_by_role("heading", level=1, name="我的服务").wait_for()
    shots(page, "home-empty")
    no_axe_violations(page, "home")
    page.get_by_role("link", name=re.compile("申请服务")).click()

    # Services, each with its guide.
    page.get_by_role("heading", level=1, name="申请服务").wait_for()
    for name in ("申请法律援助", "预约公证", "申请人民调解", "投诉"):
        page.get_by_role("heading", level=2, name=name, exact=True).wait_for()
    page.get_by_text("谁可以申请、需要准备什么、要多长时间").first.click()
    page.get_by_role("heading", name="需要准备的材料").first.wait_for()
    shots(page, "services")
    no_axe_violations(page, "services")
    page.get_by_role("button", name="开始申请：申请法律援助").click()

    # Step 1: the applicant, with the name already filled in; Next checks the step first.
    page.wait_for_url(re.compile(r"/portal/apply/legal_aid_application$"))
    step_heading(page).filter(has_text="申请人").wait_for()
    page.get_by_text("第 1 步，共 7 步").wait_for()
    assert page.get_by_role("textbox", name=re.compile("姓名")).input_value() == "李小梅"
    next_step(page)
    page.get_by_role("alert").filter(has_text="还有 1 处需要填写").wait_for()
    page.locator(".ant-form-item-explain-error", has_text="必填").first.wait_for()
    shots(page, "apply-step1-errors")
    no_axe_violations(page, "apply step 1")
    page.get_by_role("textbox", name=re.compile("居民身份证号码")).fill(id_number())
    next_step(page)

    # Step 2: the region code comes from the ID number; a short choice is a set of radio buttons.
    step_heading(page).filter(has_text="案件类型").wait_for()
    assert page.get_by_role("textbox", name=re.compile("户籍或住所地行政区划代码")).input_value() == "210102"
    page.get_by_label("劳动争议").check()
    page.get_by_role("textbox", name=re.compile("申请事项及理由")).fill(
        "公司拖欠我三个月工资共一万二千元，多次讨要未果。"
    )
    wait_saved(page)
    shots(page, "apply-step2")
    next_step(page)
    step_heading(page).filter(has_text="对方当事人").wait_for()
    wait_saved(page)

    # Closing the page (or the phone) loses nothing: the draft opens at the same step.
    page.reload()
    step_heading(page).filter(has_text="对方当事人").wait_for()
    page.get_by_text("已为您恢复上次填写的内容").wait_for()
    page.get_by_text("第 3 步，共 7 步").wait_for()
    shots(page, "apply-resumed")

    # ...and after logging out and in again, home offers the unfinished application.
    page.get_by_role("button", name=re.compile("退出登录")).click()
    page.wait_for_url(re.compile(r"/login"))
    log_in(page, "lixiaomei", "Lexflow-2026-mei")
    page.get_by_role("heading", level=2, name="未填完的申请").wait_for()
    shots(page, "home-with-draft")
    page.get_by_role("button", name="继续填写：申请法律援助").click()
    step_heading(page).filter(has_text="对方当事人").wait_for()
    page.get_by_text("第 3 步，共 7 步").wait_for()
    page.get_by_role("button", name=re.compile("上一步")).click()
    step_heading(page).filter(has_text="案件类型").wait_for()
    assert "一万二千元" in page.get_by_role("textbox", name=re.compile("申请事项及理由")).input_value()
    next_step(page)
    step_heading(page).filter(has_text="对方当事人").wait_for()
    page.get_by_role("button", name="添加一项").click()
    page.get_by_role("textbox", name=re.compile("姓名或名称")).fill("沈阳某建筑劳务有限公司")
    shots(page, "apply-opposing-party")
    no_axe_violations(page, "apply list step")
    next_step(page)

    # Step 4: income is asked for unless the applicant is exempt.
    step_heading(page).filter(has_text="免予核查").wait_for()
    page.get_by_label("无", exact=True).check()
    next_step(page)
    page.get_by_role("alert").filter(has_text="还有 2 处").wait_for()
    page.get_by_role("spinbutton", name=re.compile("家庭人口")).fill("3")
    page.get_by_role("spinbutton", name=re.compile("家庭人均月收入")).fill("900")
    next_step(page)

    # Step 5: what they have; step 6: the upload, with its progress and a remove button.
    step_heading(page).filter(has_text="已提交的材料").wait_for()
    page.get_by_label("身份证明").check()
    next_step(page)
    step_heading(page).filter(has_text="证明材料").wait_for()
    page.locator('input[type="file"]').set_input_files(str(pdf_file))
    page.get_by_role("link", name=re.compile("身份证明.pdf")).wait_for()
    page.get_by_role("button", name="删除 身份证明.pdf").wait_for()
    wait_saved(page)
    shots(page, "apply-upload")
    no_axe_violations(page, "apply upload step")
    next_step(page)

    # Review: every answer in words, the office, then submit.
    step_heading(page).filter(has_text="核对并提交").wait_for()
    page.get_by_text("劳动争议").wait_for()
    page.get_by_text("身份证明.pdf").wait_for()
    shots(page, "apply-review")
    no_axe_violations(page, "apply review")
    page.get_by_role("button", name="提交申请").click()

    # The case: its stage in plain words, its deadline, the upload, the timeline.
    page.wait_for_url(re.compile(r"/portal/cases/\d+$"))
    page.get_by_test_id("case-stage").filter(has_text="材料审查中").wait_for()
    page.get_by_role("heading", name="办理进度").wait_for()
    page.locator(".lf-timeline li").filter(has_text="您提交了申请").wait_for()
    page.get_by_role("link", name=re.compile("身份证明.pdf")).wait_for()
    page.get_by_text("办理期限").wait_for()
    shots(page, "case")
    no_axe_violations(page, "case page")

    # Home now leads with the case; the draft is gone.
    page.get_by_role("link", name="返回我的服务").click()
    page.get_by_role("heading", level=2, name="我的案件").wait_for()
    page.get_by_role("link", name=re.compile("法律援助申请")).wait_for()
    assert page.get_by_role("heading", name="未填完的申请").count() == 0
    shots(page, "home-with-case")

    # English on request.
    page.get_by_role("button", name=re.compile("切换语言")).click()
    page.get_by_role("heading", level=1, name="My services").wait_for()
    page.get_by_role("link", name=re.compile("Legal aid application")).wait_for()
    shots(page, "home-english")
    no_axe_violations(page, "home in English")
    assert page.js_errors == []

    # Budget: the first page after logging in, JS and CSS together, gzipped.
    fresh = new_page(mobile=True)
    size = first_page_gzip_bytes(fresh, "lixiaomei", "Lexflow-2026-mei")
    print(f"\nfirst page (login -> /portal): {size / 1024:.1f} kB gzipped JS+CSS")
    assert size < FIRST_PAGE_BUDGET, f"{size / 1024:.1f} kB"


def start_legal_aid(applicant: APIClient, **overrides) -> dict:
    data = {
        "channel": "online",
        "applicant": {
            "name": "张三 Zhang San",
            "id_number": id_number("21010219800512123"),
            "phone": "13800000000",
        },
        "region_code": "210102",
        "family_size": 3,
        "monthly_income_per_capita": 1000,
        "exemption_category": "none",
        "case_type": "civil",
        "matter": "房屋租赁合同纠纷，出租人拒不退还押金 / A landlord keeps the deposit",
        "materials": ["id_document"],
        **overrides,
    }
    response = applicant.post(
        "/api/v1/instances", {"process": "legal_aid_application", "data": data}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_the_applicant_sees_the_missing_material_once_and_supplies_it(new_page, shots, pdf_file):
    case = start_legal_aid(api_as("applicant"))
    missing = [
        {
            "material": "hardship_statement",
            "detail": "家庭经济困难状况说明表，须签字 / Signed hardship statement",
        },
        {"material": "case_documents", "detail": "租赁合同及押金收据 / Lease and deposit receipt"},
    ]
    case = do_task(
        api_as("caseworker"),
        case["id"],
        "check_completeness",
        {"materials_complete": False, "missing_materials": missing},
    )
    assert case["stage"].startswith("待补充材料")

    page = new_page(mobile=True)
    log_in(page, "applicant")
    page.wait_for_url(re.compile(r"/portal$"))
    card = page.get_by_role("link", name=re.compile(f"需要您处理：补充材料.*{case['business_key']}"))
    card.wait_for()
    shots(page, "home-action-needed")
    card.click()

    page.get_by_test_id("case-stage").filter(has_text="待补充材料").wait_for()
    listed = page.get_by_role("list", name="请一次性补齐以下材料：")
    listed.get_by_role("listitem").filter(has_text="经济困难状况说明").filter(has_text="须签字").wait_for()
    listed.get_by_role("listitem").filter(has_text="案件相关材料").filter(
        has_text="租赁合同及押金收据"
    ).wait_for()
    assert listed.get_by_role("listitem").count() == 2
    page.get_by_role("link", name=re.compile("下载 补正材料通知书")).wait_for()
    page.get_by_role("checkbox", name="经济困难状况说明").wait_for()  # the task's form
    shots(page, "case-missing-material")
    no_axe_violations(page, "case page with a task")

    page.get_by_role("button", name=re.compile(r"^提\s?交$")).click()
    page.locator(".ant-form-item-explain-error").first.wait_for()  # nothing ticked yet
    page.get_by_label("经济困难状况说明").check()
    page.get_by_label("案件相关材料").check()
    page.locator('input[type="file"]').set_input_files(str(pdf_file))
    page.get_by_role("button", name="删除 身份证明.pdf").wait_for()
    page.get_by_role("textbox", name="说明", exact=True).fill("已补交签字的说明表和租赁合同。")
    shots(page, "case-supplement-filled")
    page.get_by_role("button", name=re.compile(r"^提\s?交$")).click()
    page.get_by_text("已提交，谢谢").wait_for()
    page.get_by_test_id("case-stage").filter(has_text="材料审查中").wait_for()
    page.locator(".lf-timeline li").filter(has_text="您已完成：补充材料").wait_for()
    page.get_by_role("link", name=re.compile("身份证明.pdf")).wait_for()
    shots(page, "case-supplemented")
    assert page.js_errors == []

    after = api_as("caseworker").get(f"/api/v1/instances/{case['id']}").json()
    assert after["data"]["supplied_materials"] == ["hardship_statement", "case_documents"]
    assert len(after["data"]["supplied_files"]) == 1


def test_a_closed_case_can_be_rated_once_and_complained_about(new_page, shots):
    applicant = api_as("applicant")
    started = applicant.post(
        "/api/v1/instances",
        {
            "process": "legal_consultation",
            "data": {"category": "labour", "question": "公司不签劳动合同怎么办？"},
        },
        format="json",
    )
    assert started.status_code == 201, started.content
    case = do_task(
        api_as("caseworker"),
        started.json()["id"],
        "answer",
        {"answer": "可以要求公司签订书面劳动合同，并主张二倍工资。", "request_review": False},
    )
    assert case["status"] == "completed"

    page = new_page(mobile=True)
    log_in(page, "applicant")
    page.goto(f"/portal/cases/{case['id']}")
    page.get_by_test_id("case-stage").filter(has_text="已解答").wait_for()
    # The answer itself, in words, under the title the caseworker's form gives it.
    told = page.get_by_role("region", name="办理结果与答复")
    told.get_by_text("可以要求公司签订书面劳动合同，并主张二倍工资。").wait_for()
    assert told.get_by_test_id("told-answer").locator("dt").inner_text() == "解答"
    page.get_by_role("heading", name="服务评价").wait_for()
    page.get_by_role("button", name="提交评价").click()
    page.get_by_role("alert").wait_for()  # no score chosen yet
    page.get_by_label(re.compile("非常满意")).check()
    page.get_by_label("意见或建议（选填）").fill("回复很快，讲得清楚。")
    shots(page, "rating")
    no_axe_violations(page, "rating")
    page.get_by_role("button", name="提交评价").click()
    page.get_by_text("您的评价：非常满意").wait_for()
    page.get_by_text("回复很快，讲得清楚。").wait_for()
    shots(page, "rated")
    assert applicant.get(f"/api/v1/instances/{case['id']}").json()["rating"]["score"] == 5

    page.get_by_role("link", name="投诉此案件").click()
    page.wait_for_url(re.compile(rf"/portal/apply/complaint\?related_case={case['business_key']}"))
    page.get_by_text(f"投诉所涉案件：{case['business_key']}").wait_for()
    assert page.get_by_role("radio", checked=True).count() == 0
    shots(page, "complaint-about-the-case")
    assert page.js_errors == []


def test_the_portal_also_reads_well_on_a_desktop(new_page, shots):
    case = start_legal_aid(api_as("applicant"))
    page = new_page()
    log_in(page, "applicant")
    page.get_by_role("heading", level=2, name="我的案件").wait_for()
    shots(page, "home-desktop")
    page.get_by_role("link", name=re.compile(case["business_key"])).click()
    page.get_by_test_id("case-stage").filter(has_text="材料审查中").wait_for()
    shots(page, "case-desktop")
    page.goto("/portal/apply/mediation")
    step_heading(page).wait_for()
    shots(page, "apply-desktop")
    no_axe_violations(page, "apply mediation, desktop")
    assert page.js_errors == []
