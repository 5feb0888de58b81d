"""`make run` as a newcomer runs it, and the Docker image's production settings, as real processes.

`manage.py lexflow_serve` (what `make run` calls) prepares the embedded SQLite database, then
serves with gunicorn, the timer worker and the jobs worker under the production
settings; Ctrl-C (SIGINT to its process group, as a terminal sends it) or SIGTERM to it alone
stops every process it started, and theirs, within 5 s and without a traceback. The image's own
collectstatic and gunicorn command serve the admin's login page under the production settings.
"""

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from server.accounts.management.commands.lexflow_serve import _descendants

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def embedded_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """A newcomer's environment: nothing set but where var/ is (the suite's DATABASE_URL is not
    theirs: make run uses the embedded SQLite file)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_", "LEXFLOW_"))}
    return {**env, "LEXFLOW_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1", **extra}


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback only
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_for_health(base: str, server: subprocess.Popen, timeout: float = 240.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"lexflow_serve exited with {server.returncode}:\n{server.stdout.read()}")
        try:
            status, body = get(f"{base}/api/v1/health")
            health = json.loads(body)
            if status == 200 and health["workers"]["status"] == "ok":
                return health
        except (OSError, ValueError):
            pass
        time.sleep(0.5)
    pytest.fail("the server never answered healthy")


def group_is_empty(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def stop_and_check_nothing_is_left(server: subprocess.Popen, how: str) -> tuple[float, str]:
    pgid = server.pid  # started in a session of its own: its process group
    started_processes = set(_descendants(server.pid))  # gunicorn's workers included
    assert len(started_processes) >= 5, "expected gunicorn, its 2 workers and the 2 workers"
    started = time.monotonic()
    if how == "ctrl-c":
        os.killpg(pgid, signal.SIGINT)  # what a terminal does on Ctrl-C
    else:
        server.send_signal(signal.SIGTERM)  # `kill <pid>`: to the command alone
    while time.monotonic() - started < 10:
        server.poll()  # reap the command itself: our child, a zombie until then
        left = {pid for pid in started_processes if alive(pid)}
        if group_is_empty(pgid) and not left:
            break
        time.sleep(0.05)
    took = time.monotonic() - started
    pids = ",".join(map(str, sorted(left))) or "0"
    leftovers = subprocess.run(["ps", "-o", "pid,args", "-p", pids], capture_output=True, text=True)
    assert group_is_empty(pgid) and not left, f"left behind after {how}:\n{leftovers.stdout}"
    output = server.stdout.read()
    return took, output


def test_make_run_serves_in_production_shape_and_ctrl_c_or_sigterm_stops_everything(tmp_path):
    var = tmp_path / "var"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [PYTHON, "manage.py", "lexflow_serve", "--addr", f"127.0.0.1:{port}", "--demo-cases", "2"]

    for round_, how in enumerate(["ctrl-c", "sigterm"]):  # the second run finds everything in place
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            env=embedded_env(var),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            health = wait_for_health(base, server)
            assert {w["kind"] for w in health["workers"]["workers"]} == {"timers", "jobs"}
            assert health["database"]["vendor"] == "sqlite"
            # Served by gunicorn under the production settings, admin styles included.
            status, page = get(f"{base}/admin/login/")
            assert status == 200
            stylesheet = re.search(rb'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', page)
            assert stylesheet, "the admin's stylesheet is not the collected, hashed one"
            assert get(base + stylesheet.group(1).decode())[0] == 200
            assert get(f"{base}/api/v1/nothing")[1].startswith(b"{")  # DEBUG off: JSON, no debug page
            took, output = stop_and_check_nothing_is_left(server, how)
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGKILL)
        assert took < 5, f"{how} took {took:.1f} s to stop everything:\n{output[-3000:]}"
        assert "Booting worker" in output  # gunicorn, not runserver
        assert "runserver" not in output and "development server" not in output
        assert "Traceback" not in output, output[output.find("Traceback") - 500 :][:4000]
        assert "Lexflow stopped." in output
        if round_ == 1:
            assert "unchanged" in output and "demo cases already there" in output
    assert (var / "secret_key").stat().st_mode & 0o077 == 0  # kept, and private


def test_the_image_serves_the_admin_login_under_the_production_settings(tmp_path):
    """The Dockerfile's own steps: its collectstatic line, then its gunicorn command."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "libharfbuzz-subset0" in dockerfile and "fonts-noto-cjk" in dockerfile
    collect = next((line for line in dockerfile.splitlines() if "collectstatic" in line), None)
    assert collect and collect.startswith("RUN "), "the image never runs collectstatic"
    image_env = dict(re.findall(r"(\w+)=(\S+)", dockerfile.split("ENV ", 1)[1].split("\n", 1)[0]))
    assert image_env["DJANGO_SETTINGS_MODULE"] == "server.config.settings.production"
    env = embedded_env(tmp_path / "var", **image_env, DJANGO_SECRET_KEY="image-test-only")
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, timeout=300
    )
    build_step = shlex.split(collect.removeprefix("RUN "))
    build_env = dict(part.split("=", 1) for part in build_step if re.match(r"^\w+=", part))
    subprocess.run(
        [PYTHON if part == "python" else part for part in build_step if not re.match(r"^\w+=", part)],
        cwd=ROOT,
        env={**env, **build_env},
        check=True,
        timeout=300,
    )
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE).group(1))
    port = free_port()
    cmd = [PYTHON, "-m", "gunicorn", *cmd[1:]]
    cmd[cmd.index("--bind") + 1] = f"127.0.0.1:{port}"
    server = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, page = get(f"http://127.0.0.1:{port}/admin/login/")
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, server.stdout.read()
                time.sleep(0.3)
        assert status == 200, page[:2000]
        stylesheet = re.search(rb'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', page).group(1)
        assert get(f"http://127.0.0.1:{port}{stylesheet.decode()}")[0] == 200
    finally:
        server.terminate()
        server.wait(timeout=10)
