"""The supervision dashboard in a real browser: the supervisor reads the complaint figures,
drills into one and finds as many cases as it says, exports the figures as CSV, switches
organisation, and sees the figures move when a caseworker accepts a complaint."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect
from rest_framework.test import APIClient

from tests.browser.conftest import axe_violations

# The complaint as the server tests file it, and the caseworker's first two steps.
from tests.server.complaints.conftest import ACCEPT, COMPLAINT, ELIGIBLE

# Of every line's demo cases, a dozen is enough for every tab to show something (~5 s).
DEMO_CASES_PER_LINE = 12


@pytest.fixture
def demo_cases(site):
    """The live site with a dozen demo cases per service line, spread over the last two months."""
    from django.core.management import call_command

    call_command("seed_demo_cases", per_line=DEMO_CASES_PER_LINE, verbosity=0)
    return site


def api_client(username: str) -> APIClient:
    client = APIClient()
    login = {"username": username, "password": "lexflow-demo"}
    response = client.post("/api/v1/auth/login", login, format="json")
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def stats(line: str, **params) -> dict:
    response = api_client("supervisor").get(f"/api/v1/{line}/stats", params)
    assert response.status_code == 200, response.content
    return response.json()


def do_task(client: APIClient, instance: int, bpmn_id: str, data: dict) -> None:
    case = client.get(f"/api/v1/instances/{instance}").json()
    task = next(task for task in case["tasks"] if task["bpmn_id"] == bpmn_id)
    if task["assignee"] is None:
        assert client.post(f"/api/v1/tasks/{task['id']}/claim").status_code == 200
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", {"data": data}, format="json")
    assert response.status_code == 200, response.content


def open_dashboard(page, username: str, path: str = "/dashboard") -> None:
    """Log in through the API in the page's own context (it keeps the session cookie), then load
    the dashboard. (The shell's login form is tested in test_shell; its in-page switch to the
    first screen can bounce back to /login until the page is loaded afresh.)"""
    login = {"username": username, "password": "lexflow-demo"}
    assert page.request.post("/api/v1/auth/login", data=login).ok
    page.goto(path)
    page.get_by_role("heading", level=1, name=re.compile("监督看板|Supervision dashboard")).wait_for()


def figure_button(page, label: str):
    """The number of a figure tile: a button named "查看<label>的 N 件案件"."""
    return page.get_by_role("button", name=re.compile(rf"^查看{re.escape(label)}的 \d+ 件案件$")).first


def figure(page, label: str) -> int:
    button = figure_button(page, label)
    button.wait_for()
    return int(button.inner_text())


def wait_for_figure(page, label: str, value: int) -> None:
    page.get_by_role("button", name=f"查看{label}的 {value} 件案件").first.wait_for()


def choose_preset(page, name: str) -> None:
    """antd's button-style radios hide the input itself: click its label, then check the radio."""
    page.locator("label.ant-radio-button-wrapper").filter(has_text=name).click()
    expect(page.get_by_role("radio", name=name)).to_be_checked()


def choose_organisation(page, search: str, name: str) -> None:
    """By keyboard, as a supervisor can: type to search the tree, Enter picks the match. (A mouse
    click on the option raced the dropdown's opening animation now and then.) The list marks its
    first match active only after it has drawn the filtered options, so Enter waits for that mark:
    pressed earlier it picks the match of a shorter search, or nothing."""
    page.get_by_label("机构").click()
    page.keyboard.type(search)
    page.locator(".ant-select-item-option-active").filter(has_text=name).wait_for()
    page.keyboard.press("Enter")


def rate_card(page, name: str):
    return page.locator(".lf-dash-rate").filter(has=page.get_by_role("heading", name=name, exact=True))


def drawer_total(page) -> int:
    total = page.get_by_test_id("drill-total")
    total.wait_for()
    settle(page)
    return int(re.search(r"\d+", total.inner_text()).group())


BUSY = ", ".join(
    ['[class*="-enter-active"]', '[class*="-appear-active"]', ".ant-spin-spinning", ".ant-skeleton"]
)


def settle(page) -> None:
    """Wait until nothing is loading or sliding in (drawer, skeletons, table spinners)."""
    page.wait_for_function(f"() => !document.querySelector({BUSY!r})")
    page.mouse.move(0, 0)  # no hover highlight left on the last thing clicked
    page.wait_for_timeout(350)  # the spinner's fade-out transition


@pytest.fixture
def snap(shots):
    """shots(), once the screen has settled."""

    def take(page, name: str):
        settle(page)
        return shots(page, name)

    return take


def close_drawer(page) -> None:
    page.keyboard.press("Escape")
    page.get_by_test_id("drill-total").wait_for(state="detached")


