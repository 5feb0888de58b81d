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
from server.core.errors import InvalidInput
from server.processes.engine import engine, package_for
from server.processes.models import (
    InstanceStatus,
    ProcessDefinition,
    ProcessInstance,
)
from server.processes.services.forms import engine_failure, validate_form
from server.processes.services.sync import sync_rows
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
    """Start the latest version of `process` for `user` and run it until it waits."""
    definition = ProcessDefinition.objects.filter(key=process).order_by("-version").first()
    if definition is None:
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
    # Only the start form's fields (none without a start form); `case` is refused by name.
    validate_form(package, info.start_form if info else None, data)
    # What every diagram may rely on, set by the server alone.
    data = {
        **data,
        "case": {
            "process": definition.key,
            "organisation": organisation.code,
            "organisation_name": organisation.name,
            "started_at": timezone.localtime().isoformat(),
            "business_key": business_key or "",
        },
    }
    try:
        running = engine().start(package, definition.key, data)
        snapshot = running.snapshot()
    except EngineError as exc:
        raise engine_failure(exc) from exc
    instance = ProcessInstance.objects.create(
        definition=definition,
        business_key=business_key or "",
        organisation=organisation,
        org_path=organisation.path,
        applicant=user if not is_staff or user_has_role(user, Role.APPLICANT) else None,
        started_by=user,
        status=InstanceStatus.COMPLETED if snapshot.completed else InstanceStatus.RUNNING,
        completed_at=timezone.now() if snapshot.completed else None,
        state=snapshot.state,
        serializer_version=snapshot.serializer_version,
        data=snapshot.data,
    )
    numbered = not instance.business_key
    if numbered:
        # A case number people can read out on the phone: the day it was opened and its id.
        instance.business_key = f"{timezone.localdate():%Y%m%d}-{instance.pk:06d}"
    started = event_build(
        action="instance.started",
        actor=user,
        instance=instance,
        after=snapshot.data,
        process=definition.key,
        version=definition.version,
        steps=list(snapshot.steps),
    )
    derived = sync_rows(instance, snapshot, actor=user, events=[started], save_later=True)
    # One UPDATE for the case number and what the sync derived (stage, deadlines, timers).
    fields = {name: getattr(instance, name) for name in derived + (["business_key"] if numbered else [])}
    if fields:
        ProcessInstance.objects.filter(pk=instance.pk).update(**fields)
    from server.portal.services import instance_started  # the portal builds on processes, not the reverse

    # Links the uploads the form names (400 if one is not the caller's) and drops their draft.
    instance_started(
        instance=instance, user=user, package=package, form=info.start_form if info else None, data=data
    )
    return instance
