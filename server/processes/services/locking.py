"""The first step of every write to a case: lock its instance row, then read it."""

from django.db.models import QuerySet

from server.processes.models import ProcessInstance


def instance_locked(instance_id: int) -> ProcessInstance | None:
    """Lock the instance row (waiting for whoever holds it), then read it with its definition.

    The lock is taken by a query on the row alone, and the row is read by a second query once
    it is held. A locking query that joins other tables (the definition, say) is re-checked by
    PostgreSQL, after the lock holder commits, against the joined rows as they were before: a
    case moved to another version meanwhile would seem to have vanished.
    """
    if not ProcessInstance.objects.select_for_update().filter(pk=instance_id).values_list("pk").exists():
        return None
    return _with_relations().filter(pk=instance_id).first()


def _with_relations() -> QuerySet[ProcessInstance]:
    return (
        ProcessInstance.objects.select_related("definition", "organisation", "applicant")
        # The files are only read to compile, once per version.
        .defer("definition__files")
    )
