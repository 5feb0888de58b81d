"""Every change made in the Django admin leaves an audit event, in the same transaction.

The admin writes a LogEntry for each addition, change and deletion it makes (inside the
transaction of the change); each one becomes an `admin.added` / `admin.changed` /
`admin.deleted` event naming the model, the object and the fields changed, linked to the case
when the object is a case, one of its tasks or one of its timers. The case pages themselves
are read-only in the admin; this covers whatever the admin can still change.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry

from server.audit.services import event_record

ACTIONS = {ADDITION: "admin.added", CHANGE: "admin.changed", DELETION: "admin.deleted"}


def _case_of(entry: LogEntry) -> Any:
    from server.processes.models import HumanTask, ProcessInstance, Timer

    model = entry.content_type.model_class() if entry.content_type_id else None
    if model is None or not entry.object_id:
        return None
    if model is ProcessInstance:
        return ProcessInstance.objects.filter(pk=entry.object_id).first()
    if model in (HumanTask, Timer):
        row = model.objects.filter(pk=entry.object_id).select_related("instance").first()
        return row.instance if row is not None else None
    return None


def admin_change_recorded(sender: type, instance: LogEntry, created: bool, **kwargs: Any) -> None:
    if not created:
        return
    content_type = instance.content_type
    event_record(
        action=ACTIONS.get(instance.action_flag, "admin.changed"),
        actor=instance.user,
        instance=_case_of(instance),
        model=f"{content_type.app_label}.{content_type.model}" if content_type else None,
        object_id=str(instance.object_id) if instance.object_id is not None else None,
        object_repr=instance.object_repr,
        change=instance.get_change_message(),
        change_message=instance.change_message,
    )
