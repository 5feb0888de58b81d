"""The designer's migration screen in a real browser: pick the versions, check, map the step the new
version removed, move the cases, see the result."""

import re

import pytest

from server.processes.models import ProcessInstance
from tests.browser.conftest import axe_violations, log_in, wait_for_animations
from tests.browser.test_workbench import api_client
from tests.conftest import fixture_files
from tests.server.conftest import VALID_REVIEW, do_task, start_approval, upload
from tests.server.processes.test_migrations import approval_with, without_review


@pytest.fixture
def cases(site):
    """Version 1 of the test approval with three running cases, two at the review and one past it
    at the approval; then version 2, which has no review any more."""
    designer = api_client("designer")
    assert upload(designer, fixture_files("approval"), public="true").status_code == 201
    applicant = api_client("applicant")
    at_review = [start_approval(applicant)["id"] for _ in range(2)]
    at_approve = start_approval(applicant)["id"]
    do_task(api_client("caseworker"), at_approve, "review", VALID_REVIEW)
    assert upload(designer, approval_with(without_review)).status_code == 201
    return {"at_review": at_review, "at_approve": at_approve}


def test_a_designer_checks_maps_a_removed_step_and_moves_every_case(new_page, shots, cases):
    page = new_page()
    log_in(page, "designer")
    page.goto("/designer/processes/test_approval/versions")
    page.get_by_role("link", name="迁移案件").click()
    page.wait_for_url(re.compile(r"/designer/processes/test_approval/migrate$"))
    page.get_by_role("heading", name=re.compile("迁移案件"), level=1).wait_for()
    page.get_by_text("v1 · 3 件办理中").wait_for()  # the version with running cases, preselected
    page.get_by_role("button", name=re.compile(r"^检\s?查$")).click()

    dry_run = page.get_by_test_id("migration-dry-run")
    dry_run.get_by_text("3 件：1 件可迁移，2 件不能迁移，0 件出错").wait_for()
    review_group = page.get_by_test_id("migration-group-review")
    assert review_group.get_by_text("不能迁移").count() >= 2
    page.get_by_test_id("migration-group-approve").get_by_text("可迁移").first.wait_for()
    mapping = page.get_by_test_id("migration-mapping")
    mapping.get_by_text("Review application（review），2 件").wait_for()
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == []
    shots(page, "dry-run-grouped-by-step")

    page.get_by_label("review 改到新版本的步骤").click()
    wait_for_animations(page)
    page.locator(".ant-select-item-option").filter(has_text="Approve decision (approve)").click()
    mapping.get_by_text("对应关系已修改，请重新检查后再迁移").wait_for()
    run = dry_run.get_by_role("button", name=re.compile(r"^迁移 \d+ 件$"))
    assert run.is_disabled()  # not until the mapping has been checked
    mapping.get_by_role("button", name="按新的对应关系重新检查").click()
    dry_run.get_by_text("3 件：3 件可迁移，0 件不能迁移，0 件出错").wait_for()
    review_group.get_by_text("review → approve").first.wait_for()
    shots(page, "mapped-and-checked")

    dry_run.get_by_role("button", name="迁移 3 件").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("把 3 件案件从 v1 迁移到 v2？").wait_for()
    wait_for_animations(page)
    dialog.get_by_role("button", name="迁移 3 件").click()
    result = page.get_by_test_id("migration-result")
    result.get_by_text("已迁移 3 件，0 件未迁移，0 件失败").wait_for()
    assert result.get_by_text("已迁移", exact=True).count() >= 3
    shots(page, "moved")

    moved = ProcessInstance.objects.filter(pk__in=[*cases["at_review"], cases["at_approve"]])
    assert sorted(instance.definition.version for instance in moved) == [2, 2, 2]
    assert page.js_errors == []
