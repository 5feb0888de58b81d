"""Writes of the processes app: deploy, start, claim, unclaim, complete, fire timers, deliver
messages and signals, start scheduled cases, move cases between versions.

Every write that touches a running instance does, in one transaction, so that a failure
anywhere changes nothing: lock the instance row, restore the workflow from its state, act,
save the state with its serializer version, re-sync the task and timer rows, append audit
events. The order its locks are taken in, which keeps concurrent operations from
deadlocking, is written down once, in `locks`.
"""

from server.processes.services.deploy import DeployOutcome, definitions_deploy
from server.processes.services.instances import instance_create, instance_start
from server.processes.services.messages import Sender, events_dispatch, message_deliver, signal_broadcast
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
    "events_dispatch",
    "instance_create",
    "instance_start",
    "instances_migrate",
    "message_deliver",
    "scheduled_starts_fire_due",
    "schedules_sync",
    "signal_broadcast",
    "task_claim",
    "task_complete",
    "task_unclaim",
    "timers_fire_due",
]
