"""The process designer in a real browser: change a shipped diagram (a task, a decision, a service
task's parameters) and deploy version 2, see a broken change refused on its element, and model,
deploy and start a new process."""

import re

from lxml import etree

from tests.browser.conftest import axe_violations, log_in, wait_for_animations

# bpmn-js is reachable from the page for steps a mouse would do by dragging (the editor puts
# the modeler on its canvas element).
MODELER = "document.querySelector('[data-testid=bpmn-canvas]').bpmnjs"
SELECT = f"""(id) => {{
  const m = {MODELER};
  const element = m.get('elementRegistry').get(id);
  m.get('selection').select(element);
  m.get('canvas').scrollToElement(element);
}}"""
SELECTED = f"() => {MODELER}.get('selection').get().map((e) => e.id)"
DEPLOY_CONFIRM = re.compile(r"^部\s?署$")


def open_as_designer(new_page, path: str):
    page = new_page()
    log_in(page, "designer")
    page.goto(path)
    return page


def wait_for_element(page, element_id: str) -> None:
    page.locator(f".djs-element[data-element-id='{element_id}']").first.wait_for(timeout=30_000)


def open_parameters(lexflow):
    """The service task's parameter list, opened (it starts closed)."""
    parameters = lexflow.locator("[data-entry-id='lexflow-parameters']")
    if "open" not in (parameters.get_attribute("class") or "").split():
        parameters.locator(".bio-properties-panel-list-entry-header").click()
    return parameters


def remove_parameter(item) -> None:
    item.hover()  # the delete button shows on hover, as in Camunda Modeler
    item.get_by_title("删除此项").click()


def service_parameter(bpmn: str, task_id: str, name: str) -> str | None:
    """The value expression a deployed service task passes for parameter `name`."""
    values = etree.fromstring(bpmn.encode()).xpath(
        "//*[@id=$task]//*[local-name()='parameter' and @id=$name]/@value", task=task_id, name=name
    )
    return values[0] if values else None


def deploy(page) -> None:
    page.get_by_role("button", name="部署").click()
    confirm = page.get_by_role("dialog").get_by_role("button", name=DEPLOY_CONFIRM)
    confirm.wait_for()
    wait_for_animations(page)
    confirm.click()
    page.get_by_role("dialog").wait_for(state="hidden")