def test_the_supervisor_reads_drills_exports_and_switches_organisation(new_page, snap, demo_cases):
    page = new_page()
    open_dashboard(page, "supervisor")

    # The complaint figures for 沈阳市司法局 and below, this year, as the API counts them.
    expected = stats("complaints", organisation="LN-SY")
    accepted = figure(page, "已受理")
    assert accepted == expected["counts"]["accepted"]
    assert figure(page, "收到投诉") == expected["counts"]["received"]
    acceptance = rate_card(page, "受理率")
    rate = expected["rates"]["acceptance_rate"]
    shown = "—" if rate is None else f"{rate:g}%"
    assert acceptance.locator(".lf-dash-rate-value").inner_text() == shown
    if rate is not None and rate < 100:
        # Below the 100% target: said in words, not only in red.
        assert "低于目标" in acceptance.inner_text()
    page.get_by_test_id("chart-complaints").locator("svg").first.wait_for()
    snap(page, "complaints")

    # Drilling into the figure lists exactly as many cases as it says.
    figure_button(page, "已受理").click()
    expect(page.get_by_test_id("drill-title")).to_have_text("已受理")  # the drawer fills in as it opens
    assert drawer_total(page) == accepted
    assert "drill=complaints%3Acounts.accepted" in page.url
    snap(page, "complaints-drill-accepted")
    close_drawer(page)

    # The chart's bars drill too: the top one is the complaints received.
    bars = page.get_by_test_id("chart-complaints").locator('svg path[fill="#0072B2"]')
    # ECharts hit-tests clicks by position while it may still be laying out: click again if the
    # first click landed before the bar was where it is drawn.
    for _ in range(3):
        settle(page)
        bars.last.click()
        try:
            page.get_by_test_id("drill-title").wait_for(timeout=3000)
            break
        except PlaywrightTimeout:
            continue
    expect(page.get_by_test_id("drill-title")).to_have_text("收到投诉")  # the drawer fills in as it opens
    assert drawer_total(page) == expected["counts"]["received"]
    close_drawer(page)

    # The export is the stats endpoint's CSV: UTF-8 with a BOM, bilingual header, same numbers.
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("导出 CSV")).first.click()
    raw = download.value.path().read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["指标 / Figure", "说明 / Description", "数值 / Value"] + [
        "机构 / Organisation",
        "起 / From",
        "止 / To",
    ]
    exported = {row[0]: row for row in rows[1:]}
    assert exported["counts.accepted"][2] == str(accepted)
    assert exported["counts.accepted"][3] == "沈阳市司法局 (LN-SY)"
    assert download.value.suggested_filename.startswith("投诉处理_沈阳市司法局_")

    # Another organisation: the figures are that organisation's.
    station = stats("complaints", organisation="LN-SY-HP-NH")
    choose_organisation(page, "南湖", "南湖街道司法所")
    page.wait_for_url(re.compile(r"org=LN-SY-HP-NH"))
    wait_for_figure(page, "收到投诉", station["counts"]["received"])
    assert figure(page, "已受理") == station["counts"]["accepted"]
    expect(page.get_by_test_id("dash-scope")).to_contain_text("南湖街道司法所及下属机构")
    snap(page, "complaints-station")

    # A shorter period by preset: the dates follow, and so do the figures.
    before = page.get_by_test_id("dash-scope").inner_text()
    choose_preset(page, "近 30 天")
    page.wait_for_url(re.compile(r"preset=30d"))
    expect(page.get_by_test_id("dash-scope")).not_to_have_text(before)
    scope = page.get_by_test_id("dash-scope").inner_text()
    period = re.search(r"(\d{4}-\d{2}-\d{2}) 至 (\d{4}-\d{2}-\d{2})", scope)
    recent = stats("complaints", organisation="LN-SY-HP-NH", **{"from": period[1], "to": period[2]})
    wait_for_figure(page, "收到投诉", recent["counts"]["received"])

    # Every other screen shows its figures; each tab lives in the URL.
    choose_organisation(page, "沈阳市", "沈阳市司法局")
    page.wait_for_url(re.compile(r"org=LN-SY&"))
    choose_preset(page, "本年")
    for tab, received_label, line in (
        ("法律援助", "收到申请", "legal-aid"),
        ("人民调解", "收到纠纷", "mediation"),
        ("公证", "收到申请", "notary"),
    ):
        page.get_by_role("tab", name=tab).click()
        answer = stats(line, organisation="LN-SY")
        wait_for_figure(page, received_label, answer.get("counts", answer)["received"])
        snap(page, line)
    assert "tab=notary" in page.url

    page.get_by_role("tab", name="案件量").click()
    page.get_by_test_id("chart-volume").locator("svg").first.wait_for()
    # The volume table's numbers open the cases received in that period.
    cell = page.locator(".lf-dash-table button.lf-dash-number").first
    count = int(cell.inner_text())
    snap(page, "volume")
    cell.click()
    assert drawer_total(page) == count
    snap(page, "volume-drill")
    close_drawer(page)

    page.get_by_role("tab", name="逾期待办").click()
    page.get_by_role("heading", name=re.compile("逾期待办事项")).wait_for()
    overdue = api_client("supervisor").get("/api/v1/figures/overdue", {"organisation": "LN-SY"}).json()
    page.get_by_text(f"共 {overdue['count']} 项").first.wait_for()
    snap(page, "overdue")

    assert page.js_errors == []


