import io
import signal
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.conftest import fixture_files


@pytest.fixture(autouse=True, scope="session")
def _official_calendar_built():
    """Build the official calendar of the years the scenarios run in once per test process:
    built inside a deadline script, under the script time limit's tracer, the first build can
    take most of a busy machine's second."""
    from datetime import date

    from server.core import calendar

    for year in (2025, 2026, 2027):
        calendar._official(year).is_working_day(date(year, 1, 2))


@pytest.fixture
def demo(db):
    from server.accounts.demo import seed_demo

    return seed_demo()


@pytest.fixture
def client_for(demo):
    """client_for("caseworker") -> an APIClient logged in through the real login endpoint."""
    clients = {}

    def make(username: str) -> APIClient:
        if username not in clients:
            client = APIClient()
            response = client.post(
                "/api/v1/auth/login", {"username": username, "password": "lexflow-demo"}, format="json"
            )
            assert response.status_code == 200, response.content
            client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
            clients[username] = client
        return clients[username]

    return make


def add_staff(username: str, role: str, organisation_code: str, full_name: str = "") -> None:
    """One more member of staff, beyond the demo's, who logs in like them (`client_for(username)`):
    for instance a caseworker or a director of 沈河区 (LN-SY-SH), outside 和平区's cases."""
    from django.contrib.auth import get_user_model

    from server.accounts.demo import DEMO_PASSWORD
    from server.accounts.models import Membership, Organisation

    first, _, last = full_name.partition(" ")
    user = get_user_model()(username=username, first_name=first, last_name=last)
    user.set_password(DEMO_PASSWORD)
    user.save()
    Membership.objects.create(
        user=user, organisation=Organisation.objects.get(code=organisation_code), role=role
    )


