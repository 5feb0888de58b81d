from django.core.management.base import BaseCommand

from server.processes.services.sync import instances_resync


class Command(BaseCommand):
    help = (
        "Write the subscription and timer rows running cases imply but predate (cases that reached a "
        "message wait or an event-based gateway before Lexflow tracked them). Safe to run again."
    )

    def handle(self, *args, **options) -> None:
        changed = instances_resync()
        self.stdout.write(f"{changed} running case(s) had rows added or withdrawn")
