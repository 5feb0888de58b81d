"""`make run`: prepare the embedded database and demo, then serve as a small bureau would in production.

Three processes are started and watched: gunicorn (the web server), the timer worker and the
jobs worker (`run_worker --kind timers|jobs`). Each runs in a process group of its own, so a
terminal's Ctrl-C reaches this command alone, which then asks each of them to stop gracefully
(SIGTERM): gunicorn's answer to SIGINT is a quick shutdown that cuts a request in flight with a
traceback. Ctrl-C or SIGTERM to this command stops them all within STOP_SECONDS, killing what
does not stop in time, mid-render and descendants included; should this command be killed
outright, the kernel sends them SIGTERM. Should one of them die, the others are stopped too and
the command says which one and how.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from server.accounts.management.commands.seed_demo import print_logins

STOP_SECONDS = 2.5  # after Ctrl-C, what has not stopped by then is killed
SERVED_SETTINGS = "server.config.settings.production"
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In a child, before exec: the kernel sends it SIGTERM should this command be killed outright."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the stop sequence still applies
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (gunicorn's workers below its master), from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _static_fingerprint() -> str:
    """Names, sizes and times of every static file the apps provide."""
    from django.contrib.staticfiles.finders import get_finders

    entries = []
    for finder in get_finders():
        for path, storage in finder.list([]):
            info = os.stat(storage.path(path))
            entries.append(f"{path}\0{info.st_size}\0{info.st_mtime_ns}")
    return hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()


class Command(BaseCommand):
    help = (
        "make run: migrate, seed the demo, deploy bpmn/, print the logins, then serve with gunicorn, "
        "the timer worker and the jobs worker until Ctrl-C (or SIGTERM) stops them all."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument(
            "--web-workers", type=int, default=int(os.environ.get("LEXFLOW_WEB_WORKERS", "2"))
        )
        parser.add_argument("--demo-cases", type=int, default=80, help="demo cases per line (0: none)")

    def handle(self, *args, addr: str, web_workers: int, demo_cases: int, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_demo")
        call_command("deploy_processes", "bpmn", public=True)
        call_command("seed_demo_cases", per_line=demo_cases)
        env = self._served_environment()
        self._collect_static(env)
        self.stdout.write("")
        print_logins(self.stdout.write)
        self.stdout.write(
            f"\nLexflow: http://{addr}/  API docs: http://{addr}/api/docs/\n"
            f"Serving with gunicorn ({web_workers} workers), the timer worker and the jobs worker "
            "(PDFs and other background work). "
            "Ctrl-C stops them all.\n"
        )
        self.stdout.flush()
        self._serve(addr, web_workers, env)

    def _served_environment(self) -> dict[str, str]:
        """The production settings on the embedded database, with a secret key kept under var/."""
        env = dict(os.environ)
        env["DJANGO_SETTINGS_MODULE"] = os.environ.get("LEXFLOW_SERVE_SETTINGS", SERVED_SETTINGS)
        if not env.get("DJANGO_SECRET_KEY"):
            key_file = Path(settings.VAR_DIR) / "secret_key"
            if not key_file.exists():
                key_file.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as out:
                    out.write(secrets.token_urlsafe(50))
            env["DJANGO_SECRET_KEY"] = key_file.read_text().strip()
        return env

    def _collect_static(self, env: dict[str, str]) -> None:
        """collectstatic for the production settings' manifest, skipped when no static file changed
        (hashing and compressing them takes about 15 s)."""
        stamp = Path(settings.STATIC_ROOT) / ".lexflow-collected"
        fingerprint = _static_fingerprint()
        if stamp.exists() and stamp.read_text() == fingerprint:
            return
        self.stdout.write("collecting static files (admin, API docs) for the production settings ...")
        collected = subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            env=env,
            capture_output=True,
            text=True,
        )
        if collected.returncode:
            raise CommandError(f"collectstatic failed:\n{collected.stderr}")
        stamp.write_text(fingerprint)

    def _serve(self, addr: str, web_workers: int, env: dict[str, str]) -> None:
        python = sys.executable
        commands = {
            "web server": [
                python, "-m", "gunicorn", "server.config.wsgi:application",
                "--bind", addr, "--workers", str(web_workers),
                "--graceful-timeout", "2", "--timeout", "60", "--no-control-socket",
            ],
            "timer worker": [python, "manage.py", "run_worker", "--kind", "timers"],
            "jobs worker": [python, "manage.py", "run_worker", "--kind", "jobs"],
        }  # fmt: skip
        stop_requested: list[int] = []

        def request_stop(signum, frame) -> None:  # noqa: ARG001
            stop_requested.append(signum)

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        children: dict[str, subprocess.Popen] = {}
        failure = ""
        try:
            for name, command in commands.items():
                children[name] = subprocess.Popen(
                    command, env=env, preexec_fn=_die_with_parent, process_group=0
                )
            while not stop_requested:
                for name, child in children.items():
                    if child.poll() is not None:
                        failure = f"the {name} exited with status {child.returncode}"
                        break
                if failure:
                    break
                time.sleep(0.2)
        finally:
            self._stop(children)
        if failure:
            raise CommandError(f"Lexflow stopped: {failure} (see its messages above).")
        self.stdout.write("Lexflow stopped.")

    def _stop(self, children: dict[str, subprocess.Popen]) -> None:
        """SIGTERM to each (gunicorn drains for up to 2 s), then SIGKILL what is left, descendants too."""
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for child in children.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=max(0.0, deadline - time.monotonic()))
        for name, child in children.items():
            stragglers = [*_descendants(child.pid), child.pid] if child.poll() is None else []
            for pid in stragglers:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            if stragglers:
                self.stderr.write(f"the {name} did not stop within {STOP_SECONDS:g} s: killed")
                child.wait()