def upload(client, files: dict[str, bytes], **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    uploads = [SimpleUploadedFile(name, content) for name, content in files.items()]
    return client.post("/api/v1/processes", {"files": uploads, **extra}, format="multipart")


@pytest.fixture
def approval(client_for):
    """The two-user-task test process, deployed by the designer and open to applicants."""
    response = upload(client_for("designer"), fixture_files("approval"), public="true")
    assert response.status_code == 201, response.content
    return response.json()[0]


def start_approval(client, *, urgent: bool = False, review_timeout: str = "P30D", **extra):
    response = client.post(
        "/api/v1/instances",
        {"process": "test_approval", "data": {"urgent": urgent, "review_timeout": review_timeout, **extra}},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


VALID_REVIEW = {"complete": True, "applicant": {"id_number": "11010519491231002X"}}


# ---------------------------------------------------------------------------------------------
# Shipped processes (bpmn/<name>) driven through the API, with a controllable clock

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"


def shipped_files(name: str) -> dict[str, bytes]:
    folder = BPMN_DIR / name
    return {
        p.name: p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in {".bpmn", ".dmn", ".json"}
    }


@pytest.fixture
def deploy_shipped(client_for):
    """deploy_shipped("complaint") -> the deployed definition, published to applicants."""

    def deploy(name: str) -> dict:
        response = upload(client_for("designer"), shipped_files(name), public="true")
        assert response.status_code in (200, 201), response.content
        return response.json()[0]

    return deploy


# A Monday morning in an ordinary working week (no holidays near), Beijing time.
SCENARIO_START = datetime(2026, 3, 9, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def clock():
    """Time under the test's control: starts at SCENARIO_START and ticks; `clock.shift(days=16)`,
    `clock.move_to(moment)`. Django, the engine's timers and the deadline functions all see it."""
    with time_machine.travel(SCENARIO_START, tick=True) as traveller:

        class Clock:
            def shift(self, **delta: float) -> None:
                traveller.shift(timedelta(**delta))

            def move_to(self, moment: datetime) -> None:
                traveller.move_to(moment)

            def now(self) -> datetime:
                return datetime.now(tz=ZoneInfo("Asia/Shanghai"))

        yield Clock()


def _forget_compiled_processes() -> None:
    from server.processes import engine as server_engine

    server_engine._PACKAGES.clear()
    server_engine.engine.cache_clear()


@pytest.fixture(params=["warm", "restored-between-steps"])
def steps(request, monkeypatch):
    """Run a scenario twice: once as is, once forgetting every compiled process and engine
    after each request, so each step restores the case from the database alone (as after a
    server restart). Every request already saves and restores the instance state."""
    if request.param == "restored-between-steps":
        original = APIClient.generic

        def generic(self, *args, **kwargs):
            response = original(self, *args, **kwargs)
            _forget_compiled_processes()
            return response

        monkeypatch.setattr(APIClient, "generic", generic)
    return request.param


def start_case(client, process: str, data: dict, *, status: int = 201, **extra) -> dict:
    response = client.post("/api/v1/instances", {"process": process, "data": data, **extra}, format="json")
    assert response.status_code == status, response.content
    return response.json()


def open_task(client, instance_id: int, bpmn_id: str) -> dict:
    """The open task `bpmn_id` of a case, as `client` sees it in the case view."""
    case = client.get(f"/api/v1/instances/{instance_id}").json()
    found = [task for task in case.get("tasks", []) if task["bpmn_id"] == bpmn_id]
    open_ids = [task["bpmn_id"] for task in case.get("tasks", [])]
    assert found, (
        f"no open task {bpmn_id!r} on case {instance_id}; open: {open_ids}, stage {case.get('stage')}"
    )
    return found[0]


def do_task(client, instance_id: int, bpmn_id: str, data: dict, *, status: int = 200) -> dict:
    """Claim and complete the open task `bpmn_id` as `client`; returns the case after it."""
    task = open_task(client, instance_id, bpmn_id)
    if task["assignee"] is None:
        claimed = client.post(f"/api/v1/tasks/{task['id']}/claim")
        assert claimed.status_code == 200, claimed.content
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", {"data": data}, format="json")
    assert response.status_code == status, response.content
    return client.get(f"/api/v1/instances/{instance_id}").json()


def fire_timers_until(clock, moment: datetime) -> list:
    """Move the clock to `moment` and let the timer worker sweep once."""
    from server.processes.services import timers_fire_due

    clock.move_to(moment)
    return timers_fire_due()


@pytest.fixture(autouse=True)
def _fresh_settings_caches():
    """Rolled-back test transactions send no delete signals: start each test with empty caches."""
    from server.core import calendar
    from server.processes import deadlines

    calendar.overrides_changed()
    deadlines.settings_changed()
    yield
    calendar.overrides_changed()
    deadlines.settings_changed()


@pytest.fixture
def run_worker_once(monkeypatch):
    """`manage.py run_worker --kind K --once`, its output. The test process keeps its own signal
    handlers, and its connection: the test runs in a transaction the worker's reconnect would close."""
    from server.core import workers

    monkeypatch.setattr(workers, "close_old_connections", lambda: None)
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def run(kind: str = "timers") -> str:
        out = io.StringIO()
        call_command("run_worker", "--kind", kind, "--once", stdout=out)
        return out.getvalue()

    yield run
    for sig, handler in saved.items():
        signal.signal(sig, handler)


class Spawner:
    """Real processes on the test database: `spawn(*manage_args, before=...)`, or `.command(argv)`."""

    def __init__(self, database_url: str):
        self.database_url = database_url
        self.started: list = []

    def env(self, **extra: str) -> dict[str, str]:
        import os

        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "server.config.settings.local",
            "DATABASE_URL": self.database_url,
            "PYTHONUNBUFFERED": "1",
            **extra,
        }

    def command(self, argv: list[str], **env: str):
        import subprocess

        process = subprocess.Popen(
            argv,
            cwd=Path(__file__).resolve().parents[2],
            env=self.env(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.started.append(process)
        return process

    def __call__(self, *args: str, before: str = "", **env: str):
        import sys
        import textwrap

        code = "\n".join(
            [
                "import sys, django",
                "django.setup()",
                textwrap.dedent(before),
                "from django.core.management import execute_from_command_line",
                "execute_from_command_line(['manage.py', *sys.argv[1:]])",
            ]
        )
        return self.command([sys.executable, "-c", code, *args], **env)


@pytest.fixture
def spawn_manage(transactional_db):
    """Start `manage.py <args>` as a real process on the test database, as a deployment would;
    `before` is Python run in that process after Django is set up (a test's way to make one
    of its steps slow). Every process still running at the end of the test is killed."""
    from django.db import connection

    database = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{database['NAME']}"
    else:
        login = database["USER"] + (f":{database['PASSWORD']}" if database.get("PASSWORD") else "")
        url = f"postgres://{login}@{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}"
    spawner = Spawner(url)
    yield spawner
    for process in spawner.started:
        if process.poll() is None:
            process.kill()
        process.wait()
