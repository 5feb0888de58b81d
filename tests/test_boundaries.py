"""The engine boundary: only workflows/ imports SpiffWorkflow, and workflows/ never imports Django."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(folder: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in folder.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = {node.module}
            else:
                continue
            found.setdefault(str(path.relative_to(ROOT)), set()).update(names)
    return found


@pytest.mark.parametrize(("folder", "forbidden"), [("server", "SpiffWorkflow"), ("workflows", "django")])
def test_package_never_imports_the_forbidden_library(folder, forbidden):
    offenders = {
        path: sorted(name for name in names if name.split(".")[0] == forbidden)
        for path, names in imported_modules(ROOT / folder).items()
    }
    offenders = {path: names for path, names in offenders.items() if names}
    assert offenders == {}, f"{folder}/ must not import {forbidden}: {offenders}"


def test_the_check_sees_imports_at_all():
    """Guard against a scan that finds nothing and so can never fail."""
    assert any("workflows" in names for names in imported_modules(ROOT / "server").values())
    workflow_imports = {name for names in imported_modules(ROOT / "workflows").values() for name in names}
    assert any(name.startswith("SpiffWorkflow") for name in workflow_imports)
