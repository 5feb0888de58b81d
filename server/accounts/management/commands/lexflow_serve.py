import signal
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand

from server.accounts.management.commands.seed_demo import print_logins


def _interrupt(signum, frame) -> None:  # noqa: ARG001
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "make run: migrate, seed the demo, deploy bpmn/, print the logins, serve with the timer worker."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, addr: str, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_demo")
        call_command("deploy_processes", "bpmn", public=True)
        call_command("seed_demo_cases")
        self.stdout.write("")
        print_logins(self.stdout.write)
        self.stdout.write(f"\nLexflow: http://{addr}/  API docs: http://{addr}/api/docs/   (Ctrl-C stops)\n")
        # Ctrl-C and a plain `kill` both stop the server and the worker together, even when
        # the shell that started us had set SIGINT to be ignored (background jobs).
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
        worker = subprocess.Popen([sys.executable, "manage.py", "run_worker"])
        try:
            call_command("runserver", addr, use_reloader=False)
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            worker.terminate()
            worker.wait(timeout=15)
            self.stdout.write("Lexflow stopped.")