def test_a_designer_renames_a_task_deploys_version_2_and_sees_the_change_in_the_diff(new_page, shots):
    from server.processes.models import ProcessDefinition

    page = open_as_designer(new_page, "/designer")
    page.get_by_role("heading", name="流程设计", level=1).wait_for()
    row = page.get_by_role("row").filter(has_text="complaint")
    row.get_by_text("v1").wait_for()
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == []
    shots(page, "process-list")

    row.get_by_role("link", name="投诉处理").click()
    page.wait_for_url(re.compile(r"/designer/processes/complaint$"))
    wait_for_element(page, "check_eligibility")
    page.get_by_text("与已部署版本一致").wait_for()
    shots(page, "editor")

    # Rename the task in the properties panel (General group).
    page.evaluate(SELECT, "check_eligibility")
    page.locator("[data-group-id='group-general'] .bio-properties-panel-group-header").click()
    new_name = "审查受理条件（两人复核）/ Check eligibility (two reviewers)"
    page.locator("#bio-properties-panel-name").fill(new_name)
    page.get_by_test_id("dirty").wait_for()
    # The Lexflow group shows what Lexflow reads from this task.
    lexflow = page.locator("[data-group-id='group-lexflow']")
    assert lexflow.get_by_label("角色（泳道）").input_value() == "caseworker"
    assert lexflow.get_by_label("表单", exact=True).input_value() == "eligibility.schema.json"
    assert lexflow.get_by_label("办理期限").input_value() == "acceptance_due"
    shots(page, "renamed-in-properties-panel")

    # A service task: its service is one of the server's, its parameters a list to edit.
    page.evaluate(SELECT, "repeat_check")
    assert lexflow.get_by_label("服务", exact=True).input_value() == "complaints.repeat_check"
    lexflow.get_by_text("必填参数：target_name；可选参数：id_number, contact_phone。").wait_for()
    parameters = open_parameters(lexflow)
    phone = parameters.locator("[data-entry-id='lexflow-parameters-2']")
    phone.get_by_text('contact_phone = contact.get("phone", "")').click()
    phone.get_by_label("值（Python 表达式）").fill('contact.get("phone") or ""')
    phone.get_by_text('contact_phone = contact.get("phone") or ""').wait_for()
    # A parameter the service does not read is flagged at once; removing it takes it out again.
    parameters.get_by_title("添加一项").click()
    added = parameters.locator("[data-entry-id='lexflow-parameters-3']")
    added.get_by_text("服务 complaints.repeat_check 不读取此参数。").wait_for()
    shots(page, "service-task-parameters")
    remove_parameter(parameters.locator("li").nth(3))
    added.wait_for(state="detached")

    # The decision table opens in dmn-js; an edit there goes into the files Deploy sends.
    page.get_by_role("tab", name=re.compile("决策表")).click()
    table = page.get_by_test_id("dmn-editor")
    table.get_by_text("投诉预审 / Complaint pre-screen").first.wait_for()
    cell = table.locator("[data-element-id='Rule_no_contact_out1'] [contenteditable]").first
    cell.click()
    page.keyboard.press("End")
    page.keyboard.press("Backspace")
    page.keyboard.type('_2"')
    page.wait_for_timeout(600)  # dmn-js saves after a pause
    shots(page, "decision-table")

    # Forms: the schema text beside a live preview.
    page.get_by_role("tab", name=re.compile("表单")).click()
    page.get_by_role("menuitem", name="eligibility").click()
    page.get_by_label("eligibility.schema.json 的内容").wait_for()
    page.locator(".lexflow-forms-preview").get_by_text("符合受理条件").first.wait_for()
    shots(page, "forms")

    page.get_by_role("tab", name=re.compile("流程图")).click()
    page.get_by_role("button", name="校验").click()
    page.get_by_test_id("problems").get_by_text("校验通过，没有发现问题").wait_for()
    shots(page, "validated")

    deploy(page)
    page.get_by_text("已部署 v2").first.wait_for()
    page.get_by_text("基于 v2").wait_for()
    shots(page, "deployed-v2")

    latest = ProcessDefinition.objects.filter(key="complaint").order_by("-version").first()
    assert latest.version == 2
    assert latest.deployed_by.username == "designer"
    assert "两人复核" in latest.files["complaint.bpmn"]
    assert '"anonymous_no_contact_2"' in latest.files["prescreen.dmn"]
    deployed = latest.files["complaint.bpmn"]
    assert service_parameter(deployed, "repeat_check", "contact_phone") == 'contact.get("phone") or ""'
    assert service_parameter(deployed, "repeat_check", "parameter_1") is None

    page.get_by_role("link", name="查看版本与对比").click()
    page.wait_for_url(re.compile(r"/designer/processes/complaint/versions\?from=1&to=2"))
    versions = page.get_by_role("table", name="版本列表")
    versions.get_by_role("row").filter(has_text="v2").get_by_text("最新").wait_for()
    assert versions.get_by_role("row").filter(has_text="v1").get_by_role("cell").nth(3).inner_text() == "0"
    # The changed task is marked (amber) on both diagrams and listed with what changed.
    for side in ("from", "to"):
        marked = ".djs-element.lexflow-diff-changed[data-element-id='check_eligibility']"
        page.locator(f"[data-testid=diff-{side}] {marked}").wait_for()
    change = page.get_by_test_id("diff-list").get_by_role("row").filter(has_text="check_eligibility")
    change.get_by_text("修改").wait_for()
    assert "两人复核" in change.inner_text()
    page.get_by_text("prescreen.dmn").wait_for()  # files changed
    shots(page, "versions-and-diff")
    assert axe_violations(page) == []
    assert page.js_errors == []


def test_a_broken_change_shows_the_servers_errors_on_their_elements(new_page, shots):
    from server.processes.models import ProcessDefinition

    page = open_as_designer(new_page, "/designer/processes/complaint")
    wait_for_element(page, "accept")

    # A due date that is not Python, on one task ...
    page.evaluate(SELECT, "accept")
    page.locator("[data-group-id='group-lexflow']").get_by_label("办理期限").fill("acceptance_due +")
    # ... and the form of another task deleted from the package.
    page.get_by_role("tab", name=re.compile("表单")).click()
    page.get_by_role("menuitem", name="eligibility").click()
    page.get_by_role("button", name=re.compile("删除表单")).click()
    page.get_by_role("tooltip").get_by_role("button", name="删除表单").wait_for()
    wait_for_animations(page)
    page.get_by_role("tooltip").get_by_role("button", name="删除表单").click()
    page.get_by_role("menuitem", name="eligibility").wait_for(state="detached")
    page.get_by_role("tab", name=re.compile("流程图")).click()

    # A gateway left without outgoing flows: the in-browser lint says so at once.
    page.evaluate(
        f"""() => {{
          const m = {MODELER};
          const gateway = m.get('elementRegistry').get('is_eligible');
          m.get('modeling').removeElements([...gateway.outgoing]);
        }}"""
    )
    page.locator(".bjsl-button-error").filter(has_text=re.compile(r"[1-9]\d* 个错误")).wait_for()

    # A service task left without a parameter its service requires: the panel says so at once.
    page.evaluate(SELECT, "repeat_check")
    lexflow = page.locator("[data-group-id='group-lexflow']")
    parameters = open_parameters(lexflow)
    remove_parameter(parameters.locator("li").filter(has_text="target_name = target_name"))
    lexflow.get_by_text("缺少必填参数：target_name。").wait_for()

    page.get_by_role("button", name="校验").click()
    problems = page.get_by_test_id("problems")
    problems.get_by_text("服务器校验发现 5 个问题").wait_for()
    problems.get_by_text("缺少服务 complaints.repeat_check 的必填参数 target_name").wait_for()
    page.locator(".djs-element.lexflow-server-error[data-element-id='repeat_check']").wait_for()
    problems.get_by_text("form file 'eligibility.schema.json' is not in the package").wait_for()
    problems.get_by_text("due date 'acceptance_due +'").wait_for()
    problems.get_by_text("gateway has no outgoing sequence flow").wait_for()  # the server agrees
    page.locator(".djs-element.lexflow-server-error[data-element-id='is_eligible']").wait_for()
    # On the elements themselves: a red outline and a badge with the count.
    page.locator(".djs-element.lexflow-server-error[data-element-id='check_eligibility']").wait_for()
    page.locator(".djs-element.lexflow-server-error[data-element-id='accept']").wait_for()
    badge = page.locator(".lexflow-error-badge[data-element-id='check_eligibility']")
    assert badge.inner_text().strip() == "! 2 个错误"
    # The list selects the element it names.
    on_task = re.compile(r"定位 complaint\.bpmn:\d+ <userTask id=check_eligibility>")
    problems.get_by_role("button", name=on_task).first.click()
    page.wait_for_function(f"() => {MODELER}.get('selection').get()[0]?.id === 'check_eligibility'")
    assert "文件不存在" in lexflow.get_by_label("表单", exact=True).locator("option:checked").inner_text()
    shots(page, "server-errors-on-elements")

    # Deploying anyway is refused the same way, and nothing is deployed.
    deploy(page)
    problems.get_by_text("部署被拒绝：5 个问题").wait_for()
    page.locator(".lexflow-error-badge[data-element-id='accept']").wait_for()
    shots(page, "deploy-refused")
    assert ProcessDefinition.objects.filter(key="complaint").count() == 1
    assert page.js_errors == []


