from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from server.audit.models import Event


def event_build(
    *,
    action: str,
    actor: AbstractBaseUser | None = None,
    instance: Any = None,
    task: Any = None,
    before: Any = None,
    after: Any = None,
    **detail: Any,
) -> Event:
    """An unsaved event, for writing several in one statement with `events_save`."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    return Event(
        action=action,
        actor=actor,
        instance=instance,
        task=task,
        data_before=before,
        data_after=after,
        detail=detail,
    )


def event_record(**fields: Any) -> Event:
    """Append one audit event. Call inside the transaction of the change it records."""
    event = event_build(**fields)
    event.save()
    return event


def events_save(events: list[Event]) -> None:
    """Append several events in one INSERT (bulk_create never updates, so append-only holds)."""
    if events:
        Event.objects.bulk_create(events)
