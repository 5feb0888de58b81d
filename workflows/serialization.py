"""Instance state <-> JSON, without the process spec (ENGINE-NOTES trap 7).

SpiffWorkflow embeds the whole spec (and every called subprocess spec) in each
serialized workflow, about half the bytes. A deployed package's specs never change, so
we store instance state without them and re-insert the package's spec dicts on restore.
The state keeps `serializer_version`, and the library's migration chain runs on the
re-assembled dict, so state saved by an older SpiffWorkflow still upgrades on load.
"""

from __future__ import annotations

import json
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from workflows import dmn
from workflows.events import SERIALIZER_CLASSES

# One registry for the process: building it is not free and it holds no per-call state
# apart from an encoder flag that serialize_json toggles (see `dumps`). Lexflow's own event
# definitions (workflows.events) and business rule task (DMN 1.3 hit policies, workflows.dmn)
# are registered in place of or beside SpiffWorkflow's.
SERIALIZER = BpmnWorkflowSerializer(
    BpmnWorkflowSerializer.configure(dmn.configure({**SPIFF_CONFIG, **SERIALIZER_CLASSES}))
)
VERSION: str = SERIALIZER.VERSION
SPEC_KEYS = ("spec", "subprocess_specs")


def spec_json(spec: Any, subprocess_specs: dict[str, Any]) -> str:
    """The serialized process spec and its called specs, computed once per package.

    Kept as a JSON string: from_dict mutates what it is given, and json.loads is the
    cheapest fresh copy per restore.
    """
    return json.dumps(
        {
            "spec": SERIALIZER.to_dict(spec),
            "subprocess_specs": {name: SERIALIZER.to_dict(s) for name, s in subprocess_specs.items()},
        }
    )


def dumps(workflow: BpmnWorkflow, *, with_spec: bool = False, extra: dict[str, Any] | None = None) -> str:
    """Workflow state as JSON; without the spec unless asked (used to measure the difference)."""
    dct = SERIALIZER.to_dict(workflow)
    dct.update(extra or {})
    if not with_spec:
        for key in SPEC_KEYS:
            dct.pop(key, None)
    dct[SERIALIZER.VERSION_KEY] = VERSION
    return json.dumps(dct, separators=(",", ":"))


def loads(dct: dict[str, Any], specs: str, script_engine: Any) -> BpmnWorkflow:
    """Restore a workflow from parsed `dumps` output (consumed), re-inserting the package's spec dicts."""
    for key in [k for k in dct if k.startswith("lexflow_")]:
        dct.pop(key)  # our own bookkeeping, not SpiffWorkflow's
    if "spec" not in dct:
        dct.update(json.loads(specs))
    SERIALIZER.migrate(dct)
    workflow = SERIALIZER.from_dict(dct)
    workflow.script_engine = script_engine
    return workflow