def test_a_new_process_is_modelled_from_an_empty_diagram_deployed_and_started(new_page, shots):
    from server.processes.models import HumanTask, ProcessInstance

    page = open_as_designer(new_page, "/designer")
    page.get_by_role("button", name="新建流程").click()
    page.wait_for_url(re.compile(r"/designer/new$"))
    page.get_by_label("流程标识").fill("complaint")
    page.get_by_label("中文名称").fill("法律审查")
    page.get_by_role("button", name="创建并开始建模").click()
    page.get_by_text("已有同标识的流程").wait_for()  # keys are unique
    page.get_by_label("流程标识").fill("legal_review")
    page.get_by_label("英文名称").fill("Legal review")
    page.get_by_text("已有同标识的流程").wait_for(state="detached")
    shots(page, "new-process-form")
    page.get_by_role("button", name="创建并开始建模").click()
    wait_for_element(page, "start")
    page.get_by_text("尚未部署").wait_for()

    # Append a user task and an end event (the API a drag from the context pad calls).
    page.evaluate(
        f"""() => {{
          const m = {MODELER};
          const modeling = m.get('modeling'), shapes = m.get('elementFactory');
          const start = m.get('elementRegistry').get('start');
          const userTask = shapes.createShape({{ type: 'bpmn:UserTask' }});
          const task = modeling.appendShape(start, userTask, {{ x: 400, y: 210 }});
          modeling.updateLabel(task, '审查 / Review');
          const endEvent = shapes.createShape({{ type: 'bpmn:EndEvent' }});
          const end = modeling.appendShape(task, endEvent, {{ x: 580, y: 210 }});
          modeling.updateLabel(end, '完成 / Done');
          m.get('selection').select(task);
        }}"""
    )
    lexflow = page.locator("[data-group-id='group-lexflow']")
    lexflow.get_by_label("角色（泳道）").wait_for()
    assert lexflow.get_by_label("角色（泳道）").input_value() == "caseworker"  # dropped into the lane
    lexflow.get_by_label("优先级").fill("60")
    page.locator(".bjsl-button-success").wait_for()  # lint: no issues
    shots(page, "new-process-modelled")

    page.get_by_role("button", name="校验").click()
    page.get_by_test_id("problems").get_by_text("校验通过，没有发现问题").wait_for()
    deploy(page)
    page.wait_for_url(re.compile(r"/designer/processes/legal_review$"))
    page.get_by_text("已部署 v1").first.wait_for()
    shots(page, "new-process-deployed")

    page.get_by_role("button", name="试运行").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("此流程没有开始表单").wait_for()
    wait_for_animations(page)
    dialog.get_by_role("button", name="发起测试案件").click()
    dialog.get_by_text("已发起测试案件").wait_for()
    instance = ProcessInstance.objects.get(definition__key="legal_review")
    assert instance.started_by.username == "designer"
    case_link = dialog.get_by_role("link", name="在工作台打开案件")
    assert case_link.get_attribute("href") == f"/workbench/cases/{instance.pk}"
    task = HumanTask.objects.get(instance=instance, status="open")
    assert task.name == "审查 / Review"
    assert task.priority == 60
    assert "caseworker" in task.candidate_groups
    shots(page, "test-case-started")
    assert page.js_errors == []
