"""Lexflow's engine layer: the only package that imports SpiffWorkflow, and it never imports Django.

The server talks to it through `Engine` and the plain dataclasses in `workflows.api`.
"""

from workflows.api import (
    TASK_ACTIONS,
    CannotReset,
    DeployError,
    DeployFailed,
    DocumentDue,
    ElementChange,
    ElementRef,
    ElementStates,
    EngineError,
    FlowAnnotation,
    HumanTaskSpec,
    MilestoneReached,
    PackageDiff,
    ProcessInfo,
    ProcessPackage,
    ReadyTask,
    ReturnTarget,
    ServiceParams,
    Snapshot,
    TaskNotReady,
    WaitingTimer,
)
from workflows.diff import diff_packages
from workflows.engine import Engine, Instance

__all__ = [
    "TASK_ACTIONS",
    "CannotReset",
    "DeployError",
    "DeployFailed",
    "DocumentDue",
    "ElementChange",
    "ElementRef",
    "ElementStates",
    "Engine",
    "FlowAnnotation",
    "EngineError",
    "HumanTaskSpec",
    "MilestoneReached",
    "Instance",
    "ProcessInfo",
    "PackageDiff",
    "ProcessPackage",
    "ReadyTask",
    "ReturnTarget",
    "ServiceParams",
    "Snapshot",
    "TaskNotReady",
    "WaitingTimer",
    "diff_packages",
]
