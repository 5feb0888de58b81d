"""Deploying a package of process files as new versions."""

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from server.accounts.models import Organisation
from server.audit.services import event_record
from server.processes.engine import engine
from server.processes.models import (
    ProcessDefinition,
)
from server.processes.services.schedules import schedules_sync
from workflows import DeployFailed

logger = logging.getLogger("lexflow.processes")


@dataclass(frozen=True)
class DeployOutcome:
    definition: ProcessDefinition
    created: bool


@transaction.atomic
def definitions_deploy(
    *,
    files: Mapping[str, bytes],
    user: AbstractBaseUser | None,
    is_public: bool | None = None,
    organisation: Organisation | None = None,
    dry_run: bool = False,
    default_group: str = "",
) -> list[DeployOutcome]:
    """Deploy a package of process files. Raises `DeployFailed` with every problem found.

    Identical files to the latest version of a process are a no-op; changed files become
    version n+1. Running instances stay on the version they started with. `dry_run` runs
    every check a deploy runs and stops there: nothing is stored, nothing is returned.
    Service tasks must call a registered service with the parameters it declares.

    Files drawn in other tools are translated where the meaning is clear (their `notes` say
    what); `default_group` is the role offered human tasks with neither lane nor candidate
    group. It is kept with the version when some task needed it.
    """
    package = engine().compile(files, dry_run=dry_run, deploying=True, default_group=default_group or None)
    from server.documents.services import deploy_errors  # documents build on processes, not the reverse

    notice_errors = [
        error for process_id in package.processes for error in deploy_errors(package, process_id)
    ]
    if notice_errors:
        raise DeployFailed(notice_errors)
    if dry_run:
        return []
    outcomes = []
    texts = {name: content.decode("utf-8") for name, content in package.files.items()}
    for process_id, info in sorted(package.processes.items()):
        latest = (
            ProcessDefinition.objects.select_for_update().filter(key=process_id).order_by("-version").first()
        )
        if latest is not None and latest.digest == package.digest:
            changed = []
            if is_public is not None and latest.is_public != is_public:
                latest.is_public = is_public
                changed.append("is_public")
            if organisation is not None and latest.organisation_id != organisation.pk:
                latest.organisation = organisation
                changed.append("organisation")
            if changed:
                latest.save(update_fields=changed)
            outcomes.append(DeployOutcome(latest, created=False))
            continue
        definition = ProcessDefinition.objects.create(
            key=process_id,
            version=(latest.version + 1) if latest else 1,
            name=info.name or process_id,
            digest=package.digest,
            files=texts,
            is_public=is_public if is_public is not None else (latest.is_public if latest else False),
            organisation=organisation or (latest.organisation if latest else None),
            deployed_by=user if user is not None and user.is_authenticated else None,
            default_group=package.default_group or "",
        )
        event_record(
            action="process.deployed",
            actor=user,
            key=process_id,
            version=definition.version,
            digest=package.digest,
            files=sorted(texts),
            default_group=package.default_group or "",
            translated=len(package.notes),
        )
        outcomes.append(DeployOutcome(definition, created=True))
        schedules_sync(key=process_id, user=user)  # its timer start events, if any
    return outcomes
