"""The process designer's checks and reads: validate a package without deploying it, the files of
a deployed version, and what changed between two versions of a process."""

from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from rest_framework.exceptions import NotFound

from server.core.errors import InvalidInput
from server.processes import services
from server.processes.engine import engine
from server.processes.models import ProcessDefinition
from workflows import DeployError, DeployFailed, DeployNote, PackageDiff, diff_packages


@dataclass(frozen=True)
class Validation:
    errors: list[DeployError]
    notes: list[DeployNote]  # what a deploy would translate from other tools' terms
    default_group_tasks: list[str]


def package_validate(
    *, files: Mapping[str, bytes], user: AbstractBaseUser, default_group: str = ""
) -> Validation:
    """Every problem a deploy of `files` would report, found by the deploy itself run dry, and
    when there is none, what it would translate."""
    try:
        services.definitions_deploy(files=files, user=user, dry_run=True, default_group=default_group)
    except DeployFailed as exc:
        return Validation(list(exc.errors), [], [])
    package = engine().compile(files, dry_run=True, default_group=default_group or None)
    return Validation([], list(package.notes), list(package.default_group_tasks))


def definition_version(key: str, version: int) -> ProcessDefinition:
    """One deployed version; 404 when there is no such version of the process."""
    definition = ProcessDefinition.objects.filter(key=key, version=version).first()
    if definition is None:
        raise NotFound("没有这个流程版本 / No such process version.")
    return definition


def _version_param(params: Mapping[str, str], name: str) -> int:
    raw = (params.get(name) or "").strip()
    if not raw:
        required = "必填 / This field is required."
        raise InvalidInput(f"{name}: {required}", {name: [required]})
    try:
        version = int(raw)
    except ValueError:
        version = 0
    if version < 1:
        message = "须为版本号（正整数）/ Must be a version number (a positive integer)."
        raise InvalidInput(f"{name}: {message}", {name: [message]})
    return version


def definitions_diff(*, key: str, params: Mapping[str, str]) -> tuple[int, int, PackageDiff]:
    """Versions `from` and `to` of process `key` (query parameters) and what changed between them.

    404 for an unknown process; 400 naming `from` or `to` for a missing or unknown version.
    """
    versions = dict(ProcessDefinition.objects.filter(key=key).values_list("version", "id"))
    if not versions:
        raise NotFound("没有这个流程 / No such process.")
    chosen = {name: _version_param(params, name) for name in ("from", "to")}
    errors = {
        name: [f"流程 {key} 没有版本 {number} / Process {key} has no version {number}."]
        for name, number in chosen.items()
        if number not in versions
    }
    if errors:
        field = next(iter(errors))
        raise InvalidInput(f"{field}: {errors[field][0]}", errors)
    old = ProcessDefinition.objects.get(pk=versions[chosen["from"]])
    new = ProcessDefinition.objects.get(pk=versions[chosen["to"]])
    return chosen["from"], chosen["to"], diff_packages(old.file_bytes(), new.file_bytes())
