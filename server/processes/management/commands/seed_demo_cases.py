"""Demo cases for `make run`: every service line's reference data, then a few hundred cases.

Each service line (`server.<app>.demo`) offers `seed_reference_data()` (lawyers, subsidy
tables, mediator grades...; safe to run again) and `seed_cases(count=, rng=)`, which drives
its process through the real services with the clock moved back, so the cases carry
believable dates, deadlines, overdue work and audit history.
"""

import importlib
import logging
import random
import time

from django.core.management.base import BaseCommand

from server.processes.models import ProcessInstance

SERVICE_LINES = {
    "legal_aid": "legal_aid_application",
    "notary": "notary_intake",
    "mediation": "mediation",
    "complaints": "complaint",
}


class Command(BaseCommand):
    help = "Seed each service line's reference data and, unless cases exist already, its demo cases."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--per-line", type=int, default=80, help="cases per service line (default 80)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed, for a repeatable demo")
        parser.add_argument("--force", action="store_true", help="add cases even where some exist")

    def handle(self, *args, per_line: int, seed: int, force: bool, **options) -> None:
        # The back-dated cases fire hundreds of timers; their log lines would bury the logins.
        logger = logging.getLogger("lexflow.processes")
        level = logger.level
        logger.setLevel(logging.WARNING)
        try:
            self._seed(per_line=per_line, seed=seed, force=force)
        finally:
            logger.setLevel(level)

    def _seed(self, *, per_line: int, seed: int, force: bool) -> None:
        made_any = False
        for app, process in SERVICE_LINES.items():
            demo = importlib.import_module(f"server.{app}.demo")
            demo.seed_reference_data()
            if per_line <= 0:
                continue
            if not force and ProcessInstance.objects.filter(definition__key=process).exists():
                self.stdout.write(f"{process}: demo cases already there")
                continue
            started = time.monotonic()
            made = demo.seed_cases(count=per_line, rng=random.Random(f"{seed}-{app}"))
            made_any = made_any or bool(made)
            self.stdout.write(f"{process}: {made} demo cases ({time.monotonic() - started:.1f} s)")
        if made_any:
            from server.processes.demo import seed_operations

            for what in seed_operations():
                self.stdout.write(f"operations: {what}")
