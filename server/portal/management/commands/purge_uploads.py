from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from server.portal.services import attachments_purge_unlinked


class Command(BaseCommand):
    help = (
        "Delete uploads that reached no case and are named by no draft, older than --days "
        "(default LEXFLOW_UNLINKED_UPLOAD_DAYS). The timer worker does this hourly."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args, days: int | None, **options) -> None:
        days = settings.LEXFLOW["UNLINKED_UPLOAD_DAYS"] if days is None else days
        purged = attachments_purge_unlinked(older_than=timedelta(days=days))
        self.stdout.write(f"deleted {purged} upload(s) on no case for {days} days")
