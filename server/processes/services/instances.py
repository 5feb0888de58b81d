"""Starting instances."""

import logging
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from server.accounts.models import Organisation, Role
from server.accounts.selectors import (
    organisation_in_scope,
    user_has_role,
    user_is_staff_member,
    user_primary_organisation,
)
from server.audit.services import event_build
from server.core.errors import Conflict, InvalidInput
from server.processes.engine import engine, package_for
from server.processes.models import (
    InstanceStatus,
    ProcessDefinition,
    ProcessInstance,
)
from server.processes.selectors import definition_for_new_cases
from server.processes.services.forms import engine_failure, validate_form
from server.processes.services.sync import dispatch_sent, sync_rows
from workflows import EngineError

logger = logging.getLogger("lexflow.processes")


@transaction.atomic
def instance_start(
    *,
    process: str,
    user: AbstractBaseUser,
    data: Any,
    business_key: str = "",
    organisation: Organisation | None = None,
) -> ProcessInstance:
    """Start the latest version of `process` that is not retired for `user`; run it until it waits."""
    definition = definition_for_new_cases(process)
    if definition is None:
        if ProcessDefinition.objects.filter(key=process).exists():
            raise Conflict(
                f"流程 {process} 的所有版本均已停用 / Every version of {process!r} is retired; "
                "restore one or deploy a new version to start cases."
            )
        raise InvalidInput(f"No process named {process!r} is deployed.", {"process": ["Unknown process."]})
    is_staff = user_is_staff_member(user)
    if not definition.is_public and not is_staff:
        raise InvalidInput(
            f"Process {process!r} is not open to applicants.", {"process": ["Not open to applicants."]}
        )
    organisation = organisation or definition.organisation or user_primary_organisation(user)
    if organisation is None:
        raise InvalidInput(
            "Choose the organisation to apply to.", {"organisation": ["This field is required."]}
        )
    if not definition.is_public and not organisation_in_scope(user, organisation):
        raise InvalidInput(
            "You cannot start cases for that organisation.", {"organisation": ["Out of scope."]}
        )
    package = package_for(definition)
    info = package.processes.get(definition.key)
    if info is not None and info.start_events and info.starts_by("none") is None:
        raise InvalidInput(
            f"流程 {process} 由消息、信号或定时器启动，不能手工发起 / process {process!r} starts by a "
            "message, signal or timer, not by hand.",
            {"process": ["Starts by a message, signal or timer."]},
        )
    # Only the start form's fields (none without a start form); `case` is refused by name.
    validate_form(package, info.start_form if info else None, data)
    instance = instance_create(
        definition=definition,
        organisation=organisation,
        data=data,
        user=user,
        applicant=user if not is_staff or user_has_role(user, Role.APPLICANT) else None,
        business_key=business_key,
    )
    from server.portal.services import instance_started  # the portal builds on processes, not the reverse

    # Links the uploads the form names (400 if one is not the caller's) and drops their draft.
    instance_started(
        instance=instance, user=user, package=package, form=info.start_form if info else None, data=data
    )
    return instance


def instance_create(
    *,
    definition: ProcessDefinition,
    organisation: Organisation,
    data: dict[str, Any],
    user: AbstractBaseUser | None,
    applicant: AbstractBaseUser | None = None,
    business_key: str = "",
    start_event: str | None = None,
    payload: Any = None,
    correlation: dict[str, Any] | None = None,
    trigger: dict[str, Any] | None = None,
) -> ProcessInstance:
    """Create a case of `definition` and run it until it waits: the engine start, the row, its
    case number, its task, timer and subscription rows and the `instance.started` event.

    Call inside a transaction, with the data already checked. `start_event` begins the case
    at that start event (a message, signal or timer start) with `payload` as its data;
    `trigger` says in the audit event what started it.
    """
    # The row first: its id numbers the case, and the case number is in the case data from
    # the start (a court's message finds the case by it).
    instance = ProcessInstance.objects.create(
        definition=definition,
        business_key=business_key or "",
        organisation=organisation,
        org_path=organisation.path,
        applicant=applicant,
        started_by=user if user is not None and user.is_authenticated else None,
        state="",
        serializer_version="",
    )
    if not instance.business_key:
        # A case number people can read out on the phone: the day it was opened and its id.
        instance.business_key = f"{timezone.localdate():%Y%m%d}-{instance.pk:06d}"
    # What every diagram may rely on, set by the server alone.
    data = {
        **data,
        "case": {
            "process": definition.key,
            "organisation": organisation.code,
            "organisation_name": organisation.name,
            "started_at": timezone.localtime().isoformat(),
            "business_key": instance.business_key,
            **({"scheduled_for": trigger["occurrence"]} if trigger and "occurrence" in trigger else {}),
        },
    }
    package = package_for(definition)
    try:
        running = engine().start(
            package, definition.key, data, start_event=start_event, payload=payload, correlation=correlation
        )
        snapshot = running.snapshot()
    except EngineError as exc:
        raise engine_failure(exc) from exc
    instance.state = snapshot.state
    instance.serializer_version = snapshot.serializer_version
    instance.data = snapshot.data
    if snapshot.completed:
        instance.status = InstanceStatus.COMPLETED
        instance.completed_at = timezone.now()
    started = event_build(
        action="instance.started",
        actor=user,
        instance=instance,
        after=snapshot.data,
        process=definition.key,
        version=definition.version,
        steps=list(snapshot.steps),
        **({"trigger": trigger} if trigger else {}),
    )
    derived = sync_rows(instance, snapshot, actor=user, events=[started], save_later=True)
    # One UPDATE for the engine state, the case number and what the sync derived.
    fields = ["state", "serializer_version", "data", "status", "completed_at", "business_key", *derived]
    ProcessInstance.objects.filter(pk=instance.pk).update(
        **{name: getattr(instance, name) for name in fields}
    )
    dispatch_sent(instance, snapshot)
    return instance
