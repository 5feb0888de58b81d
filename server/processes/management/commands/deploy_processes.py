from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from server.processes.services import definitions_deploy
from workflows import DeployFailed

PROCESS_SUFFIXES = (".bpmn", ".dmn", ".json")


def package_folders(root: Path) -> list[Path]:
    """A folder holding a .bpmn file is one package (its forms may sit in a forms/ subfolder)."""
    if any(root.glob("*.bpmn")):
        return [root]
    return sorted({path.parent for path in root.glob("*/*.bpmn")})


def read_package(folder: Path) -> dict[str, bytes]:
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name.endswith(PROCESS_SUFFIXES):
            files[path.name] = path.read_bytes()
    return files


class Command(BaseCommand):
    help = (
        "Deploy the process packages under the given folders (default: bpmn/). Unchanged files are skipped."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("folders", nargs="*", default=["bpmn"])
        parser.add_argument("--public", action="store_true", help="let applicants start these processes")

    def handle(self, *args, folders: list[str], public: bool, **options) -> None:
        failed = False
        for root in map(Path, folders):
            if not root.exists():
                raise CommandError(f"{root} does not exist")
            for folder in package_folders(root):
                try:
                    outcomes = definitions_deploy(
                        files=read_package(folder), user=None, is_public=public or None
                    )
                except DeployFailed as exc:
                    failed = True
                    self.stderr.write(f"{folder}: not deployed")
                    for error in exc.errors:
                        self.stderr.write(
                            f"  {error.file}:{error.line or '-'} {error.element_id or ''} {error.message}"
                        )
                    continue
                for outcome in outcomes:
                    what = "deployed" if outcome.created else "unchanged"
                    self.stdout.write(f"{outcome.definition.key} v{outcome.definition.version}: {what}")
        if failed:
            raise CommandError("some packages failed to deploy")
