"""The supervision dashboard on a phone (390 × 844): the page never scrolls sideways, the
filters fit the screen, a figure's cases open in a drawer as wide as the screen, and the tabs
and tables stay usable, wide tables scrolling inside their own box rather than the page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import wait_for_animations
from tests.browser.test_dashboard import (
    close_drawer,
    demo_cases,  # noqa: F401 (the fixture the test uses)
    drawer_total,
    figure,
    figure_button,
    open_dashboard,
    settle,
)

# What sticks out past the right edge of the screen and so makes the whole page scroll
# sideways: the outermost such elements, not those inside a box that scrolls or clips them.
OVERFLOW = """() => {
  const width = window.innerWidth
  if (document.documentElement.scrollWidth <= width) return []
  const clipped = (element) => {
    for (let box = element.parentElement; box && box !== document.body; box = box.parentElement)
      if (getComputedStyle(box).overflowX !== 'visible') return true
    return false
  }
  const sticksOut = (element) => element.getBoundingClientRect().right > width + 0.5
  const culprits = [...document.body.querySelectorAll('*')]
    .filter((element) => sticksOut(element) && !sticksOut(element.parentElement) && !clipped(element))
    .map((element) => {
      const right = Math.round(element.getBoundingClientRect().right)
      const text = (element.innerText || '').trim().slice(0, 30)
      return `<${element.tagName.toLowerCase()} class="${element.className}"> to ${right}px: ${text}`
    })
  return [`the page is ${document.documentElement.scrollWidth}px wide on a ${width}px screen`, ...culprits]
}"""


def page_overflow(page) -> list[str]:
    """Why the page scrolls sideways on this screen: nothing when it fits."""
    settle(page)
    return page.evaluate(OVERFLOW)


def on_screen_horizontally(page, locator) -> bool:
    box = locator.bounding_box()
    width = page.evaluate("window.innerWidth")
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5


def assert_filters_fit(page, filters) -> None:
    """Every filter can be read and reached without scrolling sideways."""
    for control in (
        filters.locator(".ant-select"),
        *filters.locator("label.ant-radio-button-wrapper").all(),
        filters.locator(".ant-picker").first,
        filters.locator(".ant-picker").last,
    ):
        assert on_screen_horizontally(page, control), control


def open_tab(page, name: str) -> None:
    wait_for_animations(page)
    tab = page.get_by_role("tab", name=name)
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")


@pytest.mark.usefixtures("demo_cases")
def test_the_supervisor_reads_the_dashboard_on_a_phone(new_page, shots):
    page = new_page(mobile=True)
    open_dashboard(page, "supervisor")
    accepted = figure(page, "已受理")
    page.get_by_test_id("chart-complaints").locator("svg").first.wait_for()
    assert page_overflow(page) == []

    assert_filters_fit(page, page.get_by_role("region", name="筛选条件"))
    # Every tab is on screen, none hidden behind a "more" menu.
    for tab in page.get_by_role("tab").all():
        assert on_screen_horizontally(page, tab), tab.inner_text()
    # The chart is drawn to the screen's width, not the desktop's.
    assert on_screen_horizontally(page, page.get_by_test_id("chart-complaints").locator("svg").first)
    shots(page, "complaints")

    # A figure's cases: the drawer covers the screen, its export button and close within reach.
    figure_button(page, "已受理").click()
    expect(page.get_by_test_id("drill-title")).to_have_text("已受理")
    assert drawer_total(page) == accepted
    wait_for_animations(page)
    drawer = page.get_by_role("dialog")
    assert on_screen_horizontally(page, drawer)
    assert drawer.bounding_box()["width"] >= page.evaluate("window.innerWidth") - 1
    assert on_screen_horizontally(page, drawer.get_by_role("link", name=re.compile("导出 CSV")))
    assert on_screen_horizontally(page, drawer.get_by_role("button", name=re.compile("Close|关闭")))
    # Case numbers read on one line: the table scrolls rather than squeezing its columns.
    case_link = drawer.get_by_role("link", name=re.compile("^打开案件 ")).first
    assert case_link.evaluate("link => link.getClientRects().length") == 1, case_link.inner_text()
    shots(page, "complaints-drill")
    close_drawer(page)

    open_tab(page, "法律援助")
    figure(page, "收到申请")
    assert page_overflow(page) == []
    shots(page, "legal-aid")

    open_tab(page, "案件量")
    page.get_by_test_id("chart-volume").locator("svg").first.wait_for()
    assert page_overflow(page) == []
    shots(page, "volume")

    # The overdue tasks' many columns scroll inside the table: the last one can be brought into
    # view while the page itself stays where it was.
    open_tab(page, "逾期待办")
    page.get_by_role("heading", name=re.compile("逾期待办事项")).wait_for()
    page.get_by_text(re.compile(r"共 \d+ 项")).first.wait_for()
    assert page_overflow(page) == []
    shots(page, "overdue")
    last_column = page.get_by_role("columnheader", name="逾期（工作日）")
    last_column.scroll_into_view_if_needed()
    assert on_screen_horizontally(page, last_column)
    assert page.evaluate("window.scrollX") == 0
    assert page_overflow(page) == []
    shots(page, "overdue-scrolled")

    # The narrowest phones, in English and its longer words: still nothing sideways.
    page.set_viewport_size({"width": 360, "height": 740})
    page.get_by_role("button", name=re.compile("切换语言")).click()
    page.get_by_role("heading", level=1, name="Supervision dashboard").wait_for()
    open_tab(page, "Complaints")
    page.get_by_role("button", name=re.compile(r"^Show the \d+ cases: Accepted$")).first.wait_for()
    page.get_by_test_id("chart-complaints").locator("svg").first.wait_for()
    assert page_overflow(page) == []
    assert_filters_fit(page, page.get_by_role("region", name="Filters"))
    shots(page, "complaints-english-360")

    assert page.js_errors == []
