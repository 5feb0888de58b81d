import json as jsonlib

from django.core.management.base import BaseCommand, CommandError

from server.audit.models import Verification
from server.audit.services import audit_verify


class Command(BaseCommand):
    help = (
        "Walk the audit log's hash chain from its first event and report the first event whose "
        "content, order or presence does not match (exit status 1), else the head it reached. "
        "The result is recorded, as the document worker's daily run is."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, json: bool = False, **options) -> None:  # noqa: A002
        verification = audit_verify(by=Verification.By.COMMAND)
        report = verification.report.as_dict()
        if json:
            self.stdout.write(_dumps(report))
        elif verification.ok:
            head = report["head"] or {"seq": 0, "hash": "-"}
            self.stdout.write(
                f"audit chain whole: {verification.checked} events, head seq {head['seq']} {head['hash']}"
            )
        if not verification.ok:
            bad = report["first_bad"]
            raise CommandError(
                f"audit chain broken after {verification.checked} events: event {bad['id']} "
                f"(seq {bad['seq']}, {bad['at']}): {bad['problem']}: {bad['message']}"
            )


def _dumps(value) -> str:
    return jsonlib.dumps(value, ensure_ascii=False, indent=2)
