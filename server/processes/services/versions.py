"""Versions of a process: retiring and restoring one, and moving running cases between them."""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from rest_framework.exceptions import NotFound

from server.audit.services import event_build, event_record
from server.core.errors import InvalidInput
from server.processes.engine import engine, package_for
from server.processes.models import InstanceStatus, ProcessDefinition, ProcessInstance
from server.processes.services.locks import instance_locked
from server.processes.services.schedules import schedules_sync
from server.processes.services.sync import save_snapshot, sync_rows
from workflows import ElementRef, EngineError, MigrationOutcome, RemovedStep

logger = logging.getLogger("lexflow.processes")

Outcome = Literal["movable", "moved", "refused", "failed"]


# ---------------------------------------------------------------------------------------------
# Retire and restore


def _version(key: str, version: int) -> ProcessDefinition:
    definition = ProcessDefinition.objects.select_for_update().filter(key=key, version=version).first()
    if definition is None:
        raise NotFound("没有这个流程版本 / No such process version.")
    return definition


@transaction.atomic
def definition_retire(*, key: str, version: int, user: AbstractBaseUser) -> ProcessDefinition:
    """Retire a version: it starts no new cases; the cases running on it go on. Idempotent."""
    definition = _version(key, version)
    if not definition.retired:
        definition.retired = True
        definition.save(update_fields=["retired"])
        event_record(action="process.retired", actor=user, key=key, version=version)
        schedules_sync(key=key, user=user)  # scheduled starts follow the version in force
    return definition


@transaction.atomic
def definition_restore(*, key: str, version: int, user: AbstractBaseUser) -> ProcessDefinition:
    """Undo a retirement: the version may start cases again (if it is the latest not retired)."""
    definition = _version(key, version)
    if definition.retired:
        definition.retired = False
        definition.save(update_fields=["retired"])
        event_record(action="process.restored", actor=user, key=key, version=version)
        schedules_sync(key=key, user=user)
    return definition


# ---------------------------------------------------------------------------------------------
# Migration


@dataclass
class CaseMigration:
    """What a migration run says about one case."""

    id: int
    outcome: Outcome
    business_key: str = ""
    stage: str = ""
    reason: str = ""
    current: tuple[ElementRef, ...] = ()
    removed: tuple[RemovedStep, ...] = ()
    mapped: dict[str, str] = field(default_factory=dict)
    changes: tuple[str, ...] = ()


@dataclass
class MigrationReport:
    key: str
    from_version: int
    to_version: int
    dry_run: bool
    mapping: dict[str, str]
    cases: list[CaseMigration]
    targets: tuple[ElementRef, ...]  # the new version's steps a removed step may be mapped to

    def with_outcome(self, outcome: Outcome) -> list[CaseMigration]:
        return [case for case in self.cases if case.outcome == outcome]


def _versions(key: str, from_version: int, to_version: int) -> tuple[ProcessDefinition, ProcessDefinition]:
    found = {
        d.version: d
        for d in ProcessDefinition.objects.filter(key=key, version__in=[from_version, to_version])
    }
    if not ProcessDefinition.objects.filter(key=key).exists():
        raise NotFound("没有这个流程 / No such process.")
    errors = {
        name: [f"流程 {key} 没有版本 {number} / Process {key} has no version {number}."]
        for name, number in (("from_version", from_version), ("to_version", to_version))
        if number not in found
    }
    if not errors and from_version == to_version:
        errors["to_version"] = ["须与原版本不同 / Must differ from from_version."]
    if not errors and found[to_version].retired:
        errors["to_version"] = [
            f"版本 {to_version} 已停用，请先恢复 / Version {to_version} is retired; restore it first."
        ]
    if errors:
        name = next(iter(errors))
        raise InvalidInput(f"{name}: {errors[name][0]}", errors)
    return found[from_version], found[to_version]


def instances_migrate(
    *,
    key: str,
    from_version: int,
    to_version: int,
    instances: Sequence[int] | Literal["all"],
    mapping: Mapping[str, str],
    dry_run: bool,
    user: AbstractBaseUser,
) -> MigrationReport:
    """Check, or move, running cases of `key` from one version to another.

    For each case: whether it can move (every step where it stands exists in the new version,
    or `mapping` sends it to one) and what changes. Unless `dry_run`, each movable case is
    moved in its own transaction, the instance row locked first as every writer does, and
    checked again under that lock (a person may have completed a task meanwhile): restore,
    migrate through the engine, save, re-sync the task and timer rows, audit from/to.
    """
    old, new = _versions(key, from_version, to_version)
    old_package, new_package = package_for(old), package_for(new)
    mapping = dict(mapping)
    problems = engine().mapping_errors(old_package, new_package, key, mapping)
    if problems:
        errors = {f"mapping.{source}": [message] for source, message in problems.items()}
        name = min(errors)
        raise InvalidInput(f"{name}: {errors[name][0]}", errors)

    cases: list[CaseMigration] = []
    if instances == "all":
        ids = list(
            ProcessInstance.objects.filter(definition=old, status=InstanceStatus.RUNNING)
            .order_by("id")
            .values_list("id", flat=True)
        )
    else:
        ids = list(dict.fromkeys(instances))
    for instance_id in ids:
        if dry_run:
            cases.append(_check_one(instance_id, old, new, mapping))
        else:
            cases.append(_move_one(instance_id, old, new, mapping, user))
    return MigrationReport(
        key=key,
        from_version=from_version,
        to_version=to_version,
        dry_run=dry_run,
        mapping=mapping,
        cases=cases,
        targets=_targets(new),
    )