def test_the_supervisor_sees_the_figures_move(new_page, snap, demo_cases):
    """A complaint accepted through the API shows on the dashboard at the next load."""
    applicant, caseworker = api_client("applicant"), api_client("caseworker")
    response = applicant.post("/api/v1/instances", {"process": "complaint", "data": COMPLAINT}, format="json")
    assert response.status_code == 201, response.content
    complaint = response.json()["id"]
    do_task(caseworker, complaint, "check_eligibility", ELIGIBLE)

    page = new_page()
    open_dashboard(page, "supervisor", "/dashboard?org=LN-SY&preset=year&tab=complaints")
    before = stats("complaints", organisation="LN-SY")
    wait_for_figure(page, "已受理", before["counts"]["accepted"])
    received, eligible = figure(page, "收到投诉"), figure(page, "符合受理条件")
    snap(page, "before-acceptance")

    do_task(caseworker, complaint, "accept", ACCEPT)
    after = stats("complaints", organisation="LN-SY")
    assert after["counts"]["accepted"] == before["counts"]["accepted"] + 1

    page.reload()
    wait_for_figure(page, "已受理", before["counts"]["accepted"] + 1)
    assert figure(page, "收到投诉") == received
    assert figure(page, "符合受理条件") == eligible
    acceptance = rate_card(page, "受理率")
    assert acceptance.locator(".lf-dash-rate-value").inner_text() == f"{after['rates']['acceptance_rate']:g}%"
    snap(page, "after-acceptance")

    # The new case is among those behind the figure.
    figure_button(page, "已受理").click()
    assert drawer_total(page) == before["counts"]["accepted"] + 1
    if before["counts"]["accepted"] < 20:  # one page: the newest case is on it
        key = applicant.get(f"/api/v1/instances/{complaint}").json()["business_key"]
        page.get_by_role("dialog").get_by_text(key).wait_for()
    assert page.js_errors == []


def test_a_director_sees_only_their_bureau_and_can_open_the_cases(new_page, snap, demo_cases):
    page = new_page()
    open_dashboard(page, "director")
    expect(page.get_by_test_id("dash-scope")).to_contain_text("和平区司法局及下属机构")
    page.get_by_label("机构").click()
    # (expect retries: the list is drawn a moment after the click)
    expect(page.locator(".ant-select-item-option")).to_have_text(["和平区司法局", "南湖街道司法所"])
    page.keyboard.press("Escape")

    # The overdue work of the bureau, each case a link to the workbench's case view.
    page.get_by_role("tab", name="逾期待办").click()
    page.get_by_role("heading", name=re.compile("逾期待办事项")).wait_for()
    overdue = api_client("director").get("/api/v1/figures/overdue", {"organisation": "LN-SY-HP"}).json()
    if overdue["results"]:
        first = overdue["results"][0]
        link = page.get_by_role("link", name=first["business_key"]).first
        assert link.get_attribute("href") == f"/workbench/cases/{first['instance']}"

    page.get_by_role("tab", name="投诉处理").click()
    received = figure(page, "收到投诉")
    figure_button(page, "收到投诉").click()
    assert drawer_total(page) == received
    links = page.get_by_role("dialog").get_by_role("link", name=re.compile("^打开案件 "))
    assert links.count() == min(received, 20)
    snap(page, "director-drill")
    assert page.js_errors == []


def test_the_dashboard_in_english_has_no_serious_accessibility_problems(new_page, snap, demo_cases):
    page = new_page()
    open_dashboard(page, "supervisor")
    page.get_by_role("button", name=re.compile("切换语言")).click()
    page.get_by_role("heading", level=1, name="Supervision dashboard").wait_for()
    page.get_by_role("button", name=re.compile(r"^Show the \d+ cases: Accepted$")).first.wait_for()
    page.get_by_test_id("chart-complaints").locator("svg").first.wait_for()
    snap(page, "complaints-english")
    assert axe_violations(page) == []
    assert page.js_errors == []
