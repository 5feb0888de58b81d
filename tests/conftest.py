"""Shared fixtures: demo organisations and users, API clients per user, a deployed test process."""

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


def pytest_runtest_setup(item):
    """`postgres_only` tests need PostgreSQL's row locks: skip them on SQLite."""
    import os

    on_postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    if item.get_closest_marker("postgres_only") and not on_postgres:
        pytest.skip("needs PostgreSQL: set DATABASE_URL")