def _refusal(instance: ProcessInstance | None, instance_id: int, old: ProcessDefinition) -> str | None:
    if instance is None:
        return "没有这个案件 / No such case."
    if instance.definition_id != old.pk:
        return (
            f"案件在版本 {instance.definition.version} 上，不在版本 {old.version} / The case is on version "
            f"{instance.definition.version}, not {old.version}."
        )
    if instance.status != InstanceStatus.RUNNING:
        return f"案件不在办理中（{instance.status}）/ The case is not running ({instance.status})."
    return None


def _case(
    instance: ProcessInstance, outcome: Outcome, result: MigrationOutcome | None, reason: str = ""
) -> CaseMigration:
    return CaseMigration(
        id=instance.pk,
        outcome=outcome,
        business_key=instance.business_key,
        stage=instance.stage,
        reason=reason or (result.reason or "" if result is not None else ""),
        current=result.current if result is not None else (),
        removed=result.removed if result is not None else (),
        mapped=dict(result.mapped) if result is not None else {},
        changes=result.changes if result is not None else (),
    )


def _load(instance_id: int, *, lock: bool) -> ProcessInstance | None:
    if lock:
        return instance_locked(instance_id)
    query = ProcessInstance.objects.select_related("definition").defer("definition__files")
    return query.filter(pk=instance_id).first()


def _check_one(
    instance_id: int, old: ProcessDefinition, new: ProcessDefinition, mapping: dict[str, str]
) -> CaseMigration:
    instance = _load(instance_id, lock=False)
    refused = _refusal(instance, instance_id, old)
    if refused:
        return CaseMigration(id=instance_id, outcome="refused", reason=refused)
    try:
        result = engine().migrate(package_for(old), package_for(new), instance.state, mapping)
    except Exception as exc:  # noqa: BLE001 - a case the check cannot read is reported, not a 500
        if not isinstance(exc, EngineError):
            logger.exception("instance %s could not be checked for %s v%s", instance_id, new.key, new.version)
        return _case(instance, "failed", None, str(exc))
    return _case(instance, "movable" if result.movable else "refused", result)


def _move_one(
    instance_id: int,
    old: ProcessDefinition,
    new: ProcessDefinition,
    mapping: dict[str, str],
    user: AbstractBaseUser,
) -> CaseMigration:
    try:
        with transaction.atomic():
            instance = _load(instance_id, lock=True)
            refused = _refusal(instance, instance_id, old)
            if refused:
                return CaseMigration(id=instance_id, outcome="refused", reason=refused)
            result = engine().migrate(package_for(old), package_for(new), instance.state, mapping)
            if not result.movable:
                return _case(instance, "refused", result)
            snapshot = result.instance.snapshot()
            before = instance.data
            instance.definition = new
            moved = event_build(
                action="instance.migrated",
                actor=user,
                instance=instance,
                before=before,
                after=snapshot.data,
                process=new.key,
                from_version=old.version,
                to_version=new.version,
                mapping=dict(result.mapped),
                changes=list(result.changes),
                steps=list(snapshot.steps),
            )
            sync_rows(instance, snapshot, actor=user, events=[moved], save_later=True, refresh=True)
            save_snapshot(instance, snapshot, fields=["definition"])
            logger.info(
                "instance %s moved from %s v%s to v%s", instance.pk, new.key, old.version, new.version
            )
            return _case(instance, "moved", result)
    except Exception as exc:  # noqa: BLE001 - one case failing must not stop the others
        if isinstance(exc, EngineError):
            logger.warning(
                "instance %s could not be moved to %s v%s: %s", instance_id, new.key, new.version, exc
            )
        else:
            logger.exception("instance %s could not be moved to %s v%s", instance_id, new.key, new.version)
        failed = _load(instance_id, lock=False)
        return CaseMigration(
            id=instance_id,
            outcome="failed",
            business_key=failed.business_key if failed else "",
            stage=failed.stage if failed else "",
            reason=str(exc),
        )


def _targets(new: ProcessDefinition) -> tuple[ElementRef, ...]:
    """The steps of the new version a case may be sent to: its tasks and catching events."""
    return engine().migration_targets(package_for(new), new.key)
