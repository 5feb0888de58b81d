"""The one lock order. Every write that touches a case takes its row locks in this order:

0. the request's `Idempotency-Key` row, when it carries one (`server.core.idempotency`): a
   retry waits there for the attempt still running, before it touches the case;
1. the case: its `ProcessInstance` row, `SELECT … FOR UPDATE` (`case_locked`, `task_locked`,
   or the timer sweep's `SKIP LOCKED` pick). One case per transaction;
2. that case's `HumanTask` and `Timer` rows, and the rows that only belong to it (documents,
   attachments being linked, audit events, a rating): written only while 1 is held;
3. shared reference rows a service task picks from (lawyers, mediators, notaries' memberships,
   acceptance counters), in primary-key order (`server.core.db.lock_in_order`).

Why it matters: a deadlock is a cycle of transactions each waiting for a row another holds.
A case's own rows (2) are only ever locked by the holder of the case (1), and a transaction
holds one case at most, so it can wait for another only on a key row (before any case) or on
a case, or on reference rows (taken last, in one order): no cycle can form. Writing a task row
without its case first breaks that: a claim that updated the task and then inserted its audit
event (whose foreign key takes a share lock on the case) deadlocked with a completion or a
timer holding the case and waiting for the task, and one of them ended in "deadlock detected"
(issue 10). With the case locked first, the later of two operations waits for the earlier to
commit and then sees its outcome: a 409 for a person, nothing left to do for the timer worker.

What writes outside these operations touches no case row and waits for none: a document's
PDF is filled in by one UPDATE of that document alone, the purge of uploads on no case skips
locked rows, and the demo seeding goes through these same services.

On SQLite one writing transaction runs at a time (IMMEDIATE), so the order costs nothing there.
"""

from django.contrib.auth.models import AbstractBaseUser
from rest_framework.exceptions import NotFound

from server.processes.models import HumanTask, ProcessInstance
from server.processes.selectors import task_is_visible_to


def case_locked(instance_id: int) -> ProcessInstance:
    """The case row, locked until the transaction ends; a fresh read of it (status, data)."""
    return (
        ProcessInstance.objects.select_for_update(of=("self",))
        .select_related("definition", "organisation", "applicant")
        .defer("definition__files")  # the files are only read to compile, once per version
        .get(pk=instance_id)
    )


def instance_locked(instance_id: int) -> ProcessInstance | None:
    """Lock the instance row (waiting for whoever holds it), then read it with its definition.

    The lock is taken by a query on the row alone, and the row is read by a second query once
    it is held. A locking query that joins other tables (the definition, say) is re-checked by
    PostgreSQL, after the lock holder commits, against the joined rows as they were before: a
    case moved to another version meanwhile would seem to have vanished.
    """
    if not ProcessInstance.objects.select_for_update().filter(pk=instance_id).values_list("pk").exists():
        return None
    return (
        ProcessInstance.objects.select_related("definition", "organisation", "applicant")
        .defer("definition__files")  # the files are only read to compile, once per version
        .filter(pk=instance_id)
        .first()
    )


def task_locked(task_id: int, user: AbstractBaseUser) -> tuple[ProcessInstance, HumanTask]:
    """Lock the task's case, then the task, and read both afresh under those locks.

    Raises NotFound when there is no such task or the user may not see it, so a stranger
    learns nothing about it.
    """
    instance_id = HumanTask.objects.filter(pk=task_id).values_list("instance_id", flat=True).first()
    instance = instance_locked(instance_id) if instance_id is not None else None
    if instance is None:
        raise NotFound("No such task.")
    task = HumanTask.objects.select_for_update(of=("self",)).select_related("assignee").get(pk=task_id)
    task.instance = instance
    if not task_is_visible_to(task, user):
        raise NotFound("No such task.")
    return instance, task
