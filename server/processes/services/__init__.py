"""Writes of the processes app: deploy, start, claim, unclaim, complete, fire timers, versions.

Every write that touches a running instance follows one order, so nothing deadlocks and
a failure anywhere changes nothing: lock the instance row, restore the workflow from its
state, act, save the state with its serializer version, re-sync the task and timer rows,
append audit events — all in one transaction.
"""

from server.processes.services.deploy import DeployOutcome, definitions_deploy
from server.processes.services.instances import instance_start
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
    "MigrationReport",
    "definition_restore",
    "definition_retire",
    "definitions_deploy",
    "instance_start",
    "instances_migrate",
    "task_claim",
    "task_complete",
    "task_unclaim",
    "timers_fire_due",
]
