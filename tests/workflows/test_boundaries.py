"""The engine package stays independent of Django."""

from __future__ import annotations

import ast
from pathlib import Path

import workflows

PACKAGE = Path(workflows.__file__).resolve().parent


def test_no_module_in_workflows_imports_django() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            offenders += [
                f"{path.name}:{node.lineno} {n}"
                for n in names
                if n.split(".")[0] in {"django", "rest_framework"}
            ]
    assert offenders == []
