from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from server.audit.models import Event


def event_record(
    *,
    action: str,
    actor: AbstractBaseUser | None = None,
    instance: Any = None,
    task: Any = None,
    before: Any = None,
    after: Any = None,
    **detail: Any,
) -> Event:
    """Append one audit event. Call inside the transaction of the change it records."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    return Event.objects.create(
        action=action,
        actor=actor,
        instance=instance,
        task=task,
        data_before=before,
        data_after=after,
        detail=detail,
    )
