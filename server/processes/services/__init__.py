"""Writes of the processes app, by family: deploy, start, tasks (claim, unclaim, complete),
timers, messages and signals, scheduled starts, moving cases between versions, operations on
tasks (transfer, delegate, return, withdraw, comment, copy, urge, assign, consult,
substitutes), operations on cases (cancel, withdraw, suspend, resume, data) and incidents.

Every write that touches a running instance does, in one transaction, so that a failure
anywhere changes nothing: lock the instance row, restore the workflow from its state, act,
save the state with its serializer version, re-sync the task and timer rows, append audit
events. The order its locks are taken in, which keeps concurrent operations from
deadlocking, is written down once, in `locks`.
"""

from server.processes.services.cases import (
    instance_cancel,
    instance_data_change,
    instance_resume,
    instance_suspend,
    instance_withdraw,
    instances_resume_due,
)
from server.processes.services.deploy import DeployOutcome, definitions_deploy
from server.processes.services.incidents import (
    incident_open,
    incident_resolve,
    incident_retry,
    register_incident_retry,
)
from server.processes.services.instances import instance_create, instance_start
from server.processes.services.messages import Sender, events_dispatch, message_deliver, signal_broadcast
from server.processes.services.operations import (
    substitute_create,
    substitute_delete,
    task_assign,
    task_comment_add,
    task_consult,
    task_copy,
    task_delegate,
    task_resolve,
    task_return,
    task_transfer,
    task_urge,
    task_withdraw,
    tasks_bulk,
)
from server.processes.services.schedules import scheduled_starts_fire_due, schedules_sync
from server.processes.services.tasks import task_claim, task_complete, task_unclaim
from server.processes.services.timers import timers_fire_due
from server.processes.services.versions import (
    MigrationReport,
    definition_restore,
    definition_retire,
    instances_migrate,
)
from workflows import DeployFailed

__all__ = [
    "DeployFailed",
    "DeployOutcome",
    "definition_restore",
    "definition_retire",
    "MigrationReport",
    "Sender",
    "definitions_deploy",
    "incident_open",
    "incident_resolve",
    "incident_retry",
    "instance_cancel",
    "instance_data_change",
    "instance_resume",
    "instance_start",
    "instance_suspend",
    "instance_withdraw",
    "instances_resume_due",
    "register_incident_retry",
    "substitute_create",
    "substitute_delete",
    "task_assign",
    "events_dispatch",
    "instance_create",
    "instances_migrate",
    "message_deliver",
    "scheduled_starts_fire_due",
    "schedules_sync",
    "signal_broadcast",
    "task_claim",
    "task_comment_add",
    "task_complete",
    "task_consult",
    "task_copy",
    "task_delegate",
    "task_resolve",
    "task_return",
    "task_transfer",
    "task_unclaim",
    "task_urge",
    "task_withdraw",
    "tasks_bulk",
    "timers_fire_due",
]
