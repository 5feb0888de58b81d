"""Shared fixtures: demo organisations and users, API clients per user, a deployed test process."""

import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "server" / "fixtures"


def fixture_files(name: str) -> dict[str, bytes]:
    folder = FIXTURES / name
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with empty throttle counts (the cache is this process's memory)."""
    from django.core.cache import cache

    cache.clear()


def pytest_collection_modifyitems(config, items) -> None:
    """`postgres_only` tests (row locks, real threads racing) run in the PostgreSQL pass (DATABASE_URL
    set); on SQLite they are deselected, not skipped: CI runs them in its PostgreSQL pass."""
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return
    deselected = [item for item in items if "postgres_only" in item.keywords]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if "postgres_only" not in item.keywords]
