"""The web app's frame: logging in lands each kind of user on their own screen."""

import re

import pytest

from tests.browser.conftest import axe_violations, log_in


@pytest.mark.parametrize(
    ("username", "home"),
    [
        ("applicant", "/portal"),
        ("caseworker", "/workbench"),
        ("designer", "/designer"),
        ("supervisor", "/dashboard"),
    ],
)
def test_logging_in_lands_each_user_on_their_screen(new_page, shots, username, home):
    page = new_page()
    log_in(page, username)
    page.wait_for_url(re.compile(f"{home}"))
    shots(page, f"{username}-home")
    assert page.js_errors == []


def test_a_wrong_password_is_told_plainly_and_nothing_else_happens(new_page, shots):
    page = new_page()
    log_in_attempt = page.goto("/login")
    assert log_in_attempt.ok
    page.get_by_label("用户名").fill("applicant")
    page.get_by_label("密码").fill("wrong")
    page.get_by_role("button", name=re.compile(r"^登\s?录$")).click()
    page.get_by_role("alert").filter(has_text="用户名或密码错误").wait_for()
    shots(page, "wrong-password")
    assert "/login" in page.url


def test_after_five_wrong_passwords_the_login_says_how_long_to_wait(new_page, shots):
    page = new_page()
    page.goto("/login")
    # An account name of its own: the lock holds that account at this address, and no other test's.
    page.get_by_label("用户名").fill("guesser")
    for attempt in range(5):
        page.get_by_label("密码").fill(f"guess-{attempt}")
        with page.expect_response(re.compile(r"/api/v1/auth/login$")):
            page.get_by_role("button", name=re.compile(r"^登\s?录$")).click()
    page.get_by_role("alert").filter(has_text="登录失败次数过多").filter(has_text="15 分钟后再试").wait_for()
    assert "Too many" not in page.get_by_role("alert").inner_text()  # in the page's language only
    shots(page, "locked-out")
    assert "/login" in page.url


def test_a_deep_link_asks_for_login_then_returns_there(new_page):
    page = new_page()
    page.goto("/workbench")
    page.wait_for_url(re.compile(r"/login\?next=%2Fworkbench"))
    page.get_by_label("用户名").fill("caseworker")
    page.get_by_label("密码").fill("lexflow-demo")
    page.get_by_role("button", name=re.compile(r"^登\s?录$")).click()
    page.wait_for_url(re.compile(r"/workbench$"))


def test_the_login_page_switches_to_english_and_has_no_serious_accessibility_problems(new_page, shots):
    page = new_page(mobile=True)
    page.goto("/login")
    page.get_by_role("button", name=re.compile("切换语言")).click()
    page.get_by_role("heading", name="Log in to Lexflow").wait_for()
    shots(page, "login-english-mobile")
    assert axe_violations(page) == []
