"""Browser tests: Debian's chromium driven by Playwright against a live Lexflow server.

The server is pytest-django's `live_server` (the real Django app, whitenoise serving the built
frontend, the test database). Each test gets a fresh browser context; `shot(page, name)`
saves a screenshot under test-results/browser/<test>/ for people to look at.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in this thread; the ORM calls our fixtures make
# between browser steps are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("LEXFLOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
RESULTS = Path(__file__).resolve().parents[2] / "test-results" / "browser"
AXE = Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI never skips browser tests)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    _require(
        Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `make browser-deps` installs Debian's chromium"
    )
    _require(
        (settings.FRONTEND_DIST / "index.html").exists(),
        "the web app is not built: `make frontend` builds it",
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, transactional_db, settings, tmp_path):
    """The live server with the demo organisations, users, reference data (lawyers, regions,
    notaries…) and shipped processes, as `make run` has them; uploads go to a temporary folder."""
    from django.core.management import call_command

    from server.complaints.demo import seed_reference_data as complaints_reference_data
    from server.legal_aid.demo import seed_reference_data as legal_aid_reference_data
    from server.mediation.demo import seed_reference_data as mediation_reference_data
    from server.notary.demo import seed_reference_data as notary_reference_data
    from server.processes.engine import engine

    settings.MEDIA_ROOT = tmp_path / "media"
    # The live server shares this process and its CPU with the browser: a script's 1 s limit
    # is about runaway scripts, not about a busy test machine.
    settings.LEXFLOW = {**settings.LEXFLOW, "SCRIPT_TIME_LIMIT": 10.0}
    engine.cache_clear()
    call_command("seed_demo", verbosity=0)
    call_command("deploy_processes", "bpmn", public=True, verbosity=0)
    complaints_reference_data()
    legal_aid_reference_data()
    mediation_reference_data()
    notary_reference_data()
    yield live_server.url
    engine.cache_clear()  # compiled with the longer limit


@pytest.fixture
def shots(request):
    folder = RESULTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 1000))

    def shot(page, name: str) -> Path:
        path = folder / f"{next(counter):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shot


@pytest.fixture
def new_page(browser, site):
    """new_page(mobile=False) -> a page in a fresh context (its own cookies) on the live server."""
    contexts = []

    def make(*, mobile: bool = False, locale: str = "zh-CN"):
        options = {"base_url": site, "locale": locale}
        if mobile:
            options.update(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        else:
            options.update(viewport={"width": 1366, "height": 900})
        context = browser.new_context(**options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors  # tests assert none happened
        return page

    yield make
    for context in contexts:
        context.close()


def log_in(page, username: str, password: str = "lexflow-demo") -> None:
    page.goto("/login")
    page.get_by_label(re.compile("用户名|Username")).fill(username)
    page.get_by_label(re.compile("密码|Password")).fill(password)
    page.get_by_role("button", name=re.compile(r"^(登\s?录|Log in)$")).click()
    page.wait_for_url(lambda url: "/login" not in url)


def wait_for_animations(page) -> None:
    """Waits until no antd dialog, drawer or popup is moving in or out: a click that lands
    mid-animation can be lost, and a drawer measured as it slides is not yet in place. antd marks
    a motion with "<motion>-enter", "-appear" or "-leave" classes through all its phases, the
    "-start" one (before "-active") included."""
    page.wait_for_function(
        """() => ![...document.querySelectorAll('[class*="-enter"], [class*="-appear"], [class*="-leave"]')]
             .some(el => [...el.classList].some(
               name => /-(enter|appear|leave)(-start|-active)?$/.test(name)))"""
    )


def axe_violations(page, *, impacts=("serious", "critical")) -> list[dict]:
    """Runs axe-core (from frontend/node_modules) on the page; returns the serious ones."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in impacts
    ]
