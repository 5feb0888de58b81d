"""Hooks for what happens after a case operation is committed.

Notifications do not exist yet (issue 14). Until they do, an urge (催办) shows as a flag on the
queue row; the notification work connects a receiver here and sends the reminder:

    @receiver(task_urged)
    def remind(sender, *, task_id: int, urged_by: int, note: str, **kwargs): ...

Each signal is sent with `transaction.on_commit`, so a receiver never sees an operation that
was rolled back, and a failing receiver cannot undo one that was not.
"""

from django.dispatch import Signal

# A task was urged: remind its assignee (or, unassigned, its queue). Sent once per urge.
task_urged = Signal()
