"""Lexflow's engine layer: the only package that imports SpiffWorkflow, and it never imports Django.

The server talks to it through `Engine` and the plain dataclasses in `workflows.api`.
"""

from workflows.api import (
    DeployError,
    DeployFailed,
    DeployNote,
    DocumentDue,
    ElementChange,
    ElementRef,
    ElementStates,
    EngineError,
    FlowAnnotation,
    HumanTaskSpec,
    MigrationOutcome,
    MilestoneReached,
    PackageDiff,
    ProcessInfo,
    ProcessPackage,
    ReadyTask,
    RemovedStep,
    ServiceParams,
    Snapshot,
    TaskNotReady,
    WaitingTimer,
)
from workflows.diff import diff_packages
from workflows.engine import Engine, Instance

__all__ = [
    "DeployError",
    "DeployFailed",
    "DeployNote",
    "DocumentDue",
    "ElementChange",
    "ElementRef",
    "ElementStates",
    "Engine",
    "FlowAnnotation",
    "EngineError",
    "HumanTaskSpec",
    "MigrationOutcome",
    "MilestoneReached",
    "Instance",
    "ProcessInfo",
    "PackageDiff",
    "ProcessPackage",
    "ReadyTask",
    "RemovedStep",
    "ServiceParams",
    "Snapshot",
    "TaskNotReady",
    "WaitingTimer",
    "diff_packages",
]
