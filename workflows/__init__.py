"""Lexflow's engine layer: the only package that imports SpiffWorkflow, and it never imports Django.

The server talks to it through `Engine` and the plain dataclasses in `workflows.api`.
"""

from workflows.api import (
    DeployError,
    DeployFailed,
    DocumentDue,
    EngineError,
    FlowAnnotation,
    HumanTaskSpec,
    MilestoneReached,
    ProcessInfo,
    ProcessPackage,
    ReadyTask,
    Snapshot,
    TaskNotReady,
    WaitingTimer,
)
from workflows.engine import Engine, Instance

__all__ = [
    "DeployError",
    "DeployFailed",
    "DocumentDue",
    "Engine",
    "FlowAnnotation",
    "EngineError",
    "HumanTaskSpec",
    "MilestoneReached",
    "Instance",
    "ProcessInfo",
    "ProcessPackage",
    "ReadyTask",
    "Snapshot",
    "TaskNotReady",
    "WaitingTimer",
]
