import socket

from django.core.management.base import BaseCommand, CommandError

from server.core.models import WorkerKind
from server.core.workers import workers_health


class Command(BaseCommand):
    help = (
        "Print every background worker's state (idle, busy, stuck, dead) as /api/v1/health sees it; "
        "exit 1 unless each kind asked for has a live worker (a container health check: --this-host)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--kind", choices=[kind.value for kind in WorkerKind], action="append")
        parser.add_argument("--this-host", action="store_true", help="only workers on this machine")

    def handle(self, *args, kind: list[str] | None, this_host: bool, **options) -> None:
        kinds = kind or [k.value for k in WorkerKind]
        host = socket.gethostname()
        workers = [
            worker
            for worker in workers_health()["workers"]
            if worker["kind"] in kinds and (not this_host or worker["name"].startswith(f"{host}:"))
        ]
        for worker in workers:
            doing = f"  {worker['doing']}" if worker["doing"] else ""
            self.stdout.write(f"{worker['kind']:10} {worker['state']:6} {worker['name']}{doing}")
        missing = [k for k in kinds if not any(w["alive"] for w in workers if w["kind"] == k)]
        if missing:
            raise CommandError(f"no live worker of kind {', '.join(missing)}")
