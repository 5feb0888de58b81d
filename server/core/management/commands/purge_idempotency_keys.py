from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from server.core.idempotency import idempotency_keys_purge


class Command(BaseCommand):
    help = (
        "Delete Idempotency-Key answers older than --hours (default LEXFLOW_IDEMPOTENCY_KEY_HOURS). "
        "Keyed requests do this at most hourly on their own."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--hours", type=int, default=None)

    def handle(self, *args, hours: int | None, **options) -> None:
        hours = settings.LEXFLOW["IDEMPOTENCY_KEY_HOURS"] if hours is None else hours
        purged = idempotency_keys_purge(older_than=timedelta(hours=hours))
        self.stdout.write(f"deleted {purged} idempotency key(s) older than {hours} hours")
